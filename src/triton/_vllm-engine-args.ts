/**
 * Renders and checks vLLM's engine arguments (`VllmEngineArgs`) into the `model.json` the vllm backend reads
 * (triton-inference-server/vllm_backend `src/model.py`: `AsyncEngineArgs(**json.load(model.json))`).
 */
import { isGpuGroup } from './_repo-parts';
import { InstanceGroupKind, ModelInstanceGroup } from './model-config';
import { VllmDtype, VllmEngineArgs } from './vllm-engine-args';
import { checkInteger, propError } from '../_errors';
import { isCleanAbsolutePath } from '../scheduling/_pod-spec';

/** The files the engine arguments render into each served version folder, and what the placement checks read. */
export interface RenderedVllmEngineArgs {
  /** `model.json`, and `multi_lora.json` with LoRA adapters, by file name; frozen. */
  readonly files: Record<string, string>;
  /** Tensor × pipeline parallel size: what the vllm backend calls the world size (`GPU_DEVICE_IDS` lists as many). */
  readonly worldSize: number;
  /** GPUs one engine takes: data × tensor × pipeline parallel size. */
  readonly gpus: number;
  /** Share of each of its GPUs' memory one engine takes. */
  readonly gpuMemoryUtilization: number;
  /** The data type, when given. */
  readonly dtype?: VllmDtype;
  /** Sequences one engine runs at once (per data-parallel rank, each a scheduler of its own), when given. */
  readonly maxNumSeqs?: number;
  /** Data-parallel ranks of one engine (`data_parallel_size`). */
  readonly dataParallelSize: number;
}

/** vLLM's `gpu_memory_utilization` when model.json leaves it out. */
export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** The typed props, in the order model.json writes them, with the engine argument each one is. */
const TYPED: ReadonlyArray<[keyof VllmEngineArgs, string]> = [
  ['model', 'model'], ['dtype', 'dtype'], ['tensorParallelSize', 'tensor_parallel_size'], ['pipelineParallelSize', 'pipeline_parallel_size'],
  ['gpuMemoryUtilization', 'gpu_memory_utilization'], ['maxModelLen', 'max_model_len'], ['maxNumSeqs', 'max_num_seqs'],
  ['maxNumBatchedTokens', 'max_num_batched_tokens'], ['quantization', 'quantization'], ['enforceEager', 'enforce_eager'],
  ['enablePrefixCaching', 'enable_prefix_caching'], ['trustRemoteCode', 'trust_remote_code'], ['seed', 'seed'],
];

/** A Hugging Face repository id: `name` or `namespace/name`. */
const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
/** An object store URI vLLM's Run:ai Model Streamer reads (`load_format: runai_streamer`). */
const OBJECT_URI = /^(s3|gs|az):\/\/[a-z0-9][a-z0-9._-]*(\/[^\s]*)?$/;
/** vLLM's integer arguments are Python ints: bounded here by what JSON carries exactly, not by int32. */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/**
 * Checks `args` (of the model at `where`) and renders `model.json` (the typed props in a fixed order, then
 * `additionalArgs` by key) and, with LoRA adapters, `multi_lora.json` (by name): the same args give the same bytes.
 */
