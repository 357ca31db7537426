import { Duration } from 'cdk8s';
import { InstanceGroupKind, ModelPlatform, TensorDataType, TritonModelProps } from '../../src';

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
