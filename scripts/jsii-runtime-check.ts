/**
 * The library as Python (and Java, .NET, Go) use it: their bindings send every call as JSON to the jsii runtime,
 * a Node process that loads the npm tarballs. This check packs the compiled library and its jsii dependencies,
 * fetches the `@jsii/runtime` of jsii-pacmak's version (the lowest the generated Python package accepts:
 * `jsii>=<that version>,<2`), and runs one app twice: through that runtime, with arguments encoded as the Python
 * runtime encodes them (structs as `$jsii.struct` with their type and every property, unset ones null; dicts as
 * `$jsii.map`; enum members as `$jsii.enum`; objects by reference), and in-process against the compiled library. It
 * fails unless both write the same non-empty YAML and a refused prop fails with the same message through both.
 *
 * Run after `projen compile` (it packs lib/ and .jsii); needs `npm` and the npm registry. Not a unit test: CI runs
 * it (`.ci/run`), and `npx projen jsii-runtime-check` does locally.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

const root = path.join(__dirname, '..');
const DEPENDENCIES = ['constructs', 'cdk8s', 'cdk8s-plus-27'];
const LIBRARY = 'cdk8s-gpu-inference';
/** What the jsii Python runtime sets JSII_AGENT to for the process it starts. */
const PYTHON_AGENT = 'Python/3.11.7';
/** How long one call to the runtime may take. */
const REQUEST_TIMEOUT_MS = 120_000;

type TypeRef = { primitive: string } | { fqn: string } | { collection: { kind: 'array' | 'map'; elementtype: TypeRef } } | { union: { types: TypeRef[] } };
interface Property { readonly name: string; readonly type: TypeRef }
interface Method { readonly name: string; readonly parameters?: Array<{ readonly type: TypeRef }> }
interface TypeDef {
  readonly kind: 'class' | 'interface' | 'enum';
  readonly datatype?: boolean;
  readonly base?: string;
  readonly interfaces?: string[];
  readonly properties?: Property[];
  readonly initializer?: Method;
  readonly methods?: Method[];
}

