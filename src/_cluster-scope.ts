/**
 * Which constructs end up in the same cluster. A `ClusterChart` marks itself as the root of what one cluster
 * receives; whatever per-cluster state a construct keeps (Knative's `config-features` flags) is kept per such
 * scope, so one cluster's declarations never vouch for another's objects. An app without cluster charts is one
 * scope. Neutral ground: `serving/` reads it without depending on `multicluster/`.
 */
import { Construct, IConstruct } from 'constructs';
import { propError } from './_errors';
import { mirroredImage, RegistryMirrors } from './scheduling/_image';

const CLUSTER_SCOPE = Symbol.for('cdk8s-gpu-inference.ClusterChart');
/** On an app's root: its marked scopes, in the order they were marked. */
const CLUSTER_SCOPES = Symbol.for('cdk8s-gpu-inference.ClusterChart.all');

/** What a cluster scope says about its cluster. */
interface ClusterFacts {
  /** Where the cluster pulls each registry's images from (see `mirroredImage`). */
  readonly registryMirrors?: RegistryMirrors;
  /** The images pulled through a mirror in this cluster, each with the one it stands for. */
  readonly origins?: Map<string, string>;
}

/** Marks `scope` as the root of one cluster's objects. */
export function markClusterScope(scope: IConstruct, registryMirrors?: RegistryMirrors): void {
  const facts: ClusterFacts = { registryMirrors, origins: new Map() };
  Object.defineProperty(scope, CLUSTER_SCOPE, { value: facts });
  const root: any = scope.node.root;
  if (!(CLUSTER_SCOPES in root)) Object.defineProperty(root, CLUSTER_SCOPES, { value: [] });
  root[CLUSTER_SCOPES].push(scope);
}

/**
 * The marked scopes of `root`'s app still in its tree (`tryRemoveChild` takes one out), in the order they were
 * marked: found without walking the whole app, which cdk8s validates once more per chart it writes.
 */
export function clusterScopesOf(root: IConstruct): IConstruct[] {
  return markedClusterScopes(root).filter(isAttached);
}

/** Every scope ever marked in `root`'s app, in order, those taken out of the tree included: cheap to read. */
export function markedClusterScopes(root: IConstruct): readonly IConstruct[] {
  return (root as any)[CLUSTER_SCOPES] ?? [];
}

/** Whether `c` is still in its app's tree (no scope above it dropped it with `tryRemoveChild`). */
export function isAttached(c: IConstruct): boolean {
  for (let x = c; x.node.scope; x = x.node.scope) {
    if (x.node.scope.node.tryFindChild(x.node.id) !== x) return false;
  }
  return true;
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

/**
 * State kept per cluster: the returned function gives the cluster scope of a construct (its ClusterChart, or the app
 * without cluster charts) its own value, made by `init` on first use. For what one cluster's objects must agree on
 * (its Knative config-features, the webhook targets of its MinIO servers), which another cluster's never touch.
 */
export function perCluster<T>(init: () => T): (construct: IConstruct) => T {
  return perScope(clusterScopeOf, init);
}

/** State kept per app (the root of the construct tree), as `perCluster` keeps it per cluster. */
export function perApp<T>(init: () => T): (construct: IConstruct) => T {
  return perScope((construct) => construct.node.root, init);
}

function perScope<T>(scopeOf: (construct: IConstruct) => IConstruct, init: () => T): (construct: IConstruct) => T {
  const state = new WeakMap<IConstruct, T>();
  return (construct) => {
    const scope = scopeOf(construct);
    let value = state.get(scope);
    if (value === undefined) {
      value = init();
      state.set(scope, value);
    }
    return value;
  };
}

/**
 * How the cluster of `construct` pulls an image: through its ClusterChart's registry mirrors, each image it rewrites
 * recorded with the one it stands for (`originOf`). Undefined when the cluster has no mirrors.
 */
export function imagePullerOf(construct: IConstruct): ((image: string) => string) | undefined {
  const scope: any = clusterScopeOf(construct);
  const facts = isClusterScope(scope) ? (scope[CLUSTER_SCOPE] as ClusterFacts) : undefined;
  const mirrors = facts?.registryMirrors;
  if (!facts || !mirrors) return undefined;
  return (image) => {
    const pulled = mirroredImage(image, mirrors);
    if (pulled !== image) facts.origins!.set(pulled, image);
    return pulled;
  };
}

/**
 * The image that `image`, found in a cluster scope's objects, stands for: the one the library pulled through a
 * mirror there, or the image of a mirrored registry it names by the mirror's location; else itself.
 */
export function originOf(scope: IConstruct, image: string): string {
  const facts = isClusterScope(scope) ? ((scope as any)[CLUSTER_SCOPE] as ClusterFacts) : undefined;
  const recorded = facts?.origins?.get(image);
  if (recorded !== undefined) return recorded;
  for (const [registry, location] of Object.entries(facts?.registryMirrors ?? {})) {
    if (registry !== '*' && image.startsWith(`${location}/`)) return `${registry}/${image.slice(location.length + 1)}`;
  }
  return image;
}

/** How messages name the cluster of `construct`: its ClusterChart's path, or the app. */
export function clusterScopeName(construct: IConstruct): string {
  const scope = clusterScopeOf(construct);
  return isClusterScope(scope) ? `ClusterChart '${scope.node.path}'` : 'the app';
}

/**
 * Whether `a` and `b` go to different clusters: both in one app, under different cluster scopes. Constructs of two
 * apps are never compared (each app is synthesized and applied on its own).
 */
function inOtherCluster(a: IConstruct, b: IConstruct): boolean {
  return a.node.root === b.node.root && clusterScopeOf(a) !== clusterScopeOf(b);
}

/**
 * The error for `consumer` referring to `x` when `x` is a construct of this app that goes to another cluster, or
 * undefined. The reference is resolved (a Knative ref looked up, a ConfigMap mounted) in the cluster the referring
 * object is applied to, where the other cluster's object does not exist. `expected` says what was wanted ("in the
 * trigger's cluster"); the message names the cluster after it.
 */
export function otherClusterError(prop: string, x: unknown, consumer: IConstruct, expected: string, fix: string): Error | undefined {
  if (!Construct.isConstruct(x) || !inOtherCluster(consumer, x)) return undefined;
  return propError(prop, `${expected} (${clusterScopeName(consumer)})`, x.node.path, fix);
}
