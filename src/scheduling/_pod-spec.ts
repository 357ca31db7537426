/**
 * The one pod-spec renderer: turns a GPU workload's resolved props into a `k8s.PodSpec` for any target
 * (Knative revision template, Deployment, Job). GPU resources, placement, hardening, scratch volumes and
 * image pinning are decided here, so a fix reaches every workload at once.
 */
import { posix } from 'path';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu, EnvValue, ImagePullPolicy, IPersistentVolumeClaim, ISecret, k8s, PersistentVolumeClaim, Volume } from 'cdk8s-plus-27';
import { checkPinnedImage } from './_image';
import { renderNodePlacement } from './_placement';
import { GpuNodePool, GpuSharing } from './gpu-node-pool';
import { GpuResource } from './gpu-resource';
import { GpuWorkloadProps, WorkloadVolumeMount } from './gpu-workload';
import { checkInteger, checkRequiredInteger, MAX_INT32, propError } from '../_errors';
import { checkDnsSubdomain, checkSecretKey, DNS_1123_LABEL, isDnsLabel, isExtendedResourceName } from '../_names';

/** Which controller the pod spec is rendered for; decides where pod-level fields may go. */
export enum PodTarget {
  /** A Knative revision template: pod-level fields that need a feature flag are left out unless asked for. */
  KNATIVE = 'knative',
  /** A Deployment, StatefulSet or Job template: the full pod spec. */
  WORKLOAD = 'workload',
}

const DEFAULT_USER = 1000;
/**
 * The most GPUs (or other accelerator devices) a pod may ask for: one node's, with room to spare (8 or 16 GPUs on the
 * largest GPU servers, 128 NeuronCores on a trn2.48xlarge).
 */
const MAX_GPUS_PER_POD = 1024;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A pod's props with every default applied and every value checked: a GPU workload's (resolveGpuPod) or a helper's without GPUs (resolveCpuPod). */
export interface ResolvedPod {
  readonly image: string;
  readonly imagePullPolicy: string;
  /** Every image of the pod, the helpers' too, must be pinned by digest (GpuPodProps.requireImageDigest). */
  readonly requireImageDigest: boolean;
  readonly command?: string[];
  readonly args?: string[];
  readonly env: Record<string, EnvValue>;
  readonly gpu: GpuResource;
  readonly gpuCount: number;
  readonly nodePool: GpuNodePool;
  readonly resources: k8s.ResourceRequirements;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  readonly runAsNonRoot: boolean;
  readonly readOnlyRootFilesystem: boolean;
  /** Every container gets CPU and memory limits equal to its requests (GpuWorkloadProps.guaranteedQos). */
  readonly guaranteedQos: boolean;
  readonly sharedMemorySize?: Size;
  readonly tmpSize: Size;
  readonly volumeMounts: WorkloadVolumeMount[];
  readonly serviceAccountName?: string;
  /** Names of the registry credential Secrets. */
  readonly imagePullSecrets?: string[];
  readonly priorityClassName?: string;
}

/** The entrypoint of the main container: the user's (GpuInferenceService), or one a construct builds (Triton, torchrun). */
export interface PodEntrypoint {
  readonly command?: string[];
  readonly args?: string[];
}

/** The scratch sizes a workload defaults to where its props leave them unset (a training pod's, per worker). */
export interface ScratchDefaults {
  readonly sharedMemorySize?: Size;
  readonly tmpSize?: Size;
}

/** The pool of the pods that name none, made once (a pool does not change): most of an app's workloads use it. */
let defaultPool: GpuNodePool | undefined;
function defaultNodePool(): GpuNodePool {
  return (defaultPool ??= GpuNodePool.nvidia());
}

/**
 * Applies defaults to and validates the props every GPU workload shares; `scratch` replaces the 1Gi defaults of
 * `/dev/shm` and `/tmp`, where the pod has them. Throws on the first bad value.
 */
