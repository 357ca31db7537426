/**
 * Internal: validation, the retry arithmetic Knative's dispatcher uses, and the wire form of a `delivery` spec.
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { BackoffPolicy, DeliveryFormat, DeliveryOptions } from './delivery';
import { IColdStartEventSink, IEventSink, SinkDestination } from './event-sink';
import { otherClusterError } from '../_cluster-scope';
import { wholeMillis } from '../_duration';
import { checkInteger, propError } from '../_errors';

/** Retries used when a trigger's subscriber does not scale to zero and none are given. */
export const DEFAULT_RETRY = 3;
/** The most retries a computed default goes up to. */
const MAX_COMPUTED_RETRY = 20;
export const DEFAULT_BACKOFF_DELAY = Duration.seconds(1);

/**
 * Throws on the first value Knative's webhook would reject or that contradicts another, and on a dead-letter sink
 * `sinkDestination` refuses for `consumer` (the construct whose object carries the delivery, named `noun`).
 */
export function checkDeliveryOptions(prop: string, o: DeliveryOptions, consumer: IConstruct, noun: string): void {
  checkInteger(`${prop}.retry`, o.retry, 0, 2147483647);
  if (o.backoffDelay) checkDeliveryDuration(`${prop}.backoffDelay`, o.backoffDelay, 'longer than 0s (Knative would retry at once)');
  if (o.timeout) checkDeliveryDuration(`${prop}.timeout`, o.timeout, 'longer than 0s', "Knative's webhook rejects a zero timeout");
  if (o.deadLetterSink && o.dropUndeliverableEvents) {
    throw propError(`${prop}.dropUndeliverableEvents`, 'unset when a deadLetterSink is given', true, 'keep one of them');
  }
  if (o.deadLetterSink) sinkDestination(`${prop}.deadLetterSink`, o.deadLetterSink, consumer, noun);
}

/** A delivery duration as Knative's webhook and its duration parser take it; `positive` says why it must be above 0s. */
function checkDeliveryDuration(prop: string, d: Duration, positive: string, fix?: string): void {
  const ms = wholeMillis(prop, d);
  if (ms <= 0) throw propError(prop, positive, isoDuration(d), fix);
  // rickb777/date's period (v1), which Knative parses these with, holds each field times ten in an int16: PT3277H overflows.
  if (ms >= 3277 * 3600 * 1000) {
    throw propError(prop, "less than 3277 hours (Knative's duration parser holds no more)", isoDuration(d), 'use at most Duration.hours(3276)');
  }
  // Knative reads these ISO-8601 durations with rickb777/date's period (v1), which keeps one decimal of a second:
  // PT0.05S would be read as 0s (an immediate retry, a refused timeout), PT1.25S as 1.2s.
  if (!Number.isInteger(d.toMilliseconds() / 100)) {
    throw propError(prop, 'a whole number of tenths of a second (Knative reads one decimal of a second)', isoDuration(d),
      `use ${isoDuration(Duration.millis(Math.max(100, Math.round(d.toMilliseconds() / 100) * 100)))}`);
  }
}

/**
 * The destination of a sink that `consumer` (named `noun` in messages: 'trigger', 'PingSource') refers to, checked:
 * one made for another cluster is refused (`checkSameCluster`), so is a sink that says it cannot take events (read
 * by duck typing, e.g. the Knative service of a TritonKnativeService), and a destination `checkDestination` refuses.
 */
export function sinkDestination(prop: string, sink: IEventSink, consumer: IConstruct, noun: string): SinkDestination {
  checkSameCluster(prop, sink, consumer, noun);
  const refuses = (sink as { _refusesEvents?: unknown })._refusesEvents;
  if (typeof refuses === 'string') {
    const name = (sink as { name?: unknown }).name;
    throw propError(prop, 'a sink that takes CloudEvents', typeof name === 'string' ? name : 'a sink that refuses them',
      `${refuses}; put a service in between that takes the event, calls it and answers with nothing or a CloudEvent`);
  }
  const d = sink.toSinkDestination();
  checkDestination(prop, d);
  return d;
}

/**
 * Throws when `x` is a construct of this app that goes to another cluster than `consumer` (`otherClusterError`):
 * Knative resolves a reference in the cluster the referring object is applied to.
 */
export function checkSameCluster(prop: string, x: unknown, consumer: IConstruct, noun: string): void {
  const elsewhere = otherClusterError(prop, x, consumer, `in the ${noun}'s cluster`,
    'create it in the same ClusterChart, or refer to one that cluster has with Broker.fromBrokerName or EventSink.fromReference');
  if (elsewhere) throw elsewhere;
}

/** Throws unless the destination is a reference, an absolute URI, or a reference plus a path. */
function checkDestination(prop: string, d: SinkDestination): void {
  if (!d.ref && !d.uri) throw propError(prop, 'a reference or a URI', 'neither');
  if (!d.ref && d.uri && !/^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(d.uri)) {
    throw propError(`${prop}.uri`, 'an absolute URI when there is no reference', d.uri);
  }
}

