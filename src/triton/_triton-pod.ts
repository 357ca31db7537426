/**
 * What the two Triton workloads share: the tritonserver flags, its environment, its probes and the synth-time
 * checks that need both the repository and the server (GPU indices, GPU memory, explicit models).
 */
import { Duration, Size } from 'cdk8s';
import { EnvValue, k8s, PersistentVolumeAccessMode, PersistentVolumeClaim } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { durationText, wholeMillis, wholeSeconds } from '../_duration';
import { ArtifactKind } from './_repo-parts';
import { TritonModel, TritonModelRepo } from './triton-model-repo';
import { ModelControl, TritonApi, TritonWorkloadProps } from './triton-workload';
import { clusterScopeName, inOtherCluster } from '../_cluster-scope';
import { checkInteger, propError } from '../_errors';
import { PoolChecks } from '../scheduling/_placement';
import { checkEnvName, checkOneMigSlice, kib, migSliceOf, PodEntrypoint, quantity, resolveGpuPod, ResolvedPod } from '../scheduling/_pod-spec';
import { GpuProduct } from '../scheduling/gpu-product';

/** The pinned default image: Triton 25.12 (Triton 2.64.0, CUDA 13.1; GPUs of compute capability 7.5 and later). */
export const DEFAULT_TRITON_IMAGE = 'nvcr.io/nvidia/tritonserver:25.12-py3';

export const HTTP_PORT = 8000;
export const GRPC_PORT = 8001;
export const METRICS_PORT = 8002;

/** The APIs restricted by default: everything an inference client does not need, except health. */
const DEFAULT_RESTRICTED = [
  TritonApi.MODEL_REPOSITORY, TritonApi.MODEL_CONFIG, TritonApi.SHARED_MEMORY, TritonApi.STATISTICS, TritonApi.TRACE, TritonApi.LOGGING,
];
const RESTRICTED_ENV = 'TRITON_RESTRICTED_API_VALUE';
const HEADER = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** Flags this library sets from typed props; extraArgs may not repeat them. */
const MANAGED_FLAGS: Record<string, string> = {
  'model-repository': 'repository',
  'model-store': 'repository',
  'model-control-mode': 'modelControl',
  'repository-poll-secs': 'modelControl',
  'load-model': 'modelControl',
  'strict-readiness': 'strictReadiness',
  'exit-on-error': 'exitOnError',
  'disable-auto-complete-config': 'disableAutoCompleteConfig',
  'allow-metrics': 'metrics',
  'allow-gpu-metrics': 'gpuMetrics',
  'metrics-interval-ms': 'metricsInterval',
  'cache-config': 'responseCacheSize',
  'http-restricted-api': 'restrictedApi',
  'grpc-restricted-protocol': 'restrictedApi',
  'http-port': 'the fixed port 8000',
  'grpc-port': 'the fixed port 8001',
  'metrics-port': 'the fixed port 8002',
  'exit-timeout-secs': 'exitTimeout',
};
/** Flags that would cut off what the rendered objects rely on. */
const REFUSED_FLAGS: Record<string, string> = {
  'allow-http': 'the probes and the Service use the HTTP endpoint',
  'http-address': 'the probes and the Service reach HTTP on every address',
  'metrics-address': 'the scrapers reach the metrics on every address',
};
/** Triton's own `--exit-timeout-secs` default. */
export const DEFAULT_EXIT_TIMEOUT_SECONDS = 30;

/** Everything a Triton workload renders its pod from. */
export interface TritonPod {
  readonly pod: ResolvedPod;
  readonly startupTimeout: Duration;
  readonly metrics: boolean;
  /** How long Triton lets in-flight requests finish after SIGTERM, in seconds. */
  readonly exitTimeoutSeconds: number;
}

/**
 * How long a rollout may take before Kubernetes (or Knative) calls it failed: Triton's model loading
 * (`startupTimeout`) plus 5 minutes for scheduling and the image pull, at least 10 minutes.
 */
