import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClusterTarget } from './cluster-target';
import { propError } from '../_errors';
import { KNATIVE_SERVICE } from '../_kinds';
import type * as karmadaTypes from '../imports/policy.karmada.io';
import { NodePlacement, renderNodePlacement } from '../scheduling/_placement';
import { GpuNodePool } from '../scheduling/gpu-node-pool';
import { KnativeFeature, knativeFeatureDeclared, knativeFeaturesOf } from '../serving/knative-features';
/** The generated Karmada policy module, loaded on first use: it is large and many apps never need it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const karmada = (): typeof karmadaTypes => require('../imports/policy.karmada.io');


/** An object in the Karmada control plane, by API version, kind and name. */
export interface KarmadaResourceRef {
  /** API version, e.g. `batch/v1`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Job`. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /**
   * Namespace of the object.
   * @default - the policy's namespace
   */
  readonly namespace?: string;
}

/** What Karmada needs to know to place a GPU workload. */
export interface WorkloadPlacement {
  /** The object whose pods need GPUs; it lands on one cluster (or every cluster, when duplicated). */
  readonly workload: KarmadaResourceRef;
  /** JSON pointer to the pod spec inside the workload, e.g. `/spec/template/spec`. */
  readonly podSpecPath: string;
  /** The node pool the pod spec was rendered with: what the per-cluster overrides replace. */
  readonly nodePool: GpuNodePool;
  /**
   * Objects that must exist in every cluster the workload may land in (e.g. a headless Service).
   * @default - none
   */
  readonly companions?: KarmadaResourceRef[];
  /**
   * The workload's object in this app. A target's `registryMirror` uses it: its pod spec is read at synth for
   * the path of every container and init container image, which Karmada's image overrider only finds on its own
   * for the containers (not init containers) of a few core kinds.
   * @default - unknown: a registryMirror rewrites what Karmada finds (the containers of a Pod, ReplicaSet,
   * Deployment, DaemonSet, StatefulSet or Job), and is refused for other kinds
   */
  readonly apiObject?: ApiObject;
}

/** A workload Karmada can place across member clusters (DistributedTrainingJob, GpuNotebook ...). */
export interface IPlaceableWorkload {
  /** Its object, pod spec path, node pool and companions. */
  readonly workloadPlacement: WorkloadPlacement;
}

/** Options of PlaceableWorkload.fromApiObject. */
export interface PlaceableApiObjectOptions {
  /**
   * JSON pointer to the pod spec inside the object.
   * @default '/spec/template/spec' (Deployment, Job, Knative Service)
   */
  readonly podSpecPath?: string;
  /**
   * Objects that must exist wherever the workload lands.
   * @default - none
   */
  readonly companions?: ApiObject[];
}

/** Makes any generated object placeable, e.g. `GpuInferenceService.apiObject`. */
export class PlaceableWorkload {
  /**
   * A workload from its ApiObject and the node pool its pods were rendered with.
   */
  public static fromApiObject(apiObject: ApiObject, nodePool: GpuNodePool, options: PlaceableApiObjectOptions = {}): IPlaceableWorkload {
    const ref = (o: ApiObject): KarmadaResourceRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.metadata.namespace });
    const podSpecPath = options.podSpecPath ?? '/spec/template/spec';
    if (!/^(\/[^/~]+)+$/.test(podSpecPath)) throw propError('podSpecPath', "a JSON pointer such as '/spec/template/spec'", podSpecPath);
    const companions = options.companions?.map(ref);
    return {
      workloadPlacement: { workload: ref(apiObject), podSpecPath, nodePool, companions: companions?.length ? companions : undefined, apiObject },
    };
  }

  private constructor() {}
}

/** How the workload is spread over the targets. */
export enum KarmadaPlacementMode {
  /**
   * One cluster: the first target that satisfies the scheduling restrictions, in order (`clusterAffinities`).
   * Put on-prem first and the cloud after it to burst only when on-prem cannot take the job.
   */
  FIRST_AVAILABLE = 'first-available',
  /** Every target runs a full copy (`clusterAffinity` with `Duplicated` replicas), e.g. a notebook everywhere. */
  DUPLICATED = 'duplicated',
}

