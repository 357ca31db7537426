import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { clusterScopeName, clusterScopeOf, isClusterScope, perCluster } from '../_cluster-scope';
import { propError } from '../_errors';
import { checkDnsLabel } from '../_names';
import { compareStrings } from '../_order';
import { KEEP_ON_PRUNE } from '../_prune';
import { checkUniqueObjectNames } from '../_unique-names';

/**
 * A flag in Knative Serving's `config-features` ConfigMap that lets the admission webhook accept a pod-spec
 * field. Names and defaults are Knative Serving's (`pkg/apis/config/features.go`).
 */
export class KnativeFeature {
  /** `spec.affinity`. */
  public static readonly AFFINITY = new KnativeFeature('kubernetes.podspec-affinity', 'affinity');
  /** `spec.nodeSelector`. */
  public static readonly NODE_SELECTOR = new KnativeFeature('kubernetes.podspec-nodeselector', 'nodeSelector');
  /** `spec.tolerations`. */
  public static readonly TOLERATIONS = new KnativeFeature('kubernetes.podspec-tolerations', 'tolerations');
  /** `spec.topologySpreadConstraints`. */
  public static readonly TOPOLOGY_SPREAD_CONSTRAINTS = new KnativeFeature('kubernetes.podspec-topologyspreadconstraints', 'topologySpreadConstraints');
  /** Pod-level `spec.securityContext` (fsGroup, supplementalGroups ...). */
  public static readonly SECURITY_CONTEXT = new KnativeFeature('kubernetes.podspec-securitycontext', 'securityContext');
  /** `spec.initContainers`. */
  public static readonly INIT_CONTAINERS = new KnativeFeature('kubernetes.podspec-init-containers', 'initContainers');
  /** `persistentVolumeClaim` volumes. */
  public static readonly PERSISTENT_VOLUME_CLAIM = new KnativeFeature('kubernetes.podspec-persistent-volume-claim', 'volumes[].persistentVolumeClaim');
  /** `persistentVolumeClaim` volumes not marked `readOnly` (however they are mounted). */
  public static readonly PERSISTENT_VOLUME_WRITE = new KnativeFeature('kubernetes.podspec-persistent-volume-write', 'volumes[].persistentVolumeClaim without readOnly');
  /** `emptyDir` volumes; enabled by default. */
  public static readonly EMPTY_DIR = new KnativeFeature('kubernetes.podspec-volumes-emptydir', 'volumes[].emptyDir', true);
  /** `hostPath` volumes. */
  public static readonly HOST_PATH = new KnativeFeature('kubernetes.podspec-volumes-hostpath', 'volumes[].hostPath');
  /** `csi` volumes. */
  public static readonly CSI = new KnativeFeature('kubernetes.podspec-volumes-csi', 'volumes[].csi');
  /** `env[].valueFrom.fieldRef` and `resourceFieldRef`. */
  public static readonly FIELD_REF = new KnativeFeature('kubernetes.podspec-fieldref', 'env[].valueFrom.fieldRef');
  /** `spec.runtimeClassName`. */
  public static readonly RUNTIME_CLASS_NAME = new KnativeFeature('kubernetes.podspec-runtimeclassname', 'runtimeClassName');
  /** `spec.priorityClassName`. */
  public static readonly PRIORITY_CLASS_NAME = new KnativeFeature('kubernetes.podspec-priorityclassname', 'priorityClassName');
  /** `spec.schedulerName`. */
  public static readonly SCHEDULER_NAME = new KnativeFeature('kubernetes.podspec-schedulername', 'schedulerName');
  /** `securityContext.capabilities.add`. */
  public static readonly ADD_CAPABILITIES = new KnativeFeature('kubernetes.containerspec-addcapabilities', 'capabilities.add');
  /** More than one container; enabled by default. */
  public static readonly MULTI_CONTAINER = new KnativeFeature('multi-container', 'containers[1..]', true);

