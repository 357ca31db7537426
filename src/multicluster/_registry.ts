/**
 * Internal: what Karmada's image overrider makes of an image when it replaces the registry with a mirror
 * (pkg/util/imageparser): the registry is everything before the first '/' (none without one), and an image with
 * both a tag and a digest is written back with its tag only.
 */
import { canonicalImage, mirroredImage, parseImage } from '../scheduling/_image';

/** What Karmada pulls for `image` once it replaces the registry with `mirror`. */
function karmadaMirrored(image: string, mirror: string): string {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const tagged = name.lastIndexOf(':') > name.lastIndexOf('/');
  const kept = tagged ? name : image;
  const slash = kept.indexOf('/');
  return `${mirror}/${slash < 0 ? kept : kept.slice(slash + 1)}`;
}

/** What Karmada would pull, what it should, and the reference it rewrites right. */
export interface RegistryOverrideProblem {
  readonly pulled: string;
  readonly wanted: string;
  readonly fix: string;
}

/**
 * Why Karmada, replacing the registry of `image` with `mirror`, would not pull the mirror's copy of the same image,
 * and the reference that it rewrites right; undefined when it would.
 */
export function registryOverrideProblem(image: string, mirror: string): RegistryOverrideProblem | undefined {
  const pulled = karmadaMirrored(image, mirror);
  const wanted = mirroredImage(image, mirror);
  if (pulled === wanted) return undefined;
  const r = parseImage(image);
  // Named with its registry and pinned by one of tag or digest: what Karmada rewrites as it is meant.
  const fix = r.digest ? `${r.registry}/${r.path}${r.digest}` : canonicalImage(image);
  return { pulled, wanted, fix };
}
