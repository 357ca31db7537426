import { Chart, Testing } from 'cdk8s';
import { PersistentVolumeClaim } from 'cdk8s-plus-27';
import { InstanceGroupKind, ModelArtifactSource, ModelPlatform, TritonModelConfig, TritonModelRepo, TritonServer, VllmTensors } from '../../src';
import { oneOf, synthApp } from '../_helpers/manifests';
import { canonicalModelConfig } from '../_helpers/protoc';

describe('VllmTensors', () => {
  test('a vLLM model loaded as written: the config protoc parses holds the prompt, the optional flags and the outputs', () => {
    const config = new TritonModelConfig({ name: 'llama', platform: ModelPlatform.VLLM, decoupled: true, inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs() });
    const parsed = canonicalModelConfig(config.toPbtxt());
    expect(parsed).toContain('name: "text_input"\n  data_type: TYPE_STRING\n  dims: 1\n}');
    expect(parsed).toContain('name: "stream"\n  data_type: TYPE_BOOL\n  dims: 1\n  optional: true\n}');
    expect(parsed).toContain('name: "num_output_tokens"\n  data_type: TYPE_UINT32\n  dims: -1\n}');
    expect(parsed.match(/^input \{/gm)).toHaveLength(10);
    expect(parsed.match(/^output \{/gm)).toHaveLength(6);
  });

  test('passes the server\'s checks for a vLLM model with auto-complete off, which it otherwise fails', () => {
    const serve = (withTensors: boolean) => {
      const chart = new Chart(Testing.app(), 'llm', { namespace: 'ml' });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')) });
      repo.addModel({
        name: 'llama',
        platform: ModelPlatform.VLLM,
        decoupled: true,
        instanceGroups: [{ kind: InstanceGroupKind.MODEL }],
        ...(withTensors ? { inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs() } : {}),
      });
      new TritonServer(chart, 'triton', { repository: repo, replicas: 1, image: 'nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3' });
      return () => synthApp(chart.node.root as any);
    };
    expect(serve(false)).toThrow("'model[llama]' must be inputs and outputs while disableAutoCompleteConfig is on");
    const objects = serve(true)();
    expect(oneOf(objects, 'v1', 'ConfigMap').data['llama.pbtxt']).toContain('backend: "vllm"');
  });

  test('gives new lists on each call: a model that edits its own leaves the next one as it was', () => {
    const first = VllmTensors.inputs();
    first.pop();
    expect(VllmTensors.inputs()).toHaveLength(10);
    expect(VllmTensors.inputs()).not.toBe(VllmTensors.inputs());
  });
});
