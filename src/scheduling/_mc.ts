/**
 * The MinIO client (`mc`) containers that copy objects from an S3-compatible store into a pod before its server
 * starts (GpuInferenceService model weights, TritonModelRepo artifacts), and the checks on where they copy from.
 */
import { EnvValue, k8s } from 'cdk8s-plus-27';
import { AuxiliaryContainer } from './_pod-spec';
import { ObjectStoreOptions } from './object-store';
import { propError, redactUrl } from '../_errors';
import { checkSecretKey } from '../_names';

/**
 * The pinned MinIO client image every `mc` container in this library uses unless told otherwise, named with its
 * registry.
 */
export const DEFAULT_MC_IMAGE = 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENDPOINT = /^(https?):\/\/([^/\s:@]+)(?::(\d+))?\/?$/;

/** An object-store endpoint split into the parts `mc` and Triton's `s3://` URLs need. */
export interface ParsedEndpoint {
  /** The endpoint as given, less its trailing slash. */
  readonly url: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Throws on the first unusable field of `o`, naming it as `prop(field)`; returns the parsed endpoint. A reader that
 * takes keys only (`mc`) passes `keysOnly`, with the fix to name when `credentials` is missing.
 */
export function checkObjectStore(o: ObjectStoreOptions, prop: (field: string) => string, keysOnly?: { fix: string }): ParsedEndpoint {
  const endpoint = parseEndpoint(prop('endpoint'), o.endpoint, 'the store');
  checkBucket(prop('bucket'), o.bucket);
  if (o.prefix !== undefined && (normalizePrefix(o.prefix) === '' || o.prefix.split('/').some((s) => s === '..' || s === '.'))) {
    throw propError(prop('prefix'), 'a key prefix without . or .. segments (leave it unset for the bucket root)', o.prefix);
  }
  if (o.credentials === undefined) {
    if (keysOnly) {
      throw propError(prop('credentials'), "a Secret with the store's access keys: mc takes keys only, not ambient credentials (IRSA, Pod Identity)", 'none', keysOnly.fix);
    }
    for (const field of ['accessKeyIdKey', 'secretAccessKeyKey'] as const) {
      if (o[field] !== undefined) throw propError(prop(field), 'unset without credentials, whose key it names', o[field], 'set credentials, or leave both unset for ambient credentials');
    }
  }
  checkSecretKeys(o, prop);
  checkCaCertificate(o, endpoint.scheme, prop);
  return endpoint;
}

/**
 * Parses an http(s) endpoint of `what` (e.g. 'the store') with no path; throws naming `prop` otherwise. User info is
 * refused: it would write an access key into the YAML, where the Secret holds them.
 */
export function parseEndpoint(prop: string, endpoint: string, what: string): ParsedEndpoint {
  const m = ENDPOINT.exec(endpoint);
  if (!m) {
    // Not echoed whole: user info may hold a secret key, the query a signature.
    const redacted = redactUrl(endpoint);
    throw propError(prop, `an http(s) URL of ${what} with no user info and no path, e.g. http://minio.minio.svc.cluster.local:9000`,
      redacted, redacted.includes('<user info>') ? 'give the access keys by reference in the credentials Secret, not in the URL' : undefined);
  }
  const scheme = m[1];
  return { url: endpoint.replace(/\/$/, ''), scheme, host: m[2], port: m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80 };
}

/** Throws unless the Secret keys of `o` that are given can be keys of a Secret. */
export function checkSecretKeys(o: Pick<ObjectStoreOptions, 'accessKeyIdKey' | 'secretAccessKeyKey' | 'caCertificateKey'>, prop: (field: string) => string): void {
  checkSecretKey(prop('accessKeyIdKey'), o.accessKeyIdKey);
  checkSecretKey(prop('secretAccessKeyKey'), o.secretAccessKeyKey);
  checkSecretKey(prop('caCertificateKey'), o.caCertificateKey);
}

/** Throws unless `bucket` is an S3 bucket name. */
export function checkBucket(prop: string, bucket: string): void {
  if (!BUCKET.test(bucket)) throw propError(prop, 'an S3 bucket name (3-63 lowercase letters, digits, . and -)', bucket);
}

/** Throws unless the store's CA certificate, if any, comes with an https endpoint (`scheme`) and its key with it. */
export function checkCaCertificate(o: Pick<ObjectStoreOptions, 'endpoint' | 'caCertificate' | 'caCertificateKey'>, scheme: string,
  prop: (field: string) => string): void {
  if (o.caCertificateKey !== undefined && o.caCertificate === undefined) throw propError(prop('caCertificateKey'), 'unset without caCertificate', o.caCertificateKey);
  if (o.caCertificate !== undefined && scheme !== 'https') {
    throw propError(prop('caCertificate'), 'set only with an https endpoint', o.endpoint, 'drop it, or reach the store over https');
  }
}

/** A key prefix without leading or trailing slashes ('' for the bucket root). */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}

