/**
 * The test suite's schema gate: every object a test or an example synthesizes goes through `validateManifests`.
 * - core kinds: kubernetes-models (Kubernetes 1.33 schemas), made strict: a field its schema does not know is an
 *   error, as `kubectl apply`'s server-side field validation (Strict) makes it, and object names follow the
 *   apiserver's rules;
 * - custom kinds: the pinned upstream CRD schemas in crds/, made strict and checked with ajv. Unknown fields are
 *   errors, also in an object marked `x-kubernetes-preserve-unknown-fields` that lists its fields (Knative marks
 *   them so for the fields it gates behind feature flags, added here from its Go types); only objects that list
 *   none stay open. A Knative Service's pod spec, whose gated fields the CRD leaves out, is checked against the
 *   core PodSpec (Kubernetes 1.33), strict, as Knative builds the Deployment's pod spec from it;
 * - anything else: an error, never a pass;
 * - the objects Karmada overrides make for member clusters, checked the same way;
 * - and every ConfigMap's `*.pbtxt` entry is parsed by protoc as a Triton model config (protoc.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { App, Chart } from 'cdk8s';
import { PodSpec } from 'kubernetes-models/v1/PodSpec';
import * as YAML from 'yaml';
import { checkAllPbtxt } from './protoc';

const CRD_DIR = path.join(__dirname, '..', '..', 'crds');
/** cdk8s's own JSON-patch library (its JsonPatch.apply does not validate operations). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsonPatch = require(require.resolve('fast-json-patch', { paths: [require.resolve('cdk8s')] }));

/** The ObjectMeta fields a manifest author may set, strict. */
const OBJECT_META = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    namespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: { type: 'array' },
  },
};

/**
 * Fields of Knative's Go types (eventing duckv1.DeliverySpec) that its CRD schemas leave out, by kind and path:
 * `timeout` and `retryAfterMax` (behind the delivery-timeout and delivery-retryafter flags), and `format`, which
 * the Broker's schema lacks. Added so that they pass and anything else in those objects fails.
 */
const FORMAT = { type: 'string', enum: ['json', 'binary'] };
const GATED_FIELDS: Record<string, Record<string, Record<string, object>>> = {
  'eventing.knative.dev/v1|Trigger': { '/spec/delivery': { timeout: { type: 'string' }, retryAfterMax: { type: 'string' } } },
  'eventing.knative.dev/v1|Broker': { '/spec/delivery': { timeout: { type: 'string' }, retryAfterMax: { type: 'string' }, format: FORMAT } },
};

function strictify(node: any, isRoot = false, gated: Record<string, Record<string, object>> = {}, at = ''): any {
  if (Array.isArray(node)) return node.map((n) => strictify(n, false, gated, `${at}/[]`));
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === 'properties' || k === 'patternProperties'
      ? Object.fromEntries(Object.entries(v as any).map(([pk, pv]) => [pk, strictify(pv, false, gated, `${at}/${pk}`)]))
      : k === 'items' ? strictify(v, false, gated, `${at}/[]`) : strictify(v, false, gated, at);
  }
  if (gated[at]) out.properties = { ...out.properties, ...gated[at] };
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out.nullable && out.type) out.type = [out.type, 'null'];
  // Closed also where x-kubernetes-preserve-unknown-fields keeps what the schema does not list, when it lists fields.
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  // apiVersion and kind are always allowed at the root, whether or not a CRD's schema lists them (Eventing's don't).
  if (isRoot) out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...out.properties, metadata: OBJECT_META };
  return out;
}

function loadCrdValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'date-time', 'uri', 'date', 'duration', 'password']) ajv.addFormat(f, true);
  const validators = new Map<string, ValidateFunction>();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.yaml')) files.push(p);
    }
  };
  walk(CRD_DIR);
  for (const file of files.sort()) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        if (!version.served) continue;
        const key = `${crd.spec.group}/${version.name}|${crd.spec.names.kind}`;
        validators.set(key, ajv.compile(strictify(version.schema.openAPIV3Schema, true, GATED_FIELDS[key])));
      }
    }
  }
  return validators;
}

let crdValidators: Map<string, ValidateFunction> | undefined;

/** The kinds the pinned CRDs define, as `group/version|Kind`. */
export function customKinds(): string[] {
  crdValidators = crdValidators ?? loadCrdValidators();
  return [...crdValidators.keys()];
}

function coreModel(apiVersion: string, kind: string): any {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(modulePath)[kind];
  } catch {
    return undefined;
  }
}

