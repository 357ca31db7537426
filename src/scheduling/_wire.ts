/**
 * Typed cdk8s-plus `k8s` structs to their wire JSON, fast. The generated `toJson_*` functions rebuild every
 * object with a spread per key; a pod spec goes through them on every Knative service, which showed up as the
 * library's largest per-service cost in `npm run bench`. The core PodSpec's typed field names are its wire
 * names, so the conversion only unwraps `Quantity` and `IntOrString` and drops undefined fields.
 * `test/scheduling/wire.test.ts` holds it equal to `k8s.toJson_PodSpec`.
 */
import { k8s } from 'cdk8s-plus-27';

export function toWire(value: any): any {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  return wireObject(value);
}

const { Quantity, IntOrString } = k8s;

/**
 * The recursion, called on objects only and never on primitives: it runs on every pod spec of an app, first in
 * V8's interpreter, where each call counts. Own properties only, as `Object.keys` gives them.
 */
function wireObject(value: object): any {
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      out[i] = v !== null && typeof v === 'object' ? wireObject(v) : v;
    }
    return out;
  }
  if (value instanceof Quantity || value instanceof IntOrString) return value.value;
  const out: Record<string, any> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, any>)[key];
    if (v === undefined) continue;
    out[key] = v !== null && typeof v === 'object' ? wireObject(v) : v;
  }
  return out;
}

/** The wire JSON of a pod spec. */
export function podSpecToWire(spec: k8s.PodSpec): Record<string, any> {
  return toWire(spec);
}