/** Props of KarmadaPlacement. */
export interface KarmadaPlacementProps {
  /** The workload to place. */
  readonly workload: IPlaceableWorkload;
  /** Member clusters, in order of preference. */
  readonly targets: ClusterTarget[];
  /**
   * How the workload is spread over the targets.
   * @default KarmadaPlacementMode.FIRST_AVAILABLE
   */
  readonly mode?: KarmadaPlacementMode;
  /**
   * Emit an OverridePolicy that rewrites the pod placement (nodeSelector, node affinity, tolerations) to each
   * target's node pool, and the image registry to its `registryMirror`.
   * @default true
   */
  readonly overridePlacement?: boolean;
  /**
   * Propagate what the pods reference (ConfigMaps, Secrets, ServiceAccounts, PVCs) along with the workload
   * (`propagateDeps`).
   * @default true
   */
  readonly propagateDeps?: boolean;
  /**
   * Name of the policies (the companions' policy gets a `-companions` suffix).
   * @default - the workload's name
   */
  readonly name?: string;
}

const AFFINITY_NAME_MAX = 32;

/**
 * Places a GPU workload on Karmada member clusters: apply the workload and these policies to the Karmada
 * control plane, and Karmada propagates the workload to the chosen cluster.
 *
 * Creates: a `policy.karmada.io/v1alpha1` PropagationPolicy for the workload (FIRST_AVAILABLE: one cluster
 * group per target, tried in order; DUPLICATED: every target), one for its companions on every target (a
 * headless Service must exist wherever the Job may land), and an OverridePolicy with one rule per target
 * whose node pool or registry differs from what the workload was rendered with.
 *
 * Prerequisites: Karmada 1.5+ (cluster affinity groups), the targets registered as member clusters under
 * their `name`.
 *
 * @example
 * new KarmadaPlacement(chart, 'burst', { workload: job, targets: [onPrem, cloud] });
 */
export class KarmadaPlacement extends Construct {
  /** The workload's PropagationPolicy. */
  public readonly propagationPolicy: ApiObject;
  /** The companions' PropagationPolicy, when the workload has companions. */
  public readonly companionPolicy?: ApiObject;
  /** The OverridePolicy, when a target needs another placement or registry. */
  public readonly overridePolicy?: ApiObject;