/** Every type of the four assemblies, by jsii FQN. */
const types: Record<string, TypeDef> = Object.assign({}, ...[...DEPENDENCIES.map((d) => path.join(root, 'node_modules', d)), root]
  .map((dir) => JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8')).types));

/** An enum member in the scenario: both drivers turn it into what their side passes. */
class EnumMember {
  constructor(readonly fqn: string, readonly member: string) {}
}
const member = (fqn: string, name: string) => new EnumMember(fqn, name);

/** What the scenario calls: the same app through either driver. */
interface Driver {
  create(fqn: string, ...args: unknown[]): Promise<any>;
  sinvoke(fqn: string, method: string, ...args: unknown[]): Promise<any>;
  sget(fqn: string, property: string): Promise<any>;
  get(obj: any, property: string): Promise<any>;
  invoke(obj: any, method: string, ...args: unknown[]): Promise<any>;
}

const L = (name: string) => `${LIBRARY}.${name}`;

/**
 * A platform team's app, as a Python user writes it: GPU serving on an EKS pool, an event trigger with dead letters,
 * a Triton repository with one model, a schedule; a notebook and a two-node training job placed by Karmada on-prem
 * or on GKE. Returns the YAML and the error of a refused prop.
 */
async function scenario(d: Driver): Promise<{ yaml: string; error: string }> {
  const app = await d.create('cdk8s.App');
  const chart = await d.create('cdk8s.Chart', app, 'serving', { namespace: 'ml' });
  await d.create(L('KnativeFeatures'), chart, 'features');
  const pool = await d.sinvoke(L('GpuNodePool'), 'eks', { instanceTypes: ['g5.12xlarge', 'g5.48xlarge'], spot: true });
  const service = await d.create(L('GpuInferenceService'), chart, 'classifier', {
    metadata: { name: 'classifier', labels: { team: 'vision' } },
    image: 'registry.example.com/ml/resnet50:1.4.0',
    gpuCount: 4,
    nodePool: pool,
    autoscalerClass: member(L('AutoscalerClass'), 'KPA'),
    maxScale: 10,
    timeout: await d.sinvoke('cdk8s.Duration', 'seconds', 120),
    startupProbe: { path: '/healthz', period: await d.sinvoke('cdk8s.Duration', 'seconds', 10), failureThreshold: 30 },
    env: { MODEL_NAME: await d.sinvoke('cdk8s-plus-27.EnvValue', 'fromValue', 'resnet50') },
    extendedResources: { 'vpc.amazonaws.com/efa': 1 },
  });
  const broker = await d.sinvoke(L('Broker'), 'fromBrokerName', 'default', 'ml');
  const deadLetters = await d.sinvoke(L('EventSink'), 'fromReference', { apiVersion: 'v1', kind: 'Service', name: 'dead-letters', namespace: 'ml' });
  await d.create(L('EventTrigger'), chart, 'uploads', {
    broker,
    subscriber: service,
    filters: [await d.sinvoke(L('TriggerFilter'), 'exact', 'type', 'io.min.s3.ObjectCreated:Put')],
    delivery: { deadLetterSink: deadLetters, retry: 10 },
  });
  const claim = await d.sinvoke('cdk8s-plus-27.PersistentVolumeClaim', 'fromClaimName', chart, 'claim', 'models');
  const repo = await d.create(L('TritonModelRepo'), chart, 'models', {
    artifacts: await d.sinvoke(L('ModelArtifactSource'), 'fromPersistentVolumeClaim', claim),
  });
  await d.invoke(repo, 'addModel', {
    name: 'resnet50',
    platform: await d.sget(L('ModelPlatform'), 'PYTORCH_LIBTORCH'),
    maxBatchSize: 32,
    inputs: [{ name: 'INPUT__0', dataType: member(L('TensorDataType'), 'FP32'), dims: [3, 224, 224] }],
    outputs: [{ name: 'OUTPUT__0', dataType: member(L('TensorDataType'), 'FP32'), dims: [1000] }],
    instanceGroups: [{ kind: member(L('InstanceGroupKind'), 'GPU'), count: 2, gpus: [0] }],
    dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: await d.sinvoke('cdk8s.Duration', 'millis', 100) },
  });
  await d.create(L('PingSource'), chart, 'nightly', {
    schedule: '0 2 * * *', timezone: 'Europe/Berlin', sink: broker, data: { job: 'nightly', limits: { images: 500 } },
  });

  // Training: a notebook and a two-node job, placed on-prem or on GKE by Karmada.
  const training = await d.create('cdk8s.Chart', app, 'training', { namespace: 'ml' });
  const onPrem = await d.create(L('ClusterTarget'), {
    name: 'on-prem', nodePool: await d.sinvoke(L('GpuNodePool'), 'onPrem', { products: [await d.sget(L('GpuProduct'), 'A100_SXM4_80GB')] }),
  });
  const onPremPool = await d.get(onPrem, 'nodePool');
  const gke = await d.create(L('ClusterTarget'), {
    name: 'gke', nodePool: await d.sinvoke(L('GpuNodePool'), 'gke', { machineTypes: ['a3-highgpu-8g'], sharing: member(L('GpuSharing'), 'NONE') }),
  });
  await d.create(L('GpuNotebook'), training, 'lab', {
    tokenSecret: await d.sinvoke('cdk8s-plus-27.Secret', 'fromSecretName', training, 'token', 'lab-token'),
    resources: { cpu: { request: await d.sinvoke('cdk8s-plus-27.Cpu', 'units', 4) } },
    sharedMemorySize: await d.sinvoke('cdk8s.Size', 'gibibytes', 4),
  });
  const job = await d.create(L('DistributedTrainingJob'), training, 'train', {
    image: 'registry.example.com/ml/train:2.4.1', script: '/workspace/train.py', scriptArgs: ['--epochs', '10'], nodes: 2, gpuCount: 8, nodePool: onPremPool,
  });
  await d.create(L('KarmadaPlacement'), training, 'placement', { workload: job, targets: [onPrem, gke] });

  const yaml = await d.invoke(app, 'synthYaml');
  const errors: string[] = [];
  for (const [id, props] of [['unpinned', { image: 'registry.example.com/ml/resnet50:latest' }], ['no-gpu', { image: 'registry.example.com/ml/resnet50:1.4.0', gpuCount: 0 }]] as const) {
    try {
      await d.create(L('GpuInferenceService'), chart, id, props);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { yaml, error: errors.join('\n') };
}

/** The compiled library, called directly. */
function nativeDriver(): Driver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const modules: Record<string, any> = Object.fromEntries([...DEPENDENCIES.map((d) => [d, require(d)]), [LIBRARY, require(root)]]);
  const resolve = (fqn: string) => fqn.split('.').slice(1).reduce((o, k) => o[k], modules[fqn.split('.')[0]]);
  const value = (v: unknown): unknown => {
    if (v instanceof EnumMember) return resolve(v.fqn)[v.member];
    if (Array.isArray(v)) return v.map(value);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
    }
    return v;
  };
  return {
    create: async (fqn, ...args) => new (resolve(fqn))(...args.map(value)),
    sinvoke: async (fqn, method, ...args) => resolve(fqn)[method](...args.map(value)),
    sget: async (fqn, property) => resolve(fqn)[property],
    get: async (obj, property) => obj[property],
    invoke: async (obj, method, ...args) => obj[method](...args.map(value)),
  };
}

/** The properties of a struct, its bases' included. */
function structProperties(fqn: string): Record<string, Property> {
  const def = types[fqn];
  return Object.assign({}, ...(def.interfaces ?? []).map(structProperties), Object.fromEntries((def.properties ?? []).map((p) => [p.name, p])));
}

const isByRef = (v: unknown) => v !== null && typeof v === 'object' && '$jsii.byref' in (v as object);

const isPlainObject = (v: unknown): v is object => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** `value` as the Python runtime sends a value of `type` (jsii's python/_kernel: _make_reference_for_native). */
function encode(value: unknown, type: TypeRef, where: string): unknown {
  if (value === undefined || isByRef(value)) return value;
  if (value instanceof EnumMember) return { '$jsii.enum': `${value.fqn}/${value.member}` };
  if ('primitive' in type) {
    // Python sends every dict as a map, also where the type is any or json.
    if (isPlainObject(value)) return { '$jsii.map': Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v, type, `${where}.${k}`)])) };
    return Array.isArray(value) ? value.map((v, i) => encode(v, type, `${where}[${i}]`)) : value;
  }
  if ('collection' in type) {
    const element = type.collection.elementtype;
    if (type.collection.kind === 'array') return (value as unknown[]).map((v, i) => encode(v, element, `${where}[${i}]`));
    return { '$jsii.map': Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, encode(v, element, `${where}.${k}`)])) };
  }
  if ('union' in type) {
    const struct = type.union.types.find((t) => 'fqn' in t && types[t.fqn]?.datatype);
    return struct ? encode(value, struct, where) : value;
  }
  const def = types[type.fqn];
  if (!def?.datatype) return value;
  const props = structProperties(type.fqn);
  for (const k of Object.keys(value as object)) if (!props[k]) throw new Error(`${where}: ${type.fqn} has no property '${k}'`);
  // A Python struct sends all its properties, those left unset as None (null).
  const data = Object.fromEntries(Object.values(props).map((p) => [p.name, encode((value as any)[p.name], p.type, `${where}.${p.name}`) ?? null]));
  return { '$jsii.struct': { fqn: type.fqn, data } };
}