export function resolveGpuPod(props: GpuWorkloadProps & PodEntrypoint, scratch: ScratchDefaults = {}): ResolvedPod {
  checkPinnedImage('image', props.image, props.requireImageDigest ?? false);
  const gpuCount = props.gpuCount ?? 1;
  checkInteger('gpuCount', gpuCount, 1, undefined, 'a GPU workload needs at least one GPU; MIG slices are requested with GpuResource.mig()');
  if (gpuCount > MAX_GPUS_PER_POD) {
    throw propError('gpuCount', `at most ${MAX_GPUS_PER_POD}: a pod's GPUs come from one node, and no node has more`, gpuCount,
      'spread the work over several pods (DistributedTrainingJob nodes, Triton replicas)');
  }
  for (const name of Object.keys(props.env ?? {})) checkEnvName(name);
  const security = props.security ?? {};
  // Kubernetes and Knative take user and group ids up to 2^31 - 1 (apimachinery's IsValidUserID, serving's maxUserID).
  checkInteger('security.runAsUser', security.runAsUser, 0, MAX_INT32);
  checkInteger('security.runAsGroup', security.runAsGroup, 0, MAX_INT32);
  checkInteger('security.fsGroup', security.fsGroup, 0, MAX_INT32);
  const allowRoot = security.allowRoot ?? false;
  if (!allowRoot && security.runAsUser === 0) {
    throw propError('security.runAsUser', 'a non-zero uid while runAsNonRoot is on', 0, 'set security.allowRoot to true to run as root (not recommended)');
  }
  const gpu = props.gpu ?? GpuResource.NVIDIA;
  const nodePool = props.nodePool ?? defaultNodePool();
  const onPool = gpuOnPoolError(gpu, gpuCount, nodePool);
  if (onPool) throw onPool;
  // On MPS nodes the device plugin mounts the MPS daemon's shared memory at /dev/shm; a volume there would hide it.
  const mpsShm = nodePool._mountsMpsShm;
  if (mpsShm && (props.sharedMemory || props.sharedMemorySize)) {
    throw propError(props.sharedMemorySize ? 'sharedMemorySize' : 'sharedMemory',
      "unset on a pool of MPS-shared GPUs: NVIDIA's device plugin mounts the MPS daemon's shared memory at /dev/shm, which a volume of the pod would hide",
      props.sharedMemorySize ? quantity('sharedMemorySize', props.sharedMemorySize)! : true, 'leave it unset: the pod uses the MPS shared memory of its node');
  }
  const sharedMemory = props.sharedMemory ?? !mpsShm;
  if (!sharedMemory && props.sharedMemorySize) {
    throw propError('sharedMemorySize', 'unset when sharedMemory is false', props.sharedMemorySize.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) + 'Mi');
  }
  const sharedMemorySize = sharedMemory ? props.sharedMemorySize ?? scratch.sharedMemorySize ?? Size.gibibytes(1) : undefined;
  const tmpSize = props.tmpSize ?? scratch.tmpSize ?? Size.gibibytes(1);
  quantity('sharedMemorySize', sharedMemorySize);
  quantity('tmpSize', tmpSize);
  checkDnsSubdomain('serviceAccount', props.serviceAccount?.name);
  for (const mount of props.volumeMounts ?? []) {
    // A volume's name is a DNS label (ValidateVolumes); cdk8s-plus takes any.
    if (!isDnsLabel(mount.volume.name)) {
      throw propError('volumeMounts[].volume', 'a volume named by a DNS label (at most 63 lowercase letters, digits and -)', mount.volume.name,
        "give the cdk8s-plus Volume a name (Volume.fromEmptyDir(scope, id, 'scratch'))");
    }
    checkVolumeType('volumeMounts[].volume', mount.volume, security.allowUnrestrictedVolumes ?? false);
    if (!mount.path.startsWith('/')) throw propError('volumeMounts[].path', 'an absolute path', mount.path);
    checkSubPath('volumeMounts[].subPath', mount.subPath);
    if (['/tmp', '/dev/shm'].includes(mountPathKey(mount.path))) {
      throw propError('volumeMounts[].path', 'a path other than /tmp and /dev/shm, which are mounted as scratch', mount.path, 'use tmpSize or sharedMemorySize to size them');
    }
  }
  checkPriorityClassName(props.priorityClassName);
  const readOnlyRootFilesystem = security.readOnlyRootFilesystem ?? true;
  const userEnv = props.env ?? {};
  // Frameworks write their caches and settings under $HOME, which is '/' for a uid the image has no passwd entry for:
  // writable only by root on a writable root. First, so the user's variables can refer to $(HOME).
  const root = allowRoot && !security.runAsUser;
  const home: Record<string, EnvValue> = (readOnlyRootFilesystem || !root) && !('HOME' in userEnv) ? { HOME: EnvValue.fromValue('/tmp') } : {};
  const env: Record<string, EnvValue> = { ...home, ...userEnv };
  return {
    image: props.image,
    imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
    requireImageDigest: props.requireImageDigest ?? false,
    command: props.command,
    args: props.args,
    env,
    gpu,
    gpuCount,
    nodePool,
    resources: resolveResources(props, gpu, gpuCount, sharedMemorySize),
    runAsUser: security.runAsUser ?? (allowRoot ? undefined : DEFAULT_USER),
    runAsGroup: security.runAsGroup ?? (allowRoot ? undefined : DEFAULT_USER),
    fsGroup: security.fsGroup,
    runAsNonRoot: !allowRoot,
    readOnlyRootFilesystem,
    guaranteedQos: props.guaranteedQos ?? false,
    sharedMemorySize,
    tmpSize,
    volumeMounts: [...(props.volumeMounts ?? [])],
    serviceAccountName: props.serviceAccount?.name,
    imagePullSecrets: pullSecretNames(props.imagePullSecrets),
    priorityClassName: props.priorityClassName,
  };
}

/**
 * Why pods asking for `gpuCount` of `gpu` could never be placed on `pool`'s nodes, which advertise no such resource
 * or refuse that many of it; undefined when they can. For the pool a workload is rendered with, and for the pools
 * KarmadaPlacement moves it to.
 */
