/**
 * Which constructs end up in the same cluster. A `ClusterChart` marks itself as the root of what one cluster
 * receives; whatever per-cluster state a construct keeps (Knative's `config-features` flags) is kept per such
 * scope, so one cluster's declarations never vouch for another's objects. An app without cluster charts is one
 * scope. Neutral ground: `serving/` reads it without depending on `multicluster/`.
 */
import { IConstruct } from 'constructs';

const CLUSTER_SCOPE = Symbol.for('cdk8s-gpu-inference.ClusterChart');

/** Marks `scope` as the root of one cluster's objects. */
export function markClusterScope(scope: IConstruct): void {
  Object.defineProperty(scope, CLUSTER_SCOPE, { value: true });
}

/** Whether `x` was marked by `markClusterScope`. */
export function isClusterScope(x: unknown): boolean {
  return x !== null && typeof x === 'object' && CLUSTER_SCOPE in x;
}

/** The nearest marked scope of `construct` (itself included), or the app's root when there is none. */
export function clusterScopeOf(construct: IConstruct): IConstruct {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    if (isClusterScope(c)) return c;
  }
  return construct.node.root;
}

/** How messages name a cluster scope: its ClusterChart's path, or the app. */
export function clusterScopeName(scope: IConstruct): string {
  return isClusterScope(scope) ? `ClusterChart '${scope.node.path}'` : 'the app';
}

/**
 * Whether `a` and `b` go to different clusters: both in one app, under different cluster scopes. Constructs of two
 * apps are never compared (each app is synthesized and applied on its own).
 */
export function inOtherCluster(a: IConstruct, b: IConstruct): boolean {
  return a.node.root === b.node.root && clusterScopeOf(a) !== clusterScopeOf(b);
}
