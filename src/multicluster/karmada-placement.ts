import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClusterTarget } from './cluster-target';
import { perCluster } from '../_cluster-scope';
import { propError } from '../_errors';
import { KNATIVE_SERVICE } from '../_kinds';
import { constructCount, keyedMemo } from '../_memo';
import { checkDnsSubdomain } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import type * as karmadaTypes from '../imports/policy.karmada.io';
import { mirrorOf, mirrorRewrite, parseImage } from '../scheduling/_image';
import { NodePlacement, poolChecksOf, renderNodePlacement } from '../scheduling/_placement';
import { gpuOnPoolError } from '../scheduling/_pod-spec';
import { GpuNodePool } from '../scheduling/gpu-node-pool';
import { GpuResource } from '../scheduling/gpu-resource';
import { knativeFeaturesOf, knativeFeaturesUndeclaredElsewhere, listFlagsFix } from '../serving/_knative-feature-state';
import { IKnativeFeatureConsumer, KnativeFeature } from '../serving/knative-feature';
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
   * The workload's object in this app. A target's `registryMirrors` need it: its pod spec is read at synth for the
   * path and the image of every container and init container, each rewritten by its own rule.
   * @default - unknown: targets with `registryMirrors` are refused
   */
  readonly apiObject?: ApiObject;
}

/**
 * A workload Karmada can place across member clusters: DistributedTrainingJob, GpuNotebook, GpuInferenceService,
 * TritonServer, TritonKnativeService, or any object through PlaceableWorkload.fromApiObject.
 */
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
   * Objects that must exist wherever the workload lands, in its namespace: e.g. the Secrets and ConfigMaps of a
   * Knative Service, whose references Karmada's `propagateDeps` does not follow.
   * @default - none
   */
  readonly companions?: ApiObject[];
}

/** Makes any generated object placeable, e.g. one patched or made outside this library. */
export class PlaceableWorkload {
  /**
   * A workload from its ApiObject and the node pool its pods were rendered with.
   */
  public static fromApiObject(apiObject: ApiObject, nodePool: GpuNodePool, options: PlaceableApiObjectOptions = {}): IPlaceableWorkload {
    const ref = (o: ApiObject): KarmadaResourceRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.metadata.namespace });
    const podSpecPath = options.podSpecPath ?? '/spec/template/spec';
    if (!/^(\/[^/~]+)+$/.test(podSpecPath)) throw propError('podSpecPath', "a JSON pointer such as '/spec/template/spec'", podSpecPath);
    const companions = options.companions?.map(ref);
    const workloadPlacement = { workload: ref(apiObject), podSpecPath, nodePool, companions: companions?.length ? companions : undefined, apiObject };
    const json = apiObject.toJson();
    // A template whose count its autoscaler owns states no replicas: record the autoscaler's fewest for the placement.
    if (json.spec?.replicas === undefined) {
      for (const c of options.companions ?? []) {
        if (c.kind !== 'HorizontalPodAutoscaler') continue;
        const spec = c.toJson().spec ?? {};
        const target = spec.scaleTargetRef;
        if (target?.kind === apiObject.kind && target?.name === apiObject.name) autoscaledMinReplicas.set(apiObject, spec.minReplicas ?? 1);
      }
    }
    // The overrides patch the placement the pods have: a pool other than theirs would patch fields they lack
    // (Karmada's JSON patch fails on removing or replacing a missing key, and the object never lands).
    const podSpec = podSpecIn(json, workloadPlacement);
    const expected = placementJson(renderNodePlacement(nodePool));
    // Of the affinity, the pool decides the node affinity only: pod (anti-)affinity stays as the pods have it.
    const placed = (spec: Record<string, any>, f: string) => (f === 'affinity' ? spec.affinity?.nodeAffinity : spec[f]);
    const differing = PLACEMENT_FIELDS.filter((f) => canonicalJson(placed(podSpec, f)) !== canonicalJson(placed(expected, f)));
    if (differing.length > 0) {
      // A scalar field (the runtime class) is shown with its values: the pods' against the pool's.
      const scalar = (v: unknown) => v === undefined || typeof v !== 'object';
      const shown = differing.map((f) => (scalar(podSpec[f]) && scalar(expected[f]) ? `${f} (the pods' ${podSpec[f] ?? 'none'}, the pool's ${expected[f] ?? 'none'})` : f));
      throw propError('nodePool', `the node pool the pods of ${apiObject.kind} '${apiObject.name}' were rendered with (the overrides patch their placement)`,
        `one that renders another ${shown.join(', ')}`,
        `pass the nodePool given to the workload${differing.includes('runtimeClassName') ? "; a runtime class is the pool's runtimeClassName" : ''}`);
    }
    return { workloadPlacement };
  }

  private constructor() {}
}