export function tritonProgressDeadline(startupTimeout: Duration): Duration {
  return Duration.seconds(Math.max(600, startupTimeout.toSeconds() + 300));
}

/** Resolves and checks the props both workloads share; throws on the first bad value. */
export function resolveTritonPod(props: TritonWorkloadProps): TritonPod {
  // No prop of the interface, but a spread object or a JavaScript caller can still pass it: refused, not dropped.
  const givenArgs = (props as PodEntrypoint).args;
  if (givenArgs !== undefined) {
    throw propError('args', 'unset: the tritonserver flags are built from typed props', givenArgs, 'use extraArgs for flags this construct does not manage');
  }
  const control = props.modelControl ?? ModelControl.NONE;
  const metrics = props.metrics ?? true;
  const startupTimeout = props.startupTimeout ?? Duration.minutes(5);
  wholeSeconds('startupTimeout', startupTimeout, 10);
  const exitTimeoutSeconds = props.exitTimeout ? wholeSeconds('exitTimeout', props.exitTimeout) : DEFAULT_EXIT_TIMEOUT_SECONDS;
  if (props.gpuMetrics !== undefined && !metrics) throw propError('gpuMetrics', 'unset when metrics is false', props.gpuMetrics);
  if (props.metricsInterval !== undefined) {
    if (!metrics) throw propError('metricsInterval', 'unset when metrics is false', durationText(props.metricsInterval));
    checkInteger('metricsInterval', wholeMillis('metricsInterval', props.metricsInterval), 1, Number.MAX_SAFE_INTEGER, 'a whole number of milliseconds');
  }
  if (props.responseCacheSize !== undefined) quantity('responseCacheSize', props.responseCacheSize);
  if (props.gpuMemory !== undefined) quantity('gpuMemory', props.gpuMemory);
  if (props.gpuMemoryOverhead !== undefined) {
    const overhead = kib(props.gpuMemoryOverhead);
    if (!Number.isInteger(overhead) || overhead < 0) throw propError('gpuMemoryOverhead', 'a whole number of KiB, 0 or more', `${overhead}Ki`);
  }
  const restricted = props.restrictedApi;
  if (restricted) {
    if (!HEADER.test(restricted.header)) throw propError('restrictedApi.header', 'an HTTP header name (letters, digits, -)', restricted.header);
    const apis = restricted.apis ?? DEFAULT_RESTRICTED;
    if (apis.length === 0) throw propError('restrictedApi.apis', 'at least one API', apis);
    if (apis.includes(TritonApi.HEALTH)) {
      throw propError('restrictedApi.apis', 'free of TritonApi.HEALTH: the kubelet\'s probes cannot send the secret header', apis);
    }
    if (new Set(apis).size !== apis.length) throw propError('restrictedApi.apis', 'distinct APIs', apis);
  }
  if (control.mode === 'poll' && props.repository.artifacts._kind === ArtifactKind.S3_COPY) {
    throw propError('modelControl', 'NONE or explicit with artifacts copied from S3 at startup, which no poll would see change', 'poll',
      'use ModelArtifactSource.fromS3Native to poll the store, or roll the pods to pick up new artifacts');
  }
  if (control.mode === 'explicit' && !(restricted && (restricted.apis ?? DEFAULT_RESTRICTED).includes(TritonApi.MODEL_REPOSITORY))) {
    throw propError('restrictedApi', 'set and covering TritonApi.MODEL_REPOSITORY with ModelControl.explicit (loading a model runs its code)', restricted ? restricted.apis : 'none',
      'restrict the model repository API to a secret header, or keep ModelControl.NONE');
  }
  for (const arg of props.extraArgs ?? []) {
    const m = /^--([a-z0-9][a-z0-9-]*)(=.*)?$/.exec(arg);
    if (!m) throw propError('extraArgs', 'flags of the form --name or --name=value', arg);
    // tritonserver reads its flags with getopt_long, which takes any unambiguous prefix: --model-control=explicit
    // is --model-control-mode=explicit.
    const known = [...Object.keys(MANAGED_FLAGS), ...Object.keys(REFUSED_FLAGS)];
    const matches = known.includes(m[1]) ? [m[1]] : known.filter((f) => f.startsWith(m[1]));
    if (matches.length === 0) continue;
    if (matches.length > 1) {
      throw propError('extraArgs', `free of --${m[1]}, a prefix of --${matches.join(', --')}, which this construct sets or refuses (and tritonserver refuses as ambiguous)`, arg);
    }
    const flag = matches[0];
    const as = flag === m[1] ? `--${flag}` : `--${m[1]} (tritonserver reads it as --${flag})`;
    const owner = Object.hasOwn(MANAGED_FLAGS, flag) ? MANAGED_FLAGS[flag] : undefined;
    if (owner) throw propError('extraArgs', `free of ${as}, which this construct sets`, arg, `use ${owner.startsWith('the ') ? owner : `the '${owner}' prop`} instead`);
    throw propError('extraArgs', `free of ${as}: ${REFUSED_FLAGS[flag]}`, arg);
  }

  const env: Record<string, EnvValue> = { ...(props.env ?? {}) };
  const add = (name: string, value: EnvValue, why: string) => {
    if (name in env) throw propError('env', `free of ${name}, which ${why} sets`, name);
    env[name] = value;
  };
  for (const name of Object.keys(env)) checkEnvName(name);
  // Triton and the framework runtimes write caches under $HOME; the root filesystem is read-only.
  if (!('HOME' in env)) env.HOME = EnvValue.fromValue('/tmp');
  for (const [name, value] of Object.entries(props.repository._podEnv())) add(name, value, 'the S3 model repository');
  if (restricted) add(RESTRICTED_ENV, EnvValue.fromSecretValue({ secret: restricted.secret, key: restricted.secretKey }), 'restrictedApi');

  const image = props.image ?? DEFAULT_TRITON_IMAGE;
  const args = tritonArgs(props, props.repository.repositoryLocation, control, metrics, exitTimeoutSeconds);
  const pod = resolveGpuPod({ ...props, image, env, args });
  checkOneMigSlice(pod, 'run one server per MIG slice (more replicas), or give the server whole GPUs');
  return { pod, startupTimeout, metrics, exitTimeoutSeconds };
}

