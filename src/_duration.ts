import { Duration } from 'cdk8s';
import { propError } from './_errors';

/** The duration in whole seconds; throws with the prop name when it is not a whole number of seconds. */
export function wholeSeconds(prop: string, d: Duration, min = 0): number {
  const ms = d.toMilliseconds();
  if (ms % 1000 !== 0 || ms / 1000 < min) {
    throw propError(prop, `a whole number of seconds${min > 0 ? `, at least ${min}s` : ''}`, `${ms}ms`);
  }
  return ms / 1000;
}

/** Checks each given duration with `wholeSeconds`, under its prop name; unset ones are skipped. */
export function checkWholeSeconds(durations: Array<[string, Duration | undefined]>): void {
  for (const [prop, d] of durations) if (d !== undefined) wholeSeconds(prop, d);
}
