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
