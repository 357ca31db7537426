/**
 * One wording for every synth-time error: the prop, what is expected, what was given and how to fix it.
 * Lowercase, no trailing period (STYLE.md §5). A Python caller also gets the prop's Python name (`pythonName`).
 */
export function propError(prop: string, expected: string, got: unknown, fix?: string): Error {
  const shown = typeof got === 'string' ? `'${got}'` : shownValue(got);
  return new Error(`'${prop}'${pythonName(prop)} must be ${expected}, got ${shown}${fix ? `: ${fix}` : ''}`);
}

/**
 * ` (Python: <name>)` when the caller is Python and names `prop` otherwise: jsii's Python runtime starts the
 * library's process with `JSII_AGENT` `Python/<version>`, and names keyword arguments and methods in snake_case
 * (`vllmEngineArgs.gpuMemoryUtilization` is `vllm_engine_args.gpu_memory_utilization`, `fromS3Native` is
 * `from_s3_native`); class names and bracketed keys (`model[myModel]`) stay as they are. The message keeps the
 * TypeScript names its text uses too. Empty for other callers.
 */
function pythonName(prop: string): string {
  if (!process.env.JSII_AGENT?.startsWith('Python/')) return '';
  const python = prop.split(/(\[[^\]]*\])/)
    .map((part, i) => i % 2 === 1 ? part : part.replace(/\b[a-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b/g, (word) => word.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase()))
    .join('');
  return python === prop ? '' : ` (Python: ${python})`;
}

/** `value` as JSON, or, for a function, a number JSON cannot write or an object it cannot (a construct, a cycle), what it is. */
function shownValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  // JSON writes NaN and the infinities as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    const name = (value as object | null)?.constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object JSON cannot write (a cycle)';
  }
}

/** The largest int32: what Kubernetes' and Knative's integer fields (replicas, probe thresholds, scales) hold. */
export const MAX_INT32 = 2 ** 31 - 1;

/**
 * Throws when `value` is given and is not an integer within [min, max]; without `max`, at most MAX_INT32, since
 * the field it lands in is an int32 (a larger one is refused by the apiserver or Knative, or wraps).
 */
export function checkInteger(prop: string, value: number | undefined, min: number, max?: number, fix?: string): void {
  if (value !== undefined) checkRequiredInteger(prop, value, min, max, fix);
}

/**
 * As `checkInteger`, for a value that must be there: an element of a list or a record's value, where `undefined` is
 * a hole a JavaScript caller left, not an unset prop.
 */
export function checkRequiredInteger(prop: string, value: number, min: number, max?: number, fix?: string): void {
  const upper = max ?? MAX_INT32;
  if (!Number.isInteger(value) || value < min || value > upper) {
    // A bound the field's type sets (int32, uint32, int64) is named only when the value is above it.
    const typeBound = max === undefined || max >= MAX_INT32;
    const range = typeBound && !(value > upper) ? `an integer >= ${min}` : `an integer between ${min} and ${upper}${max === undefined ? ' (an int32 field)' : ''}`;
    throw propError(prop, range, value, fix);
  }
}

/**
 * `url` as errors may show it, which end up in CI logs: what stands between `://` and its last `@` (user info, which
 * may hold a secret with '/' in it) replaced by `<user info>`, and its query (tokens, presigned signatures) by
 * `<query>`. Unchanged without either.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  const scheme = url.indexOf('://');
  const [head, rest] = at > scheme && scheme >= 0 ? [`${url.slice(0, scheme + 3)}<user info>`, url.slice(at)] : ['', url];
  const q = rest.indexOf('?');
  return head + (q >= 0 ? `${rest.slice(0, q)}?<query>` : rest);
}