export function renderVllmEngineArgs(where: string, args: VllmEngineArgs): RenderedVllmEngineArgs {
  const prop = (p: string) => `${where}.vllmEngineArgs.${p}`;
  checkModel(prop('model'), args.model);
  if (args.dtype !== undefined && !Object.values(VllmDtype).includes(args.dtype)) {
    throw propError(prop('dtype'), `one of ${Object.values(VllmDtype).join(', ')}`, args.dtype, 'use a VllmDtype value');
  }
  checkInteger(prop('tensorParallelSize'), args.tensorParallelSize, 1, MAX_INT);
  checkInteger(prop('pipelineParallelSize'), args.pipelineParallelSize, 1, MAX_INT);
  const utilization = args.gpuMemoryUtilization;
  if (utilization !== undefined && !(typeof utilization === 'number' && utilization > 0 && utilization <= 1)) {
    throw propError(prop('gpuMemoryUtilization'), 'a share of GPU memory above 0 and at most 1', utilization, 'e.g. 0.9 for 90 %');
  }
  checkInteger(prop('maxModelLen'), args.maxModelLen, 1, MAX_INT);
  checkInteger(prop('maxNumSeqs'), args.maxNumSeqs, 1, MAX_INT);
  checkInteger(prop('maxNumBatchedTokens'), args.maxNumBatchedTokens, 1, MAX_INT);
  checkInteger(prop('seed'), args.seed, 0, MAX_INT);
  if (args.quantization !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(args.quantization)) {
    throw propError(prop('quantization'), "a quantization method's name in lowercase, such as 'awq', 'gptq' or 'fp8'", args.quantization);
  }
  for (const flag of ['enforceEager', 'enablePrefixCaching', 'trustRemoteCode'] as const) {
    if (args[flag] !== undefined && typeof args[flag] !== 'boolean') throw propError(prop(flag), 'true or false', args[flag]);
  }

  const out: Record<string, unknown> = {};
  for (const [key, name] of TYPED) if (args[key] !== undefined) out[name] = args[key];
  const lora = args.loraAdapters === undefined ? undefined : loraJson(prop('loraAdapters'), args.loraAdapters);
  if (lora !== undefined) out.enable_lora = true;
  const additional = args.additionalArgs ?? {};
  for (const key of Object.keys(additional).sort()) {
    const typed = TYPED.find(([, name]) => name === key);
    if (typed) throw propError(prop('additionalArgs'), 'free of the engine arguments the typed props write', key, `set vllmEngineArgs.${typed[0]} instead`);
    if (lora !== undefined && key === 'enable_lora') {
      throw propError(prop('additionalArgs'), 'free of the engine arguments the typed props write', key, 'remove it: loraAdapters sets enable_lora');
    }
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw propError(prop('additionalArgs'), "keyed by engine argument names in snake_case, as AsyncEngineArgs takes them ('kv_cache_dtype')", key,
        /-/.test(key) ? `use '${key.replace(/-/g, '_')}'` : undefined);
    }
    out[key] = jsonValue(`${prop('additionalArgs')}.${key}`, additional[key]);
  }
  // Engines over several GPUs by data parallelism too: counted where the GPUs are.
  const dataParallel = additional.data_parallel_size;
  checkInteger(`${prop('additionalArgs')}.data_parallel_size`, dataParallel, 1, MAX_INT);
  const worldSize = (args.tensorParallelSize ?? 1) * (args.pipelineParallelSize ?? 1);
  return {
    files: Object.freeze({ 'model.json': JSON.stringify(out, null, 2) + '\n', ...(lora === undefined ? {} : { 'multi_lora.json': lora }) }),
    worldSize,
    gpus: worldSize * (dataParallel ?? 1),
    gpuMemoryUtilization: utilization ?? VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
    dtype: args.dtype,
    maxNumSeqs: args.maxNumSeqs,
    dataParallelSize: dataParallel ?? 1,
  };
}

/**
 * Throws unless `model` is what vLLM loads from in a Triton pod: a Hugging Face id, an absolute path, or an object
 * store URI for the Run:ai Model Streamer. A relative path would be read from vLLM's working directory.
 */
function checkModel(prop: string, model: string): void {
  if (isHubIdOrPath(model) || (typeof model === 'string' && OBJECT_URI.test(model))) return;
  throw propError(prop, "a Hugging Face id ('org/name'), an absolute path in the Triton container, or an s3://, gs:// or az:// URI, " +
    "without whitespace, '.' or '..' segments", model,
  isRelativePath(model) ? 'vLLM resolves a relative path from its working directory, not the version folder: give the absolute path' : undefined);
}

/** Whether `value` is a Hugging Face id or an absolute path without whitespace, `.` or `..` segments. */
function isHubIdOrPath(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // A folder may end in '/'.
  return value.startsWith('/') ? !/\s/.test(value) && isCleanAbsolutePath(value.replace(/\/$/, ''))
    : HF_ID.test(value) && !value.includes('..');
}

/** Whether `value` is a path relative to the working directory (`./x`, `../x`). */
function isRelativePath(value: unknown): boolean {
  return typeof value === 'string' && /^\.{1,2}\//.test(value);
}

/** The backend's `multi_lora.json`: adapter names to paths, by name. */
function loraJson(prop: string, adapters: { [name: string]: string }): string {
  const names = Object.keys(adapters).sort();
  if (names.length === 0) throw propError(prop, 'at least one adapter', {}, 'leave loraAdapters unset to serve the base model only');
  const lines: string[] = [];
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw propError(prop, "keyed by adapter names of letters, digits, '.', '_' and '-' (the lora_name requests ask for)", name);
    }
    const path = adapters[name];
    if (!isHubIdOrPath(path)) {
      throw propError(`${prop}[${name}]`, "the absolute path of the adapter's folder in the Triton container, or a Hugging Face id", path,
        isRelativePath(path) ? 'the backend does not resolve a path from the version folder: give the absolute path' : undefined);
    }
    lines.push(`  ${JSON.stringify(name)}: ${JSON.stringify(path)}`);
  }
  // Written by hand: a JSON object puts integer-like keys ('7') first, whatever the order they were added in.
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** `value` if JSON writes it as it is (strings, finite numbers, booleans, null, and lists and objects of them). */
function jsonValue(prop: string, value: unknown): unknown {
  const ok = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
    || (Array.isArray(v) && v.every(ok))
    || (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(ok));
  if (!ok(value)) {
    throw propError(prop, 'a JSON value: a string, a finite number, a boolean, null, or a list or object of them', value, 'leave the key out for vLLM\'s default');
  }
  return value;
}

