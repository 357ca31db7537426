/**
 * How a GpuNodePool lands in a pod spec: nodeSelector, required node affinity, tolerations and runtime class. Shared by the
 * pod-spec renderer and by anything that rewrites placement after the fact (Karmada OverridePolicy), so both
 * always agree on the shape.
 */
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
