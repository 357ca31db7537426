import { Duration } from 'cdk8s';
import { propError, redactUrl } from '../_errors';

/** A reference to a Kubernetes object that Knative can resolve to an address (a Knative `KReference`). */
export interface KnativeReference {
  /** API version of the referent, e.g. `serving.knative.dev/v1`. */
  readonly apiVersion: string;
  /** Kind of the referent, e.g. `Service`. */
  readonly kind: string;
  /** Name of the referent. */
  readonly name: string;
  /**
   * Namespace of the referent.
   * @default - the namespace of the object that refers to it
   */
  readonly namespace?: string;
}

/** Where Knative delivers events: an addressable reference, a URI, or a reference plus a relative path. */
export interface SinkDestination {
  /**
   * The addressable object.
   * @default - none: `uri` must be absolute
   */
  readonly ref?: KnativeReference;
  /**
   * An absolute URI, or a path resolved against the address of `ref`.
   * @default - the address of `ref`
   */
  readonly uri?: string;
}

/**
 * Anything Knative Eventing can deliver to: a GpuInferenceService, a Broker, any addressable object or a URI.
 */
export interface IEventSink {
  /** The destination in Knative's `Destination` shape. */
  toSinkDestination(): SinkDestination;
}

/**
 * An event sink that may scale to zero, so the first delivery after an idle period waits for a cold start.
 * `GpuInferenceService` is one. EventTrigger checks that its delivery retries outlast `coldStartBudget`.
 *
 * Recognized by its members: a sink with a numeric `minScale` and a `Duration` `coldStartBudget` is taken for one.
 * A sink implemented in another language declares this interface with both as properties; one that only
 * implements `IEventSink` is taken to be always running. `EventSink.fromReference(ref, { coldStartBudget })` makes
 * one without writing a class.
 */
export interface IColdStartEventSink extends IEventSink {
  /** Fewest replicas kept running; 0 means deliveries may hit a cold start. */
  readonly minScale: number;
  /** The longest a cold start may take before the platform gives up. */
  readonly coldStartBudget: Duration;
  /** Name shown in messages. */
  readonly name: string;
  /**
   * How long the sink lets one request run before it answers with a timeout (a Knative Service's `timeout`): a
   * delivery attempt ends then, however long the delivery's own timeout is.
   * @default - not known: the delivery's timeout counts whole
   */
  readonly requestTimeout?: Duration;
}

/** Options of a sink referenced by name. */
export interface ReferenceSinkOptions {
  /**
   * A path resolved against the object's address, e.g. `/events`.
   * @default - the address itself
   */
  readonly path?: string;
  /**
   * The longest the referent may take to start from zero, when it scales to zero: a Knative Service of another
   * app, or a bridge in front of a TritonKnativeService (whose JSON answers are no CloudEvents). Triggers then size
   * their retries to outlast it, and PingSources refuse it, as they do a GpuInferenceService.
   * @default - always running: no cold start
   */
  readonly coldStartBudget?: Duration;
}

/** Factories for event sinks created elsewhere: any addressable object, or a URI. */
export class EventSink {
  /**
   * Any addressable object by reference: a Knative Service, a Broker, a Channel, or a core `v1` Service.
   * @param ref the object
   */
  public static fromReference(ref: KnativeReference, options: ReferenceSinkOptions = {}): IEventSink {
    for (const field of ['apiVersion', 'kind', 'name'] as const) {
      if (!ref[field]) throw propError(`ref.${field}`, 'a non-empty string', ref[field] ?? 'none');
    }
    // The path used to be the second argument: a JavaScript caller passing it so would lose it without a word.
    if (typeof options !== 'object' || options === null) {
      throw propError('options', "an object such as { path: '/events' }", String(options), "pass the path as { path: '/events' }");
    }
    const path = options.path;
    if (path !== undefined && !path.startsWith('/')) throw propError('path', "a path starting with '/'", path);
    const destination: SinkDestination = { ref: { ...ref }, uri: path };
    const budget = options.coldStartBudget;
    if (budget === undefined) return { toSinkDestination: () => destination };
    if (!(budget.toMilliseconds() >= 1000)) throw propError('coldStartBudget', 'at least 1s', `${budget.toMilliseconds()}ms`);
    const sink: IColdStartEventSink = { toSinkDestination: () => destination, minScale: 0, coldStartBudget: budget, name: ref.name };
    return sink;
  }

  /** An absolute http(s) URI, e.g. an endpoint outside the cluster. */
  public static fromUri(uri: string): IEventSink {
    let parsed: URL | undefined;
    try {
      parsed = new URL(uri);
    } catch {
      parsed = undefined;
    }
    // Never echoed whole: user info and the query may hold secrets.
    const shown = redactUrl(uri);
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
      throw propError('uri', 'an absolute http(s) URL', shown, 'use EventSink.fromReference() for objects in the cluster');
    }
    // The uri is a plain field of the Trigger, Broker or source: credentials in it would sit in Git and etcd.
    if (parsed.username || parsed.password) {
      throw propError('uri', 'a URL without user info (credentials in it would be stored in plain text in the object)', shown,
        'let the receiver authenticate otherwise (Knative Eventing OIDC, or an in-cluster proxy that holds the credentials in a Secret)');
    }
    return { toSinkDestination: () => ({ uri }) };
  }

  private constructor() {}
}
