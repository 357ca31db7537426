export * from './scheduling/gpu-resource';
export * from './scheduling/gpu-product';
export * from './scheduling/gpu-node-pool';
export * from './scheduling/gpu-workload';
export * from './serving/knative-features';
export * from './serving/gpu-inference-service';
export * from './eventing/event-sink';
export * from './triton/model-config';