function tritonArgs(props: TritonWorkloadProps, repository: string, control: ModelControl, metrics: boolean, exitTimeoutSeconds: number): string[] {
  const args = ['tritonserver', `--model-repository=${repository}`, `--model-control-mode=${control.mode}`];
  if (control.pollSeconds !== undefined) args.push(`--repository-poll-secs=${control.pollSeconds}`);
  for (const m of control.startupModels ?? []) args.push(`--load-model=${m}`);
  args.push(`--strict-readiness=${props.strictReadiness ?? true}`);
  args.push(`--exit-on-error=${props.exitOnError ?? true}`);
  if (props.disableAutoCompleteConfig ?? true) args.push('--disable-auto-complete-config');
  args.push(`--allow-metrics=${metrics}`);
  if (metrics) args.push(`--allow-gpu-metrics=${props.gpuMetrics ?? true}`);
  if (props.metricsInterval) args.push(`--metrics-interval-ms=${props.metricsInterval.toMilliseconds()}`);
  if (props.responseCacheSize) args.push(`--cache-config=local,size=${props.responseCacheSize.toKibibytes() * 1024}`);
  if (props.exitTimeout) args.push(`--exit-timeout-secs=${exitTimeoutSeconds}`);
  const r = props.restrictedApi;
  if (r) {
    // The kubelet expands $(VAR) from the container's environment, where the value is a Secret reference.
    const setting = `${(r.apis ?? DEFAULT_RESTRICTED).join(',')}:${r.header}=$(${RESTRICTED_ENV})`;
    args.push(`--http-restricted-api=${setting}`, `--grpc-restricted-protocol=${setting}`);
  }
  return [...args, ...(props.extraArgs ?? [])];
}

