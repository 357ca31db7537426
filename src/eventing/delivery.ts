import { Duration } from 'cdk8s';
import { IEventSink } from './event-sink';

/** How the wait between retries grows (Knative `delivery.backoffPolicy`). */
export enum BackoffPolicy {
  /** The n-th retry waits `backoffDelay × 2^(n-1)`: 1s, 2s, 4s, 8s ... */
  EXPONENTIAL = 'exponential',
  /** The n-th retry waits `backoffDelay × (n-1)`: 0s, 1s, 2s, 3s ... */
  LINEAR = 'linear',
}

/** How an event is written into the HTTP request to the subscriber (Knative `delivery.format`). */
export enum DeliveryFormat {
  /** Structured mode: the whole event as a JSON document. */
  JSON = 'json',
  /** Binary mode: attributes as `ce-` headers, data as the body. */
  BINARY = 'binary',
}

/** What to do when the delivery would give up before a scaled-to-zero subscriber finished its cold start. */
export enum ColdStartCheck {
  /** Fail synth with the numbers. */
  FAIL = 'fail',
  /** Synth, and report the numbers as a warning (a process warning and construct metadata). */
  WARN = 'warn',
  /** Do not check. */
  SKIP = 'skip',
}

/**
 * How Knative delivers events and what happens to the ones it cannot deliver (the `delivery` spec of a Trigger
 * or Broker).
 */
export interface DeliveryOptions {
  /**
   * Retries after the first attempt before the event goes to the dead-letter sink.
   * @default - on a trigger whose subscriber scales to zero: the fewest retries whose backoff outlasts its
   * cold-start budget (at least 3); otherwise 3
   */
  readonly retry?: number;
  /**
   * How the wait between retries grows.
   * @default BackoffPolicy.EXPONENTIAL
   */
  readonly backoffPolicy?: BackoffPolicy;
  /**
   * The base wait between retries (rendered as an ISO-8601 duration, e.g. `PT1S`), in tenths of a second:
   * Knative reads one decimal of a second.
   * @default Duration.seconds(1)
   */
  readonly backoffDelay?: Duration;
  /**
   * Timeout of each attempt (rendered as an ISO-8601 duration), in tenths of a second. Needs the Knative Eventing feature flag
   * `delivery-timeout` (beta, enabled by default since Eventing 1.7; see `requiredEventingFeatures`).
   * @default - no per-attempt timeout beyond the sender's own
   */
  readonly timeout?: Duration;
  /**
   * Where events go once every retry failed, with the failure in `knativeerror*` extensions.
   * @default - on a trigger: the broker's dead-letter sink when the Broker construct has one; synth fails when
   * there is none and `dropUndeliverableEvents` is not set
   */
  readonly deadLetterSink?: IEventSink;
  /**
   * Drop events once every retry failed, on purpose: no dead-letter sink. Events are then lost silently, so
   * this has to be said explicitly.
   * @default false
   */
  readonly dropUndeliverableEvents?: boolean;
  /**
   * How the event is written into the request.
   * @default - the sender's choice (binary for the channel-based broker)
   */
  readonly format?: DeliveryFormat;
}