/** The parameters of a constructor or method, looked up in the class and its bases. */
function parameters(fqn: string, method: string | undefined): Array<{ type: TypeRef }> {
  for (let def: TypeDef | undefined = types[fqn]; def; def = def.base ? types[def.base] : undefined) {
    const m = method === undefined ? def.initializer : def.methods?.find((x) => x.name === method);
    if (m) return m.parameters ?? [];
  }
  throw new Error(`${fqn}${method ? `.${method}` : ''} is not in the assemblies`);
}

/** A jsii runtime process, fed one JSON request per line. */
async function kernelDriver(runtime: string, tarballs: Array<{ name: string; version: string; file: string }>): Promise<Driver & { close(): void }> {
  // As the Python runtime starts it: JSII_AGENT names the host, and errors name props as Python does.
  const child = spawn(process.execPath, [runtime], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, JSII_AGENT: PYTHON_AGENT } });
  // What the runtime wrote to stderr (its children's output, wrapped), for the error when it dies.
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const waiting: Array<{ resolve: (reply: any) => void; reject: (e: Error) => void }> = [];
  let gone: Error | undefined;
  const fail = (e: Error) => {
    gone = gone ?? e;
    for (const w of waiting.splice(0)) w.reject(gone);
  };
  child.on('error', (e) => fail(new Error(`the jsii runtime did not start: ${e.message}`)));
  // 'close' comes once the runtime's output is read to its end, so the error carries all of stderr.
  child.on('close', (code, signal) => fail(new Error(`the jsii runtime exited (${signal ?? code}): ${stderr}`)));
  child.stdin.on('error', (e) => fail(new Error(`the jsii runtime stopped reading its input (${e.message}): ${stderr}`)));
  readline.createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  const reply = (what: string) => new Promise<any>((resolve, reject) => {
    if (gone) return reject(gone);
    const timer = setTimeout(() => fail(new Error(`no answer from the jsii runtime in ${REQUEST_TIMEOUT_MS / 1000}s to ${what}`)), REQUEST_TIMEOUT_MS);
    waiting.push({ resolve: (r) => { clearTimeout(timer); resolve(r); }, reject: (e) => { clearTimeout(timer); reject(e); } });
  });
  const request = async (req: object) => {
    const text = JSON.stringify(req);
    const answered = reply(text.slice(0, 200));
    child.stdin.write(text + '\n');
    const r = await answered;
    if ('error' in r) throw new Error(r.error);
    if (!('ok' in r)) throw new Error(`the runtime answered ${JSON.stringify(r).slice(0, 200)} to ${JSON.stringify(req).slice(0, 200)}`);
    return r.ok;
  };
  const hello = await reply('the start');
  if (!hello.hello) throw new Error(`no hello from the jsii runtime: ${JSON.stringify(hello)}`);
  for (const t of tarballs) await request({ api: 'load', name: t.name, version: t.version, tarball: t.file });
  const args = (fqn: string, method: string | undefined, values: unknown[]) => {
    const params = parameters(fqn, method);
    return values.map((v, i) => encode(v, params[i].type, `${fqn}${method ? `.${method}` : ''} argument ${i}`));
  };
  const fqnOf = (obj: any) => String(obj['$jsii.byref']).split('@')[0];
  return {
    create: (fqn, ...values) => request({ api: 'create', fqn, args: args(fqn, undefined, values) }),
    sinvoke: async (fqn, method, ...values) => (await request({ api: 'sinvoke', fqn, method, args: args(fqn, method, values) })).result,
    sget: async (fqn, property) => (await request({ api: 'sget', fqn, property })).value,
    get: async (obj, property) => (await request({ api: 'get', objref: obj, property })).value,
    invoke: async (obj, method, ...values) => (await request({ api: 'invoke', objref: obj, method, args: args(fqnOf(obj), method, values) })).result,
    // The runtime ends when its input does (it forwards signals to its own child instead of ending on them).
    close: () => {
      child.removeAllListeners('close');
      child.stdin.end();
    },
  };
}