  public constructor(scope: Construct, id: string, props: KarmadaPlacementProps) {
    super(scope, id);
    const placement = props.workload.workloadPlacement;
    const mode = props.mode ?? KarmadaPlacementMode.FIRST_AVAILABLE;
    const targets = props.targets;
    if (targets.length === 0) throw propError('targets', 'at least one cluster target', '[]');
    const names = targets.map((t) => t.name);
    if (new Set(names).size !== names.length) throw propError('targets', 'clusters with unique names', names.join(','));
    if (mode === KarmadaPlacementMode.FIRST_AVAILABLE) {
      for (const name of names) {
        if (name.length > AFFINITY_NAME_MAX) {
          throw propError('targets[].name', `at most ${AFFINITY_NAME_MAX} characters, the limit of a Karmada affinityName`, name);
        }
      }
    }
    const name = props.name ?? placement.workload.name;
    const namespace = placement.workload.namespace;
    const selector = (r: KarmadaResourceRef) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name });
    const duplicated = { replicaSchedulingType: karmada().PropagationPolicySpecPlacementReplicaSchedulingReplicaSchedulingType.DUPLICATED };

    const workloadPlacement: karmadaTypes.PropagationPolicySpecPlacement = mode === KarmadaPlacementMode.FIRST_AVAILABLE
      ? { clusterAffinities: targets.map((t) => ({ affinityName: t.name, clusterNames: [t.name] })), replicaScheduling: duplicated }
      : { clusterAffinity: { clusterNames: names }, replicaScheduling: duplicated };
    this.propagationPolicy = new (karmada().PropagationPolicy)(this, 'Resource', {
      metadata: { name, namespace },
      spec: {
        resourceSelectors: [selector(placement.workload)],
        propagateDeps: props.propagateDeps ?? true,
        placement: workloadPlacement,
      },
    });

    if (placement.companions?.length) {
      this.companionPolicy = new (karmada().PropagationPolicy)(this, 'Companions', {
        metadata: { name: `${name}-companions`, namespace },
        spec: {
          resourceSelectors: placement.companions.map(selector),
          placement: { clusterAffinity: { clusterNames: names }, replicaScheduling: duplicated },
        },
      });
    }

    if (props.overridePlacement ?? true) {
      const base = placementJson(renderNodePlacement(placement.nodePool));
      const knative = placement.workload.apiVersion === KNATIVE_SERVICE.apiVersion && placement.workload.kind === KNATIVE_SERVICE.kind;
      const baseFeatures = knative ? knativeFeaturesOf(base) : [];
      /** The targets whose placement or registry differs from what the workload was rendered with. */
      const differing: DifferingTarget[] = [];
      for (const target of targets) {
        const targetPlacement = placementJson(renderNodePlacement(target.nodePool));
        const plaintext = placementPatches(placement.podSpecPath, base, targetPlacement);
        if (knative) {
          // The fields the override adds, read for their flags the way the service's own pod spec is read.
          const added = knativeFeaturesOf(targetPlacement).filter((f) => !baseFeatures.includes(f));
          this.checkKnativeFields(placement.workload.name, target.name, added);
        }
        if (target.registryMirror) checkMirrorReach(placement, target);
        if (plaintext.length > 0 || target.registryMirror) differing.push({ target, plaintext });
      }
      if (differing.length > 0) {
        this.overridePolicy = new (karmada().OverridePolicy)(this, 'Override', {
          metadata: { name, namespace },
          // At synth: a registry mirror names the images of the rendered pod spec, which can gain containers and
          // init containers until then (Triton's copy-in init containers follow the models of its repository).
          spec: {
            resourceSelectors: [selector(placement.workload)],
            overrideRules: Lazy.any({ produce: () => overrideRules(placement, differing) }),
          },
        });
      }
    }
  }

  /**
   * Knative's webhook gates each placement field behind a config-features flag, and the app only checked the flags of
   * the service as rendered. A field an override adds for a member cluster must be on by default there or listed in
   * `enabled` of a KnativeFeatures of this placement's cluster (checked at synth, wherever that is declared).
   */
  private checkKnativeFields(service: string, target: string, gated: KnativeFeature[]): void {
    if (gated.length === 0) return;
    this.node.addValidation({
      validate: () => {
        const missing = gated.filter((f) => !knativeFeatureDeclared(this, f));
        if (missing.length === 0) return [];
        return [propError('targets', `node pools whose overrides add only Knative-gated fields the member clusters enable to the Knative Service '${service}'`,
          `${target} adds ${missing.map((f) => f.field).join(', ')}`,
          `list ${missing.map((f) => f.flag).join(', ')} in \`enabled\` of a KnativeFeatures beside this placement once the clusters enable ${missing.length > 1 ? 'them' : 'it'}, ` +
          'render the service with a node pool that sets these fields already, or make one ClusterChart per cluster with the service and its KnativeFeatures').message];
      },
    });
  }
}

/**
 * The kinds whose images Karmada's image overrider finds without a path: only their containers, never their init
 * containers, and nothing of other kinds (a Knative Service) (karmada pkg/util/overridemanager/imageoverride.go).
 */
const KARMADA_IMAGE_KINDS = ['v1/Pod', 'apps/v1/ReplicaSet', 'apps/v1/Deployment', 'apps/v1/DaemonSet', 'apps/v1/StatefulSet', 'batch/v1/Job'];

/** A target whose rule overrides something: its placement patches, its registry, or both. */
interface DifferingTarget {
  readonly target: ClusterTarget;
  readonly plaintext: PlaintextPatch[];
}