export function gpuOnPoolError(gpu: GpuResource, gpuCount: number, pool: GpuNodePool): Error | undefined {
  if (gpu.migProfile && pool.advertisesMigAsGpu) {
    return propError('gpu', 'nvidia.com/gpu on a node pool that advertises its MIG slices as nvidia.com/gpu (GKE, the single MIG strategy)', gpu.name,
      'keep GpuResource.NVIDIA and pick the slice with the pool (gpuPartitionSize), or place the pods on nodes with the mixed strategy ' +
      '(on GKE with the GPU Operator\'s device plugin, select them with GpuNodePool.nvidia() or custom())');
  }
  if (gpu.migProfile && pool._selectsWholeGpuSharing) {
    return propError('gpu', 'a whole-GPU resource on a pool selected by nvidia.com/gpu.sharing-strategy, which labels whole GPUs only', gpu.name,
      `drop sharing from the pool and select the slices' own label, e.g. GpuNodePool.custom({ nodeSelector: { '${gpu.name}.sharing-strategy': 'none' } })`);
  }
  if (pool._gke && gpu.name !== GpuResource.NVIDIA.name && gpu.name.startsWith('nvidia.com/')) {
    return propError('gpu', "GpuResource.NVIDIA on a GKE pool: GKE's device plugin advertises every GPU, GPU partition and GPU share as nvidia.com/gpu", gpu.name,
      'pick partitions and sharing with the pool (gpuPartitionSize, sharing)');
  }
  if (gpu.name === GpuResource.NVIDIA_SHARED.name && pool._selectsExclusiveGpus) {
    return propError('gpu', 'a resource the pool\'s nodes advertise: nodes labelled nvidia.com/gpu.sharing-strategy=none share no GPU, and advertise no nvidia.com/gpu.shared',
      gpu.name, 'select the shared nodes (sharing: GpuSharing.TIME_SLICING or MPS), or ask for GpuResource.NVIDIA');
  }
  const largest = pool._maxGpusPerNode;
  if (largest && gpu.name === GpuResource.NVIDIA.name && gpuCount > largest.gpus) {
    return propError('gpuCount', `at most ${largest.gpus}, the GPUs of the largest instance type the pool selects (${largest.instanceType}): a pod's GPUs come from one node`,
      gpuCount, 'select larger instance types, or spread the work over several pods (DistributedTrainingJob nodes, Triton replicas)');
  }
  const shared = pool._gpuSharing;
  if (shared) {
    const how = shared.sharing === GpuSharing.MPS ? `${shared.gke ? 'GKE ' : ''}MPS` : shared.gke ? 'GKE time-sharing' : 'time-slicing';
    if (gpuCount > 1) {
      return propError('gpuCount', `1 on a pool of shared GPUs (${how}), where each GPU resource is a share of one GPU`, gpuCount,
        `${shared.gke ? 'GKE' : 'the device plugin (MPS, or failRequestsGreaterThanOne)'} refuses several shares per container on nodes with several GPUs, ` +
        'and on a one-GPU node they are the same GPU; place pods that need several GPUs on a pool of exclusive GPUs');
    }
  }
  return undefined;
}

/** The volume types Pod Security Standards' restricted profile allows (pod-security-admission's restrictedVolumes check). */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/**
 * Throws when `volume` is of a type Pod Security's restricted profile forbids (hostPath, nfs, iscsi ...), unless
 * the workload opted in with `security.allowUnrestrictedVolumes`.
 */
export function checkVolumeType(prop: string, volume: Volume, allowed: boolean): void {
  if (allowed) return;
  const type = Object.keys(volume._toKube()).find((key) => key !== 'name' && !RESTRICTED_VOLUME_TYPES.includes(key));
  if (type !== undefined) {
    throw propError(prop, `a volume type Pod Security's restricted profile allows (${RESTRICTED_VOLUME_TYPES.join(', ')})`, `${type} volume ${volume.name}`,
      'use a PersistentVolumeClaim or a CSI volume (an NFS share through the NFS CSI driver), or set security.allowUnrestrictedVolumes to true ' +
      'if the namespace allows it' + (type === 'hostPath' ? ' and the path exists on every GPU node' : ' (not on Knative, which takes hostPath only)'));
  }
}

/**
 * Why `claim`, when it is a PersistentVolumeClaim of this app, cannot be mounted by pods in `namespace`: a pod mounts
 * claims of its own namespace only, and stays Pending on another's. Namespaces are compared where both are set.
 */
export function claimNamespaceError(prop: string, claim: IPersistentVolumeClaim | undefined, namespace: string | undefined): Error | undefined {
  if (!(claim instanceof PersistentVolumeClaim)) return undefined;
  const own = claim.metadata.namespace;
  if (own === undefined || namespace === undefined || own === namespace) return undefined;
  return propError(prop, `a claim in the pods' namespace ('${namespace}'): a pod mounts claims of its own namespace only`, `claim '${claim.name}' in ${own}`,
    "create the claim in the workload's chart or namespace");
}

/**
 * The MIG profile of the slices a pod's GPUs are, where that is certain: a `GpuResource.mig()` request, or
 * `nvidia.com/gpu` on a pool of GPU partitions. Undefined for whole GPUs (or when the pool does not say).
 */
export function migSliceOf(pod: ResolvedPod): string | undefined {
  return pod.gpu.migProfile ?? (pod.gpu.name === GpuResource.NVIDIA.name ? pod.nodePool.gpuPartitionSize : undefined);
}

/**
 * Throws when a workload whose processes each drive one GPU (Triton, torchrun workers) would get several MIG
 * slices: a CUDA process enumerates a single MIG device however many the container gets (NVIDIA's MIG user
 * guide, "CUDA Device Enumeration"), so the second device never appears.
 */
export function checkOneMigSlice(pod: ResolvedPod, fix: string): void {
  const slice = migSliceOf(pod);
  if (slice !== undefined && pod.gpuCount > 1) {
    throw propError('gpuCount', `1 with MIG slices (${slice}): a CUDA process sees a single MIG device, however many the pod gets`, pod.gpuCount, fix);
  }
}