/** `npm pack` of `spec` into `dir`; the tarball's path. */
function pack(spec: string, dir: string): string {
  const out = execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' });
  return path.join(dir, out.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-runtime-check-'));
  try {
    const manifest = (dir: string): { name: string; version: string } => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const tarballs = [...DEPENDENCIES.map((d) => path.join(root, 'node_modules', d)), root]
      .map((dir) => ({ ...manifest(dir), file: pack(dir, work) }));
    // The runtime of jsii-pacmak's version: the lowest the generated Python package accepts (jsii>=<it>,<2). Its webpack
    // build is self-contained; its npm dependencies are not installed.
    const runtimeVersion = manifest(path.join(root, 'node_modules', 'jsii-pacmak')).version;
    const runtimeTarball = pack(`@jsii/runtime@${runtimeVersion}`, work);
    execFileSync('tar', ['xzf', runtimeTarball, '-C', work]);
    const kernel = await kernelDriver(path.join(work, 'package', 'webpack', 'bin', 'jsii-runtime.js'), tarballs);
    let viaRuntime;
    try {
      viaRuntime = await scenario(kernel);
    } finally {
      kernel.close();
    }
    // In-process, as the same host: the library reads JSII_AGENT when it names a refused prop.
    const agent = process.env.JSII_AGENT;
    process.env.JSII_AGENT = PYTHON_AGENT;
    let direct;
    try {
      direct = await scenario(nativeDriver());
    } finally {
      if (agent === undefined) delete process.env.JSII_AGENT;
      else process.env.JSII_AGENT = agent;
    }
    const problems: string[] = [];
    if (!/^apiVersion: serving\.knative\.dev\/v1\nkind: Service$/m.test(direct.yaml)) {
      problems.push(`the TypeScript app wrote no Knative Service:\n${direct.yaml.slice(0, 500)}`);
    }
    if (viaRuntime.yaml !== direct.yaml) {
      const [a, b] = [viaRuntime.yaml.split('\n'), direct.yaml.split('\n')];
      const line = a.findIndex((l, i) => l !== b[i]);
      problems.push(`the YAML differs between the jsii runtime and TypeScript from line ${line + 1}: '${a[line]}' against '${b[line]}'`);
    }
    if (!direct.error || viaRuntime.error !== direct.error) problems.push(`errors differ: '${viaRuntime.error}' against '${direct.error}'`);
    if (!viaRuntime.error.includes("'gpuCount' (Python: gpu_count) must be")) problems.push(`a refused prop does not give its Python name (gpu_count): '${viaRuntime.error}'`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const objects = direct.yaml.split(/^---$/m).length;
    console.log(`jsii runtime ${runtimeVersion}: ${objects} objects, byte-identical to TypeScript; a refused prop fails with the same message`);
    process.exitCode = 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Failed unless main gets to the end: a promise nothing settles would otherwise let node exit 0.
process.exitCode = 1;
main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
