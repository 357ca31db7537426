/**
 * Annotations that keep an object when Argo CD or Flux prunes what left the app (a renamed construct, a removed
 * one): for objects whose loss is worse than a leftover, such as a workspace's data or the cluster's
 * config-features that every other app relies on. Delete such an object by hand when it is no longer wanted.
 */
export const KEEP_ON_PRUNE: Readonly<Record<string, string>> = {
  // Delete=false keeps it when the Application itself is deleted too, as Flux's annotation does for a Kustomization.
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