/** What a workload without a GPU (an event adapter, a setup Job) gives the shared renderer. */
export interface CpuPodProps {
  /** The prop that named the image, for error messages. */
  readonly imageProp: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: Record<string, EnvValue>;
  readonly resources: k8s.ResourceRequirements;
  /** Size limit of the `/tmp` scratch volume; defaults to 64Mi. */
  readonly tmpSize?: Size;
  readonly serviceAccountName?: string;
  readonly imagePullSecrets?: ISecret[];
}

/**
 * Resolves a pod that needs no GPU: the same hardening as a GPU pod (non-root uid/gid 1000, read-only root with
 * a `/tmp` scratch volume, no privilege escalation, capabilities dropped, seccomp RuntimeDefault, pinned image),
 * but no GPU resources, no GPU placement and no `/dev/shm`.
 */
export function resolveCpuPod(props: CpuPodProps): ResolvedPod {
  checkPinnedImage(props.imageProp, props.image);
  for (const name of Object.keys(props.env ?? {})) checkEnvName(name);
  const tmpSize = props.tmpSize ?? Size.mebibytes(64);
  quantity('tmpSize', tmpSize);
  return {
    image: props.image,
    imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
    requireImageDigest: false,
    command: props.command,
    args: props.args,
    env: { ...(props.env ?? {}) },
    gpu: GpuResource.NVIDIA,
    gpuCount: 0,
    nodePool: GpuNodePool.custom({}),
    resources: props.resources,
    runAsUser: DEFAULT_USER,
    runAsGroup: DEFAULT_USER,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    guaranteedQos: false,
    tmpSize,
    volumeMounts: [],
    serviceAccountName: props.serviceAccountName,
    imagePullSecrets: pullSecretNames(props.imagePullSecrets),
  };
}