/** How the workload is spread over the targets. */
export enum KarmadaPlacementMode {
  /**
   * One cluster: the first target, in order, with room for all the workload's replicas (`clusterAffinities`, one
   * group per target, with `Divided` replicas: Karmada's scheduler estimates each cluster's free resources, GPUs
   * included, and moves on to the next target when one cannot take them all, or is unavailable). Put on-prem
   * first and the cloud after it to burst only when on-prem cannot take the job. Karmada estimates the replicas
   * of the kinds its interpreter knows (a Job, a Deployment); a Knative Service has none it can read, so it
   * lands on the first available target whatever its free GPUs. A workload scaled by its autoscaler companion (a
   * TritonServer's HPA) is placed for the autoscaler's `minReplicas`, which the placement writes into its template:
   * what the autoscaler adds later stays Pending where room runs out. The estimate reads the workload as the control
   * plane holds it, before the overrides: the general estimator counts a cluster's free GPUs whatever the nodes'
   * shape, and the scheduler estimator only the nodes matching the workload's own node selector and tolerations.
   * Both count the GPUs of nodes that exist: a cloud target whose GPU pool has scaled to zero has none, and is
   * passed over like a full one. Keep the burst target's GPU nodes up (a minimum node count) while it should take
   * work, or apply its cluster's own chart (a `ClusterChart` per cluster) when it should run there.
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
   * Emit an OverridePolicy that rewrites the pod placement (nodeSelector, node affinity, tolerations, runtime class) to each
   * target's node pool, and every image to its `registryMirrors`.
   * @default true
   */
  readonly overridePlacement?: boolean;
  /**
   * Propagate what the pods reference (ConfigMaps, Secrets, ServiceAccounts, PVCs) along with the workload
   * (`propagateDeps`). Karmada finds them for the kinds its interpreter knows (Deployment, Job, CronJob, Pod,
   * DaemonSet, StatefulSet), not for a Knative Service: give those as `companions`.
   * @default true
   */
  readonly propagateDeps?: boolean;
  /**
   * Name of the policies (the companions' policy gets a `-companions` suffix).
   * @default - the workload's name
   */
  readonly name?: string;
}