/**
 * Refuses a registry mirror that would miss images: without the workload's object only Karmada's own lookup
 * applies, which finds the containers of the core kinds it knows and nothing of other kinds.
 */
function checkMirrorReach(placement: WorkloadPlacement, target: ClusterTarget): void {
  const { apiVersion, kind } = placement.workload;
  if (placement.apiObject || KARMADA_IMAGE_KINDS.includes(`${apiVersion}/${kind}`)) return;
  throw propError('targets[].registryMirror',
    `set for a workload whose images Karmada finds (${KARMADA_IMAGE_KINDS.join(', ')}), or whose object is known (WorkloadPlacement.apiObject)`,
    `${target.name}: ${target.registryMirror} for a ${kind}`, 'place it with PlaceableWorkload.fromApiObject, which names every image by its path');
}

/**
 * One rule per differing target. A mirror's registry overrider names every image by its path, read once from the
 * rendered pod spec for all targets; without the workload's object it is Karmada's own lookup (a core kind).
 */
function overrideRules(placement: WorkloadPlacement, differing: DifferingTarget[]): karmadaTypes.OverridePolicySpecOverrideRules[] {
  const paths = placement.apiObject && differing.some((d) => d.target.registryMirror) ? imagePaths(placement) : undefined;
  return differing.map(({ target, plaintext }) => {
    const mirror = target.registryMirror;
    const registry = mirror ? {
      component: karmada().OverridePolicySpecOverrideRulesOverridersImageOverriderComponent.REGISTRY,
      operator: karmada().OverridePolicySpecOverrideRulesOverridersImageOverriderOperator.REPLACE,
      value: mirror,
    } : undefined;
    const imageOverrider = registry && (paths ? paths.map((path) => ({ predicate: { path }, ...registry })) : [registry]);
    return { targetCluster: { clusterNames: [target.name] }, overriders: { plaintext: plaintext.length ? plaintext : undefined, imageOverrider } };
  });
}

/** The path of every container and init container image of the workload's rendered pod spec. */
function imagePaths(placement: WorkloadPlacement): string[] {
  const json = placement.apiObject!.toJson();
  let podSpec: any = json;
  for (const key of placement.podSpecPath.split('/').slice(1)) podSpec = podSpec?.[key];
  if (!podSpec || !Array.isArray(podSpec.containers)) {
    throw propError('podSpecPath', `the path of the pod spec in ${placement.workload.kind} '${placement.workload.name}'`, placement.podSpecPath);
  }
  return ['containers', 'initContainers'].flatMap((field) =>
    ((podSpec[field] ?? []) as unknown[]).map((_, i) => `${placement.podSpecPath}/${field}/${i}/image`));
}

/** The placement fields as wire JSON, so they can be compared and written into a patch. */
function placementJson(p: NodePlacement): Record<string, unknown> {
  return {
    nodeSelector: p.nodeSelector,
    affinity: p.affinity && k8s.toJson_Affinity(p.affinity),
    tolerations: p.tolerations?.map((t) => k8s.toJson_Toleration(t)),
  };
}

/** JSON-patch style overriders turning the base placement into the target's: add, replace or remove each field. */
type PlaintextPatch = karmadaTypes.OverridePolicySpecOverrideRulesOverridersPlaintext;

function placementPatches(podSpecPath: string, base: Record<string, unknown>, target: Record<string, unknown>): PlaintextPatch[] {
  const operator = karmada().OverridePolicySpecOverrideRulesOverridersPlaintextOperator;
  const patches: PlaintextPatch[] = [];
  for (const field of ['nodeSelector', 'affinity', 'tolerations']) {
    const before = base[field];
    const after = target[field];
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const path = `${podSpecPath}/${field}`;
    if (after === undefined) {
      patches.push({ path, operator: operator.REMOVE });
    } else {
      patches.push({ path, operator: before === undefined ? operator.ADD : operator.REPLACE, value: after });
    }
  }
  return patches;
}
