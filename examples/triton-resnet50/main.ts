/**
 * ResNet50 (TorchScript) on NVIDIA Triton, served two ways from one model repository:
 *
 * - `resnet50`: always on, for the steady daytime traffic. A Deployment of 2 to 8 replicas on L4 GPUs, scaled by
 *   the time requests wait in Triton's queue (CPU as fallback), a PodDisruptionBudget and spread across nodes.
 * - `resnet50-burst`: Knative, scaling to zero, for the nightly batch jobs; gRPC (h2c) on port 8001.
 *
 * The model: `platform: pytorch_libtorch`, `max_batch_size: 32`, INPUT__0 FP32 [3,224,224], OUTPUT__0 FP32 [1000],
 * two instances on GPU 0, dynamic batching towards 4, 8 or 16 requests within 100 ms. Its TorchScript file lives in
 * MinIO at `models/triton/resnet50/1/model.pt` and is copied into the pod before Triton starts; the config.pbtxt is
 * rendered, checked and shipped in a ConfigMap.
 */
import { App, AppProps, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Cpu, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  GpuNodePool, GpuProduct, InstanceGroupKind, KnativeFeatures, ModelArtifactSource, ModelPlatform, ServingProtocol,
  TensorDataType, TritonKnativeService, TritonModelRepo, TritonServer,
} from '../../src';

export class TritonResnet50Chart extends Chart {
  public readonly repository: TritonModelRepo;
  public readonly server: TritonServer;
  public readonly burst: TritonKnativeService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'ml-serving', ...props });

    this.repository = new TritonModelRepo(this, 'models', {
      metadata: { name: 'resnet50-models' },
      artifacts: ModelArtifactSource.fromS3({
        endpoint: 'http://minio.minio.svc.cluster.local:9000',
        bucket: 'models',
        prefix: 'triton',
        credentials: Secret.fromSecretName(this, 'minio-credentials', 'minio-model-reader'),
        sizeLimit: Size.gibibytes(2),
      }),
    });
    this.repository.addModel({
      name: 'resnet50',
      platform: ModelPlatform.PYTORCH_LIBTORCH,
      maxBatchSize: 32,
      inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [3, 224, 224] }],
      outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000] }],
      instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 2, gpus: [0] }],
      // Batch 16 does about 7x the throughput of batch 1: let requests wait up to 100 ms to form one.
      dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: Duration.millis(100) },
      versions: [1],
      // Weights, activations at batch 32 and the cuDNN workspace of one instance.
      gpuMemoryPerInstance: Size.mebibytes(2048),
    });

    const gpus = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const resources = { cpu: { request: Cpu.units(4) }, memory: { request: Size.gibibytes(8) } };

    this.server = new TritonServer(this, 'always-on', {
      metadata: { name: 'resnet50', labels: { 'app.kubernetes.io/part-of': 'image-classification' } },
      repository: this.repository,
      nodePool: gpus,
      resources,
      sharedMemorySize: Size.gibibytes(2),
      startupTimeout: Duration.minutes(5),
      // Scales on Triton's queue time, which includes the up to 100 ms a request waits for a batch: the target
      // defaults to 50 ms above that (150 ms), so an idle server does not read as a busy one.
      autoscaling: { minReplicas: 2, maxReplicas: 8 },
    });

    this.burst = new TritonKnativeService(this, 'scale-to-zero', {
      metadata: { name: 'resnet50-burst', labels: { 'app.kubernetes.io/part-of': 'image-classification' } },
      repository: this.repository,
      nodePool: gpus,
      resources,
      sharedMemorySize: Size.gibibytes(2),
      protocol: ServingProtocol.H2C,
      clusterLocal: true,
      maxScale: 4,
      scaleDownDelay: Duration.minutes(10),
    });

    // The Knative pods use init containers, a node selector and tolerations: emit the feature flags.
    new KnativeFeatures(this, 'knative-features');
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new TritonResnet50Chart(app, 'triton-resnet50');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
