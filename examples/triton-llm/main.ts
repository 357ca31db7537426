/**
 * Llama 3.1 8B Instruct on NVIDIA Triton's vLLM backend, scaling to zero on Knative.
 *
 * - The repository: one vLLM model, its config.pbtxt (decoupled, the inputs and outputs the backend declares, one
 *   KIND_MODEL instance) and its vLLM engine arguments (`model.json`) rendered, checked and shipped in a ConfigMap.
 *   The weights (Hugging Face safetensors, ~16 GB) live in MinIO at `models/triton/llama3-8b-instruct/1/weights/` and
 *   are copied into the pod with the version folder, so the engine loads them from disk: no Hugging Face download,
 *   no token.
 * - The engine: tensor parallelism over the two L4 GPUs (24 GB each) of one pod, bfloat16, 8k context, up to 32
 *   sequences at once with prefix caching.
 * - The service: HTTP (`/v2/models/llama3-8b-instruct/generate` and `generate_stream`), cluster-local, at most 32
 *   requests per pod (the engine's sequences, which containerConcurrency and target are derived from; Knative scales
 *   out at 70 % of the target, about 22 per pod, leaving room while a new pod loads) and to zero after 15 idle
 *   minutes: a cold start copies the weights and loads the engine, minutes on L4s, so it scales down slowly.
 * - Why two GPUs: one L4 holds the 8B model in bfloat16 (~15 GiB) but leaves little room for the KV cache; tensor
 *   parallelism over two gives each GPU ~11 GiB of cache, at the price of traffic between them over PCIe.
 */
import { App, AppProps, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Cpu, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  GpuNodePool, GpuProduct, InstanceGroupKind, KnativeFeatures, ModelArtifactSource, ModelPlatform, TritonKnativeService, TritonModelRepo,
  VllmDtype, VllmTensors,
} from '../../src';

/** NGC's Triton image with the vLLM backend (the general `-py3` image has none). */
export const VLLM_IMAGE = 'nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3';
/** Sequences one engine runs at once: what a pod serves concurrently. */
export const MAX_NUM_SEQS = 32;

export class TritonLlmChart extends Chart {
  public readonly repository: TritonModelRepo;
  public readonly service: TritonKnativeService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm-serving', ...props });

    this.repository = new TritonModelRepo(this, 'models', {
      metadata: { name: 'llm-models' },
      artifacts: ModelArtifactSource.fromS3({
        endpoint: 'http://minio.minio.svc.cluster.local:9000',
        bucket: 'models',
        prefix: 'triton',
        credentials: Secret.fromSecretName(this, 'minio-credentials', 'minio-model-reader'),
        // The copied weights, with room to spare.
        sizeLimit: Size.gibibytes(24),
      }),
    });
    this.repository.addModel({
      name: 'llama3-8b-instruct',
      platform: ModelPlatform.VLLM,
      decoupled: true,
      inputs: VllmTensors.inputs(),
      outputs: VllmTensors.outputs(),
      // One engine over both GPUs: the vllm backend refuses KIND_GPU instances for tensor parallelism.
      instanceGroups: [{ kind: InstanceGroupKind.MODEL }],
      vllmEngineArgs: {
        model: '/models/llama3-8b-instruct/1/weights',
        dtype: VllmDtype.BFLOAT16,
        tensorParallelSize: 2,
        gpuMemoryUtilization: 0.9,
        maxModelLen: 8192,
        maxNumSeqs: MAX_NUM_SEQS,
        enablePrefixCaching: true,
      },
    });

    this.service = new TritonKnativeService(this, 'llm', {
      metadata: { name: 'llama3-8b-instruct', labels: { 'app.kubernetes.io/part-of': 'llm-serving' } },
      repository: this.repository,
      image: VLLM_IMAGE,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
      gpuCount: 2,
      resources: { cpu: { request: Cpu.units(8) }, memory: { request: Size.gibibytes(48) } },
      // NCCL and vLLM's tensor-parallel workers share tensors in /dev/shm; torch.compile and Triton kernels cache
      // under $HOME, which is /tmp on the read-only root.
      sharedMemorySize: Size.gibibytes(8),
      tmpSize: Size.gibibytes(8),
      startupTimeout: Duration.minutes(20),
      // containerConcurrency and target come from the engine's maxNumSeqs: 32 per pod.
      maxScale: 4,
      scaleDownDelay: Duration.minutes(15),
      // Long generations: a response may stream for up to 10 minutes.
      timeout: Duration.minutes(10),
      clusterLocal: true,
    });

    // The Knative pods use init containers, a node selector and tolerations: emit the feature flags.
    new KnativeFeatures(this, 'knative-features');
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new TritonLlmChart(app, 'triton-llm');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
