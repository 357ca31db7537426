import { propError } from '../_errors';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
// registry[:port]/path segments, lowercase, as the OCI distribution spec allows
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+|[.:][0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** References that passed, each with whether it is pinned by digest (and so passes `requireDigest` too). */
const PINNED = new Map<string, boolean>();

/**
 * Throws unless `image` is pinned: a tag other than `latest`, or a digest (and a digest when `requireDigest`).
 * A floating tag makes two synths of the same app run different code, and a node's cache hide the change.
 */
export function checkPinnedImage(prop: string, image: string, requireDigest = false): void {
  // An app names the same few images on many workloads: each reference is parsed once.
  const byDigest = PINNED.get(image);
  if (byDigest !== undefined && (byDigest || !requireDigest)) return;
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;

  if (!REPOSITORY.test(repository) || (tag !== undefined && !TAG.test(tag))) {
    throw propError(prop, 'a valid image reference (registry/repository:tag or repository@sha256:<digest>)', image);
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw propError(prop, 'a digest of the form sha256:<64 hex characters>', image);
  }
  if (requireDigest && digest === undefined) {
    throw propError(prop, 'pinned by digest because requireImageDigest is set', image, 'append \'@sha256:<digest>\' to the image');
  }
  if (digest === undefined && (tag === undefined || tag === 'latest')) {
    throw propError(prop, "pinned to a tag other than 'latest' or to a digest", image, `use e.g. '${repository}:1.2.3' or '${repository}@sha256:<digest>'`);
  }
  PINNED.set(image, digest !== undefined);
}

/**
 * The registry host an image names and the rest of the reference, as Docker reads it: the first path component is
 * a registry when it has a '.' or a ':' or is `localhost`; otherwise the image is on Docker Hub (`minio/mc`,
 * `node`), and `registry` is undefined.
 */
export function imageRegistry(image: string): { readonly registry?: string; readonly rest: string } {
  const slash = image.indexOf('/');
  const first = slash < 0 ? undefined : image.slice(0, slash);
  if (first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost')) return { registry: first, rest: image.slice(slash + 1) };
  return { rest: image };
}

/**
 * `image` pulled from `mirror` (`host[:port]`), which serves the same paths as the registry the image names: the
 * registry replaced, and Docker Hub's short forms spelled out the way a Docker Hub mirror serves them
 * (`minio/mc` → `<mirror>/minio/mc`, `node` → `<mirror>/library/node`).
 */
export function mirroredImage(image: string, mirror: string): string {
  const { registry, rest } = imageRegistry(image);
  return `${mirror}/${registry === undefined && !rest.split('@')[0].includes('/') ? 'library/' : ''}${rest}`;
}
