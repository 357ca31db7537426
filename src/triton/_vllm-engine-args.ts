/**
 * Renders and checks vLLM's engine arguments (`VllmEngineArgs`) into the `model.json` the vllm backend reads
 * (triton-inference-server/vllm_backend `src/model.py`: `AsyncEngineArgs(**json.load(model.json))`).
 */
import { InstanceGroupKind, ModelInstanceGroup } from './model-config';
import { VllmDtype, VllmEngineArgs } from './vllm-engine-args';
import { checkInteger, propError } from '../_errors';

/** `model.json` as rendered, and what the placement checks read from it. */
export interface RenderedVllmEngineArgs {
  /** The file's text. */
  readonly json: string;
  /** GPUs one engine takes: tensor × pipeline parallel size. */
  readonly worldSize: number;
  /** Share of each of its GPUs' memory one engine takes. */
  readonly gpuMemoryUtilization: number;
  /** The data type, when given. */
  readonly dtype?: VllmDtype;
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
/** An absolute path without whitespace, `.` or `..` segments. */
const ABSOLUTE_PATH = /^(\/[^\s/]+)+\/?$/;

/**
 * Checks `args` (of the model at `where`) and renders `model.json`: the typed props in a fixed order, then
 * `additionalArgs` by key, so the same args give the same bytes.
 */
export function renderVllmEngineArgs(where: string, args: VllmEngineArgs): RenderedVllmEngineArgs {
  const prop = (p: string) => `${where}.vllmEngineArgs.${p}`;
  const model = args.model;
  const isPath = typeof model === 'string' && model.startsWith('/');
  if (typeof model !== 'string' || (isPath ? !ABSOLUTE_PATH.test(model) || model.split('/').some((s) => s === '.' || s === '..') : !HF_ID.test(model) || model.includes('..'))) {
    throw propError(prop('model'), "a Hugging Face id ('org/name') or an absolute path in the Triton container, without whitespace, '.' or '..' segments", model,
      model !== undefined && /^\.{1,2}\//.test(String(model)) ? 'vLLM resolves a relative path from its working directory, not the version folder: give the absolute path' : undefined);
  }
  if (args.dtype !== undefined && !Object.values(VllmDtype).includes(args.dtype)) {
    throw propError(prop('dtype'), `one of ${Object.values(VllmDtype).join(', ')}`, args.dtype, 'use a VllmDtype value');
  }
  checkInteger(prop('tensorParallelSize'), args.tensorParallelSize, 1);
  checkInteger(prop('pipelineParallelSize'), args.pipelineParallelSize, 1);
  const utilization = args.gpuMemoryUtilization;
  if (utilization !== undefined && !(typeof utilization === 'number' && utilization > 0 && utilization <= 1)) {
    throw propError(prop('gpuMemoryUtilization'), 'a share of GPU memory above 0 and at most 1', utilization, 'e.g. 0.9 for 90 %');
  }
  checkInteger(prop('maxModelLen'), args.maxModelLen, 1);
  checkInteger(prop('maxNumSeqs'), args.maxNumSeqs, 1);
  checkInteger(prop('maxNumBatchedTokens'), args.maxNumBatchedTokens, 1);
  checkInteger(prop('seed'), args.seed, 0);
  if (args.quantization !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(args.quantization)) {
    throw propError(prop('quantization'), "a quantization method's name in lowercase, such as 'awq', 'gptq' or 'fp8'", args.quantization);
  }
  for (const flag of ['enforceEager', 'enablePrefixCaching', 'trustRemoteCode'] as const) {
    if (args[flag] !== undefined && typeof args[flag] !== 'boolean') throw propError(prop(flag), 'true or false', args[flag]);
  }

  const out: Record<string, unknown> = {};
  for (const [key, name] of TYPED) if (args[key] !== undefined) out[name] = args[key];
  const additional = args.additionalArgs ?? {};
  for (const key of Object.keys(additional).sort()) {
    const typed = TYPED.find(([, name]) => name === key);
    if (typed) throw propError(prop('additionalArgs'), 'free of the engine arguments the typed props write', key, `use '${typed[0]}'`);
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw propError(prop('additionalArgs'), "keyed by engine argument names in snake_case, as AsyncEngineArgs takes them ('kv_cache_dtype')", key,
        /-/.test(key) ? `use '${key.replace(/-/g, '_')}'` : undefined);
    }
    out[key] = jsonValue(`${prop('additionalArgs')}.${key}`, additional[key]);
  }
  return {
    json: JSON.stringify(out, null, 2) + '\n',
    worldSize: (args.tensorParallelSize ?? 1) * (args.pipelineParallelSize ?? 1),
    gpuMemoryUtilization: utilization ?? VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
    dtype: args.dtype,
  };
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
 * What the vllm backend refuses of a model's instances for its engine's `worldSize` (tensor × pipeline parallel size):
 * a KIND_GPU instance (Triton's default, one per GPU) of an engine over several GPUs, and a `GPU_DEVICE_IDS` parameter
 * of KIND_MODEL instances that is not a list of distinct GPU indices, one per GPU of an engine over several
 * (`_validate_device_config`). What needs the server's GPU count the Triton workloads check.
 */
export function checkVllmInstances(where: string, engine: RenderedVllmEngineArgs, groups: readonly ModelInstanceGroup[] | undefined,
  parameters: Record<string, string> | undefined): void {
  const world = engine.worldSize;
  if (world > 1 && (!groups || groups.some((g) => g.kind !== InstanceGroupKind.MODEL))) {
    throw propError(`${where}.instanceGroups`, `KIND_MODEL groups for an engine over ${world} GPUs (tensor × pipeline parallel size): the vllm backend refuses a ` +
      "KIND_GPU instance of several GPUs, and Triton's default is a KIND_GPU instance per GPU", groups ? groups.map((g) => g.kind ?? InstanceGroupKind.GPU) : 'unset',
    'give instanceGroups: [{ kind: InstanceGroupKind.MODEL }]');
  }
  const ids = parameters?.GPU_DEVICE_IDS;
  if (ids !== undefined && groups?.some((g) => g.kind === InstanceGroupKind.MODEL)) {
    const parsed = gpuDeviceIds(ids);
    if (parsed === undefined || (world > 1 && parsed.length !== world)) {
      throw propError(`${where}.parameters.GPU_DEVICE_IDS`, `a comma-separated list of distinct GPU indices${world > 1 ? `, ${world}: one per GPU of the engine ` +
        '(tensor × pipeline parallel size)' : ''}, as the vllm backend takes it`, ids);
    }
  }
}

/** The GPU indices of a `GPU_DEVICE_IDS` parameter ('0,1'), as the vllm backend parses it; undefined if it refuses it. */
export function gpuDeviceIds(ids: string): number[] | undefined {
  const parsed = ids.split(',').map((x) => x.trim());
  if (!parsed.every((x) => /^\d+$/.test(x))) return undefined;
  const numbers = parsed.map(Number);
  return new Set(numbers).size === numbers.length ? numbers : undefined;
}
