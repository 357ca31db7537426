import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkBackoffRange, checkDeliveryOptions, DEFAULT_BACKOFF_DELAY, DEFAULT_RETRY, DeliverySpecInput, renderDelivery } from './_delivery';
import { BackoffPolicy, DeliveryOptions } from './delivery';
import { IEventSink, KnativeReference, SinkDestination } from './event-sink';
import { EventingFeature } from './eventing-feature';
import { propError } from '../_errors';
import { KNATIVE_BROKER } from '../_kinds';
import { checkDnsLabel, checkMetadata, DNS_1035_LABEL, DNS_1123_SUBDOMAIN } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';


/** The annotation that picks the broker implementation. */
const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class';

/** A broker implementation, set with the `eventing.knative.dev/broker.class` annotation. */
export class BrokerClass {
  /** The multi-tenant channel-based broker that ships with Knative Eventing (backed by the default channel). */
  public static readonly MT_CHANNEL_BASED = new BrokerClass('MTChannelBasedBroker');
  /** The Apache Kafka broker of eventing-kafka-broker; `config` points at its ConfigMap (e.g. `kafka-broker-config`). */
  public static readonly KAFKA = new BrokerClass('Kafka');

  /** Any other broker class, by the name its controller watches for. */
  public static of(name: string): BrokerClass {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name)) throw propError('brokerClass', 'a broker class name', name);
    return new BrokerClass(name);
  }

  private constructor(
    /** The annotation value. */
    public readonly name: string,
  ) {}
}

/** A Knative Broker, created here or elsewhere. */
export interface IBroker extends IEventSink {
  /** Name of the Broker. */
  readonly name: string;
  /**
   * Namespace of the Broker, when known at synth.
   * @default - the namespace of the object that refers to it
   */
  readonly namespace?: string;
  /**
   * The broker's delivery defaults, when known; triggers on it inherit the dead-letter sink.
   * @default - unknown
   */
  readonly delivery?: DeliveryOptions;
}

/** Props of Broker. */
export interface BrokerProps {
  /**
   * Metadata of the Broker.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * The broker implementation. Fixed once the Broker exists, as is `config` (Knative's webhook refuses a change):
   * another class is another Broker, with a name of its own and its triggers.
   * @default BrokerClass.MT_CHANNEL_BASED
   */
  readonly brokerClass?: BrokerClass;
  /**
   * The broker's configuration (`spec.config`), e.g. the ConfigMap naming its channel or Kafka settings. Fixed once
   * the Broker exists.
   * @default - the class's default from `config-br-defaults`
   */
  readonly config?: KnativeReference;
  /**
   * Delivery defaults for triggers that set none. EventTriggers on this broker also inherit its dead-letter sink,
   * which must go to the broker's cluster. Unset fields take DeliveryOptions' defaults (3 retries, exponential from
   * 1s): Knative fills in its `config-br-defaults` only for a broker without any delivery. The retries are checked
   * with those defaults: exponential waits (`backoffDelay × 2^attempt`) must fit Knative's dispatcher (int64
   * nanoseconds), e.g. at most 17 retries from `Duration.days(1)`.
   * @default - none: Knative's `config-br-defaults`
   */
  readonly delivery?: DeliveryOptions;
}

/**
 * A Knative Eventing Broker: the event mesh that sources post CloudEvents to and triggers subscribe to.
 *
 * Creates: one `eventing.knative.dev/v1` Broker with the `eventing.knative.dev/broker.class` annotation, the
 * optional config reference and delivery defaults.
 *
 * Prerequisites: Knative Eventing 1.2x with the broker class installed (`mt-channel-broker.yaml` and a channel,
 * e.g. the in-memory channel; or eventing-kafka-broker for `BrokerClass.KAFKA`). `delivery.timeout` needs the
 * `delivery-timeout` feature flag (on by default).
 *
 * @example
 * const broker = new Broker(chart, 'events', {
 *   delivery: { deadLetterSink: errorLogger, retry: 5 },
 * });
 */
export class Broker extends Construct implements IBroker {
  /** A broker created elsewhere, by name. */
  public static fromBrokerName(name: string, namespace?: string): IBroker {
    checkName('name', name);
    if (namespace !== undefined) checkDnsLabel('namespace', namespace);
    return {
      name,
      namespace,
      toSinkDestination: () => ({ ref: { ...KNATIVE_BROKER, name, namespace } }),
    };
  }

  /** The Broker object (escape hatch: `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  /** Name of the Broker. */
  public readonly name: string;
  /** Namespace of the Broker, when known at synth. */
  public readonly namespace?: string;
  /** The broker implementation. */
  public readonly brokerClass: BrokerClass;
  /** The broker's delivery defaults, as given (triggers on it inherit the fields set here). */
  public readonly delivery?: DeliveryOptions;
  /** The delivery the Broker renders: `delivery` with the retry defaults filled in. */
  private readonly renderedDelivery?: DeliverySpecInput;

