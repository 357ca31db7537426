import { propError } from '../_errors';

/** The digests container runtimes verify: SHA-256, SHA-384 and SHA-512, in lowercase hex (OCI image spec). */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
/** A repository path component, lowercase, as the OCI distribution spec allows. */
const SEGMENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** One repository path component (a registry mirror's path is made of them). */
export const PATH_SEGMENT = new RegExp(`^${SEGMENT}$`);
/** A registry: a domain name (any case) or a bracketed IPv6 address, with an optional port (distribution/reference). */
const DOMAIN = '(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?';
// [registry/]path segments; a name is at most 255 characters (NameTotalLengthMax).
const REPOSITORY = new RegExp(`^(?:${DOMAIN}\\/)?${SEGMENT}(?:\\/${SEGMENT})*$`);
const NAME_MAX = 255;
const TAG = /^[\w][\w.-]{0,127}$/;
/** References that passed, each with whether it is pinned by digest (and so passes `requireDigest` too). */
const PINNED = new Map<string, boolean>();

/** `image` split at its digest ('@') and its tag (the last ':' after the last '/'), each without its separator. */
function splitImage(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  return {
    repository: tagged ? name.slice(0, colon) : name,
    tag: tagged ? name.slice(colon + 1) : undefined,
    digest: at < 0 ? undefined : image.slice(at + 1),
  };
}

/**
 * Throws unless `image` is pinned: a tag other than `latest`, or a digest (and a digest when `requireDigest`).
 * A floating tag makes two synths of the same app run different code, and a node's cache hide the change.
 */
export function checkPinnedImage(prop: string, image: string, requireDigest = false): void {
  // An app names the same few images on many workloads: each reference is parsed once.
  const byDigest = PINNED.get(image);
  if (byDigest !== undefined && (byDigest || !requireDigest)) return;
  const { repository, tag, digest } = splitImage(image);
  if (repository.length > NAME_MAX || !REPOSITORY.test(repository) || (tag !== undefined && !TAG.test(tag))) {
    throw propError(prop, 'a valid image reference (registry/repository:tag or repository@sha256:<digest>)', image);
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw propError(prop, 'a digest of the form sha256:<64 hex characters> (or sha384, sha512)', image);
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

/** Whether `registry` is one of Docker Hub's names (`docker.io`, `index.docker.io`, `registry-1.docker.io`). */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB.includes(registry);
}

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
  const { repository, tag, digest } = splitImage(image);
  const slash = repository.indexOf('/');
  const first = slash < 0 ? undefined : repository.slice(0, slash);
  const namesRegistry = first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = namesRegistry ? first! : 'docker.io';
  const rest = namesRegistry ? repository.slice(slash + 1) : repository;
  const path = isDockerHub(registry) && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, path, tag: tag === undefined ? '' : `:${tag}`, digest: digest === undefined ? '' : `@${digest}` };
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
  return mirrors[isDockerHub(registry) ? 'docker.io' : registry] ?? mirrors['*'];
}

/**
 * `image` pulled through its registry's mirror: the mirror location and the repository path on the registry, Docker
 * Hub's single names under `library/` as a Docker Hub mirror serves them (`minio/mc` through
 * `harbor.example.com/dockerhub` is `harbor.example.com/dockerhub/minio/mc`, `node` is `.../library/node`). An image
 * of a registry without a mirror stays as it is.
 */
export function mirroredImage(image: string, mirrors: RegistryMirrors): string {
  const m = mirrorRewrite(image, mirrors);
  return m === undefined ? image : `${m.host}/${m.repository}${m.tag}${m.digest}`;
}

/**
 * `image` through its registry's mirror split as Karmada's image overrider splits it: the mirror's host, and the
 * mirror's path with the repository path on the registry; undefined for a registry without a mirror.
 */
export function mirrorRewrite(image: string, mirrors: RegistryMirrors): (ImageReference & { host: string; repository: string }) | undefined {
  const r = parseImage(image);
  const location = mirrorOf(r.registry, mirrors);
  if (location === undefined) return undefined;
  const [host, ...prefix] = location.split('/');
  return { ...r, host, repository: [...prefix, r.path].join('/') };
}