/** Where a placement's member clusters' Knative flags are declared. */
const ELSEWHERE = 'a KnativeFeatures with emitConfigMap: false';
const AFFINITY_NAME_MAX = 32;
const POLICY_NAME_MAX = 63;

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
    props = snapshot(props);
    checkUniqueObjectNames(this);
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
    checkDnsSubdomain('name', name);
    const namespace = placement.workload.namespace;
    // Karmada's webhook refuses policy names longer than a label value.
    const longest = placement.companions?.length ? `${name}-companions` : name;
    if (longest.length > POLICY_NAME_MAX) {
      const suffix = longest === name ? '' : " with '-companions' added for the companions' policy";
      throw propError('name', `a policy name of at most ${POLICY_NAME_MAX} characters${suffix}`, name,
        'set a shorter name for the policies');
    }
    for (const c of placement.companions ?? []) {
      // A namespaced PropagationPolicy selects objects of its own namespace only (Karmada fills a selector's empty
      // namespace with the policy's).
      if (c.namespace !== undefined && namespace !== undefined && c.namespace !== namespace) {
        throw propError('companions', `objects in the workload's namespace (${namespace}): a PropagationPolicy selects objects of its own namespace`,
          `${c.kind} ${c.namespace}/${c.name}`, 'propagate objects of other namespaces with a policy of their own');
      }
    }
    const selector = (r: KarmadaResourceRef) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name });
    const schedulingType = karmada().PropagationPolicySpecPlacementReplicaSchedulingReplicaSchedulingType;
    const duplicated = { replicaSchedulingType: schedulingType.DUPLICATED };
    // Divided, not Duplicated: with Duplicated the scheduler ignores the clusters' free resources (the
    // availablereplicas plugin skips it), so a group never fails for lack of GPUs and the next is never tried.
    // Each group is one cluster, which Aggregated gives every replica.
    const aggregated = {
      replicaSchedulingType: schedulingType.DIVIDED,
      replicaDivisionPreference: karmada().PropagationPolicySpecPlacementReplicaSchedulingReplicaDivisionPreference.AGGREGATED,
    };

    const workloadPlacement: karmadaTypes.PropagationPolicySpecPlacement = mode === KarmadaPlacementMode.FIRST_AVAILABLE
      ? { clusterAffinities: targets.map((t) => ({ affinityName: t.name, clusterNames: [t.name] })), replicaScheduling: aggregated }
      : { clusterAffinity: { clusterNames: names }, replicaScheduling: duplicated };
    this.propagationPolicy = new (karmada().PropagationPolicy)(this, 'Resource', {
      metadata: { name, namespace },
      spec: {
        resourceSelectors: [selector(placement.workload)],
        propagateDeps: props.propagateDeps ?? true,
        placement: workloadPlacement,
      },
    });

    // Karmada keeps an object with the first policy that claims it: a workload placed twice is placed once.
    const placed = workloadClaims(this);
    const workloadKey = objectKey(placement.workload.apiVersion, placement.workload.kind, namespace, placement.workload.name);
    const placedBy = placed.get(workloadKey);
    if (placedBy) {
      throw propError('workload', 'a workload no other KarmadaPlacement places: Karmada keeps an object with the first policy that claims it',
        `${placement.workload.kind} '${placement.workload.name}', placed by '${placedBy}' already`, 'place it once, with every target in one KarmadaPlacement');
    }
    let claimCompanions = () => {};
    if (placement.companions?.length) {
      // Karmada keeps an object with the first policy that claims it (the first by name among equals): a companion of
      // two placements goes to the targets of one of them only.
      const claims = companionClaims(this);
      const targetSet = [...names].sort().join(', ');
      const keys = placement.companions.map((c) => objectKey(c.apiVersion, c.kind, c.namespace, c.name));
      placement.companions.forEach((c, i) => {
        const other = claims.get(keys[i]);
        if (other && other.targets !== targetSet) {
          throw propError('workload', `companions no other KarmadaPlacement propagates to other targets: Karmada keeps an object with the first policy that claims it, so ${c.kind} '${c.name}' would reach the targets of one placement only`,
            `${c.kind} '${c.name}', also a companion of '${other.path}' (targets ${other.targets}; here ${targetSet})`,
            'propagate the shared object to every target with a policy of your own, and place one of the workloads through PlaceableWorkload.fromApiObject without it');
        }
      });
      // Claimed once the placement is made: one that fails below claims nothing.
      claimCompanions = () => keys.forEach((k) => { if (!claims.has(k)) claims.set(k, { path: this.node.path, targets: targetSet }); });
      this.companionPolicy = new (karmada().PropagationPolicy)(this, 'Companions', {
        metadata: { name: `${name}-companions`, namespace },
        spec: {
          resourceSelectors: placement.companions.map(selector),
          placement: { clusterAffinity: { clusterNames: names }, replicaScheduling: duplicated },
        },
      });
    }

    const base = placementJson(renderNodePlacement(placement.nodePool));
    const knative = placement.workload.apiVersion === KNATIVE_SERVICE.apiVersion && placement.workload.kind === KNATIVE_SERVICE.kind;
    const baseFeatures = knative ? knativeFeaturesOf(base) : [];
    /** Per target, the Knative-gated fields its override adds. */
    const addedFields: TargetFeatures[] = [];
    const overridePlacement = props.overridePlacement ?? true;
    if (overridePlacement) {
      /** The targets whose placement or registry differs from what the workload was rendered with. */
      const differing: DifferingTarget[] = [];
      for (const target of targets) {
        const targetPlacement = placementJson(renderNodePlacement(target.nodePool));
        const plaintext = placementPatches(placement.podSpecPath, base, targetPlacement);
        if (knative) {
          // The fields the override adds, read for their flags the way the service's own pod spec is read.
          addedFields.push({ target: target.name, added: knativeFeaturesOf(targetPlacement).filter((f) => !baseFeatures.includes(f)) });
        }
        if (target.registryMirrors && !placement.apiObject) {
          throw propError('targets[].registryMirrors', 'set only for a workload whose object is known (WorkloadPlacement.apiObject), whose images are rewritten by their paths',
            `${target.name} for a ${placement.workload.kind} without its object`, 'place it with PlaceableWorkload.fromApiObject, or as a DistributedTrainingJob or GpuNotebook');
        }
        if (plaintext.length > 0 || target.registryMirrors) differing.push({ target, plaintext });
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
    if (knative) this.checkKnativeFlags(placement, baseFeatures, addedFields);
    // What the workload checks against its own pool (GPU memory, compute capability), against the targets' pools.
    const checks = poolChecksOf(placement.apiObject);
    const elsewhere = overridePlacement ? targets.filter((t) => t.nodePool !== placement.nodePool) : [];
    if (checks && elsewhere.length > 0) {
      this.node.addValidation({
        validate: () => [
          ...elsewhere.flatMap((t) => checks.onPool(t.nodePool).map((m) => `on target '${t.name}', whose node pool the override puts it on: ${m}`)),
          ...checks.acrossPools(targets.map((t) => t.nodePool))
            .map((m) => `across the targets (${targets.map((t) => t.name).join(', ')}), which run the same pod spec: ${m}`),
        ],
      });
    }
    // The override moves the pods, not their resources: each target's nodes must advertise what the pods ask for.
    if (elsewhere.length > 0) {
      this.node.addValidation({
        validate: () => {
          const asked = podGpus(podSpecOf(placement));
          return elsewhere.flatMap((t) => asked.flatMap(({ gpu, count }) => {
            const e = gpuOnPoolError(gpu, count, t.nodePool);
            return e ? [`on target '${t.name}', whose node pool the override puts it on: ${e.message}`] : [];
          }));
        },
      });
    }
    const mirrored = overridePlacement ? targets.filter((t) => t.registryMirrors) : [];
    if (mirrored.length > 0) {
      // At synth, with the images the override rules name: Karmada writes an image back with its tag only. Read
      // again only when a construct is added to the workload's: cdk8s validates the app once more per chart.
      const workload = placement.apiObject!.node.scope ?? placement.apiObject!;
      const images = keyedMemo(() => constructCount(workload), () => [...new Set(podImages(placement).map((i) => i.image))]);
      this.node.addValidation({
        validate: () => images().flatMap((image) => {
          const r = parseImage(image);
          if (!r.tag || !r.digest || !mirrored.some((t) => mirrorOf(r.registry, t.registryMirrors!) !== undefined)) return [];
          return [propError('workload', `images a registry mirror rewrites pinned by a tag or a digest alone: Karmada writes an image back with its tag only (for ${mirrored.map((t) => t.name).join(', ')})`,
            image, `pin it by digest alone, ${r.registry}/${r.path}${r.digest}`).message];
        }),
      });
    }
    claimCompanions();
    placed.set(workloadKey, this.node.path);
    // A member cluster's HPA scales the workload there: Karmada keeps its replicas only with this label.
    if (placement.apiObject && placement.companions?.some((c) => c.kind === 'HorizontalPodAutoscaler')) {
      placement.apiObject.metadata.addLabel(RETAIN_REPLICAS_LABEL, 'true');
      // Karmada schedules the replicas the template states, 1 when it states none (the apiserver's default): a
      // template whose count its autoscaler owns states the autoscaler's fewest, which the member cluster keeps.
      const fewest = autoscaledMinReplicas.get(placement.apiObject);
      if (fewest !== undefined) placement.apiObject.addJsonPatch(JsonPatch.add('/spec/replicas', fewest));
    }
  }

  /**
   * Knative's webhook gates fields behind config-features flags, read in each member cluster. A KnativeFeatures
   * here writes its ConfigMap where this app is applied, the Karmada control plane, which no member cluster reads:
   * every gated field of the placed service (its rendered pod spec, when its object is known, else its placement)
   * and every one an override adds must be on by default or listed in `enabled` of a KnativeFeatures of this
   * placement's cluster (checked at synth, wherever that is declared).
   */
  private checkKnativeFlags(placement: WorkloadPlacement, baseFeatures: KnativeFeature[], addedFields: TargetFeatures[]): void {
    const service = placement.workload.name;
    const undeclared = (features: KnativeFeature[]) => knativeFeaturesUndeclaredElsewhere(this, features);
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const own = undeclared(serviceFeatures(placement) ?? baseFeatures);
        if (own.length > 0) {
          const expected = 'a Knative Service whose gated fields the member clusters enable, declared in `enabled` of a KnativeFeatures beside this ' +
            'placement (a config-features this app writes stays on the Karmada control plane, which no member cluster reads)';
          const fix = listFlagsFix(own, ELSEWHERE, 'the member clusters enable');
          errors.push(propError('workload', expected, `${service} needs ${own.map((f) => f.field).join(', ')}`, fix).message);
        }
        for (const { target, added } of addedFields) {
          const missing = undeclared(added).filter((f) => !own.includes(f));
          if (missing.length === 0) continue;
          errors.push(propError('targets', `node pools whose overrides add only Knative-gated fields the member clusters enable to the Knative Service '${service}'`,
            `${target} adds ${missing.map((f) => f.field).join(', ')}`,
            `${listFlagsFix(missing, ELSEWHERE, 'the member clusters enable')}, ` +
            'render the service with a node pool that sets these fields already, or make one ClusterChart per cluster with the service and its KnativeFeatures').message);
        }
        return errors;
      },
    });
  }
}

