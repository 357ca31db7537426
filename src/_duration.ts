import { Duration } from 'cdk8s';
import { MAX_INT32, propError } from './_errors';

/**
 * The duration in whole milliseconds; throws with the prop name when it is not one (cdk8s's own conversions
 * throw without it).
 */
export function wholeMillis(prop: string, d: Duration): number {
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms)) throw propError(prop, 'a whole number of milliseconds', `${ms}ms`);
  return ms;
}

/**
 * The duration in whole seconds, at least `min` and at most MAX_INT32 (the fields and annotations it lands in are
 * int32 seconds); throws with the prop name otherwise.
 */
export function wholeSeconds(prop: string, d: Duration, min = 0): number {
  const ms = d.toMilliseconds({ integral: false });
  if (ms % 1000 !== 0) throw propError(prop, `a whole number of seconds${ms / 1000 < min ? `, at least ${min}s` : ''}`, `${ms}ms`);
  if (ms / 1000 < min) throw propError(prop, `at least ${min}s`, `${ms / 1000}s`);
  if (ms / 1000 > MAX_INT32) throw propError(prop, `at most ${MAX_INT32}s (~68 years)`, `${ms / 1000}s`);
  return ms / 1000;
}

/** Checks a duration with `wholeSeconds` when it is set. */
export function checkWholeSeconds(prop: string, d: Duration | undefined, min?: number): void {
  if (d !== undefined) wholeSeconds(prop, d, min);
}

/** A duration as an error message shows it: whole seconds as `30s`, anything else in milliseconds (`1500ms`). */
export function durationText(d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
