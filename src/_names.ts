/** Kubernetes name formats (apimachinery's validation), in one place for every construct. */
import { ApiObjectMetadata } from 'cdk8s';
import { propError } from './_errors';

/** DNS-1035 label: Services, Knative Services, Jobs with stable pod hostnames. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 label: container, volume and port names, namespaces. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: most other object names. */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * Label key (a qualified name): an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
 * The prefix's length (at most 253) is checked by `checkLabels`.
 */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Label value (non-empty): at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** The rules of LABEL_KEY and LABEL_VALUE as errors state them. */
export const QUALIFIED_NAME_RULE = '[prefix/]name: a DNS subdomain prefix, a name of 63 characters of [A-Za-z0-9-_.]';
export const LABEL_VALUE_RULE = 'at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric';
/**
 * An NVIDIA MIG profile as go-nvlib names it (`1g.10gb`, up to 8 slices), with the one attribute some profiles
 * have: media extensions (`+me`, `+me.all`), graphics (`+gfx`), or none of the media extensions (`-me`).
 */
export const MIG_PROFILE = /^[1-8]g\.\d+gb(\+(me|me\.all|gfx)|-me)?$/;
/**
 * A MIG profile without attributes (`1g.5gb`): what a label value can carry (it allows no '+'), as GKE's
 * partition-size label and GFD's product label under the single strategy do.
 */
export const PLAIN_MIG_PROFILE = /^[1-8]g\.\d+gb$/;
/** A CUDA compute capability, `<major>.<minor>` (Triton's cc_model_filenames keys are written so). */
export const COMPUTE_CAPABILITY = /^[1-9]\d?\.\d$/;

/**
 * Throws unless `name` is a DNS-1035 label of at most `maxLen` characters. A name generated from the construct path
 * (`given` false) is said to be one, with the fix: the user never set `prop`.
 */
export function checkDns1035Name(prop: string, name: string, given: boolean, maxLen: number, why = ''): void {
  if (DNS_1035_LABEL.test(name) && name.length <= maxLen) return;
  const expected = `a DNS-1035 label of at most ${maxLen} characters (lowercase letters, digits, -; starting with a letter)${why}`;
  if (given) throw propError(prop, expected, name);
  throw propError(prop, expected, `${name} (generated from the construct path)`,
    `set ${prop}, or give the constructs on the path ids of lowercase letters, digits and '-' that start with a letter`);
}

/** Whether `value` is a DNS-1123 label of at most 63 characters: a namespace, a cluster's name. */
export function isDnsLabel(value: string): boolean {
  return DNS_1123_LABEL.test(value) && value.length <= 63;
}

/** Throws unless `value`, when given, is a DNS-1123 label of at most 63 characters (a namespace). */
export function checkDnsLabel(prop: string, value: string | undefined): void {
  if (value !== undefined && !isDnsLabel(value)) throw propError(prop, 'a DNS label (at most 63 lowercase letters, digits and -)', value);
}

/** Throws unless `value`, when given, is a DNS-1123 subdomain of at most 253 characters (most object names). */
export function checkDnsSubdomain(prop: string, value: string | undefined): void {
  if (value !== undefined && !(DNS_1123_SUBDOMAIN.test(value) && value.length <= 253)) {
    throw propError(prop, "an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.')", value);
  }
}

/** A key of a Secret or ConfigMap (apimachinery's IsConfigMapKey). */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Throws unless `key`, when given, can be a key of a Secret or ConfigMap (at most 253 of [-._a-zA-Z0-9], not '.' or '..'). */
export function checkSecretKey(prop: string, key: string | undefined): void {
  if (key === undefined) return;
  if (!CONFIG_MAP_KEY.test(key) || key.length > 253 || key === '.' || key.startsWith('..')) {
    throw propError(prop, "a Secret key (at most 253 letters, digits, '-', '_' and '.', not '.' or starting with '..')", key);
  }
}

/** Whether `key` is a label or annotation key (apimachinery's IsQualifiedName). */
export function isQualifiedName(key: string): boolean {
  return LABEL_KEY.test(key) && key.lastIndexOf('/') <= 253;
}

/**
 * Whether `name` is an extended resource name (IsExtendedResourceName): a qualified name with a domain, not a native
 * one (IsPrefixedNativeResource: any name containing 'kubernetes.io/'), not starting with `requests.`, and still a
 * qualified name behind that prefix (quota names it `requests.<name>`), which leaves the domain 244 characters.
 */
export function isExtendedResourceName(name: string): boolean {
  return name.includes('/') && isQualifiedName(name) && !name.includes('kubernetes.io/') && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`);
}

/** Throws unless `labels` are what the apiserver takes (ValidateLabels): qualified keys, values empty or label values. */
export function checkLabels(prop: string, labels: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isQualifiedName(key)) {
      throw propError(prop, `keyed by label keys (${QUALIFIED_NAME_RULE})`, key);
    }
    if (typeof value !== 'string' || (value !== '' && !LABEL_VALUE.test(value))) {
      throw propError(`${prop}['${key}']`, `a label value (${LABEL_VALUE_RULE}, or empty)`, value,
        'put longer or free-form text in an annotation');
    }
  }
}

/** The most bytes of annotation keys and values an object may carry (apimachinery's TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** Throws unless `annotations` are what the apiserver takes (ValidateAnnotations): qualified keys, 256 KiB in all. */
export function checkAnnotations(prop: string, annotations: Record<string, string> | undefined): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    // The apiserver checks annotation keys in lower case (ValidateAnnotations): 'Example.com/Owner' is one.
    if (!isQualifiedName(key.toLowerCase())) {
      throw propError(prop, `keyed by annotation keys (${QUALIFIED_NAME_RULE})`, key);
    }
    if (typeof value !== 'string') throw propError(`${prop}['${key}']`, 'a string', value);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) throw propError(prop, `at most ${ANNOTATIONS_MAX_BYTES} bytes of keys and values`, `${bytes} bytes`);
}

/**
 * Throws on the labels, annotations or namespace of `metadata` that the apiserver would refuse. Names are checked
 * by each construct, which knows the format its kind needs.
 */
export function checkMetadata(prop: string, metadata: ApiObjectMetadata | undefined): void {
  if (!metadata) return;
  checkLabels(`${prop}.labels`, metadata.labels);
  checkAnnotations(`${prop}.annotations`, metadata.annotations);
  checkDnsLabel(`${prop}.namespace`, metadata.namespace);
}

/**
 * `<name>.<namespace>.svc.cluster.local`, the in-cluster host of a Service. Throws without a namespace: an object
 * without one lands in whatever namespace it is applied to, and a URL on a guessed one would point elsewhere.
 */
export function clusterLocalHost(name: string, namespace: string | undefined): string {
  if (!namespace) {
    throw propError('metadata.namespace', 'known at synth to form the in-cluster address', 'none',
      `set the namespace on the chart or in metadata: the address is ${name}.<namespace>.svc.cluster.local`);
  }
  return `${name}.${namespace}.svc.cluster.local`;
}

/** Whether `host` is a cluster's own address: a Service name, `<svc>.<ns>`, or under `.svc` / `.cluster.local`. */
export function isClusterLocalHost(host: string): boolean {
  const labels = host.split('.');
  return labels.length <= 2 || labels[2] === 'svc' || host.endsWith('.cluster.local');
}
