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

/** Docker Hub's names, which keep its single-name images under `library/`. */
const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** An image reference as a container runtime reads it. */
export interface ImageReference {
  /** The registry host, `docker.io` when the image names none. */
  readonly registry: string;
  /** The repository path on the registry, Docker Hub's single names under `library/` (`library/node`). */
  readonly path: string;
  /** The tag and the digest, each with its separator (`:1.0`, `@sha256:...`), or ''. */
  readonly tag: string;
  readonly digest: string;
}

/**
 * Parses an image as Docker does: the first path component is a registry when it has a '.' or a ':' or is
 * `localhost`; otherwise the image is on Docker Hub.
 */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? '' : image.slice(at);
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  const repository = tagged ? name.slice(0, colon) : name;
  const tag = tagged ? name.slice(colon) : '';
  const slash = repository.indexOf('/');
  const first = slash < 0 ? undefined : repository.slice(0, slash);
  const namesRegistry = first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = namesRegistry ? first! : 'docker.io';
  const rest = namesRegistry ? repository.slice(slash + 1) : repository;
  const path = DOCKER_HUB.includes(registry) && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, path, tag, digest };
}

/** `image` with every part spelled out (`node:22` → `docker.io/library/node:22`). */
export function canonicalImage(image: string): string {
  const r = parseImage(image);
  return `${r.registry}/${r.path}${r.tag}${r.digest}`;
}

/**
 * Registry mirrors: the location (`host[:port][/path]`) that serves each registry's repositories, keyed by the
 * registry an image names (`docker.io` for Docker Hub, short forms included), `*` for any other registry.
 */
export type RegistryMirrors = Readonly<Record<string, string>>;

/** The mirror location for images of `registry`, when `mirrors` has one. */
export function mirrorOf(registry: string, mirrors: RegistryMirrors): string | undefined {
  return mirrors[DOCKER_HUB.includes(registry) ? 'docker.io' : registry] ?? mirrors['*'];
}

/**
 * `image` pulled through its registry's mirror: the mirror location and the repository path on the registry, Docker
 * Hub's single names under `library/` as a Docker Hub mirror serves them (`minio/mc` through
 * `harbor.example.com/dockerhub` is `harbor.example.com/dockerhub/minio/mc`, `node` is `.../library/node`). An image
 * of a registry without a mirror stays as it is.
 */
export function mirroredImage(image: string, mirrors: RegistryMirrors): string {
  const r = parseImage(image);
  const mirror = mirrorOf(r.registry, mirrors);
  return mirror === undefined ? image : `${mirror}/${r.path}${r.tag}${r.digest}`;
}