/** The Knative-gated fields the override of one target adds. */
interface TargetFeatures {
  readonly target: string;
  readonly added: KnativeFeature[];
}

/** A target whose rule overrides something: its placement patches, its registry, or both. */
interface DifferingTarget {
  readonly target: ClusterTarget;
  readonly plaintext: PlaintextPatch[];
}

/**
 * One rule per differing target. Registry mirrors rewrite each image by its path in the rendered pod spec, read
 * once for all targets: the registry, then the whole repository path (Karmada splits an image at its first '/',
 * which names no registry in Docker Hub's short forms, so replacing the registry alone would cut their path).
 */
function overrideRules(placement: WorkloadPlacement, differing: DifferingTarget[]): karmadaTypes.OverridePolicySpecOverrideRules[] {
  // The rendered pod spec, read once for all targets (the workload's object is unknown without apiObject).
  const podSpec = placement.apiObject ? podSpecOf(placement) : undefined;
  const images = podSpec && differing.some((d) => d.target.registryMirrors) ? podImagesOf(placement.podSpecPath, podSpec) : [];
  // Pods with pod (anti-)affinity of their own keep it: their node affinity is patched, not their whole affinity.
  const ownAffinity = Object.keys(podSpec?.affinity ?? {}).some((k) => k !== 'nodeAffinity');
  const component = karmada().OverridePolicySpecOverrideRulesOverridersImageOverriderComponent;
  const replace = karmada().OverridePolicySpecOverrideRulesOverridersImageOverriderOperator.REPLACE;
  return differing.flatMap(({ target, plaintext: patches }) => {
    const plaintext = ownAffinity ? patches.map((p) => nodeAffinityPatch(placement.podSpecPath, p)) : patches;
    const mirrors = target.registryMirrors ?? {};
    const imageOverrider = images.flatMap(({ path, image }) => {
      const m = mirrorRewrite(image, mirrors);
      if (m === undefined) return [];
      return [
        { predicate: { path }, component: component.REGISTRY, operator: replace, value: m.host },
        { predicate: { path }, component: component.REPOSITORY, operator: replace, value: m.repository },
      ];
    });
    // Mirrors of none of the workload's registries: nothing to override there.
    if (plaintext.length === 0 && imageOverrider.length === 0) return [];
    return [{
      targetCluster: { clusterNames: [target.name] },
      overriders: { plaintext: plaintext.length ? plaintext : undefined, imageOverrider: imageOverrider.length ? imageOverrider : undefined },
    }];
  });
}