/** A Duration as the ISO-8601 duration Knative parses (`PT1S`, `PT1M30S`, `PT0.5S`). */
export function isoDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = rest / 1000;
  return `${sign}PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

/**
 * The total wait between attempts for `retries` retries, in seconds, as Knative's dispatcher computes it
 * (retryablehttp calls the backoff with the retry index 0, 1, 2 ...): exponential `delay × 2^i`, linear
 * `delay × i`.
 */
export function backoffSeconds(policy: BackoffPolicy, delaySeconds: number, retries: number): number {
  let total = 0;
  for (let i = 0; i < retries; i++) total += backoffStep(policy, delaySeconds, i);
  return total;
}

/**
 * The wait before retry `i + 1`. Summed term by term, in this order, everywhere: a closed form rounds fractional
 * delays differently in the last bit, which moved `covered >= budget` both ways.
 */
function backoffStep(policy: BackoffPolicy, delaySeconds: number, i: number): number {
  return policy === BackoffPolicy.EXPONENTIAL ? delaySeconds * 2 ** i : delaySeconds * i;
}

/**
 * Throws when `retries` retries of exponential backoff from `delay` overflow Knative's dispatcher, which computes
 * each wait as `delay × 2^i` in a Go Duration (int64 nanoseconds). `origin`, shown after the delay, says where
 * inherited settings come from (` (delivery.backoffDelay from the defaults of broker 'events')`).
 */
export function checkBackoffRange(prop: string, policy: BackoffPolicy, delay: Duration, retries: number, origin = ''): void {
  const delaySeconds = delay.toMilliseconds() / 1000;
  if (policy !== BackoffPolicy.EXPONENTIAL || delaySeconds <= 0) return;
  const most = 1 + Math.floor(Math.log2((2 ** 63 - 1) / (delaySeconds * 1e9)));
  if (retries > most) {
    throw propError(prop, `at most ${most} with exponential backoff from ${isoDuration(delay)}${origin}: Knative's dispatcher computes each wait ` +
      'as delay × 2^attempt in int64 nanoseconds, which overflows beyond that', retries, 'lower it, or use BackoffPolicy.LINEAR');
  }
}

/** How long a delivery keeps trying, in seconds: the backoff plus, when set, one timeout per attempt. */
export function coverageSeconds(policy: BackoffPolicy, delaySeconds: number, retries: number, timeoutSeconds?: number): number {
  return backoffSeconds(policy, delaySeconds, retries) + (timeoutSeconds ?? 0) * (retries + 1);
}

/** The fewest retries (at least `min`, at most 20) whose coverage reaches `budgetSeconds`, or undefined. */
export function retriesToCover(
  policy: BackoffPolicy, delaySeconds: number, budgetSeconds: number, timeoutSeconds?: number, min = 0,
): number | undefined {
  // backoffSeconds(n) grown one term at a time, in its order: the same sums, without summing again for each n.
  let backoff = backoffSeconds(policy, delaySeconds, min);
  for (let n = min; n <= MAX_COMPUTED_RETRY; n++) {
    if (backoff + (timeoutSeconds ?? 0) * (n + 1) >= budgetSeconds) return n;
    backoff += backoffStep(policy, delaySeconds, n);
  }
  return undefined;
}

/** The sink's scale-to-zero facts when it has them (GpuInferenceService does), read by duck typing. */
export function coldStartOf(sink: IEventSink): IColdStartEventSink | undefined {
  const s = sink as Partial<IColdStartEventSink>;
  if (typeof s.minScale === 'number' && s.coldStartBudget instanceof Duration) return sink as IColdStartEventSink;
  return undefined;
}

/** The wire form of a destination. */
export function renderDestination(d: SinkDestination): any {
  return {
    ref: d.ref && { apiVersion: d.ref.apiVersion, kind: d.ref.kind, name: d.ref.name, namespace: d.ref.namespace },
    uri: d.uri,
  };
}

/** The delivery fields to render, already resolved. */
export interface DeliverySpecInput {
  readonly retry?: number;
  readonly backoffPolicy?: BackoffPolicy;
  readonly backoffDelay?: Duration;
  readonly timeout?: Duration;
  readonly deadLetterSink?: IEventSink;
  readonly format?: DeliveryFormat;
}

/** The wire form of a delivery spec; undefined when empty. */
export function renderDelivery(d: DeliverySpecInput): any {
  const spec = {
    deadLetterSink: d.deadLetterSink && renderDestination(d.deadLetterSink.toSinkDestination()),
    retry: d.retry,
    backoffPolicy: d.backoffPolicy,
    backoffDelay: d.backoffDelay && isoDuration(d.backoffDelay),
    timeout: d.timeout && isoDuration(d.timeout),
    format: d.format,
  };
  return Object.values(spec).some((v) => v !== undefined) ? spec : undefined;
}