/** An HTTP GET probe on a Triton health endpoint, on the named container port. */
export function healthProbe(path: string, port: string, period: number, failureThreshold: number, timeout: number): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port) }, periodSeconds: period, timeoutSeconds: timeout, failureThreshold };
}

/** The startup probe's failure threshold for a budget, probing every 10 seconds. */
export function startupFailureThreshold(timeout: Duration): number {
  return Math.ceil(timeout.toSeconds() / 10);
}

/** The Prometheus scrape annotations the common `kubernetes-pods` scrape job reads. */
export function scrapeAnnotations(): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/path': '/metrics' };
}

/** The annotation carrying the config hash: a config change rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'triton.cdk8s-gpu-inference.dev/config-sha256';

/**
 * Whether the repository's artifacts are on a claim of this app that only one node can attach (ReadWriteOnce,
 * ReadWriteOncePod): a second pod on another node would hang on the volume (a Multi-Attach error). A claim
 * imported by name says nothing of its access modes and is not.
 */
export function onSingleNodeClaim(repository: TritonModelRepo): boolean {
  const claim = repository.artifacts._claim;
  if (!(claim instanceof PersistentVolumeClaim)) return false;
  const shared = [PersistentVolumeAccessMode.READ_ONLY_MANY, PersistentVolumeAccessMode.READ_WRITE_MANY];
  return !(claim.accessModes ?? []).some((m) => shared.includes(m));
}

/** Throws when the repository is on a single-node claim and `twoPods` says why the workload runs two pods at once. */
export function checkRepositoryClaim(repository: TritonModelRepo, twoPods: string): void {
  if (onSingleNodeClaim(repository)) throw singleNodeClaimError(repository.artifacts._claim as PersistentVolumeClaim, twoPods);
}

function singleNodeClaimError(claim: PersistentVolumeClaim, twoPods: string): Error {
  return propError('repository', `artifacts on a claim several nodes can mount (ReadOnlyMany or ReadWriteMany): ${twoPods}, and a pod on another node would hang on the volume`,
    `claim '${claim.name}' with ${(claim.accessModes ?? []).join(',') || 'no access mode'}`,
    'use a ReadOnlyMany or ReadWriteMany storage class (NFS, CephFS, EFS, Filestore, Azure Files), or copy the artifacts from S3');
}

/** The one workload mounting each single-node model claim, by the claim: a second would run its pod beside the first. */
const SINGLE_NODE_CLAIM_USERS = new WeakMap<object, string>();

/**
 * Records `workload` as the one server on the repository's single-node claim; throws when another already mounts it
 * (their pods may land on different nodes).
 */
export function claimSingleNodeRepository(repository: TritonModelRepo, workload: IConstruct): void {
  if (!onSingleNodeClaim(repository)) return;
  const claim = repository.artifacts._claim as PersistentVolumeClaim;
  const first = SINGLE_NODE_CLAIM_USERS.get(claim);
  if (first !== undefined && first !== workload.node.path) throw singleNodeClaimError(claim, `the server '${first}' mounts it too`);
  SINGLE_NODE_CLAIM_USERS.set(claim, workload.node.path);
}

/** Backends that batch inside the backend (continuous or in-flight batching), not through Triton's batchers. */
const SELF_BATCHING_BACKENDS = ['vllm', 'tensorrtllm'];

/**
 * The first model whose backend queues and batches requests itself (vLLM, TensorRT-LLM): it takes each request at
 * once, so Triton's scheduler neither queues it nor bounds how many it serves. Undefined when there is none.
 */
export function selfBatchingModel(models: readonly TritonModel[]): { readonly name: string; readonly backend: string } | undefined {
  for (const m of models) {
    const backend = m.config.platform._runtime;
    if (backend && SELF_BATCHING_BACKENDS.includes(backend)) return { name: m.name, backend };
  }
  return undefined;
}

