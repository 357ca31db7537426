import { buildApp, MAX_NUM_SEQS, VLLM_IMAGE } from '../../examples/triton-llm/main';
import { ofKind, oneOf, synthApp } from '../_helpers/manifests';
import { checkAllPbtxt } from '../_helpers/protoc';
import { tmpDir } from '../_helpers/tmp';

describe('examples/triton-llm', () => {
  const outdir = tmpDir('triton-llm-');
  const objects = synthApp(buildApp({ outdir }));
  const configs = ofKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'llm-models');
  const ksvc = oneOf(objects, 'serving.knative.dev/v1', 'Service');
  const pod = ksvc.spec.template.spec;
  const triton = pod.containers[0];

  test('the config.pbtxt protoc accepts: the vllm backend, decoupled, one KIND_MODEL instance, the tensors the backend declares', () => {
    expect(checkAllPbtxt(objects)).toBe(1);
    const pbtxt: string = configs.data['llama3-8b-instruct.pbtxt'];
    expect(pbtxt).toContain('backend: "vllm"');
    expect(pbtxt).toMatch(/model_transaction_policy \{\s+decoupled: true\s+\}/);
    expect(pbtxt).toMatch(/instance_group \[\s+\{\s+kind: KIND_MODEL\s+count: 1\s+\}\s+\]/);
    expect(pbtxt).toMatch(/name: "text_input"\s+data_type: TYPE_STRING\s+dims: \[ 1 \]/);
  });

  test('the engine arguments: weights copied with the version folder, tensor parallel over both GPUs', () => {
    expect(JSON.parse(configs.data['llama3-8b-instruct.model.json'])).toEqual({
      model: '/models/llama3-8b-instruct/1/weights',
      dtype: 'bfloat16',
      tensor_parallel_size: 2,
      gpu_memory_utilization: 0.9,
      max_model_len: 8192,
      max_num_seqs: MAX_NUM_SEQS,
      enable_prefix_caching: true,
    });
    expect(triton.volumeMounts).toContainEqual({
      name: 'model-configs', mountPath: '/models/llama3-8b-instruct/1/model.json', subPath: 'llama3-8b-instruct.model.json', readOnly: true,
    });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['fetch-llama3-8b-instruct-v1']);
    expect(pod.initContainers[0].args.slice(-2)).toEqual(['models/models/triton/llama3-8b-instruct/1/', '/models/llama3-8b-instruct/1']);
  });

  test('two L4s per pod, on the vLLM image, with room for NCCL and the compile caches', () => {
    expect(triton.image).toBe(VLLM_IMAGE);
    expect(triton.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    const sizes = Object.fromEntries(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => [v.name, v.emptyDir.sizeLimit]));
    expect(sizes).toMatchObject({ dshm: '8Gi', tmp: '8Gi' });
  });

  test('scales to zero, with the engine\'s sequences as concurrency limit and target', () => {
    const annotations = ksvc.spec.template.metadata.annotations;
    expect(annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(annotations['autoscaling.knative.dev/target']).toBe(String(MAX_NUM_SEQS));
    expect(annotations['autoscaling.knative.dev/scale-down-delay']).toBe('900s');
    expect(pod.containerConcurrency).toBe(MAX_NUM_SEQS);
    expect(pod.timeoutSeconds).toBe(600);
    expect(ksvc.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
  });
});