/**
 * What the vllm backend refuses of a model's instances (`_validate_device_config`): a KIND_GPU instance (Triton's
 * default, one per GPU; KIND_AUTO on a GPU server too) of an engine over several GPUs, whose instance sees one GPU,
 * and a `GPU_DEVICE_IDS` parameter of KIND_MODEL instances that is not a list of distinct GPU indices, as many as
 * the world size when above 1. What needs the server's GPUs the Triton workloads check.
 */
export function checkVllmInstances(where: string, engine: RenderedVllmEngineArgs, groups: readonly ModelInstanceGroup[] | undefined,
  parameters: Record<string, string> | undefined): void {
  const stated = groups?.length ? groups : undefined;
  if (engine.gpus > 1 && (!stated || stated.some((g) => isGpuGroup(g.kind)))) {
    throw propError(`${where}.instanceGroups`, `KIND_MODEL groups for an engine over ${engine.gpus} GPUs (${parallelism(engine)}): a KIND_GPU instance sees ` +
      "its own GPU only (the vllm backend refuses one for tensor or pipeline parallelism), and Triton's default is a KIND_GPU instance per GPU",
    stated ? stated.map((g) => g.kind ?? InstanceGroupKind.GPU) : 'unset', 'give instanceGroups: [{ kind: InstanceGroupKind.MODEL }]');
  }
  const ids = parameters?.GPU_DEVICE_IDS;
  const world = engine.worldSize;
  if (ids && stated?.some((g) => g.kind === InstanceGroupKind.MODEL)) {
    if (engine.gpus > world) {
      throw propError(`${where}.parameters.GPU_DEVICE_IDS`, 'unset with data_parallel_size above 1: the vllm backend makes only tensor × pipeline parallel size ' +
        `GPUs visible (${world}), and the engine needs ${engine.gpus}`, ids, 'leave it unset: the engine takes GPUs 0, 1, ...');
    }
    const parsed = gpuDeviceIds(ids);
    if (parsed === undefined || (world > 1 && parsed.length !== world)) {
      throw propError(`${where}.parameters.GPU_DEVICE_IDS`, `a comma-separated list of distinct GPU indices${world > 1 ? `, ${world}: one per GPU of the engine ` +
        '(tensor × pipeline parallel size)' : ''}, as the vllm backend takes it`, ids);
    }
  }
}

/** How an engine's GPUs multiply up, for messages. */
export function parallelism(engine: RenderedVllmEngineArgs): string {
  return engine.gpus === engine.worldSize ? 'tensor × pipeline parallel size' : 'data × tensor × pipeline parallel size';
}

/** The GPU indices of a `GPU_DEVICE_IDS` parameter ('0,1'), as the vllm backend parses it; undefined if it refuses it. */
function gpuDeviceIds(ids: string): number[] | undefined {
  const parsed = ids.split(',').map((x) => x.trim());
  if (!parsed.every((x) => /^\d+$/.test(x))) return undefined;
  const numbers = parsed.map(Number);
  return new Set(numbers).size === numbers.length ? numbers : undefined;
}

/**
 * The GPUs the engine of a non-GPU instance (KIND_MODEL, KIND_CPU) runs on: the first of a KIND_MODEL's
 * `GPU_DEVICE_IDS` (the backend makes them the visible devices), else GPUs 0, 1, ... as vLLM picks them.
 */
export function vllmEngineGpus(engine: RenderedVllmEngineArgs, kind: InstanceGroupKind | undefined,
  parameters: Record<string, string> | undefined): number[] {
  const ids = kind === InstanceGroupKind.MODEL && parameters?.GPU_DEVICE_IDS ? gpuDeviceIds(parameters.GPU_DEVICE_IDS) : undefined;
  return ids ? ids.slice(0, engine.gpus) : Array.from({ length: engine.gpus }, (_, i) => i);
}
