/**
 * Typed cdk8s-plus `k8s` structs to their wire JSON, fast. The generated `toJson_*` functions rebuild every
 * object with a spread per key; a pod spec goes through them on every Knative service, which showed up as the
 * library's largest per-service cost in `npm run bench`. The core PodSpec's typed field names are its wire
 * names, so the conversion only unwraps `Quantity` and `IntOrString` and drops undefined fields.
 * `test/scheduling/wire.test.ts` holds it equal to `k8s.toJson_PodSpec`. `wireApiObject` makes the core objects
 * of the constructs: plain ApiObjects holding wire JSON, so that JSON patches reach the output as written.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

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
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
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

/**
 * A core object from typed cdk8s-plus `k8s` props (`KubeService`, `KubeDeployment`, ...), as a plain ApiObject that
 * holds the object's wire JSON, converted once by `toJson`: the generated `k8s.toJson_Kube*Props` where typed
 * names differ from wire names (a Service's `clusterIp`), else the faster `toWire` (pod templates, and fields newer
 * than the generated types, which their `toJson` would drop). The generated classes themselves
 * re-map the whole object through Kubernetes 1.27 types at every synth, JSON patches included, so a patch that
 * adds a later field (a Service's `trafficDistribution`, a native sidecar's `restartPolicy`) would be dropped
 * without a word. `metadata` goes to the ApiObject as given.
 */
export function wireApiObject<P extends { readonly metadata?: ApiObjectMetadata }>(
  scope: Construct, id: string, kind: { readonly GVK: GroupVersionKind }, props: P, toJson: (props: P) => any): ApiObject {
  const { metadata: _metadata, ...body } = toJson(props);
  return new ApiObject(scope, id, { ...kind.GVK, metadata: props.metadata, ...body });
}