/**
 * The flags the placed Knative service's pod spec needs: from the construct that made its object (a
 * GpuInferenceService keeps them from its own render), else read from the object; unknown without it.
 */
function serviceFeatures(placement: WorkloadPlacement): KnativeFeature[] | undefined {
  if (!placement.apiObject) return undefined;
  const maker = placement.apiObject.node.scope as Partial<IKnativeFeatureConsumer> | undefined;
  return Array.isArray(maker?.requiredKnativeFeatures) ? maker!.requiredKnativeFeatures : knativeFeaturesOf(podSpecOf(placement));
}

/** The workload's rendered pod spec (wire JSON), read from its object at `podSpecPath`. */
function podSpecOf(placement: WorkloadPlacement): any {
  return podSpecIn(placement.apiObject!.toJson(), placement);
}

/** The pod spec at `podSpecPath` in the workload's rendered JSON. */
function podSpecIn(json: any, placement: WorkloadPlacement): any {
  let podSpec = json;
  for (const key of placement.podSpecPath.split('/').slice(1)) podSpec = podSpec?.[key];
  if (!podSpec || !Array.isArray(podSpec.containers)) {
    throw propError('podSpecPath', `the path of the pod spec in ${placement.workload.kind} '${placement.workload.name}'`, placement.podSpecPath);
  }
  return podSpec;
}