  private constructor(
    /** The key in `config-features`. */
    public readonly flag: string,
    /** The pod-spec field it gates. */
    public readonly field: string,
    /** Whether a default Knative install already enables it. */
    public readonly enabledByDefault: boolean = false,
  ) {}
}

/** Every flag, in flag order: lists of flags are picked from it, so none needs sorting. */
const ALL_BY_FLAG = Object.values(KnativeFeature)
  .filter((f): f is KnativeFeature => f instanceof KnativeFeature)
  .sort((a, b) => compareStrings(a.flag, b.flag));

/** The flags of `set`, in flag order. */
function inFlagOrder(set: ReadonlySet<KnativeFeature>): KnativeFeature[] {
  return ALL_BY_FLAG.filter((f) => set.has(f));
}

/** Reads which feature flags a rendered pod spec (wire format) needs, in a stable order. */
export function knativeFeaturesOf(spec: any): KnativeFeature[] {
  const needs = new Set<KnativeFeature>();
  const containers: any[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  if (spec.affinity) needs.add(KnativeFeature.AFFINITY);
  if (spec.nodeSelector) needs.add(KnativeFeature.NODE_SELECTOR);
  if (spec.tolerations) needs.add(KnativeFeature.TOLERATIONS);
  if (spec.topologySpreadConstraints) needs.add(KnativeFeature.TOPOLOGY_SPREAD_CONSTRAINTS);
  if (spec.securityContext && Object.keys(spec.securityContext).length > 0) needs.add(KnativeFeature.SECURITY_CONTEXT);
  if (spec.initContainers?.length) needs.add(KnativeFeature.INIT_CONTAINERS);
  if (spec.runtimeClassName) needs.add(KnativeFeature.RUNTIME_CLASS_NAME);
  if (spec.priorityClassName) needs.add(KnativeFeature.PRIORITY_CLASS_NAME);
  if (spec.schedulerName) needs.add(KnativeFeature.SCHEDULER_NAME);
  if ((spec.containers ?? []).length > 1) needs.add(KnativeFeature.MULTI_CONTAINER);
  for (const v of spec.volumes ?? []) {
    if (v.emptyDir) needs.add(KnativeFeature.EMPTY_DIR);
    if (v.hostPath) needs.add(KnativeFeature.HOST_PATH);
    if (v.csi) needs.add(KnativeFeature.CSI);
    if (v.persistentVolumeClaim) {
      needs.add(KnativeFeature.PERSISTENT_VOLUME_CLAIM);
      // The webhook judges the volume, not its mounts: a claim not marked readOnly needs the write flag even where
      // every mount of it is read-only (serving's k8s_validation_test.go, "PVC not read-only, mount read-only").
      if (!v.persistentVolumeClaim.readOnly) needs.add(KnativeFeature.PERSISTENT_VOLUME_WRITE);
    }
  }
  for (const c of containers) {
    if (c.securityContext?.capabilities?.add?.length) needs.add(KnativeFeature.ADD_CAPABILITIES);
    if ((c.env ?? []).some((e: any) => e.valueFrom?.fieldRef || e.valueFrom?.resourceFieldRef)) needs.add(KnativeFeature.FIELD_REF);
  }
  return inFlagOrder(needs);
}

/** Something in the app whose output needs Knative feature flags. */
export interface IKnativeFeatureConsumer extends IConstruct {
  /** The flags its output needs, including the ones enabled by default. */
  readonly requiredKnativeFeatures: KnativeFeature[];
}

/**
 * Consumers and declarations per cluster: each cluster has its own Knative and its own config-features, so a
 * ClusterChart's declarations count for its own services only. Without cluster charts the app is the one cluster.
 */
const featureState = perCluster(() => ({ consumers: new Array<IKnativeFeatureConsumer>(), declarations: new Array<KnativeFeatures>() }));

/** Registers a construct whose output needs feature flags, so the KnativeFeatures of its cluster can see it. */
export function registerKnativeFeatureConsumer(consumer: IKnativeFeatureConsumer): void {
  const { consumers, declarations } = featureState(consumer);
  consumers.push(consumer);
  for (const d of declarations) d._orderBefore(consumer);
}

/**
 * The flags of `consumer` that a default install rejects and no KnativeFeatures of its cluster (its ClusterChart,
 * or the app without cluster charts) enables: what the admission webhook would refuse.
 */
export function missingKnativeFeatures(consumer: IKnativeFeatureConsumer): KnativeFeature[] {
  return undeclared(consumer, consumer.requiredKnativeFeatures, (d, f) => d.enables(f));
}

/**
 * The flags among `features` that a default install rejects and no KnativeFeatures of `construct`'s cluster lists
 * in `enabled` with `emitConfigMap: false`: what the app does not state that clusters it does not configure enable
 * (Karmada's member clusters), where a config-features it writes never arrives.
 */
export function knativeFeaturesUndeclaredElsewhere(construct: IConstruct, features: KnativeFeature[]): KnativeFeature[] {
  return undeclared(construct, features, (d, f) => d._declaresElsewhere(f));
}

/** `features` less those on by default and those a KnativeFeatures of `construct`'s cluster `declares`. */
function undeclared(
  construct: IConstruct, features: KnativeFeature[], declares: (d: KnativeFeatures, f: KnativeFeature) => boolean,
): KnativeFeature[] {
  const declared = featureState(construct).declarations;
  return features.filter((f) => !f.enabledByDefault && !declared.some((d) => declares(d, f)));
}

/**
 * How to give `consumer` the `missing` flags, for error messages: list them in the KnativeFeatures that declares
 * its cluster's flags without a ConfigMap, when there is one (a config-features written beside it would fight the
 * operator that manages the cluster's); else emit one where the cluster reads it.
 */
export function knativeFeaturesFix(consumer: IConstruct, missing: KnativeFeature[]): string {
  const declaring = featureState(consumer).declarations.find((d) => !d.configMap);
  if (declaring) return listFlagsFix(missing, `KnativeFeatures '${declaring.node.path}'`, 'the cluster enables');

  return `add \`new KnativeFeatures(chart, 'knative-features')\` in ${knativeFeaturesHome(consumer)} to emit config-features, ` +
    "or declare flags the cluster already enables with `new KnativeFeatures(chart, 'knative-features', { emitConfigMap: false, enabled: [...] })`";
}

/** The fix that lists the `missing` flags in `enabled` of `where`, once `clustersEnable` (e.g. 'the cluster enables') them. */
export function listFlagsFix(missing: KnativeFeature[], where: string, clustersEnable: string): string {
  return `list ${missing.map((f) => f.flag).join(', ')} in \`enabled\` of ${where} once ${clustersEnable} ${missing.length > 1 ? 'them' : 'it'}`;
}

/** Where a KnativeFeatures for `consumer` goes, for error messages: its ClusterChart when it has one. */
function knativeFeaturesHome(consumer: IConstruct): string {
  return isClusterScope(clusterScopeOf(consumer)) ? `the ${clusterScopeName(consumer)} (each cluster reads its own config-features)` : 'a chart of the app';
}

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
 * it serves. Flux (and Argo CD with server-side apply) dry-runs every object of a sync before applying any, and
 * Knative's webhook checks a Service against the config-features the cluster has: a commit that adds a flag and
 * the field that needs it stays stuck unless config-features is in a sync of its own that the services' depends on
 * (Flux `dependsOn`, a separate Argo CD Application). It carries the keys this app needs only, so a cluster has one
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
    checkUniqueObjectNames(this);
    this.emitConfigMap = props.emitConfigMap ?? true;
    this.extra = [...(props.enabled ?? [])];
    const namespace = props.namespace ?? 'knative-serving';
    checkDnsLabel('namespace', namespace);
    const { consumers, declarations } = featureState(this);
    if (declarations.some((d) => d.emitConfigMap) && this.emitConfigMap) {
      throw propError('KnativeFeatures', 'declared once per cluster with emitConfigMap (once per ClusterChart, or once per app without cluster charts)', 'a second one',
        `'${this.node.path}' would emit a second config-features ConfigMap to the same cluster`);
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