/** The names of a pod's pull secrets, checked: object names, each once. Undefined for none. */
function pullSecretNames(secrets: ISecret[] | undefined): string[] | undefined {
  if (!secrets?.length) return undefined;
  const names = secrets.map((secret) => secret.name);
  for (const name of names) checkDnsSubdomain('imagePullSecrets[].name', name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw propError('imagePullSecrets', 'a list naming each Secret once', `${twice}, listed twice`, 'list it once');
  return names;
}

/**
 * Throws unless `name`, when given, is a PriorityClass name a user can create: an object name without the `system-`
 * prefix, which the apiserver keeps for its two built-in classes (PriorityClass validation); those rank a workload
 * above every add-on of the cluster and are quota-limited to kube-system on many clusters.
 */
function checkPriorityClassName(name: string | undefined): void {
  checkDnsSubdomain('priorityClassName', name);
  if (name?.startsWith('system-')) {
    throw propError('priorityClassName', "a PriorityClass of the cluster's users, not one with the reserved 'system-' prefix", name,
      'create a PriorityClass of your own (value at most 1000000000) and name it here');
  }
}

function resolveResources(
  props: GpuWorkloadProps, gpuResource: GpuResource, gpuCount: number, sharedMemorySize: Size | undefined,
): k8s.ResourceRequirements {
  const gpu = gpuResource.name;
  const cpu = props.resources?.cpu;
  const memory = props.resources?.memory;
  let cpuRequest: Cpu | undefined = cpu ? cpu.request : DEFAULT_CPU;
  let cpuLimit = cpu?.limit;
  if (cpuRequest) checkCpuAmount('resources.cpu.request', cpuRequest);
  if (cpuLimit) checkCpuAmount('resources.cpu.limit', cpuLimit);
  const memoryRequest = memory ? memory.request : DEFAULT_MEMORY;
  const memoryLimit = memory?.limit ?? memoryRequest;
  // Each size is rendered once, and checked under its own prop name.
  const memoryRequested = quantity('resources.memory.request', memoryRequest);
  const memoryLimited = memoryLimit === memoryRequest ? memoryRequested : quantity('resources.memory.limit', memoryLimit);
  if (cpuRequest && cpuLimit && millicores(cpuLimit) < millicores(cpuRequest)) {
    throw propError('resources.cpu.limit', `at least the request (${cpuRequest.amount})`, cpuLimit.amount);
  }
  if (props.guaranteedQos) {
    if (cpuRequest && cpuLimit && millicores(cpuRequest) !== millicores(cpuLimit)) {
      throw propError('resources.cpu', 'a request equal to the limit when guaranteedQos is set', `${cpuRequest.amount} request, ${cpuLimit.amount} limit`, 'drop one of them or make them equal');
    }
    if (memoryRequested && memoryLimited && memoryRequested !== memoryLimited) {
      throw propError('resources.memory', 'a request equal to the limit when guaranteedQos is set', `${memoryRequested} request, ${memoryLimited} limit`, 'drop one of them or make them equal');
    }
    cpuRequest = cpuRequest ?? cpuLimit;
    cpuLimit = cpuLimit ?? cpuRequest;
    if (!cpuRequest || !memoryLimit) {
      throw propError('resources', 'a CPU and a memory amount when guaranteedQos is set', 'none', 'set resources.cpu.request and resources.memory.request');
    }
  }
  const gpuQuantity = k8s.Quantity.fromString(countQuantity(gpuCount));
  const requests: Record<string, k8s.Quantity> = { [gpu]: gpuQuantity };
  const limits: Record<string, k8s.Quantity> = { [gpu]: gpuQuantity };
  const disk = props.resources?.ephemeralStorage;
  const diskRequested = quantity('resources.ephemeralStorage.request', disk?.request);
  const diskLimited = quantity('resources.ephemeralStorage.limit', disk?.limit);
  if (disk?.request && disk.limit && kib(disk.limit) < kib(disk.request)) {
    throw propError('resources.ephemeralStorage.limit', `at least the request (${diskRequested})`, diskLimited);
  }
  if (diskRequested) requests[EPHEMERAL_STORAGE] = k8s.Quantity.fromString(diskRequested);
  if (diskLimited) limits[EPHEMERAL_STORAGE] = k8s.Quantity.fromString(diskLimited);
  for (const [name, count] of Object.entries(props.extendedResources ?? {})) {
    checkExtendedResource(name, count, gpuResource);
    requests[name] = limits[name] = k8s.Quantity.fromString(countQuantity(count));
  }
  if (cpuRequest) requests.cpu = k8s.Quantity.fromString(cpuQuantity(cpuRequest));
  if (cpuLimit) limits.cpu = k8s.Quantity.fromString(cpuQuantity(cpuLimit));
  if (memoryRequested) requests.memory = k8s.Quantity.fromString(memoryRequested);
  if (memoryLimited) limits.memory = k8s.Quantity.fromString(memoryLimited);
  if (memoryRequest && memoryLimit && memoryLimit !== memoryRequest && kib(memoryLimit) < kib(memoryRequest)) {
    throw propError('resources.memory.limit', `at least the request (${memoryRequested})`, memoryLimited);
  }
  // /dev/shm is memory-backed: what the pod writes there counts against the container's memory limit, so a size
  // limit at or above it would end in the OOM killer, not in a full /dev/shm.
  if (sharedMemorySize && memoryLimit && kib(sharedMemorySize) >= kib(memoryLimit)) {
    throw propError('sharedMemorySize', `less than the memory limit (${memoryLimited}), which /dev/shm counts against`, quantity('sharedMemorySize', sharedMemorySize),
      'raise resources.memory or lower sharedMemorySize');
  }
  return { requests, limits };
}

/** The CPU and memory of a main container that sets none (the amounts do not change, so they are made once). */
const DEFAULT_CPU = Cpu.units(1);
const DEFAULT_MEMORY = Size.gibibytes(4);

/** Throws unless `amount` is a CPU amount Kubernetes keeps as written: 0 or more, in whole millicores. */
function checkCpuAmount(prop: string, amount: Cpu): void {
  const m = millicores(amount);
  if (!(m >= 0)) throw propError(prop, 'a CPU amount of 0 or more, in plain decimal cores or millicores (2, 0.5, 250m)', amount.amount);
  // Kubernetes counts CPU in millicores and rounds a finer amount up (Quantity.MilliValue).
  if (!Number.isInteger(m)) {
    throw propError(prop, 'a whole number of millicores (Kubernetes counts CPU in millicores, and rounds a finer amount up)', amount.amount);
  }
}

/**
 * Throws on an extended resource the apiserver refuses (a name outside IsExtendedResourceName, a count that is not a
 * positive integer), or one of the GPUs, which `gpu` and `gpuCount` ask for.
 */
function checkExtendedResource(name: string, count: number, gpu: GpuResource): void {
  if (!isExtendedResourceName(name)) {
    throw propError('extendedResources', "extended resource names: qualified names with a domain outside kubernetes.io, not starting with 'requests.', " +
      "such as 'vpc.amazonaws.com/efa'", name, name.includes('/') ? "name the resource as its device plugin advertises it (the node's status.allocatable)"
      : 'CPU, memory and ephemeral storage go in resources');
  }
  if (name === gpu.name || GpuResource._ofNvidiaName(name)) {
    throw propError('extendedResources', 'devices beside the GPUs', name, 'ask for GPUs and MIG slices with gpu and gpuCount');
  }
  checkRequiredInteger(`extendedResources['${name}']`, count, 1);
}

/**
 * A cdk8s-plus Cpu amount (`2`, `0.5`, `250m`) in millicores, read from its decimal text (`2.01 * 1000` is
 * 2009.9999999999998 in floating point); a fraction of a millicore stays one; NaN for anything but a plain decimal.
 */
function millicores(cpu: Cpu): number {
  const m = /^(\d+)(?:\.(\d+))?(m?)$/.exec(cpu.amount);
  if (!m) return NaN;
  const whole = m[1], fraction = m[2] ?? '', milli = m[3];
  if (milli) return Number(fraction ? `${whole}.${fraction}` : whole);
  const digits = fraction.padEnd(3, '0');
  return Number(whole) * 1000 + Number(`${digits.slice(0, 3)}.${digits.slice(3) || '0'}`);
}

/**
 * `r` with each CPU and memory limit equal to its request, the larger of the two: the kubelet counts a pod as
 * Guaranteed only when every container, init containers included, has them equal (qos.go ComputePodQOS).
 */
function guaranteedResources(r: k8s.ResourceRequirements): k8s.ResourceRequirements {
  const requests = { ...r.requests };
  const limits = { ...r.limits };
  for (const name of ['cpu', 'memory']) {
    const amount = limits[name] ?? requests[name];
    if (amount) requests[name] = limits[name] = amount;
  }
  return { requests, limits };
}

/** A size in KiB, unrounded. */
export function kib(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
}

/** Renders a Size as the shortest exact binary quantity (`4Gi`, `512Mi`, `100Ki`). */
export function quantity(prop: string, size: Size | undefined): string | undefined {
  if (!size) return undefined;
  const k = kib(size);
  if (!Number.isInteger(k) || k <= 0) {
    throw propError(prop, 'a positive whole number of KiB', k + 'Ki');
  }
  // A larger number is written in exponent notation, which is no quantity.
  if (!Number.isSafeInteger(k)) throw propError(prop, 'at most 2^53 - 1 KiB', k + 'Ki');
  return kibQuantity(k);
}

/*
 * Quantities are written in the apiserver's canonical form (apimachinery's Quantity.String): what a webhook's round
 * trip through the Go types writes back (Knative's defaulting webhook does), so a GitOps diff of a custom resource,
 * which compares the text, finds nothing to change. A number is a string ("1", not 1), whole cores have no `m`, a
 * binary size takes the largest unit that keeps it whole.
 */

/** `n` in the largest unit of `suffixes` (each `base` times the one before) that keeps it whole; 0 in the first. */
function inLargestUnit(n: number, base: number, suffixes: readonly string[]): string {
  let mantissa = n;
  let unit = 0;
  while (mantissa !== 0 && unit < suffixes.length - 1 && mantissa % base === 0) {
    mantissa /= base;
    unit++;
  }
  return `${mantissa}${suffixes[unit]}`;
}

/** `k` KiB in canonical form: the largest binary unit that keeps it whole. */
function kibQuantity(k: number): string {
  return inLargestUnit(k, 1024, BINARY_SUFFIXES);
}
const BINARY_SUFFIXES = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** A whole number of millicores in canonical form: `2` (or `2k`) for whole cores, `1500m` otherwise. */
function cpuQuantity(cpu: Cpu): string {
  const m = millicores(cpu);
  return m % 1000 === 0 ? countQuantity(m / 1000) : `${m}m`;
}

/** A count (GPUs, an HPA's average value) in canonical decimal form: `8`, `1500`, `50k`, `2M`. */
export function countQuantity(n: number): string {
  return inLargestUnit(n, 1000, DECIMAL_SUFFIXES);
}
const DECIMAL_SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

const EPHEMERAL_STORAGE = 'ephemeral-storage';
/** KiB per binary unit. */
const BINARY_UNITS: Record<string, number> = { Ki: 1, Mi: 1024, Gi: 1024 ** 2, Ti: 1024 ** 3, Pi: 1024 ** 4, Ei: 1024 ** 5 };
const BINARY_QUANTITY = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei)$/;

