/**
 * Which Knative feature flags the app's output needs, and which KnativeFeatures of each cluster enable them: the
 * bookkeeping behind KnativeFeatures and the services' flag checks.
 */
import { IConstruct } from 'constructs';
import { IKnativeFeatureConsumer, KnativeFeature } from './knative-feature';
import type { KnativeFeatures } from './knative-features';
import { clusterScopeName, clusterScopeOf, isClusterScope, perCluster } from '../_cluster-scope';
import { compareStrings } from '../_order';

/** The flags of `set`, in flag order (one object per flag: KnativeFeature.of returns the same one). */
export function inFlagOrder(set: ReadonlySet<KnativeFeature>): KnativeFeature[] {
  return [...set].sort((a, b) => compareStrings(a.flag, b.flag));
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


/**
 * Consumers and declarations per cluster: each cluster has its own Knative and its own config-features, so a
 * ClusterChart's declarations count for its own services only. Without cluster charts the app is the one cluster.
 */
export const featureState = perCluster(() => ({ consumers: new Array<IKnativeFeatureConsumer>(), declarations: new Array<KnativeFeatures>() }));

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