  public constructor(scope: Construct, id: string, props: BrokerProps = {}) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    this.brokerClass = props.brokerClass ?? BrokerClass.MT_CHANNEL_BASED;
    this.delivery = props.delivery;
    this.renderedDelivery = props.delivery && resolvedDelivery(props.delivery, this);
    const config = props.config;
    if (config) {
      for (const field of ['apiVersion', 'kind', 'name'] as const) {
        if (!config[field]) throw propError(`config.${field}`, 'a non-empty string', config[field] ?? 'none');
      }
    }
    const annotations = { ...(props.metadata?.annotations ?? {}) };
    const given = annotations[BROKER_CLASS_ANNOTATION];
    if (given !== undefined && given !== this.brokerClass.name) {
      throw propError(`metadata.annotations['${BROKER_CLASS_ANNOTATION}']`, `unset or equal to brokerClass (${this.brokerClass.name})`, given, 'set the class with brokerClass');
    }
    annotations[BROKER_CLASS_ANNOTATION] = this.brokerClass.name;

    // Rendered as wire JSON: the generated class's toJson would drop `delivery.timeout` and `delivery.format`,
    // which the CRD keeps through x-kubernetes-preserve-unknown-fields.
    this.apiObject = new ApiObject(this, 'Resource', {
      ...KNATIVE_BROKER,
      metadata: { ...props.metadata, annotations },
      spec: Lazy.any({ produce: () => this.renderSpec(config) }),
    });
    this.name = this.apiObject.name;
    checkName('metadata.name', this.name);
    // The channel-based broker's channel gets a Service named after the broker (kmeta.ChildName keeps its characters):
    // a Service name is a DNS-1035 label, and the apiserver refuses any other, so the broker never becomes ready.
    if (this.brokerClass.name === BrokerClass.MT_CHANNEL_BASED.name && !DNS_1035_LABEL.test(this.name)) {
      throw propError('metadata.name', 'a DNS-1035 label (a lowercase letter first, then lowercase letters, digits and -) with the MTChannelBasedBroker class, whose ' +
        "channel's Service is named after the broker (<name>-kne-trigger-kn-channel)", this.name, "e.g. 'events-v2' rather than 'events.v2' or '2-events'");
    }
    this.namespace = this.apiObject.metadata.namespace;
  }

  /** The Knative Eventing feature flags this broker's spec needs. */
  public get requiredEventingFeatures(): EventingFeature[] {
    return this.delivery?.timeout ? [EventingFeature.DELIVERY_TIMEOUT] : [];
  }

  /** Delivers to the broker's ingress. */
  public toSinkDestination(): SinkDestination {
    return { ref: { ...KNATIVE_BROKER, name: this.name, namespace: this.namespace } };
  }

  private renderSpec(config?: KnativeReference): any {
    return {
      config: config && { apiVersion: config.apiVersion, kind: config.kind, name: config.name, namespace: config.namespace },
      delivery: this.renderedDelivery && renderDelivery(this.renderedDelivery),
    };
  }
}

/**
 * The delivery a Broker renders, checked. Knative fills in config-br-defaults only when a broker has no delivery at
 * all: one given with only a dead-letter sink would retry nothing for triggers made elsewhere (kubectl, other tools).
 * So a given delivery carries the documented retry defaults, and Knative only waits between retries when both the
 * policy and the delay are set. Its backoff is checked as rendered: triggers made elsewhere run with it.
 */
function resolvedDelivery(d: DeliveryOptions, broker: Broker): DeliverySpecInput {
  checkDeliveryOptions('delivery', d, broker, 'broker');
  const retry = d.retry ?? DEFAULT_RETRY;
  const retrying = retry > 0;
  const backoffPolicy = retrying ? d.backoffPolicy ?? BackoffPolicy.EXPONENTIAL : d.backoffPolicy;
  const backoffDelay = retrying ? d.backoffDelay ?? DEFAULT_BACKOFF_DELAY : d.backoffDelay;
  if (backoffPolicy && backoffDelay) checkBackoffRange('delivery.retry', backoffPolicy, backoffDelay, retry);
  return { ...d, retry, backoffPolicy, backoffDelay };
}

/**
 * A broker's name: a DNS-1123 subdomain of at most 63 characters, since Knative's Trigger defaulting copies it into
 * the label `eventing.knative.dev/broker` (trigger_defaults.go), and a longer label value makes the apiserver refuse
 * every Trigger of the broker.
 */
function checkName(prop: string, name: string): void {
  if (!DNS_1123_SUBDOMAIN.test(name) || name.length > 63) {
    throw propError(prop, "a DNS-1123 subdomain (lowercase letters, digits, - and .) of at most 63 characters, as Knative copies it into its Triggers' labels", name);
  }
}
