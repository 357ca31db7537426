import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { propError } from '../_errors';
import { checkDnsLabel } from '../_names';
import { KEEP_ON_PRUNE } from '../_prune';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { featureState, inFlagOrder } from './_knative-feature-state';
import { KnativeFeature } from './knative-feature';

/** Props of KnativeFeatures. */
export interface KnativeFeaturesProps {
  /**
   * Emit the `config-features` ConfigMap. Set to false when the operator manages Knative's configuration
   * elsewhere (the Knative Operator's `KnativeServing` resource, a Helm chart): the construct then only
   * declares which flags the cluster enables, and synth fails if a service needs one that is not listed. List a
   * flag only when the cluster sets it to `enabled`: for init containers, persistent volume claims and their
   * writes, emptyDir volumes and added capabilities Knative refuses the field under `allowed` too.
   * @default true
   */
  readonly emitConfigMap?: boolean;
  /**
   * Flags to enable (or, with `emitConfigMap: false`, that the cluster is known to enable) beyond what the
   * app's services need.
   * @default - none
   */
  readonly enabled?: KnativeFeature[];
  /**
   * Namespace of Knative Serving.
   * @default 'knative-serving'
   */
  readonly namespace?: string;
}

/**
 * The Knative Serving `config-features` settings the app's GpuInferenceServices need.
 *
 * A default Knative install rejects nodeSelector, tolerations, affinity, init containers, PVCs, pod security
 * contexts, runtime classes and priority classes. Each GpuInferenceService knows which flags its output needs;
 * synth fails if a needed flag is enabled neither by default nor by a KnativeFeatures of the same cluster. Add one
 * per app, or, in an app with a `ClusterChart` per cluster, one in each cluster chart that holds services: each
 * cluster's Knative reads its own config-features, and one chart's declaration does not count for another's
 * services. Of the apps of one cluster, one emits config-features and the others declare (see below).
 *
 * Creates: a `ConfigMap` `config-features` in `knative-serving` whose data enables exactly the flags the app's
 * services need (plus `enabled`), unless `emitConfigMap` is false. It is annotated so that Argo CD and Flux never
 * prune or delete it with the app (`Prune=false,Delete=false`, `prune: disabled`): every app of the cluster relies
 * on it. Services in the same chart come after it in the file; apply a separate chart holding it before the charts
 * it serves. Flux dry-runs every object of a stage on the server before applying any, and Knative's webhook checks a
 * Service against the config-features the cluster has: a commit that adds a flag and the field that needs it stays
 * stuck unless config-features is in a Kustomization of its own that the services' depends on (`dependsOn`). Argo
 * CD's dry run is client-side and applies ConfigMaps first, but the webhook may read the old flags for a moment: use
 * a separate Application or an earlier sync wave, and sync retries. It carries the keys this app needs only, so a cluster has one
 * writer of it: a GitOps tool applies every app as one field manager (Argo CD's `argocd-controller`, Flux's
 * `kustomize-controller`), and a second app's config-features would remove the first one's keys. Let one app (the
 * platform's) emit it with every flag the cluster's apps need (`enabled`), and declare them in the others with
 * `emitConfigMap: false`; where the Knative Operator owns Knative's configuration (it rewrites config-features
 * from its `KnativeServing` resource), enable the flags there and declare them in every app.
 *
 * @example
 * new KnativeFeatures(chart, 'knative-features');
 */
export class KnativeFeatures extends Construct {
  /** The ConfigMap, when emitted. */
  public readonly configMap?: ApiObject;
  private readonly emitConfigMap: boolean;
  private readonly extra: KnativeFeature[];

  public constructor(scope: Construct, id: string, props: KnativeFeaturesProps = {}) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    this.emitConfigMap = props.emitConfigMap ?? true;
    this.extra = [...(props.enabled ?? [])];
    const namespace = props.namespace ?? 'knative-serving';
    checkDnsLabel('namespace', namespace);
    const { consumers, declarations } = featureState(this);
    if (declarations.some((d) => d.emitConfigMap) && this.emitConfigMap) {
      throw propError('emitConfigMap', 'true on one KnativeFeatures per cluster (one per ClusterChart, or one per app without cluster charts)', 'true on a second one',
        `'${this.node.path}' would emit a second config-features ConfigMap to the same cluster: set emitConfigMap to false on it, or remove it`);
    }
    declarations.push(this);
    if (this.emitConfigMap) {
      // Data is produced at synth, when every service of the app exists. A plain ApiObject: the generated
      // KubeConfigMap would re-map the object, JSON patches included, through Kubernetes 1.27 types.
      this.configMap = new ApiObject(this, 'Resource', {
        ...k8s.KubeConfigMap.GVK,
        // Kept when a GitOps tool prunes it: the cluster's Knative reads it for every app, not this one alone.
        metadata: { name: 'config-features', namespace, labels: { 'app.kubernetes.io/part-of': 'knative-serving' }, annotations: { ...KEEP_ON_PRUNE } },
        data: Lazy.any({ produce: () => Object.fromEntries(this.enabledFlags.map((f) => [f.flag, 'enabled'])) }),
      });
      for (const c of consumers) this._orderBefore(c);
    }
  }

  /**
   * Orders the emitted ConfigMap before `consumer` in the same chart's file: the webhook reads the flags at
   * admission. Across charts nothing is added: a cdk8s chart dependency makes every object of one chart depend on
   * every object of the other and is re-resolved once per chart, which made a 1,000-chart app synthesize three times
   * slower (npm run bench). Apply a chart holding KnativeFeatures before the charts it serves.
   * @internal
   */
  public _orderBefore(consumer: IConstruct): void {
    if (this.configMap && Chart.of(this) === Chart.of(consumer)) consumer.node.addDependency(this.configMap);
  }

  /**
   * The flags enabled: `enabled` plus, when emitting the ConfigMap, whatever the services of its cluster need (its
   * ClusterChart's, or the app's without cluster charts).
   */
  public get enabledFlags(): KnativeFeature[] {
    const all = new Set<KnativeFeature>(this.extra);
    if (this.emitConfigMap) {
      for (const c of featureState(this).consumers) {
        for (const f of c.requiredKnativeFeatures) if (!f.enabledByDefault) all.add(f);
      }
    }
    return inFlagOrder(all);
  }

  /** Whether this declares `feature` enabled by a config-features it does not write. @internal */
  public _declaresElsewhere(feature: KnativeFeature): boolean {
    return !this.emitConfigMap && this.extra.includes(feature);
  }

  /** Whether this declaration enables `feature`. */
  public enables(feature: KnativeFeature): boolean {
    return this.extra.includes(feature) || this.emitConfigMap;
  }
}