/** The store's credentials as AWS_* variables, by Secret reference; none for ambient credentials. */
export function credentialEnv(o: ObjectStoreOptions): Record<string, EnvValue> {
  if (!o.credentials) return {};
  return {
    AWS_ACCESS_KEY_ID: EnvValue.fromSecretValue({ secret: o.credentials, key: o.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' }),
    AWS_SECRET_ACCESS_KEY: EnvValue.fromSecretValue({ secret: o.credentials, key: o.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' }),
  };
}

/** `mc`'s config directory (`--config-dir`, `MC_CONFIG_DIR`); it looks for extra CA certificates in `certs/CAs`. */
export const MC_CONFIG_DIR = '/tmp/.mc';

/** The key of a store's CA certificate in its Secret unless `caCertificateKey` says otherwise. */
export const DEFAULT_CA_KEY = 'ca.crt';

/**
 * The CA certificate of a store for `mc`, none without one: the Secret at `<config dir>/certs/CAs`, and an emptyDir
 * as the config directory. Without it the runtime would create the directories above the Secret's mount point in
 * `/tmp` as root, and `mc`, running as a non-root user, could not write its config there.
 */
export function mcCaParts(o: Pick<ObjectStoreOptions, 'caCertificate' | 'caCertificateKey'>): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  if (!o.caCertificate) return { volumes: [], mounts: [] };
  return {
    volumes: [
      { name: 'mc-config', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } },
      { name: 'mc-ca', secret: { secretName: o.caCertificate.name, items: [{ key: o.caCertificateKey ?? DEFAULT_CA_KEY, path: 'ca.crt' }] } },
    ],
    mounts: [{ name: 'mc-config', mountPath: MC_CONFIG_DIR }, { name: 'mc-ca', mountPath: `${MC_CONFIG_DIR}/certs/CAs`, readOnly: true }],
  };
}

/** What an `mc` container runs and where it writes. */
export interface McContainerOptions {
  readonly name: string;
  /** The prop that chose the image, for error messages. */
  readonly imageProp: string;
  readonly image?: string;
  readonly store: ObjectStoreOptions;
  readonly endpoint: ParsedEndpoint;
  /** The alias the arguments address the store by (`<alias>/<bucket>/...`). */
  readonly alias: string;
  /** The `mc` subcommand and its arguments, e.g. `['mirror', '--quiet', src, dest]`. */
  readonly args: string[];
  readonly volumeMounts: k8s.VolumeMount[];
}

/** A hardened-by-the-renderer `mc` container reading the store with credentials by reference only. */
export function mcContainer(o: McContainerOptions): AuxiliaryContainer {
  const e = o.endpoint;
  return {
    name: o.name,
    imageProp: o.imageProp,
    image: o.image ?? DEFAULT_MC_IMAGE,
    command: ['mc'],
    args: ['--config-dir', MC_CONFIG_DIR, ...o.args],
    env: {
      ...credentialEnv(o.store),
      // mc reads an alias from MC_HOST_<alias>; the kubelet expands $(VAR) from the secret references above.
      [`MC_HOST_${o.alias}`]: EnvValue.fromValue(`${e.scheme}://$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@${e.host}:${e.port}`),
    },
    volumeMounts: [...o.volumeMounts, ...mcCaParts(o.store).mounts],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi') },
      limits: { memory: k8s.Quantity.fromString('512Mi') },
    },
  };
}
