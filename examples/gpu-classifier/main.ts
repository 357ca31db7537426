/**
 * ResNet50 image classifier: a Flask app on a PyTorch-CUDA image, port 8080, one GPU, 0 to 50 replicas.
 * Scales to zero at night so the GPU costs nothing while idle.
 */
import { App, AppProps, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Cpu, EnvValue, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GpuInferenceService, GpuNodePool, GpuProduct, KnativeFeatures } from '../../src';

export class GpuClassifierChart extends Chart {
  public readonly service: GpuInferenceService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'ml-serving', ...props });

    this.service = new GpuInferenceService(this, 'resnet50', {
      metadata: { name: 'resnet50-classifier', labels: { 'app.kubernetes.io/name': 'resnet50-classifier' } },
      image: 'registry.example.com/ml/resnet50-flask:1.4.0',
      args: ['gunicorn', '--bind', '0.0.0.0:8080', '--workers', '1', '--threads', '8', 'app:app'],
      env: {
        MODEL_NAME: EnvValue.fromValue('resnet50'),
        MODEL_DIR: EnvValue.fromValue('/models/resnet50'),
        TORCH_HOME: EnvValue.fromValue('/tmp/torch'),
      },
      port: 8080,
      gpuCount: 1,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A100_SXM4_40GB, GpuProduct.L4] }),
      resources: { cpu: { request: Cpu.units(2) }, memory: { request: Size.gibibytes(8) } },
      sharedMemorySize: Size.gibibytes(2),
      minScale: 0,
      maxScale: 50,
      target: 8,
      containerConcurrency: 16,
      scaleDownDelay: Duration.minutes(5),
      timeout: Duration.seconds(120),
      progressDeadline: Duration.minutes(15),
      // A short period: a pod scaled from zero takes traffic only once the probe passes.
      startupProbe: { path: '/healthz', period: Duration.seconds(2), failureThreshold: 300 },
      // No period: Knative probes readiness every 50 ms until the server answers.
      readinessProbe: { path: '/healthz' },
      modelWeights: {
        endpoint: 'http://minio.minio.svc.cluster.local:9000',
        bucket: 'models',
        prefix: 'resnet50/v1',
        credentials: Secret.fromSecretName(this, 'minio-credentials', 'minio-model-reader'),
        mountPath: '/models/resnet50',
        sizeLimit: Size.gibibytes(2),
      },
    });

    // Tolerations, node affinity and init containers are behind Knative feature flags: emit them.
    new KnativeFeatures(this, 'knative-features');
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new GpuClassifierChart(app, 'gpu-classifier');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
