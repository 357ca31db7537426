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
  if (value instanceof k8s.Quantity || value instanceof k8s.IntOrString) return value.value;
  if (Array.isArray(value)) return value.map(toWire);
  const out: Record<string, any> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v !== undefined) out[key] = toWire(v);
  }
  return out;
}

/** The wire JSON of a pod spec. */
export function podSpecToWire(spec: k8s.PodSpec): Record<string, any> {
  return toWire(spec);
}
