/**
 * What the two Triton workloads share: the tritonserver flags, its environment and its probes. The synth-time checks
 * that need both the repository and the server are in _server-checks.ts.
 */
import { Duration } from 'cdk8s';
import { EnvValue, k8s, PersistentVolumeAccessMode, PersistentVolumeClaim } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { durationText, wholeMillis, wholeSeconds } from '../_duration';
import { ArtifactKind } from './_repo-parts';
import { TritonModel, TritonModelRepo } from './triton-model-repo';
import { ModelControl, TritonApi, TritonWorkloadProps } from './triton-workload';
import { checkInteger, MAX_INT32, propError } from '../_errors';
import { binaryKib, checkEnvName, checkOneMigSlice, kib, PodEntrypoint, quantity, resolveGpuPod, ResolvedPod } from '../scheduling/_pod-spec';

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
/** Lowercase: Triton matches the gRPC metadata key exactly, and HTTP/2 sends keys in lowercase (grpc_server.h). */
const HEADER = /^[a-z0-9][a-z0-9-]*$/;
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
  'strict-model-config': 'disableAutoCompleteConfig',
  'allow-metrics': 'metrics',
  'allow-gpu-metrics': 'gpuMetrics',
  'metrics-interval-ms': 'metricsInterval',
  'cache-config': 'responseCacheSize',
  'response-cache-byte-size': 'responseCacheSize',
  'http-restricted-api': 'restrictedApi',
  'grpc-restricted-protocol': 'restrictedApi',
  'http-port': 'the fixed port 8000',
  'grpc-port': 'the fixed port 8001',
  'metrics-port': 'the fixed port 8002',
  'exit-timeout-secs': 'exitTimeout',
};
/** A flag that would cut off what the rendered objects rely on. */
interface RefusedFlag {
  /** What it would cut off. */
  readonly why: string;
  /** Refused only where the workload serves gRPC (an h2c TritonKnativeService); elsewhere nothing rendered uses gRPC. */
  readonly grpcOnly?: boolean;
  /** The values (`=value`, matched whole) that keep what the objects rely on: taken. */
  readonly harmless?: RegExp;
}
// The kubelet's gRPC probe dials without TLS (pkg/probe/grpc), and Knative's queue-proxy speaks plaintext h2c: turning
// gRPC's TLS off is what they need anyway.
const PLAINTEXT_H2C: RefusedFlag = {
  why: 'Knative and the gRPC probes of an h2c TritonKnativeService speak plaintext h2c', grpcOnly: true, harmless: /^=(false|0)$/,
};
const REFUSED_FLAGS: Record<string, RefusedFlag> = {
  'allow-http': { why: 'the probes and the Service use the HTTP endpoint' },
  'http-address': { why: 'the probes and the Service reach HTTP on every address' },
  'allow-grpc': { why: 'an h2c TritonKnativeService serves and probes gRPC on 8001', grpcOnly: true },
  'grpc-address': { why: 'Knative and the probes of an h2c TritonKnativeService reach gRPC on every address', grpcOnly: true },
  'grpc-use-ssl': PLAINTEXT_H2C,
  'grpc-use-ssl-mutual': PLAINTEXT_H2C,
  'metrics-address': { why: 'the scrapers reach the metrics on every address' },
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
export function resolveTritonPod(props: TritonWorkloadProps, servesGrpc = false): TritonPod {
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
    // tritonserver parses it as an int (ParseOption<int>) and exits on a larger value.
    checkInteger('metricsInterval', wholeMillis('metricsInterval', props.metricsInterval), 1, MAX_INT32, 'a whole number of milliseconds, at most ~24.8 days');
  }
  if (props.responseCacheSize !== undefined) quantity('responseCacheSize', props.responseCacheSize);
  if (props.gpuMemory !== undefined) quantity('gpuMemory', props.gpuMemory);
  if (props.gpuMemoryOverhead !== undefined) {
    const overhead = kib(props.gpuMemoryOverhead);
    if (!Number.isInteger(overhead) || overhead < 0) throw propError('gpuMemoryOverhead', 'a whole number of KiB, 0 or more', `${overhead}Ki`);
  }
  const restricted = props.restrictedApi;
  if (restricted) {
    if (!HEADER.test(restricted.header)) {
      throw propError('restrictedApi.header', 'a header name in lowercase letters, digits and - (Triton matches the gRPC metadata key exactly, and gRPC sends it in lowercase)',
        restricted.header, HEADER.test(restricted.header.toLowerCase()) ? `use '${restricted.header.toLowerCase()}'; HTTP clients may send it in any case` : undefined);
    }
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
    // Values are not echoed: some hold secrets (--cache-config=redis,password=...), and errors end up in CI logs.
    const shown = arg.includes('=') ? `${arg.slice(0, arg.indexOf('='))}=<value>` : arg;
    if (!m) throw propError('extraArgs', 'flags of the form --name or --name=value', shown);
    // tritonserver reads its flags with getopt_long, which takes any unambiguous prefix: --model-control=explicit
    // is --model-control-mode=explicit.
    const known = [...Object.keys(MANAGED_FLAGS), ...Object.keys(REFUSED_FLAGS)];
    const matches = known.includes(m[1]) ? [m[1]] : known.filter((f) => f.startsWith(m[1]));
    if (matches.length === 0) continue;
    if (matches.length > 1) {
      throw propError('extraArgs', `free of --${m[1]}, a prefix of --${matches.join(', --')}, which this construct sets or refuses (and tritonserver refuses as ambiguous)`, shown);
    }
    const flag = matches[0];
    const as = flag === m[1] ? `--${flag}` : `--${m[1]} (tritonserver reads it as --${flag})`;
    const owner = Object.hasOwn(MANAGED_FLAGS, flag) ? MANAGED_FLAGS[flag] : undefined;
    if (owner) throw propError('extraArgs', `free of ${as}, which this construct sets`, shown, `use ${owner.startsWith('the ') ? owner : `the '${owner}' prop`} instead`);
    const refused = REFUSED_FLAGS[flag];
    if ((refused.grpcOnly && !servesGrpc) || refused.harmless?.test(m[2] ?? '')) continue;
    throw propError('extraArgs', `free of ${as}: ${refused.why}`, shown);
  }

  const env: Record<string, EnvValue> = { ...(props.env ?? {}) };
  const add = (name: string, value: EnvValue, why: string) => {
    if (name in env) throw propError('env', `free of ${name}, which ${why} sets`, name);
    env[name] = value;
  };
  for (const name of Object.keys(env)) checkEnvName(name);
  for (const [name, value] of Object.entries(props.repository._podEnv())) add(name, value, 'the S3 model repository');
  if (restricted) add(RESTRICTED_ENV, EnvValue.fromSecretValue({ secret: restricted.secret, key: restricted.secretKey }), 'restrictedApi');

  const image = props.image ?? DEFAULT_TRITON_IMAGE;
  const args = tritonArgs(props, props.repository.repositoryLocation, control, metrics, exitTimeoutSeconds);
  const pod = resolveGpuPod({ ...props, image, env, args });
  // The local cache allocates its whole size at startup (local_cache.cc), in the container's memory, which /dev/shm
  // counts against too.
  const memoryLimit = pod.resources.limits?.memory?.value;
  const limitKib = binaryKib(memoryLimit);
  const shm = pod.sharedMemorySize ? kib(pod.sharedMemorySize) : 0;
  if (props.responseCacheSize && limitKib !== undefined && kib(props.responseCacheSize) + shm >= limitKib) {
    throw propError('responseCacheSize', `less than the memory limit (${memoryLimit})${shm ? ' minus /dev/shm (sharedMemorySize)' : ''}: Triton's local cache ` +
      "allocates its whole size in the container's memory", quantity('responseCacheSize', props.responseCacheSize), 'raise resources.memory by the cache size, or shrink the cache');
  }
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

/** The startup probe's failure threshold for a budget of `timeout`, probing every `periodSeconds`. */
export function startupFailureThreshold(timeout: Duration, periodSeconds: number): number {
  return Math.ceil(timeout.toSeconds() / periodSeconds);
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
