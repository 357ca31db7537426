import { ApiObject, ApiObjectMetadata, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  backoffSeconds, checkBackoffRange, checkDeliveryOptions, checkSameCluster, coldStartOf, coverageSeconds, DEFAULT_BACKOFF_DELAY,
  DEFAULT_RETRY, isoDuration, renderDelivery, renderDestination, retriesToCover, sinkDestination,
} from './_delivery';
import { Broker, IBroker } from './broker';
import { BackoffPolicy, ColdStartCheck, DeliveryFormat, DeliveryOptions } from './delivery';
import { IEventSink, SinkDestination } from './event-sink';
import { EventingFeature } from './eventing-feature';
import { TriggerFilter } from './filters';
import { propError } from '../_errors';
import { KNATIVE_TRIGGER } from '../_kinds';
import { checkMetadata, DNS_1123_SUBDOMAIN } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';


/** Props of EventTrigger. */
export interface EventTriggerProps {
  /**
   * Metadata of the Trigger; it must live in the broker's namespace. When the broker's namespace is known, the
   * trigger's must be the same (from the chart or here); a Broker built without a namespace takes only a trigger
   * without one, as both land in kubectl's current namespace; `Broker.fromBrokerName(name)` without one means the
   * trigger's own.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * The broker whose events the trigger subscribes to. Fixed once the Trigger exists (Knative's webhook refuses a
   * change of `spec.broker`): to move a trigger to another broker, give it a new id or `metadata.name`.
   */
  readonly broker: IBroker;
  /**
   * Where matching events go: a GpuInferenceService, any addressable (`EventSink.fromReference`) or a URI.
   *
   * The subscriber must answer a 2xx with an empty body, or with a CloudEvent (which the broker routes as a new
   * event). The broker answers any other body (a plain JSON prediction) with 502 and retries it: the model runs
   * `1 + retry` times per event, and the event ends in the dead-letter sink.
   */
  readonly subscriber: IEventSink;
  /**
   * A path on the subscriber's address, e.g. `/batch`.
   * @default - the subscriber's address as is
   */
  readonly subscriberPath?: string;
  /**
   * Exact matches on CloudEvents attributes (`spec.filter.attributes`), e.g. `{ type: 'com.example.classify' }`.
   * Cannot be combined with `filters`, which would override it.
   * @default - none
   */
  readonly filterAttributes?: Record<string, string>;
  /**
   * Filter expressions (`spec.filters`), all of which must be true. More with `addFilter()`.
   * @default - none: every event of the broker
   */
  readonly filters?: TriggerFilter[];
  /**
   * Retries, backoff, timeout and the dead-letter sink. Unset fields are taken from the broker's delivery
   * defaults (when the Broker is built here), then from the defaults below; the result is always written on the
   * trigger, so what runs is what the YAML says, and checked as such: an inherited dead-letter sink must go to the
   * trigger's cluster, and inherited retries and backoff must fit Knative's dispatcher (errors name them
   * `broker.delivery.*` or say which came from the broker).
   * @default - exponential backoff from 1s, enough retries for the subscriber's cold start (at least 3),
   * the broker's dead-letter sink
   */
  readonly delivery?: DeliveryOptions;
  /**
   * What happens when the subscriber scales to zero and the delivery (backoff plus per-attempt timeouts) gives
   * up before the subscriber's cold-start budget (its `coldStartBudget`: a GpuInferenceService's progress deadline).
   * @default ColdStartCheck.FAIL
   */
  readonly coldStartCheck?: ColdStartCheck;
}

/**
 * A Knative Trigger: subscribes a GpuInferenceService (or any addressable, or a URI) to a Broker's events, with
 * filters, retries and a dead-letter sink, so an event that cannot be delivered is kept, not dropped.
 *
 * Creates: one `eventing.knative.dev/v1` Trigger.
 *
 * Checks at synth: the filters the webhook would reject; a dead-letter sink is configured unless
 * `dropUndeliverableEvents` says otherwise; and when the subscriber scales to zero, that retries × backoff (+
 * timeouts) outlast its cold-start budget, computed as Knative's dispatcher waits (exponential: `delay × 2^i`
 * before retry i+1).
 *
 * Prerequisites: Knative Eventing 1.2x and a broker class; `filters` need the `new-trigger-filters` flag and
 * `delivery.timeout` the `delivery-timeout` flag (both on by default, listed in `requiredEventingFeatures`).
 *
 * @example
 * new EventTrigger(chart, 'images', {
 *   broker,
 *   subscriber: classifier,
 *   filters: [TriggerFilter.prefix('type', 'io.min.s3.ObjectCreated:'), TriggerFilter.suffix('subject', '.jpg')],
 *   delivery: { deadLetterSink: errorLogger },
 * });
 */
