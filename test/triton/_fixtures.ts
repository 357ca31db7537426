import { Chart, Duration } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { InstanceGroupKind, ModelArtifactSource, ModelPlatform, TensorDataType, TritonModelProps, TritonModelRepo } from '../../src';

/**
 * The repository `repo` of `chart` serving `models`, whose init containers copy the artifacts from the cluster's
 * MinIO with the `minio-reader` credentials (`mcImage`: the copies' image, else the library's).
 */
export function minioRepo(chart: Chart, models: TritonModelProps[], mcImage?: string): TritonModelRepo {
  return new TritonModelRepo(chart, 'repo', {
    artifacts: ModelArtifactSource.fromS3({
      endpoint: 'http://minio.minio.svc.cluster.local:9000',
      bucket: 'models',
      credentials: Secret.fromSecretName(chart, 'creds', 'minio-reader'),
      image: mcImage,
    }),
    models,
  });
}

/** The story: ResNet50 as TorchScript, two instances on GPU 0, dynamic batching 4/8/16 within 100 ms. */
export const RESNET50: TritonModelProps = {
  name: 'resnet50',
  platform: ModelPlatform.PYTORCH_LIBTORCH,
  maxBatchSize: 32,
  inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [3, 224, 224] }],
  outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000] }],
  instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 2, gpus: [0] }],
  dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: Duration.millis(100) },
};

/** A Python preprocessing step: raw bytes to a normalized image. */
export const PREPROCESS: TritonModelProps = {
  name: 'preprocess',
  platform: ModelPlatform.PYTHON,
  maxBatchSize: 32,
  inputs: [{ name: 'RAW', dataType: TensorDataType.UINT8, dims: [-1] }],
  outputs: [{ name: 'IMAGE', dataType: TensorDataType.FP32, dims: [3, 224, 224] }],
};

/** An ensemble classifying raw bytes: PREPROCESS, then RESNET50. */
export const ENSEMBLE: TritonModelProps = {
  name: 'classify',
  platform: ModelPlatform.ENSEMBLE,
  maxBatchSize: 32,
  inputs: [{ name: 'RAW', dataType: TensorDataType.UINT8, dims: [-1] }],
  outputs: [{ name: 'SCORES', dataType: TensorDataType.FP32, dims: [1000] }],
  ensembleSteps: [
    { modelName: 'preprocess', inputMap: { RAW: 'RAW' }, outputMap: { IMAGE: 'image' } },
    { modelName: 'resnet50', inputMap: { INPUT__0: 'image' }, outputMap: { OUTPUT__0: 'SCORES' } },
  ],
};

/** NGC's Triton image with the vLLM backend. */
export const VLLM_IMAGE = 'nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3';

/** A vLLM model: the backend batches itself and streams (decoupled), one instance per model. */
export const VLLM: TritonModelProps = {
  name: 'llama',
  platform: ModelPlatform.VLLM,
  maxBatchSize: 0,
  decoupled: true,
  inputs: [{ name: 'text_input', dataType: TensorDataType.STRING, dims: [1] }],
  outputs: [{ name: 'text_output', dataType: TensorDataType.STRING, dims: [-1] }],
  instanceGroups: [{ kind: InstanceGroupKind.MODEL, count: 1 }],
};
