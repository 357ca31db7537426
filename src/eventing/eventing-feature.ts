/**
 * A flag in Knative Eventing's `config-features` ConfigMap (namespace `knative-eventing`) that lets the
 * admission webhook accept a field. Names and defaults are Knative Eventing 1.22's (`pkg/apis/feature`).
 *
 * The constructs that need one list it in `requiredEventingFeatures`; both flags below are enabled by a default
 * install, so they only matter on a cluster whose operator turned them off.
 */
export class EventingFeature {
  /** `delivery.timeout` (beta, enabled by default). With it disabled the webhook rejects the field. */
  public static readonly DELIVERY_TIMEOUT = new EventingFeature('delivery-timeout', 'delivery.timeout', true);
  /** A Trigger's `filters` (the SubscriptionsAPI dialects; enabled by default). With it disabled the broker ignores them. */
  public static readonly NEW_TRIGGER_FILTERS = new EventingFeature('new-trigger-filters', 'spec.filters', true);

  private constructor(
    /** The key in `config-features`. */
    public readonly flag: string,
    /** The field it gates. */
    public readonly field: string,
    /** Whether a default Knative Eventing install enables it. */
    public readonly enabledByDefault: boolean,
  ) {}
}