/** The memory of one GPU the server gets, and where that number comes from; undefined when unknown. */
export function gpuMemoryOf(props: TritonWorkloadProps, pod: ResolvedPod): { size: Size; from: string } | undefined {
  if (props.gpuMemory) return { size: props.gpuMemory, from: 'gpuMemory' };
  // A MIG slice (requested, or every GPU of a partitioned pool) has the slice's memory, not the product's.
  const slice = migSliceOf(pod);
  if (slice) {
    // The profile names its memory in decimal GB (3g.40gb); nvidia-smi reports slightly more, so this errs safe.
    const gb = Number(/\.(\d+)gb/.exec(slice)![1]);
    return { size: Size.mebibytes(Math.floor((gb * 1e9) / 2 ** 20)), from: `MIG profile ${slice}` };
  }
  const products = props.nodePool?.products ?? [];
  if (products.length > 0 && products.every((p) => p.memory)) {
    const smallest = [...products].sort((a, b) => kib(a.memory!) - kib(b.memory!))[0];
    return { size: smallest.memory!, from: products.length > 1 ? `${smallest.label}, the smallest of the pool's products` : smallest.label };
  }
  return undefined;
}

/** A checked amount of KiB for a message (0 included: no overhead). */
function fmt(kibibytes: number): string {
  return kibibytes === 0 ? '0Ki' : quantity('', Size.kibibytes(kibibytes))!;
}

/**
 * Where the repository's ConfigMap lands against the workload that mounts it: a pod can only mount a ConfigMap of
 * its own cluster and namespace, else it waits in ContainerCreating. Namespaces are compared where both are set.
 */
function repositoryReachProblems(workload: IConstruct, namespace: string | undefined, repo: TritonModelRepo): string[] {
  const problems: string[] = [];
  if (inOtherCluster(workload, repo)) {
    problems.push(propError('repository', `a TritonModelRepo of the workload's cluster (${clusterScopeName(workload)})`, repo.node.path,
      'create the repository in the same ClusterChart: its ConfigMap must exist where the pods run').message);
  }
  const repoNamespace = repo.configMap.metadata.namespace;
  if (namespace && repoNamespace && namespace !== repoNamespace) {
    problems.push(propError('repository', `a TritonModelRepo in the workload's namespace ('${namespace}')`, `one in ${repoNamespace}`,
      "pods mount ConfigMaps of their own namespace only; create the repository in the workload's chart or namespace").message);
  }
  return problems;
}

/**
 * The checks that need the repository and the server together; messages for node.addValidation of `workload`
 * (a TritonServer or TritonKnativeService in `namespace`).
 */
export function validateAgainstServer(workload: IConstruct, namespace: string | undefined, props: TritonWorkloadProps, pod: ResolvedPod): string[] {
  const gpuCount = pod.gpuCount;
  const repo: TritonModelRepo = props.repository;
  const errors: string[] = repositoryReachProblems(workload, namespace, repo);
  const models = repo.models;
  for (const model of models) {
    model.config.instanceGroups.forEach((g, i) => {
      const beyond = (g.gpus ?? []).filter((x) => x >= gpuCount);
      if (beyond.length > 0) {
        errors.push(propError(`model[${model.name}].instanceGroups[${i}].gpus`, `GPU indices below the server's gpuCount (${gpuCount}); the container sees GPUs 0..${gpuCount - 1}`, g.gpus,
          migSliceOf(pod) ? 'place the instances on GPU 0: a MIG slice is the one GPU the server sees'
            : `raise gpuCount to ${Math.max(...beyond) + 1}, or place the instances on GPUs the server gets`).message);
      }
    });
    if ((props.disableAutoCompleteConfig ?? true) && model.config.platform._runtime === 'vllm' && !model.config.props.decoupled) {
      errors.push(propError(`model[${model.name}].decoupled`, 'true while disableAutoCompleteConfig is on: the vllm backend refuses to load a model without the decoupled ' +
        'transaction policy, which only its auto-complete would otherwise set', 'unset', 'set decoupled: true').message);
    }
    if ((props.disableAutoCompleteConfig ?? true) && (!(model.config.props.inputs?.length) || !(model.config.props.outputs?.length))) {
      errors.push(propError(`model[${model.name}]`, 'inputs and outputs while disableAutoCompleteConfig is on (Triton loads the config as written)', 'none',
        'declare the inputs and outputs, or set disableAutoCompleteConfig: false to let the backend fill them in').message);
    }
    if (model.config.props.responseCache && !props.responseCacheSize) {
      errors.push(propError(`model[${model.name}].responseCache`, 'backed by a server cache', 'no cache', 'set responseCacheSize on the Triton workload').message);
    }
  }
  for (const name of (props.modelControl ?? ModelControl.NONE).startupModels ?? []) {
    if (name !== '*' && !repo.findModel(name)) {
      errors.push(propError('modelControl', `to load models of the repository (${models.map((m) => m.name).join(', ')})`, name).message);
    }
  }
  errors.push(...checkGpuMemory(props, pod));
  errors.push(...checkImageBackends(models, pod.image));
  errors.push(...checkImageComputeCapability(pod.image, props.nodePool?.products ?? []));
  errors.push(...checkPlanComputeCapabilities(models, props.nodePool?.products ?? []));
  return errors;
}

