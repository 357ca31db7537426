/**
 * One wording for every synth-time error: the prop, what is expected, what was given and how to fix it.
 * Lowercase, no trailing period (STYLE.md §5).
 */
export function propError(prop: string, expected: string, got: unknown, fix?: string): Error {
  const shown = typeof got === 'string' ? `'${got}'` : JSON.stringify(got);
  return new Error(`'${prop}' must be ${expected}, got ${shown}${fix ? `: ${fix}` : ''}`);
}

/** The largest int32: what Kubernetes' and Knative's integer fields (replicas, probe thresholds, scales) hold. */
export const MAX_INT32 = 2 ** 31 - 1;

/**
 * Throws when `value` is given and is not an integer within [min, max]; without `max`, at most MAX_INT32, since
 * the field it lands in is an int32 (a larger one is refused by the apiserver or Knative, or wraps).
 */
export function checkInteger(prop: string, value: number | undefined, min: number, max?: number, fix?: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > (max ?? MAX_INT32)) {
    const range = max !== undefined ? `an integer between ${min} and ${max}`
      : value > MAX_INT32 ? `an integer between ${min} and ${MAX_INT32} (an int32 field)` : `an integer >= ${min}`;
    throw propError(prop, range, value, fix);
  }
}

/**
 * `url` with what stands between `://` and its last `@` (user info, which may hold a secret with '/' in it) replaced
 * by `<user info>`: errors end up in CI logs. Unchanged without an '@'.
 */
export function redactUserInfo(url: string): string {
  const at = url.lastIndexOf('@');
  const scheme = url.indexOf('://');
  return at > scheme && scheme >= 0 ? `${url.slice(0, scheme + 3)}<user info>${url.slice(at)}` : url;
}
