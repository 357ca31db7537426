/** The weights' data type vLLM computes in (`dtype`). */
export enum VllmDtype {
  /** From the model's config: FP16 for FP32 and FP16 weights, BF16 for BF16 ones. */
  AUTO = 'auto',
  /** FP16 (`half`). */
  HALF = 'half',
  /** FP16. */
  FLOAT16 = 'float16',
  /** BF16: needs compute capability 8.0 or higher (A100, L4, H100 and later). */
  BFLOAT16 = 'bfloat16',
  /** FP32 (`float`). */
  FLOAT = 'float',
  /** FP32. */
  FLOAT32 = 'float32',
}

/**
 * vLLM's engine arguments for a model of the vllm backend (`ModelPlatform.VLLM`): the repository renders them to
 * `model.json` in each served version folder, where the backend reads them (`AsyncEngineArgs(**model.json)`, so a
 * key vLLM does not know fails the load). The typed props are the ones stable across vLLM releases; any other
 * engine argument goes in `additionalArgs`.
 */
export interface VllmEngineArgs {
  /**
   * The model: a Hugging Face id (`facebook/opt-125m`, downloaded when the model loads, into `$HOME`, which is
   * `/tmp` on a read-only root: size `tmpSize` or mount a volume and point `HF_HOME` at it); an absolute path in the
   * Triton container, such as a folder of weights copied with the version folder from `fromS3` artifacts
   * (`/models/llama/1/weights` for model `llama` version 1 of a repository mounted at `/models`; a repository Triton
   * reads from the store itself lands in a temporary folder, so there is no such path); or an `s3://`, `gs://` or
   * `az://` URI, which vLLM streams with `additionalArgs: { load_format: 'runai_streamer' }`.
   */
  readonly model: string;
  /**
   * Data type of the weights and activations.
   * @default VllmDtype.AUTO (vLLM's default)
   */
  readonly dtype?: VllmDtype;
  /**
   * GPUs one engine shards each layer over (`tensor_parallel_size`). An engine over several GPUs (with
   * `pipelineParallelSize` too) takes `InstanceGroupKind.MODEL` instances: the backend refuses KIND_GPU ones, which
   * see one GPU.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * Pipeline stages one engine spreads the layers over (`pipeline_parallel_size`); an engine takes
   * tensorParallelSize × pipelineParallelSize GPUs.
   * @default 1
   */
  readonly pipelineParallelSize?: number;
  /**
   * Share of each GPU's whole memory one engine takes for weights, activations and KV cache
   * (`gpu_memory_utilization`), above 0 and at most 1. vLLM fails to start an engine when less than that is free,
   * so the engines on one GPU, and the other models' instances there, must fit together with the server's
   * `gpuMemoryOverhead` (checked where the GPU's memory is known; below 1 in total otherwise): two KIND_GPU
   * instances on one GPU take at most 0.45 each, say.
   * @default 0.9 (vLLM's default)
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * Longest context, prompt and output together, in tokens (`max_model_len`).
   * @default - the model's own
   */
  readonly maxModelLen?: number;
  /**
   * Sequences one engine runs at once (`max_num_seqs`), per data-parallel rank. A TritonKnativeService over HTTP
   * derives its `containerConcurrency` and `target` from it, per engine.
   * @default - vLLM's default for the GPU
   */
  readonly maxNumSeqs?: number;
  /**
   * Tokens one engine step processes (`max_num_batched_tokens`).
   * @default - vLLM's default
   */
  readonly maxNumBatchedTokens?: number;
  /**
   * Quantization method of the weights (`quantization`), such as `awq`, `gptq` or `fp8`.
   * @default - from the model's config (pre-quantized weights need none)
   */
  readonly quantization?: string;
  /**
   * Run in eager mode, without CUDA graphs (`enforce_eager`): a faster load, slower generation.
   * @default false
   */
  readonly enforceEager?: boolean;
  /**
   * Reuse the KV cache of shared prompt prefixes (`enable_prefix_caching`).
   * @default - vLLM's default
   */
  readonly enablePrefixCaching?: boolean;
  /**
   * Run the Python code a Hugging Face model repository ships (`trust_remote_code`): code from the model's
   * publisher runs in the Triton container.
   * @default false
   */
  readonly trustRemoteCode?: boolean;
  /**
   * Seed of the engine's sampling (`seed`).
   * @default - vLLM's default
   */
  readonly seed?: number;
  /**
   * LoRA adapters the engine serves beside the base model, by the name requests ask for (`lora_name` in their
   * sampling parameters): the path of each adapter's folder in the Triton container (copied with the version
   * folder, say) or a Hugging Face id. Sets `enable_lora` and renders the backend's `multi_lora.json` into each
   * served version folder; limits such as `max_lora_rank` and `max_loras` go in `additionalArgs`.
   * @default - no LoRA adapters
   */
  readonly loraAdapters?: { [name: string]: string };
  /**
   * Any other engine argument, by its snake_case name (`{ kv_cache_dtype: 'fp8', enable_lora: true }`), written
   * after the typed ones, by key. A key a typed prop writes is refused. `enable_lora` without `loraAdapters` needs
   * `multi_lora.json` in the version folder, with the artifacts; `data_parallel_size` multiplies the GPUs an engine
   * takes.
   * @default - none
   */
  readonly additionalArgs?: { [key: string]: any };
}
