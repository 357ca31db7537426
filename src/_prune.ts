const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
// Delete=false keeps it when the Application itself is deleted too, as Flux's annotation does for a Kustomization.
const ARGO_KEEP = 'Prune=false,Delete=false';

/**
 * Annotations that keep an object when Argo CD or Flux prunes what left the app (a renamed construct, a removed
 * one): for objects whose loss is worse than a leftover, such as a workspace's data. Delete such an object by hand
 * when it is no longer wanted.
 */
export const KEEP_ON_PRUNE: Readonly<Record<string, string>> = {
  [ARGO_SYNC_OPTIONS]: ARGO_KEEP,
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/**
 * KEEP_ON_PRUNE for an object of the cluster that this app writes some keys of, beside others (Knative's
 * config-features): Argo CD applies it server-side too, so the keys it does not write stay, as Flux always does.
 */
export const KEEP_ON_PRUNE_SHARED: Readonly<Record<string, string>> = {
  ...KEEP_ON_PRUNE,
  [ARGO_SYNC_OPTIONS]: `${ARGO_KEEP},ServerSideApply=true`,
};