/** A whole binary quantity in KiB (`20480Mi` is 20971520), or undefined for any other quantity. */
export function binaryKib(value: unknown): number | undefined {
  const m = typeof value === 'string' ? BINARY_QUANTITY.exec(value) : null;
  return m ? Number(m[1]) * BINARY_UNITS[m[2]] : undefined;
}

/** A volume with its emptyDir size limit in canonical form (cdk8s-plus writes every limit in `Mi`). */
function canonicalVolume(v: k8s.Volume): k8s.Volume {
  const k = binaryKib(v.emptyDir?.sizeLimit?.value);
  if (k === undefined || !Number.isSafeInteger(k)) return v;
  return { ...v, emptyDir: { ...v.emptyDir, sizeLimit: k8s.Quantity.fromString(kibQuantity(k)) } };
}

/**
 * The pod's emptyDir volumes on the node's disk (not `medium: Memory`) that have a size limit, with it in KiB, as this
 * library and cdk8s-plus render them (`<n>Ki|Mi|Gi|Ti|Pi|Ei`).
 */
function diskBackedEmptyDirs(volumes: k8s.Volume[]): Array<{ readonly name: string; readonly kib: number }> {
  return volumes.flatMap((v) => {
    const size = v.emptyDir?.medium === 'Memory' ? undefined : binaryKib(v.emptyDir?.sizeLimit?.value);
    return size ? [{ name: v.name, kib: size }] : [];
  });
}

/** Throws unless `subPath` is what the apiserver accepts (validateLocalDescendingPath): relative, never above the volume. */
export function checkSubPath(prop: string, subPath: string | undefined): void {
  if (subPath !== undefined && (subPath.startsWith('/') || subPath.split('/').includes('..'))) {
    throw propError(prop, "a relative path inside the volume (no leading '/', no '..')", subPath);
  }
}

/** Throws unless `name` is a valid environment variable name. */
export function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name)) {
    throw propError('env', 'keyed by valid variable names ([-._a-zA-Z][-._a-zA-Z0-9]*)', name);
  }
}