export class EventTrigger extends Construct {
  /** The Trigger object (escape hatch: `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  /** Name of the Trigger. */
  public readonly name: string;
  /** Namespace of the Trigger, when known at synth. */
  public readonly namespace?: string;
  /** Retries rendered on the trigger. */
  public readonly retry: number;
  /** Backoff policy rendered on the trigger. */
  public readonly backoffPolicy: BackoffPolicy;
  /** Base backoff delay rendered on the trigger. */
  public readonly backoffDelay: Duration;
  /** Per-attempt timeout rendered on the trigger, if any. */
  public readonly timeout?: Duration;
  /** Where undeliverable events go; undefined only when dropping them was asked for. */
  public readonly deadLetterSink?: IEventSink;

  private readonly broker: IBroker;
  private readonly subscriber: SinkDestination;
  private readonly filterAttributes?: Record<string, string>;
  private readonly filters: TriggerFilter[] = [];
  private readonly format?: DeliveryFormat;
  /** How long one delivery attempt may last, in seconds, when a timeout bounds it. */
  private readonly attemptSeconds?: number;

  public constructor(scope: Construct, id: string, props: EventTriggerProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    this.broker = props.broker;
    // The broker, the subscriber and the dead-letter sinks must go to the trigger's own cluster: Knative resolves
    // the references where the Trigger is applied (sinkDestination checks the sinks).
    checkSameCluster('broker', props.broker, this, 'trigger');
    const own = props.delivery ?? {};
    checkDeliveryOptions('delivery', own, this, 'trigger');
    const inherited = props.broker.delivery ?? {};
    this.subscriber = subscriberDestination(props, this);
    const brokerRef = props.broker.toSinkDestination().ref;
    if (brokerRef && this.subscriber.ref && !props.subscriberPath && sameRef(brokerRef, this.subscriber.ref)) {
      throw propError('subscriber', 'something other than the trigger\'s own broker', props.broker.name, 'a trigger that delivers to its broker sends every event around again');
    }

    if (props.filterAttributes && props.filters?.length) {
      throw propError('filterAttributes', 'unset when filters are given (Knative lets filters override it)', Object.keys(props.filterAttributes).join(','), 'express the exact matches as TriggerFilter.exact() in filters');
    }
    if (props.filterAttributes) {
      if (Object.keys(props.filterAttributes).length === 0) throw propError('filterAttributes', 'at least one attribute, or unset', '{}');
      TriggerFilter._checkAttributes('filterAttributes', props.filterAttributes);
      this.filterAttributes = { ...props.filterAttributes };
    }
    this.filters.push(...checkedFilters('filters', props.filters ?? []));

    // Dead letters: the trigger's own, else the broker's; dropping them is only ever explicit.
    const drop = own.dropUndeliverableEvents ?? (own.deadLetterSink ? false : inherited.dropUndeliverableEvents ?? false);
    if (own.dropUndeliverableEvents && inherited.deadLetterSink) {
      throw propError('delivery.dropUndeliverableEvents', 'unset when the broker has a dead-letter sink', true, `Knative falls back to the dead-letter sink of broker '${props.broker.name}'; remove it there to drop events`);
    }
    this.deadLetterSink = own.deadLetterSink ?? (drop ? undefined : inherited.deadLetterSink);
    if (!this.deadLetterSink && !drop) {
      throw propError('delivery.deadLetterSink', 'set so that events which exhaust their retries are kept', 'none',
        "pass a sink on the trigger or on the broker's delivery defaults, or set delivery.dropUndeliverableEvents to true to drop them on purpose");
    }
    // The broker's, written on the trigger: checked for the trigger's cluster (the trigger's own was, with its delivery).
    if (this.deadLetterSink && !own.deadLetterSink) sinkDestination('broker.delivery.deadLetterSink', this.deadLetterSink, this, 'trigger');

    this.backoffPolicy = own.backoffPolicy ?? inherited.backoffPolicy ?? BackoffPolicy.EXPONENTIAL;
    this.backoffDelay = own.backoffDelay ?? inherited.backoffDelay ?? DEFAULT_BACKOFF_DELAY;
    this.timeout = own.timeout ?? inherited.timeout;
    this.format = own.format ?? inherited.format;
    const cold = coldStartOf(props.subscriber);
    const scalesToZero = cold !== undefined && cold.minScale === 0;
    const delay = this.backoffDelay.toMilliseconds() / 1000;
    // An attempt lasts the delivery's timeout, or less where the subscriber ends its requests sooner (a Knative
    // Service answers 504 at its own timeout, a cold start included).
    const ownTimeout = this.timeout && this.timeout.toMilliseconds() / 1000;
    const requestTimeout = cold?.requestTimeout?.toMilliseconds();
    const timeout = ownTimeout !== undefined && requestTimeout !== undefined ? Math.min(ownTimeout, requestTimeout / 1000) : ownTimeout;
    this.attemptSeconds = timeout;
    this.retry = own.retry ?? inherited.retry ?? (scalesToZero
      ? retriesToCover(this.backoffPolicy, delay, cold.coldStartBudget.toSeconds(), timeout, DEFAULT_RETRY) ?? 20
      : DEFAULT_RETRY);
    // Say where inherited settings come from: the trigger's own delivery may not be set at all.
    const from = (['retry', 'backoffPolicy', 'backoffDelay', 'timeout'] as const).filter((k) => own[k] === undefined && inherited[k] !== undefined);
    const origin = (keys: readonly string[]) => keys.length > 0 ? ` (${keys.map((k) => `delivery.${k}`).join(', ')} from the defaults of broker '${props.broker.name}')` : '';
    checkBackoffRange(from.includes('retry') ? 'broker.delivery.retry' : 'delivery.retry', this.backoffPolicy, this.backoffDelay, this.retry,
      origin(from.filter((k) => k === 'backoffPolicy' || k === 'backoffDelay')));

    const check = props.coldStartCheck ?? ColdStartCheck.FAIL;
    if (scalesToZero && check !== ColdStartCheck.SKIP) {
      const problem = this.coldStartProblem(cold.name, cold.coldStartBudget.toSeconds(), delay, timeout, origin(from));
      if (problem && check === ColdStartCheck.FAIL) throw new Error(problem);
      if (problem) {
        this.node.addMetadata('warning', problem);
        process.emitWarning(`[${this.node.path}] ${problem}`, 'ColdStartWarning');
      }
    }

    // Rendered as wire JSON: the generated class's toJson would drop `delivery.timeout`, which the CRD keeps
    // through x-kubernetes-preserve-unknown-fields.
    this.apiObject = new ApiObject(this, 'Resource', {
      ...KNATIVE_TRIGGER,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    this.name = this.apiObject.name;
    if (!DNS_1123_SUBDOMAIN.test(this.name) || this.name.length > 253) {
      throw propError('metadata.name', 'a DNS-1123 subdomain (lowercase letters, digits, - and .)', this.name);
    }
    this.namespace = this.apiObject.metadata.namespace;
    checkBrokerNamespace(props.broker, this.namespace);
  }

  /** Adds filter expressions; an event must pass all of them. */
  public addFilter(...filters: TriggerFilter[]): void {
    if (this.filterAttributes) {
      throw propError('filters', 'unused when filterAttributes is set (Knative lets filters override it)', `${filters.length} filter(s)`, 'express the exact matches as TriggerFilter.exact() instead');
    }
    this.filters.push(...checkedFilters('addFilter()', filters));
  }

  /** The Knative Eventing feature flags this trigger's spec needs (all on by default in Eventing 1.22). */
  public get requiredEventingFeatures(): EventingFeature[] {
    const features: EventingFeature[] = [];
    if (this.timeout) features.push(EventingFeature.DELIVERY_TIMEOUT);
    if (this.filters.length > 0) features.push(EventingFeature.NEW_TRIGGER_FILTERS);
    return features;
  }

  /**
   * How long a delivery keeps trying: the backoff between attempts plus, when a timeout is set, one per attempt
   * (the subscriber's own request timeout where that is shorter and known).
   */
  public get deliveryWindow(): Duration {
    const seconds = coverageSeconds(this.backoffPolicy, this.backoffDelay.toMilliseconds() / 1000, this.retry, this.attemptSeconds);
    return Duration.millis(Math.round(seconds * 1000));
  }

  private coldStartProblem(name: string, budget: number, delay: number, timeout: number | undefined, inheritedNote: string): string | undefined {
    const covered = coverageSeconds(this.backoffPolicy, delay, this.retry, timeout);
    if (covered >= budget) return undefined;
    const waits = Array.from({ length: Math.min(this.retry, 4) }, (_, i) => `${round(backoffSeconds(this.backoffPolicy, delay, i + 1) - backoffSeconds(this.backoffPolicy, delay, i))}s`);
    const shown = this.retry > 4 ? `${waits.join(' + ')} + ...` : waits.join(' + ') || 'no wait';
    const backoff = `${this.retry} ${this.retry === 1 ? 'retry' : 'retries'} with ${this.backoffPolicy} backoff from ${isoDuration(this.backoffDelay)} wait ${round(backoffSeconds(this.backoffPolicy, delay, this.retry))}s (${shown})`;
    const capped = this.timeout && timeout !== undefined && timeout < this.timeout.toMilliseconds() / 1000
      ? ` ('${name}' ends a request after ${round(timeout)}s, before delivery.timeout's ${round(this.timeout.toMilliseconds() / 1000)}s)` : '';
    const timeouts = timeout ? ` and ${this.retry + 1} attempts × ${round(timeout)}s timeout${capped} add ${round(timeout * (this.retry + 1))}s` : '';
    const needed = retriesToCover(this.backoffPolicy, delay, budget, timeout, 0);
    const fix = [
      needed !== undefined ? `set delivery.retry to ${needed} (${round(coverageSeconds(this.backoffPolicy, delay, needed, timeout))}s)` : 'raise delivery.retry',
      'raise delivery.backoffDelay',
      `keep '${name}' warm with minScale >= 1`,
      'or set coldStartCheck to ColdStartCheck.WARN',
    ].join(', ');
    return `'delivery' must keep retrying for the cold-start budget of '${name}' (${round(budget)}s; it scales to zero), ` +
      `got ${round(covered)}s: ${backoff}${timeouts}${inheritedNote}; ${fix}`;
  }

  private renderSpec(): any {
    return {
      broker: this.broker.name,
      filter: this.filterAttributes && { attributes: this.filterAttributes },
      filters: this.filters.length > 0 ? this.filters.map((f) => f._toJson()) : undefined,
      subscriber: renderDestination(this.subscriber),
      delivery: renderDelivery({
        deadLetterSink: this.deadLetterSink,
        retry: this.retry,
        backoffPolicy: this.backoffPolicy,
        backoffDelay: this.backoffDelay,
        timeout: this.timeout,
        format: this.format,
      }),
    };
  }
}

function subscriberDestination(props: EventTriggerProps, trigger: EventTrigger): SinkDestination {
  const d = sinkDestination('subscriber', props.subscriber, trigger, 'trigger');
  const path = props.subscriberPath;
  if (path === undefined) return d;
  if (!path.startsWith('/')) throw propError('subscriberPath', "a path starting with '/'", path);
  if (!d.ref) throw propError('subscriberPath', 'unset for a URI subscriber', path, `put the path into the URI (${d.uri})`);
  if (d.uri) throw propError('subscriberPath', 'unset when the subscriber already has a path', path, `the subscriber resolves to '${d.uri}'`);
  return { ref: d.ref, uri: path };
}

/**
 * Throws unless the Trigger lands in the broker's namespace, as a Trigger subscribes to a broker of its own. A
 * namespace unknown at synth is kubectl's current one when applied: a Broker built here without one lands there,
 * so it matches only a trigger without one; a broker referred to by name without one means the trigger's.
 */
function checkBrokerNamespace(broker: IBroker, namespace: string | undefined): void {
  const expected = broker.namespace;
  if (expected !== undefined && expected !== namespace) {
    throw propError('metadata.namespace', `the broker's namespace ('${expected}')`, namespace ?? 'none', namespace === undefined
      ? "put the trigger in the broker's namespace with its chart's namespace or metadata.namespace: without one, kubectl applies it to its current namespace"
      : "a Trigger subscribes to a broker in its own namespace; create the trigger in the broker's chart");
  }
  if (expected === undefined && namespace !== undefined && broker instanceof Broker) {
    throw propError('metadata.namespace', `the broker's namespace, which is unknown at synth: Broker '${broker.node.path}' has none, so kubectl applies it to its current namespace`,
      namespace, `give the broker the namespace '${namespace}' (its chart's namespace or metadata.namespace), or leave the trigger without one too`);
  }
}

function sameRef(a: { apiVersion: string; kind: string; name: string; namespace?: string }, b: typeof a): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * `filters`, each checked to be a TriggerFilter: a plain object (a JavaScript caller writing Knative's filter
 * dialect by hand) would otherwise fail only while cdk8s writes the files, after earlier charts are written.
 */
function checkedFilters(prop: string, filters: TriggerFilter[]): TriggerFilter[] {
  for (const f of filters) {
    if (!(f instanceof TriggerFilter)) {
      throw propError(prop, 'TriggerFilter objects', f ?? String(f),
        'build them with TriggerFilter.exact(), prefix(), suffix(), all(), any(), not() or cesql()');
    }
  }
  return filters;
}