/** An NGC Triton image (or a mirror of it) by release tag: `…/nvidia/tritonserver:<yy>.<mm>[-<variant>]`. */
const NGC_TRITON_TAG = /(^|\/)nvidia\/tritonserver:(\d{2})\.(\d{2})(-[^@]*)?(@|$)/;

/** The backends NGC ships, as a model's runtime names them; a model of another (custom) backend is not judged. */
const NGC_BACKENDS = ['tensorrt', 'onnxruntime', 'pytorch', 'tensorflow', 'openvino', 'fil', 'dali', 'vllm', 'tensorrtllm'];
/**
 * NGC's single-framework images and what they ship ("only has TRTLLM and Python backends", server#7346; the vLLM
 * image "does not carry any other backends", server#7637). Python is in every image.
 */
const NGC_VARIANT_BACKENDS: Record<string, readonly string[]> = {
  'vllm-python-py3': ['vllm', 'python'],
  'trtllm-python-py3': ['tensorrtllm', 'python'],
  'pyt-python-py3': ['pytorch', 'python'],
  'tf2-python-py3': ['tensorflow', 'python'],
};
/** The LLM backends, which the general `-py3` image never ships: each has an image of its own. */
const LLM_VARIANTS: Record<string, string> = { vllm: 'vllm-python-py3', tensorrtllm: 'trtllm-python-py3' };

/**
 * Models whose backend the NGC image does not ship: Triton fails to load them (`unable to find
 * 'libtriton_<backend>.so'`), and with `--exit-on-error` the pod crash-loops.
 * - The general `-py3` image has no vLLM or TensorRT-LLM backend, and no TensorFlow backend from release 25.03 on
 *   (deprecated there; 25.02 is the last image with it).
 * - The single-framework images (`-vllm-python-py3`, `-trtllm-python-py3`, `-pyt-python-py3`) ship that backend and
 *   Python only.
 *
 * Images by digest alone, built elsewhere, of another tag variant, and models of custom backends (which a model
 * folder may carry) are not judged; nor is TensorFlow on a tag variant naming it (`-tf…`, as a build of one's own).
 */