/** The NVIDIA GPU resources the containers of a rendered pod spec ask for, with their counts. */
function podGpus(podSpec: any): Array<{ readonly gpu: GpuResource; readonly count: number }> {
  const asked: Array<{ readonly gpu: GpuResource; readonly count: number }> = [];
  for (const c of podSpec.containers as Array<{ resources?: { limits?: Record<string, unknown> } }>) {
    for (const [name, value] of Object.entries(c.resources?.limits ?? {})) {
      const gpu = GpuResource._ofNvidiaName(name);
      if (gpu) asked.push({ gpu, count: Number(value) });
    }
  }
  return asked;
}

/** Every container and init container image of the workload's rendered pod spec, with its path. */
function podImages(placement: WorkloadPlacement): Array<{ readonly path: string; readonly image: string }> {
  return podImagesOf(placement.podSpecPath, podSpecOf(placement));
}

/** Every container and init container image of a rendered pod spec at `podSpecPath`, with its path. */
function podImagesOf(podSpecPath: string, podSpec: any): Array<{ readonly path: string; readonly image: string }> {
  return ['containers', 'initContainers'].flatMap((field) =>
    ((podSpec[field] ?? []) as Array<{ image?: string }>).map((c, i) => ({ path: `${podSpecPath}/${field}/${i}/image`, image: c.image ?? '' })));
}

/** The pod-spec fields a node pool decides. */
const PLACEMENT_FIELDS = ['nodeSelector', 'affinity', 'tolerations', 'runtimeClassName'];

/** JSON with object keys sorted, to compare values built in different key orders. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'undefined';
}

/** The placement fields as wire JSON, so they can be compared and written into a patch. */
function placementJson(p: NodePlacement): Record<string, unknown> {
  return {
    nodeSelector: p.nodeSelector,
    affinity: p.affinity && k8s.toJson_Affinity(p.affinity),
    tolerations: p.tolerations?.map((t) => k8s.toJson_Toleration(t)),
    runtimeClassName: p.runtimeClassName,
  };
}

/** JSON-patch style overriders turning the base placement into the target's: add, replace or remove each field. */
type PlaintextPatch = karmadaTypes.OverridePolicySpecOverrideRulesOverridersPlaintext;

function placementPatches(podSpecPath: string, base: Record<string, unknown>, target: Record<string, unknown>): PlaintextPatch[] {
  const operator = karmada().OverridePolicySpecOverrideRulesOverridersPlaintextOperator;
  const patches: PlaintextPatch[] = [];
  for (const field of PLACEMENT_FIELDS) {
    const before = base[field];
    const after = target[field];
    if (canonicalJson(before) === canonicalJson(after)) continue;
    const path = `${podSpecPath}/${field}`;
    if (after === undefined) {
      patches.push({ path, operator: operator.REMOVE });
    } else {
      patches.push({ path, operator: before === undefined ? operator.ADD : operator.REPLACE, value: after });
    }
  }
  return patches;
}

/**
 * `patch` of the whole affinity as a patch of its node affinity, for pods whose affinity holds more (a training
 * job's pod anti-affinity): replaced or removed there, or added beside what the pods have.
 */
function nodeAffinityPatch(podSpecPath: string, patch: PlaintextPatch): PlaintextPatch {
  if (patch.path !== `${podSpecPath}/affinity`) return patch;
  const value = (patch.value as { nodeAffinity?: unknown } | undefined)?.nodeAffinity;
  return { path: `${podSpecPath}/affinity/nodeAffinity`, operator: patch.operator, value };
}

/** An object's identity, as Karmada's policies claim objects: `<apiVersion> <kind> <namespace>/<name>`. */
function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion} ${kind} ${namespace ?? ''}/${name}`;
}

/** The companions each KarmadaPlacement of a control plane propagates, with the targets it propagates them to. */
const companionClaims = perCluster(() => new Map<string, { path: string; targets: string }>());

/** The workloads the KarmadaPlacements of a control plane place, by the path of the placement. */
const workloadClaims = perCluster(() => new Map<string, string>());

/** Karmada's label that keeps a member cluster's replicas of a workload (its HPA scales it there). */
const RETAIN_REPLICAS_LABEL = 'resourcetemplate.karmada.io/retain-replicas';

/**
 * The fewest replicas of the HorizontalPodAutoscaler companion that scales a workload whose template states none, by
 * the workload's object (PlaceableWorkload.fromApiObject records it).
 */
const autoscaledMinReplicas = new WeakMap<ApiObject, number>();
