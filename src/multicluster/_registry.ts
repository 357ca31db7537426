/**
 * Internal: what a registry mirror does to an image reference, as Karmada's image overrider does it
 * (pkg/util/imageparser): the registry is everything before the first '/', and an image with both a tag and a
 * digest is written back with its tag only.
 */

/** Why replacing the registry of `image` with `mirror` would not name the same image there, and the fix. */
export function registryOverrideProblem(image: string, mirror: string): { readonly why: string; readonly fix: string } | undefined {
  const [name, digest] = image.split('@');
  const slash = name.indexOf('/');
  const host = slash < 0 ? undefined : name.slice(0, slash);
  if (host === undefined || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    // Docker Hub's short forms: `minio/mc` is docker.io/minio/mc, `node` is docker.io/library/node.
    const full = `docker.io/${slash < 0 ? 'library/' : ''}${image}`;
    return { why: `names no registry, so Karmada would pull ${mirror}/${slash < 0 ? name : name.slice(slash + 1)}${digest ? `@${digest}` : ''}`, fix: `name it ${full}` };
  }
  const tag = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.lastIndexOf(':') : -1;
  if (tag >= 0 && digest !== undefined) {
    return { why: 'has a tag and a digest, and Karmada writes back the tag only', fix: `pin it by digest alone, ${name.slice(0, tag)}@${digest}` };
  }
  return undefined;
}