/** Problems with one object, empty when it is valid. */
export function problemsOf(obj: any): string[] {
  const id = `${obj?.apiVersion} ${obj?.kind} '${obj?.metadata?.name}'`;
  if (!obj?.apiVersion || !obj?.kind) return [`${id}: no apiVersion or kind`];
  crdValidators = crdValidators ?? loadCrdValidators();
  const crd = crdValidators.get(`${obj.apiVersion}|${obj.kind}`);
  if (crd) {
    const problems = crd(obj) ? [] : (crd.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params && (e.params as any).additionalProperty ? ` '${(e.params as any).additionalProperty}'` : ''}`);
    problems.push(...nameProblems(obj));
    if (obj.apiVersion === 'serving.knative.dev/v1' && obj.kind === 'Service' && obj.spec?.template?.spec) {
      problems.push(...modelProblems(PodSpec, knativeAsCorePodSpec(obj.spec.template.spec)).map((p) => `/spec/template/spec (as a core PodSpec): ${p}`));
    }
    return problems.map((p) => `${id}: ${p}`);
  }
  const Model = coreModel(obj.apiVersion, obj.kind);
  if (!Model) return [`${id}: no schema (neither a Kubernetes 1.33 kind nor a CRD in crds/)`];
  return [...nameProblems(obj), ...modelProblems(Model, obj)].map((p) => `${id}: ${p}`);
}

/** What a kubernetes-models model finds wrong with `data`, unknown fields included. */
function modelProblems(Model: any, data: any): string[] {
  const problems: string[] = [];
  const { tracked, unknownFields } = readTracker(new Model(data));
  try {
    Model.prototype.validate.call(tracked);
  } catch (e: any) {
    problems.push(e.message);
  }
  problems.push(...unknownFields().map((f) => `${f} is not a field of its schema`));
  return problems;
}

/** The revision fields of a Knative revision template's spec, beside its pod spec (RevisionSpec). */
const REVISION_FIELDS = ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds'];

/**
 * A Knative revision template's spec as the core PodSpec Knative makes of it: without the revision fields, with a
 * name for an unnamed container, and with the port Knative fills into an HTTP or TCP probe that names none (the
 * serving port).
 */
function knativeAsCorePodSpec(spec: any): any {
  const pod: any = Object.fromEntries(Object.entries(spec).filter(([k]) => !REVISION_FIELDS.includes(k)));
  const servingPort = (pod.containers ?? []).flatMap((c: any) => c.ports ?? [])[0]?.containerPort ?? 8080;
  const withPort = (probe: any) => {
    if (!probe) return probe;
    const out = { ...probe };
    for (const action of ['httpGet', 'tcpSocket']) {
      if (out[action] && out[action].port === undefined) out[action] = { ...out[action], port: servingPort };
    }
    return out;
  };
  pod.containers = (pod.containers ?? []).map((c: any, i: number) => ({
    // Knative names an unnamed container (container-name-template, user-container; indexed when there are several).
    name: pod.containers.length > 1 ? `user-container-${i}` : 'user-container',
    ...c,
    readinessProbe: withPort(c.readinessProbe),
    livenessProbe: withPort(c.livenessProbe),
    startupProbe: withPort(c.startupProbe),
  }));
  return JSON.parse(JSON.stringify(pod));
}

/**
 * Tracks which keys a kubernetes-models validator reads. Its compiled schemas read exactly the properties a schema
 * lists (and every key of a map, by enumerating it), so a key of an object the validator looked into that it never
 * read is a field Kubernetes does not know.
 */
function readTracker(root: object): { tracked: any; unknownFields: () => string[] } {
  const seen = new Map<object, { at: string; read: Set<PropertyKey>; proxy: any }>();
  const wrap = (value: any, at: string): any => {
    if (value === null || typeof value !== 'object') return value;
    const known = seen.get(value);
    if (known) return known.proxy;
    const state = { at, read: new Set<PropertyKey>(), proxy: undefined as any };
    state.proxy = new Proxy(value, {
      get: (target, key) => {
        state.read.add(key);
        const v = Reflect.get(target, key);
        return typeof key === 'string' ? wrap(v, `${at}/${key}`) : v;
      },
      has: (target, key) => {
        state.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys: (target) => {
        const keys = Reflect.ownKeys(target);
        keys.forEach((k) => state.read.add(k));
        return keys;
      },
    });
    seen.set(value, state);
    return state.proxy;
  };
  const tracked = wrap(root, '');
  const unknownFields = () => [...seen.entries()]
    .filter(([target]) => !Array.isArray(target))
    .flatMap(([target, { at, read }]) => Object.keys(target).filter((k) => !read.has(k)).map((k) => `${at}/${k}`));
  return { tracked, unknownFields };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The apiserver's name rules: a DNS-1123 subdomain, a DNS-1035 label for a Service (a core one, or a Knative one,
 * whose name Knative gives its core Services); namespaces are DNS labels.
 */
function nameProblems(obj: any): string[] {
  const problems: string[] = [];
  const name = obj.metadata?.name;
  const service = (obj.apiVersion === 'v1' || obj.apiVersion === 'serving.knative.dev/v1') && obj.kind === 'Service';
  if (typeof name !== 'string') {
    problems.push('/metadata/name is missing');
  } else if (service ? !DNS_1035_LABEL.test(name) || name.length > 63 : !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    problems.push(`/metadata/name '${name}' is not a ${service ? 'DNS-1035 label' : 'DNS-1123 subdomain'}`);
  }
  const namespace = obj.metadata?.namespace;
  if (namespace !== undefined && (!DNS_LABEL.test(namespace) || namespace.length > 63)) problems.push(`/metadata/namespace '${namespace}' is not a DNS label`);
  return problems;
}

/**
 * Problems with the objects Karmada sends to member clusters: each OverridePolicy rule's plaintext patches applied
 * to every object it selects (RFC 6902, validated as Karmada applies them: replacing or removing a field that is
 * not there fails), and
 * the result checked like any object. Image overriders change a string and are left out.
 */
export function overrideProblems(objects: any[]): string[] {
  const problems: string[] = [];
  for (const policy of objects.filter((o) => o.apiVersion === 'policy.karmada.io/v1alpha1' && o.kind === 'OverridePolicy')) {
    const policyId = `OverridePolicy '${policy.metadata.name}'`;
    for (const selector of policy.spec?.resourceSelectors ?? []) {
      const selected = objects.filter((o) => o.apiVersion === selector.apiVersion && o.kind === selector.kind && o.metadata?.name === selector.name
        && o.metadata?.namespace === policy.metadata.namespace);
      if (selected.length === 0) problems.push(`${policyId}: selects ${selector.kind} '${selector.name}', which is not among the objects`);
      for (const target of selected) {
        for (const rule of policy.spec.overrideRules ?? []) {
          const where = `${policyId} for ${(rule.targetCluster?.clusterNames ?? ['every cluster']).join(', ')}`;
          const patches = (rule.overriders?.plaintext ?? []).map((p: any) => ({ op: p.operator, path: p.path, value: p.value }));
          if (patches.length === 0) continue;
          let patched: any;
          try {
            // Validated, as evanphx/json-patch (Karmada's) applies them: replace and remove need the path to exist.
            patched = jsonPatch.applyPatch(JSON.parse(JSON.stringify(target)), patches, true).newDocument;
          } catch (e: any) {
            problems.push(`${where}: a patch does not apply to ${selector.kind} '${selector.name}': ${e.message.split('\n')[0]}`);
            continue;
          }
          problems.push(...problemsOf(patched).map((p) => `${where}: ${p}`));
        }
      }
    }
  }
  return problems;
}

/**
 * Throws with every problem found when any object fails its schema, an object a Karmada override makes does, or a
 * config.pbtxt does not parse (protoc).
 */
export function validateManifests(objects: any[]): void {
  const problems = [...objects.flatMap(problemsOf), ...overrideProblems(objects)];
  if (problems.length > 0) throw new Error(`schema validation failed:\n${problems.join('\n')}`);
  checkAllPbtxt(objects);
}

/** Synthesizes the whole app (running construct validations), checks every object, returns them. */
export function synthApp(app: App): any[] {
  const objects = YAML.parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
  validateManifests(objects);
  return objects;
}

/** synthApp for the app that holds `chart`. */
export function synth(chart: Chart): any[] {
  return synthApp(chart.node.root as App);
}

/** The objects of one kind, picked by apiVersion and kind, never by index. */
export function ofKind(objects: any[], apiVersion: string, kind: string): any[] {
  return objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
}

/** The single object of one kind; fails when there is not exactly one. */
export function oneOf(objects: any[], apiVersion: string, kind: string): any {
  const found = ofKind(objects, apiVersion, kind);
  if (found.length !== 1) throw new Error(`expected one ${apiVersion} ${kind}, found ${found.length}`);
  return found[0];
}
