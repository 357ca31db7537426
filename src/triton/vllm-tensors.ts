import { ModelInput, ModelOutput, TensorDataType } from './model-config';

/**
 * The inputs and outputs of a vLLM model (`ModelPlatform.VLLM`), as the vllm backend's auto-complete declares them
 * (triton-inference-server/vllm_backend `src/model.py`, `_auto_complete_inputs_and_outputs`). With
 * `disableAutoCompleteConfig` on (the default), Triton loads the config as written, so a vLLM model states them:
 *
 * ```ts
 * repo.addModel({ name: 'llama', platform: ModelPlatform.VLLM, decoupled: true,
 *   inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs(), instanceGroups: [{ kind: InstanceGroupKind.MODEL }] });
 * ```
 *
 * The prompt is `text_input`; the others are optional per request. A backend of another release reads the ones it
 * knows and ignores the rest. A config loaded as written needs at least `text_input` (TYPE_STRING, dims [1]: the
 * backend takes its first element as the prompt) and `text_output` (TYPE_STRING: the backend fails to load without
 * it); a Triton workload refuses one without them, and any config one of another type.
 */
export class VllmTensors {
  /** `text_input` (the prompt), and the optional `image`, `stream`, `sampling_parameters` and `return_*` flags. */
  public static inputs(): ModelInput[] {
    const flag = (name: string): ModelInput => ({ name, dataType: TensorDataType.BOOL, dims: [1], optional: true });
    return [
      { name: 'text_input', dataType: TensorDataType.STRING, dims: [1] },
      // Several images go as separate elements.
      { name: 'image', dataType: TensorDataType.STRING, dims: [-1], optional: true },
      flag('stream'),
      { name: 'sampling_parameters', dataType: TensorDataType.STRING, dims: [1], optional: true },
      flag('exclude_input_in_output'),
      flag('return_finish_reason'),
      flag('return_cumulative_logprob'),
      flag('return_logprobs'),
      flag('return_num_input_tokens'),
      flag('return_num_output_tokens'),
    ];
  }

  /** `text_output`, and what the `return_*` flags ask for. */
  public static outputs(): ModelOutput[] {
    return [
      { name: 'text_output', dataType: TensorDataType.STRING, dims: [-1] },
      { name: 'finish_reason', dataType: TensorDataType.STRING, dims: [-1] },
      { name: 'cumulative_logprob', dataType: TensorDataType.FP32, dims: [-1] },
      { name: 'logprobs', dataType: TensorDataType.STRING, dims: [-1] },
      { name: 'num_input_tokens', dataType: TensorDataType.UINT32, dims: [1] },
      { name: 'num_output_tokens', dataType: TensorDataType.UINT32, dims: [-1] },
    ];
  }

  private constructor() {}
}
