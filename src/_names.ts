/** Kubernetes name formats (apimachinery's validation), in one place for every construct. */
import { propError } from './_errors';

/** DNS-1035 label: Services, Knative Services, Jobs with stable pod hostnames. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 label: container, volume and port names, namespaces. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: most other object names. */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Label value (non-empty): at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
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