function checkImageBackends(models: readonly TritonModel[], image: string): string[] {
  const tag = NGC_TRITON_TAG.exec(image);
  if (!tag) return [];
  const release = `${tag[2]}.${tag[3]}`;
  const variant = (tag[4] ?? '').slice(1);
  const shipped = NGC_VARIANT_BACKENDS[variant];
  const errors: string[] = [];
  for (const m of models) {
    const runtime = m.config.platform._runtime;
    if (runtime === undefined || !NGC_BACKENDS.includes(runtime)) continue;
    const got = `${m.config.platform._name} on ${image}`;
    if (shipped && !shipped.includes(runtime)) {
      errors.push(propError(`model[${m.name}].platform`, `served by an image with the ${runtime} backend (the ${variant} images ship only ${shipped.join(' and ')})`, got,
        `serve it from a Triton workload of its own on nvcr.io/nvidia/tritonserver:${release}-${LLM_VARIANTS[runtime] ?? 'py3'}, or an image built with both backends`).message);
    } else if (variant === 'py3' && LLM_VARIANTS[runtime]) {
      errors.push(propError(`model[${m.name}].platform`, `served by an image with the ${runtime} backend (NGC ships it only in the <yy.mm>-${LLM_VARIANTS[runtime]} images)`, got,
        `use nvcr.io/nvidia/tritonserver:${release}-${LLM_VARIANTS[runtime]}, or an image built with the backend`).message);
    } else if (runtime === 'tensorflow' && Number(tag[2]) * 100 + Number(tag[3]) >= 2503 && !/(^|-)tf/.test(variant)) {
      errors.push(propError(`model[${m.name}].platform`, 'served by an image with the TensorFlow backend (NGC Triton images no longer ship it from 25.03 on)', got,
        'convert the model to ONNX (ModelPlatform.ONNXRUNTIME_ONNX), pin nvcr.io/nvidia/tritonserver:25.02-py3, ' +
        'or use an image built with the TensorFlow backend (a tag variant naming it, such as 25.12-py3-tf, is taken to have it)').message);
    }
  }
  return errors;
}

/**
 * NGC Triton images from 25.01 on support compute capability 7.5 (Turing) and later: their release notes say so from
 * 25.01 (CUDA 12.8) on, where 24.xx notes say 6.0 and later; the CUDA 13 images from 25.08 on keep the floor.
 */
const TURING_FLOOR_RELEASE = 2501;
const TURING_FLOOR_CC = '7.5';

/** A compute capability as a comparable number: '8.9' is 89, '10.0' is 100. */
function ccValue(cc: string): number {
  const [major, minor] = cc.split('.').map(Number);
  return major * 10 + minor;
}

/** The products whose compute capability is known. */
function withComputeCapability(products: readonly GpuProduct[]): Array<GpuProduct & { computeCapability: string }> {
  return products.filter((p): p is GpuProduct & { computeCapability: string } => p.computeCapability !== undefined);
}

/** An NGC image from 25.01 on, on GPUs older than Turing (V100 is 7.0), where their compute capability is known. */
function checkImageComputeCapability(image: string, products: readonly GpuProduct[]): string[] {
  const tag = NGC_TRITON_TAG.exec(image);
  if (!tag || Number(tag[2]) * 100 + Number(tag[3]) < TURING_FLOOR_RELEASE) return [];
  const old = withComputeCapability(products).filter((p) => ccValue(p.computeCapability) < ccValue(TURING_FLOOR_CC));
  if (old.length === 0) return [];
  return [propError('nodePool', `GPUs of compute capability ${TURING_FLOOR_CC} or later: NGC Triton images from 25.01 on (${image}) support no older GPU`,
    old.map((p) => `${p.label} (${p.computeCapability})`).join(', '), 'place the pods on newer GPUs, or pin an NGC image of 2024 (24.xx) for them').message];
}

/**
 * A TensorRT plan on GPUs of several compute capabilities (a plan runs only on the one it was built for) without
 * `ccModelFilenames` covering all of them but one, where their compute capability is known.
 */
function checkPlanComputeCapabilities(models: readonly TritonModel[], products: readonly GpuProduct[]): string[] {
  const capabilities = [...new Set(withComputeCapability(products).map((p) => p.computeCapability))].sort((a, b) => ccValue(a) - ccValue(b));
  if (capabilities.length < 2) return [];
  const errors: string[] = [];
  for (const m of models.filter((x) => x.config.platform._runtime === 'tensorrt')) {
    const named = Object.keys(m.config.props.ccModelFilenames ?? {});
    const uncovered = capabilities.filter((cc) => !named.includes(cc));
    if (uncovered.length > 1) {
      errors.push(propError(`model[${m.name}].ccModelFilenames`, `a plan for each compute capability of the pool's GPUs (${capabilities.join(', ')}) but one, ` +
        'which loads defaultModelFilename: a TensorRT plan runs only on the compute capability it was built for', named.length ? named : 'none',
      `name a plan per capability (${uncovered.slice(1).map((cc) => `'${cc}': 'model_sm${cc.replace('.', '')}.plan'`).join(', ')}), ` +
        'map each to the one plan if it was built with hardware compatibility, or place the pods on one GPU architecture').message);
    }
  }
  return errors;
}