/** The hardened container security context every container in this library gets. */
export function containerSecurityContext(pod: ResolvedPod): k8s.SecurityContext {
  return {
    runAsNonRoot: pod.runAsNonRoot ? true : undefined,
    runAsUser: pod.runAsUser,
    runAsGroup: pod.runAsGroup,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: pod.readOnlyRootFilesystem,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Renders env vars in the order given, secrets and config maps as references only. */
export function renderEnv(env: Record<string, EnvValue>): k8s.EnvVar[] | undefined {
  const vars = Object.entries(env).map(([name, value]) => {
    // A reference the apiserver refuses (ValidateEnv): a Secret or ConfigMap is named by an object name, read by a key.
    const ref = value.valueFrom?.secretKeyRef ?? value.valueFrom?.configMapKeyRef;
    if (ref) {
      checkDnsSubdomain(`env['${name}'].name`, ref.name);
      checkSecretKey(`env['${name}'].key`, ref.key);
    }
    return { name, value: value.value, valueFrom: value.valueFrom };
  });
  return vars.length > 0 ? vars : undefined;
}

/**
 * The helper images that `requireImageDigest` refuses, as messages: for workloads whose helpers are known only at
 * synth (a Triton repository's copies), so validation names the workload.
 */
export function helperDigestProblems(pod: ResolvedPod, containers: readonly AuxiliaryContainer[]): string[] {
  if (!pod.requireImageDigest) return [];
  return containers.flatMap((c) => {
    try {
      checkPinnedImage(c.imageProp, c.image, true);
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  });
}

/** A container other than the main one (init containers, sidecars): hardened, no GPU. */
export interface AuxiliaryContainer {
  readonly name: string;
  /** The prop that chose the image, for error messages. */
  readonly imageProp: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: Record<string, EnvValue>;
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly resources: k8s.ResourceRequirements;
}

/** What a workload adds to the shared pod: its main container's name, ports, probes and extra parts. */
export interface PodSpecInput {
  readonly target: PodTarget;
  readonly containerName: string;
  readonly ports?: k8s.ContainerPort[];
  readonly readinessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  /** Mounts of the main container beyond scratch and `volumeMounts` (e.g. model weights). */
  readonly extraMounts?: k8s.VolumeMount[];
  readonly extraVolumes?: k8s.Volume[];
  readonly initContainers?: AuxiliaryContainer[];
  readonly sidecars?: AuxiliaryContainer[];
  readonly restartPolicy?: string;
  /** The main container's working directory (what a server serves as its root, such as JupyterLab). */
  readonly workingDir?: string;
  /**
   * When the kubelet re-owns volumes for `fsGroup` (`OnRootMismatch` skips a volume whose root already matches: a
   * large workspace is not walked on every start); pod-level, so WORKLOAD only.
   */
  readonly fsGroupChangePolicy?: string;
  /** Pods the pod must not share a node (or other domain) with, beside the pool's node affinity; WORKLOAD only. */
  readonly podAntiAffinity?: k8s.PodAntiAffinity;
  /**
   * The main container's preStop hook, run before SIGTERM (a server that keeps taking requests while the endpoints
   * drop the pod); WORKLOAD only: Knative refuses `lifecycle`, and its queue-proxy drains the pod itself.
   */
  readonly preStop?: k8s.LifecycleHandler;
  /**
   * Where the pod's cluster pulls an image from (`imagePullerOf` the workload, for its ClusterChart's registry
   * mirrors), applied to every container and init container; undefined when images are pulled as named. Required
   * (if undefined): a workload that left it out would pull past its cluster's mirrors.
   */
  readonly pullImage: ((image: string) => string) | undefined;
}

/** Renders the pod spec for `target`. Pure: the same input gives the same spec. */
export function renderPodSpec(pod: ResolvedPod, input: PodSpecInput): k8s.PodSpec {
  if (!DNS_1123_LABEL.test(input.containerName)) throw propError('containerName', 'a DNS label', input.containerName);
  if (input.preStop && input.target === PodTarget.KNATIVE) throw new Error('renderPodSpec: Knative refuses a container lifecycle (preStop)');
  const scratchMounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const scratchVolumes: k8s.Volume[] = [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(quantity('tmpSize', pod.tmpSize)!) } }];
  if (pod.sharedMemorySize) {
    scratchMounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    const sizeLimit = k8s.Quantity.fromString(quantity('sharedMemorySize', pod.sharedMemorySize)!);
    scratchVolumes.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit } });
  }
  const userVolumes = pod.volumeMounts.map((m) => canonicalVolume(m.volume._toKube()));
  const userMounts = pod.volumeMounts.map((m) => ({ name: m.volume.name, mountPath: m.path, readOnly: m.readOnly ?? true, subPath: m.subPath }));
  const security = containerSecurityContext(pod);
  // The helpers hold the store's credentials and write what the main container runs: they keep the full hardening
  // when the main container opts out of some (a root image, a writable root), under the pod's uid unless that is root.
  const helperSecurity = containerSecurityContext({
    ...pod,
    runAsNonRoot: true,
    runAsUser: pod.runAsUser || DEFAULT_USER,
    runAsGroup: pod.runAsGroup ?? DEFAULT_USER,
    readOnlyRootFilesystem: true,
  });
  const pulled = input.pullImage ?? ((image: string) => image);
  const auxiliary = (c: AuxiliaryContainer): k8s.Container => ({
    name: c.name,
    image: pulled(c.image),
    imagePullPolicy: pod.imagePullPolicy,
    command: c.command,
    args: c.args,
    env: renderEnv(c.env ?? {}),
    resources: pod.guaranteedQos ? guaranteedResources(c.resources) : c.resources,
    securityContext: helperSecurity,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(c.volumeMounts ?? [])],
  });
  const volumes = dedupeVolumes([...scratchVolumes, ...(input.extraVolumes ?? []), ...userVolumes]);
  // The scheduler reads no emptyDir size limit: without a request for them, a pod lands on a node short of disk,
  // and the kubelet evicts it when a volume fills up (or its neighbours, under disk pressure).
  const scratch = diskBackedEmptyDirs(volumes);
  const scratchDisk = scratch.reduce((sum, v) => sum + v.kib, 0);
  const diskGiven = pod.resources.requests?.[EPHEMERAL_STORAGE] !== undefined || pod.resources.limits?.[EPHEMERAL_STORAGE] !== undefined;
  // A limit alone stands for the request too (the apiserver defaults it so): one of ours could exceed it.
  const diskLimit = binaryKib(pod.resources.limits?.[EPHEMERAL_STORAGE]?.value);
  if (diskLimit !== undefined && diskLimit < scratchDisk) {
    // The kubelet evicts a pod whose disk use, its emptyDirs included, passes its ephemeral-storage limit.
    const each = scratch.map((v) => `${v.name} ${kibQuantity(v.kib)}`).join(', ');
    throw propError('resources.ephemeralStorage.limit', `at least the size limits of the pod's scratch volumes on disk (${kibQuantity(scratchDisk)}: ${each}), ` +
      'or the kubelet evicts the pod before they fill', pod.resources.limits![EPHEMERAL_STORAGE].value,
    'raise it, or shrink those volumes (tmpSize sizes tmp, modelWeights.sizeLimit the model weights)');
  }
  const resources = diskGiven || scratchDisk === 0 ? pod.resources : {
    ...pod.resources,
    requests: { ...pod.resources.requests, [EPHEMERAL_STORAGE]: k8s.Quantity.fromString(kibQuantity(scratchDisk)) },
  };
  const main: k8s.Container = {
    name: input.containerName,
    image: pulled(pod.image),
    imagePullPolicy: pod.imagePullPolicy,
    command: pod.command,
    args: pod.args,
    workingDir: input.workingDir,
    env: renderEnv(pod.env),
    ports: input.ports,
    resources,
    securityContext: security,
    readinessProbe: input.readinessProbe,
    startupProbe: input.startupProbe,
    livenessProbe: input.livenessProbe,
    lifecycle: input.preStop && { preStop: input.preStop },
    volumeMounts: [...scratchMounts, ...(input.extraMounts ?? []), ...userMounts],
  };
  const initContainers = (input.initContainers ?? []).map(auxiliary);
  const sidecars = (input.sidecars ?? []).map(auxiliary);
  for (const c of [main, ...initContainers, ...sidecars]) checkUniqueMountPaths(c);
  const placement = renderNodePlacement(pod.nodePool);
  // On Knative the pod-level security context needs a feature flag; the container-level one carries the
  // hardening instead, and the pod-level one is only emitted when a pod-only field (fsGroup) asks for it.
  const podSecurity: k8s.PodSecurityContext | undefined = input.target === PodTarget.KNATIVE
    ? (pod.fsGroup !== undefined ? { fsGroup: pod.fsGroup } : undefined)
    : {
      runAsNonRoot: pod.runAsNonRoot ? true : undefined,
      runAsUser: pod.runAsUser,
      runAsGroup: pod.runAsGroup,
      fsGroup: pod.fsGroup,
      fsGroupChangePolicy: input.fsGroupChangePolicy,
      seccompProfile: { type: 'RuntimeDefault' },
    };
  return {
    serviceAccountName: pod.serviceAccountName,
    automountServiceAccountToken: pod.serviceAccountName ? undefined : false,
    securityContext: podSecurity,
    nodeSelector: placement.nodeSelector,
    affinity: placement.affinity || input.podAntiAffinity ? { ...placement.affinity, podAntiAffinity: input.podAntiAffinity } : undefined,
    tolerations: placement.tolerations,
    runtimeClassName: placement.runtimeClassName,
    priorityClassName: pod.priorityClassName,
    imagePullSecrets: pod.imagePullSecrets?.map((name) => ({ name })),
    restartPolicy: input.restartPolicy,
    initContainers: initContainers.length > 0 ? initContainers : undefined,
    containers: [main, ...sidecars],
    volumes,
  };
}

