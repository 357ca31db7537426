/**
 * How a GpuNodePool lands in a pod spec: nodeSelector, required node affinity, tolerations and runtime class. Shared by the
 * pod-spec renderer and by anything that rewrites placement after the fact (Karmada OverridePolicy), so both
 * always agree on the shape.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { GpuNodePool } from './gpu-node-pool';

/** The pod-spec fields a node pool decides. Unset fields are left out. */
export interface NodePlacement {
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: k8s.Affinity;
  readonly tolerations?: k8s.Toleration[];
  readonly runtimeClassName?: string;
}

/** Renders `pool` into pod-spec placement fields: one required node-affinity term with every expression ANDed. */
export function renderNodePlacement(pool: GpuNodePool): NodePlacement {
  const matchExpressions = pool.requiredNodeAffinity?.map((q) => q._toKube());
  return {
    nodeSelector: pool.nodeSelector,
    affinity: matchExpressions
      ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } }
      : undefined,
    tolerations: pool.tolerations?.map((t) => t._toKube()),
    runtimeClassName: pool.runtimeClassName,
  };
}

/** What a workload's pods could not do on other node pools: on one of them, or spread over several. */
export interface PoolChecks {
  /** The problems on `pool`, which is not the one the pods were rendered with. */
  onPool(pool: GpuNodePool): string[];
  /** The problems of the pods landing on any of `pools` (the same spec everywhere: e.g. one TensorRT plan). */
  acrossPools(pools: GpuNodePool[]): string[];
}

/**
 * The pool checks of a workload (GPU memory, compute capability), by the ApiObject that carries its pods:
 * KarmadaPlacement runs them for its targets.
 */
const POOL_CHECKS = new WeakMap<ApiObject, PoolChecks>();

/** Registers the checks of the workload whose pods `apiObject` carries against other node pools. */
export function registerPoolChecks(apiObject: ApiObject, checks: PoolChecks): void {
  POOL_CHECKS.set(apiObject, checks);
}

/** The pool checks of the workload whose pods `apiObject` carries, when it registered any. */
export function poolChecksOf(apiObject: ApiObject | undefined): PoolChecks | undefined {
  return apiObject && POOL_CHECKS.get(apiObject);
}