/**
 * What the pods of a Triton workload could not do on other node pools (a Karmada placement's targets): fit the
 * models in a pool's GPU memory, run the image on its GPUs' compute capability, see more than one MIG slice; and,
 * landing on any of several pools, run one TensorRT plan on all their compute capabilities. Only a pool's own GPUs
 * count: `gpuMemory` describes the workload's pool.
 */
export function tritonPoolChecks(props: TritonWorkloadProps, pod: ResolvedPod): PoolChecks {
  return {
    onPool: (pool) => {
      const onPool: ResolvedPod = { ...pod, nodePool: pool };
      // gpuMemory describes the workload's own pool: another pool's GPUs are its products', or its MIG slices'.
      const poolKnown = migSliceOf(onPool) !== undefined || ((pool.products ?? []).length > 0 && pool.products!.every((p) => p.memory));
      const sized = props.repository.models.some((m) => m.gpuMemoryPerInstance && !m.isEnsemble);
      const errors = poolKnown ? checkGpuMemory({ ...props, nodePool: pool, gpuMemory: undefined }, onPool) : sized
        ? [propError('nodePool', 'a pool whose GPUs are known (products with their memory, or MIG slices), to check the GPU memory the models state (gpuMemoryPerInstance)',
          'unknown', "state the target pool's products on its GpuNodePool factory, e.g. products: [GpuProduct.of('<gpu.product label>', Size.gibibytes(<memory>))]").message]
        : [];
      errors.push(...checkImageComputeCapability(pod.image, pool.products ?? []));
      const slice = migSliceOf(onPool);
      if (slice !== undefined && pod.gpuCount > 1) {
        errors.push(propError('gpuCount', `1 on a pool of MIG slices (${slice}): a CUDA process sees a single MIG device`, pod.gpuCount,
          'run one server per slice, or place the pods on whole GPUs').message);
      }
      return errors;
    },
    acrossPools: (pools) => checkPlanComputeCapabilities(props.repository.models, pools.flatMap((p) => p.products ?? [])),
  };
}

function checkGpuMemory(props: TritonWorkloadProps, pod: ResolvedPod): string[] {
  const gpuCount = pod.gpuCount;
  const sized = props.repository.models.filter((m) => m.gpuMemoryPerInstance && !m.isEnsemble);
  if (sized.length === 0) return [];
  const memory = gpuMemoryOf(props, pod);
  if (!memory) {
    return [propError('gpuMemory', 'known to check the GPU memory the models state (gpuMemoryPerInstance)', 'unknown',
      "set gpuMemory, request a MIG slice (GpuResource.mig), or state the node pool's GPUs (products on its GpuNodePool factory; gke() takes them from accelerators, eks() from gpuNames)").message];
  }
  const overhead = kib(props.gpuMemoryOverhead ?? Size.gibibytes(1));
  const errors: string[] = [];
  for (let gpu = 0; gpu < gpuCount; gpu++) {
    const terms: string[] = [];
    let total = overhead;
    for (const m of sized) {
      const n = m.instancesOnGpu(gpu, gpuCount);
      if (n === 0) continue;
      total += n * kib(m.gpuMemoryPerInstance!);
      terms.push(`${n} x ${fmt(kib(m.gpuMemoryPerInstance!))} (${m.name})`);
    }
    if (terms.length > 0 && total > kib(memory.size)) {
      errors.push(propError(`GPU ${gpu} memory`, `at most ${fmt(kib(memory.size))} (${memory.from})`, `${terms.join(' + ')} + ${fmt(overhead)} overhead = ${fmt(total)}`,
        'lower instance counts, spread instances over more GPUs, or use a GPU with more memory').message);
    }
  }
  return errors;
}
