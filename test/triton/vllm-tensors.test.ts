import { Chart, Testing } from 'cdk8s';
import { PersistentVolumeClaim } from 'cdk8s-plus-27';
import { InstanceGroupKind, ModelArtifactSource, ModelPlatform, TritonModelConfig, TritonModelProps, TritonModelRepo, TritonServer, VllmTensors } from '../../src';
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

  test('fails at synth on a vLLM model loaded as written without text_input or text_output, which its auto-complete would add', () => {
    const serve = (tensors: Partial<TritonModelProps>, disableAutoCompleteConfig?: boolean) => {
      const chart = new Chart(Testing.app(), 'llm', { namespace: 'ml' });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')) });
      repo.addModel({ name: 'llama', platform: ModelPlatform.VLLM, decoupled: true, instanceGroups: [{ kind: InstanceGroupKind.MODEL }], ...tensors });
      new TritonServer(chart, 'triton', { repository: repo, replicas: 1, image: 'nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3', disableAutoCompleteConfig });
      return () => synthApp(chart.node.root as any);
    };
    const noPrompt = VllmTensors.inputs().filter((t) => t.name !== 'text_input');
    const noText = VllmTensors.outputs().filter((t) => t.name !== 'text_output');
    expect(serve({ inputs: noPrompt, outputs: VllmTensors.outputs() })).toThrow("'model[llama].inputs' must be a list holding 'text_input' (TYPE_STRING, dims [1]) " +
      'while disableAutoCompleteConfig is on: the vllm backend reads each prompt from it, got ["image","stream","sampling_parameters","exclude_input_in_output",' +
      '"return_finish_reason","return_cumulative_logprob","return_logprobs","return_num_input_tokens","return_num_output_tokens"]: start from VllmTensors.inputs()');
    expect(serve({ inputs: VllmTensors.inputs(), outputs: noText })).toThrow("'model[llama].outputs' must be a list holding 'text_output' (TYPE_STRING) while " +
      'disableAutoCompleteConfig is on: the vllm backend fails to load without it, got ["finish_reason","cumulative_logprob","logprobs","num_input_tokens",' +
      '"num_output_tokens"]: start from VllmTensors.outputs()');
    // With auto-complete on, the backend adds the tensors a config leaves out.
    expect(serve({ inputs: noPrompt, outputs: noText }, false)).not.toThrow();
    expect(serve({ inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs() })).not.toThrow();
  });

  test('a vLLM model that batches fails when it is added, with no server to judge it', () => {
    const chart = new Chart(Testing.app(), 'llm');
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')) });
    expect(() => repo.addModel({ name: 'llama', platform: ModelPlatform.VLLM, decoupled: true, maxBatchSize: 8, inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs() }))
      .toThrow(/^'model\[llama\]\.maxBatchSize' must be 0 or unset with the vllm backend/);
    expect(repo.models).toHaveLength(0);
  });

  test('gives new lists on each call: a model that edits its own leaves the next one as it was', () => {
    const first = VllmTensors.inputs();
    first.pop();
    expect(VllmTensors.inputs()).toHaveLength(10);
    expect(VllmTensors.inputs()).not.toBe(VllmTensors.inputs());
  });
});