/**
 * Throws when two mounts of a container share a path (the apiserver refuses it: "must be unique"), e.g. a user
 * mount on a path the library mounts: the model repository, model weights, scratch.
 */
function checkUniqueMountPaths(c: k8s.Container): void {
  const seen = new Map<string, string>();
  for (const m of c.volumeMounts ?? []) {
    const path = mountPathKey(m.mountPath);
    const there = seen.get(path);
    if (there !== undefined) {
      throw propError('volumeMounts[].path', `unique within container '${c.name}'`, m.mountPath,
        `volume '${there}' is mounted there already; mount '${m.name}' elsewhere`);
    }
    seen.set(path, m.name);
  }
}

/**
 * A mount path as the runtime mounts it and Knative's webhook compares it (Go's path.Clean): `/data/`,
 * `/data/.` and `//data` are `/data`, `/dev/./log` is `/dev/log`.
 */
export function mountPathKey(path: string): string {
  // Most paths are clean already; normalize is a long loop in the interpreter, run for each mount of each pod.
  if (CLEAN_PATH.test(path)) return path;
  return posix.normalize(path).replace(/\/+$/, '') || '/';
}

/** An absolute path `mountPathKey` leaves as it is: segments of one or more characters, none of them `.` or `..`. */
const CLEAN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/** Whether `path` is absolute, without empty, `.` or `..` segments and without a trailing '/'. */
export function isCleanAbsolutePath(path: string): boolean {
  return CLEAN_PATH.test(path);
}

function dedupeVolumes(volumes: k8s.Volume[]): k8s.Volume[] {
  const byName = new Map<string, k8s.Volume>();
  for (const v of volumes) {
    const seen = byName.get(v.name);
    if (seen && JSON.stringify(seen) !== JSON.stringify(v)) {
      throw propError('volumeMounts', 'volumes with unique names', v.name, 'give each volume its own name');
    }
    byName.set(v.name, v);
  }
  return [...byName.values()];
}
