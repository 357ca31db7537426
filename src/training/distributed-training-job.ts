import { ApiObject, ApiObjectMetadata, Duration, Names, Size, SizeRoundingBehavior } from 'cdk8s';
import { ContainerResources, Cpu, EnvValue, IPersistentVolumeClaim, k8s, PersistentVolumeAccessMode, PersistentVolumeClaim, Volume } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imagePullerOf } from '../_cluster-scope';
import { checkWholeSeconds, durationText } from '../_duration';
import { checkInteger, checkRequiredInteger, propError } from '../_errors';
import { checkAnnotations, checkDns1035Name, checkMetadata, DNS_1123_SUBDOMAIN } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { IPlaceableWorkload, PlaceableWorkload, WorkloadPlacement } from '../multicluster/karmada-placement';
import {
  checkEnvName, checkOneMigSlice, checkSubPath, checkVolumeType, claimNamespaceError, migSliceOf, PodEntrypoint, PodTarget, renderPodSpec,
  resolveGpuPod, ResolvedPod, ScratchDefaults,
} from '../scheduling/_pod-spec';
import { toWire, wireApiObject } from '../scheduling/_wire';
import { GpuResource } from '../scheduling/gpu-resource';
import { GpuWorkloadProps, WorkloadVolumeMount } from '../scheduling/gpu-workload';

/** NCCL's log levels (`NCCL_DEBUG`). */
export enum NcclDebugLevel {
  /** Prints the NCCL version only. */
  VERSION = 'VERSION',
  /** Prints an explicit message when NCCL fails. */
  WARN = 'WARN',
  /** Prints debug information: transports, topology, rings. The level to use when a job hangs at start. */
  INFO = 'INFO',
  /** Prints replayable trace information on every call. */
  TRACE = 'TRACE',
}

/**
 * NCCL environment knobs. Each one is set only when given: NCCL picks its transports itself otherwise.
 */
export interface NcclOptions {
  /**
   * `NCCL_DEBUG`.
   * @default - NCCL's default (no debug output)
   */
  readonly debug?: NcclDebugLevel;
  /**
   * `NCCL_DEBUG_SUBSYS`, e.g. `['INIT', 'NET']`.
   * @default - NCCL's default (INIT, BOOTSTRAP, ENV)
   */
  readonly debugSubsystems?: string[];
  /**
   * `NCCL_SOCKET_IFNAME`: the interface(s) NCCL's socket transport and bootstrap use, e.g. `eth0` (the pod
   * network on most CNIs), `^lo,docker` (exclude), `=net1` (exact).
   * @default - NCCL picks an interface, preferring ib* over others
   */
  readonly socketIfname?: string;
  /**
   * `NCCL_IB_DISABLE=1`: do not use InfiniBand/RoCE verbs, only sockets. Set it on clusters without RDMA
   * devices in the pods, to skip the probing.
   * @default - unset: NCCL uses IB when it finds it
   */
  readonly ibDisable?: boolean;
  /**
   * `NCCL_P2P_DISABLE=1`: no direct GPU-to-GPU transfers (NVLink/PCIe) inside a node; a workaround for
   * broken P2P on some PCIe topologies and VMs.
   * @default - unset
   */
  readonly p2pDisable?: boolean;
  /**
   * Any other `NCCL_*` variable, e.g. `{ NCCL_NET_GDR_LEVEL: 'PHB' }`.
   * @default - none
   */
  readonly extraEnv?: Record<string, string>;
}

/**
 * A dataset or checkpoint volume: a PersistentVolumeClaim (ReadWriteMany or ReadOnlyMany when several pods
 * mount it on different nodes) or a cdk8s-plus `Volume` (CSI; hostPath or NFS with
 * `security.allowUnrestrictedVolumes`). Exactly one of `claim`, `volume`.
 */
export interface TrainingVolume {
  /**
   * The claim to mount. When it is a `PersistentVolumeClaim` created in this app, its access modes are
   * checked against the number of nodes.
   * @default - `volume` is used
   */
  readonly claim?: IPersistentVolumeClaim;
  /**
   * Any volume of a type Pod Security's restricted profile allows (e.g. `Volume.fromCsi(...)`, an NFS share through
   * the NFS CSI driver); others (hostPath, nfs) need `security.allowUnrestrictedVolumes`.
   * @default - `claim` is used
   */
  readonly volume?: Volume;
  /**
   * Where it is mounted.
   * @default '/data' for the dataset, '/checkpoints' for checkpoints
   */
  readonly mountPath?: string;
  /**
   * Mount only this path inside the volume: relative, never above it (no leading `/`, no `..`).
   * @default - the whole volume
   */
  readonly subPath?: string;
}

/**
 * An `nvidia-smi` liveness probe: a GPU that fell off the bus fails the pod instead of hanging the job. It runs
 * through `sh`, with `/usr/local/nvidia/bin` (where GKE mounts the driver's tools) added to the PATH, so an image
 * without `nvidia-smi` fails the probe (exit 127) rather than erroring: the kubelet discards a probe that could not
 * run, and a liveness probe whose command is missing would never act (kubernetes#106682).
 */
export interface GpuHealthCheckOptions {
  /**
   * How often to run `nvidia-smi`.
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
  /**
   * How long one run may take.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive failures before the container is killed.
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** Props of DistributedTrainingJob. `gpuCount` is the GPUs of each pod, one torchrun worker per GPU. */
export interface DistributedTrainingJobProps extends GpuWorkloadProps {
  /**
   * Metadata of the Job (the headless Service is named `<name>-0`). Labels are copied to the pods and the Service.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Annotations on the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Pods (torchrun `--nnodes`), one per node-sized slot; the Job runs them all at once (completions =
   * parallelism = nodes). 1 is a single pod with `gpuCount` GPUs (`torchrun --standalone`). A fixed count: elastic
   * training (`--nnodes=MIN:MAX`) is not offered; the Job runs exactly `nodes` pods, and the rendezvous waits for
   * all of them.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * Give each of several pods a node of its own (a required pod anti-affinity on the Job's name): NCCL counts two
   * pods on one node as two hosts and talks between them over sockets instead of NVLink, and one node failure takes
   * both. Pods wait (Pending) until as many nodes have room; Karmada's estimators do not count the rule when they
   * pick a member cluster.
   * @default - true for whole GPUs; false for MIG slices and shared GPUs, of which one node holds several pods' worth
   */
  readonly onePodPerNode?: boolean;
  /** The training script torchrun starts in every worker, e.g. `/workspace/train.py` (or a module, see `module`). */
  readonly script: string;
  /**
   * Arguments to the training script. They are container args: the kubelet replaces `$(NAME)` with the container's
   * environment variable NAME (one of `env`), keeps unknown names as written, and turns `$$` into `$` (write
   * `$$(NAME)` for a literal `$(NAME)`).
   * @default - none
   */
  readonly scriptArgs?: string[];
  /**
   * `script` is a Python module (`torchrun --module`), e.g. `mypkg.train`.
   * @default false
   */
  readonly module?: boolean;
  /**
   * How torchrun is started; for images without the `torchrun` entry point use
   * `['python', '-m', 'torch.distributed.run']`.
   * @default ['torchrun']
   */
  readonly launcher?: string[];
  /**
   * Port of the rendezvous store (the port of torchrun's `--rdzv-endpoint`), served by the pod of completion
   * index 0; 1024 or above, since the workers run as non-root without capabilities.
   * @default 29500
   */
  readonly rendezvousPort?: number;
  /**
   * How long the pods wait for pod 0's store and for all `nodes` pods to join a round of the rendezvous
   * (torchrun `--rdzv-conf=join_timeout=…,read_timeout=…`). Cover the scheduling and image pull of every pod: at
   * the start, and for the replacement of a failed pod, which the others wait for.
   * @default Duration.minutes(10)
   */
  readonly rendezvousTimeout?: Duration;
  /**
   * How often torchrun restarts the workers of a pod in place after they fail (`--max-restarts`): a worker that
   * raised or hit a CUDA error, or lost a peer pod. Every pod spends at most one per incident (a restart because
   * a replacement pod joins costs none); a pod out of restarts fails at the next one. One pod (`nodes: 1`) runs
   * `torchrun --standalone`, restarting its workers in place only when this is set (keeping its GPUs and skipping a
   * new pod's scheduling and image pull); a failed pod is retried by the Job within `backoffLimit`.
   * @default - several pods: `backoffLimit`, so the pods ride out as many incidents as the Job tolerates failed
   * pods; one pod: none
   */
  readonly workerRestarts?: number;
  /**
   * NCCL environment variables.
   * @default - none: NCCL's defaults
   */
  readonly nccl?: NcclOptions;
  /**
   * Dataset volume, mounted read-only.
   * @default - none
   */
  readonly dataset?: TrainingVolume;
  /**
   * Checkpoint volume, mounted read-write; the script resumes from it after a retry. Unless `security.fsGroup`
   * is set or `security.allowRoot` is true, the pods get `fsGroup` = their group so the volume is writable by the
   * non-root user.
   * @default - none
   */
  readonly checkpoints?: TrainingVolume;
  /**
   * Failed pods the Job tolerates before it fails (`backoffLimit`). A failed worker fails no pod: torchrun
   * restarts the workers of every pod in place (`workerRestarts`), and only when those run out do all `nodes`
   * pods fail. A lost pod (OOM kill, liveness kill) counts one: the others restart their workers and wait for its
   * replacement. A pod lost to a node drain or preemption carries the `DisruptionTarget` condition and counts
   * nothing while `retryOnDisruption` is on. A pod on a node that stops answering stays Terminating, and is not
   * replaced (`podReplacementPolicy: Failed`), until the Node is deleted or tainted
   * `node.kubernetes.io/out-of-service`: cloud clusters delete dead nodes, on-prem ones need that taint (or the
   * deletion) from an operator or a remediation controller; meanwhile the other pods time out in the rendezvous and
   * count. Pod 0 is the exception: it hosts the rendezvous store, and when it is lost every pod fails with it
   * (`nodes` failed pods).
   * @default - `nodes`: a loss of pod 0, or `nodes` losses of other pods, is retried (from the last checkpoint)
   */
  readonly backoffLimit?: number;
  /**
   * Retry pods that were disrupted (preemption, eviction, node drain, shutdown or failure: the `DisruptionTarget`
   * condition) without counting them against `backoffLimit` (podFailurePolicy `Ignore`). With several pods,
   * turning it off without `failFastExitCodes` leaves the Job without a podFailurePolicy; its
   * `podReplacementPolicy: Failed` still keeps a replacement from starting before the lost pod has terminated.
   * @default true
   */
  readonly retryOnDisruption?: boolean;
  /**
   * Exit codes of the trainer container that fail the whole Job at once (podFailurePolicy `FailJob`),
   * 2 to 255. These are the launcher's exit codes, not the script's: torchrun exits 1 whatever its workers exit
   * with, and for every failure it sees (a worker that raised, a CUDA or Xid error, a lost peer, its own
   * SIGTERM from a failed liveness probe or a deleted pod), none of which should end the Job. List codes here
   * with a `launcher` that passes an unrecoverable error of the script on as an exit code of its own.
   * @default - none: every failure is retried within `backoffLimit`
   */
  readonly failFastExitCodes?: number[];
  /**
   * Longest the Job may run, retries included (`activeDeadlineSeconds`); a cap on GPU spend.
   * @default - no deadline
   */
  readonly activeDeadline?: Duration;
  /**
   * Delete the finished Job and its pods after this long (`ttlSecondsAfterFinished`). The headless Service of a
   * multi-node Job is not the Job's and stays until the app removes it. Leave this unset when a GitOps tool applies
   * the Job: it would re-create the deleted Job and train again.
   * @default - kept until deleted
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Run `nvidia-smi` as a liveness probe (the NVIDIA container toolkit mounts it into GPU containers); NVIDIA GPUs
   * only, and the image needs `sh`.
   * @default - no liveness probe
   */
  readonly gpuHealthCheck?: GpuHealthCheckOptions;
  /**
   * The Kueue `LocalQueue` to submit the Job to, in the Job's namespace (the `kueue.x-k8s.io/queue-name` label, on
   * the Job only). Kueue's webhook creates the Job suspended and starts it once the queue's quota has room for all
   * `nodes` pods at once, so a run never holds some GPUs while its other pods wait for theirs. With
   * `waitForPodsReady` in Kueue's configuration, an admitted Job whose pods do not all start in time is
   * suspended and requeued. `activeDeadline` counts from admission: Kubernetes resets it when the Job resumes.
   * Kueue admits a Job only when its ClusterQueue covers every resource the pods request (`coveredResources`):
   * besides CPU, memory and GPUs the trainer requests `ephemeral-storage` (its scratch volumes) and any
   * `extendedResources`. Cover them, or have Kueue ignore them (`resources.excludeResourcePrefixes` in its
   * configuration).
   * @default - no queue: the pods are scheduled as they fit
   */
  readonly queueName?: string;
}

const CONTAINER = 'trainer';
/** The label that submits a Job to a Kueue LocalQueue. */
const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/**
 * What torchrun sets for each worker (torch elastic's local agent, `_start_workers`), besides TORCHELASTIC_*: a value
 * in the pod's env would never reach the workers.
 */
const TORCHRUN_ENV = ['LOCAL_RANK', 'RANK', 'GROUP_RANK', 'ROLE_RANK', 'ROLE_NAME', 'LOCAL_WORLD_SIZE', 'WORLD_SIZE', 'GROUP_WORLD_SIZE',
  'ROLE_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'];
/** The label the Job controller puts on each pod of an Indexed Job (Kubernetes 1.28+). */
const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
/** torchrun's default join timeout of the c10d rendezvous, also given as its store's read timeout. */
const DEFAULT_RENDEZVOUS_TIMEOUT = Duration.minutes(10);
/** A dotted Python module name, as `python -m` takes it. */
const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * PyTorch DDP across `nodes` pods × `gpuCount` GPUs, launched by torchrun.
 *
 * Creates: a `batch/v1` Job in Indexed completion mode (completions = parallelism = nodes, restartPolicy
 * Never, podFailurePolicy, backoffLimit) and, for more than one pod, a headless Service `<job>-0` that selects
 * the pod of completion index 0; several pods take a node each (a required pod anti-affinity on the Job's name:
 * NCCL counts two pods on one node as two hosts and would talk between them over sockets). Every pod runs
 * `torchrun --nnodes=N --nproc-per-node=M --rdzv-backend=c10d --rdzv-endpoint=<job>-0:29500 --rdzv-id=<job> --max-restarts=R <script>`.
 *
 * Rendezvous is torchrun's c10d one, so that a pod which fails can be replaced while the others keep going: they
 * restart their workers in place and wait for the replacement to join a new round (torchrun's static rendezvous
 * can form a group only once; a replacement pod could not join the running one, and every pod would fail in
 * turn). Pod 0 hosts the store: the Job controller gives it the hostname `<job>-0`, which torch matches against
 * the endpoint host without DNS, and the others reach it through the Service of that name, which publishes
 * not-ready addresses. torch ranks the pods by host name, so pod 0 is group rank 0 and its host name is the
 * workers' `MASTER_ADDR`, which the Service resolves too (the other pods' host names do not resolve). It sorts the
 * names as text, so from eleven pods on the group ranks stop following the completion indices (`<job>-10` comes
 * before `<job>-2`): shard data by `RANK` or `GROUP_RANK`, not `JOB_COMPLETION_INDEX`. The
 * workers' own store runs on a free port of pod 0 (`TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1`: torch 2.4+ shares the
 * rendezvous store with the workers by default, whose restarts broke when pods had spent different numbers of
 * restarts), and NCCL uses free ports too: a NetworkPolicy must let the Job's pods reach each other on any port.
 *
 * Unless `resources` says otherwise, a pod requests one CPU and 4Gi of memory per worker (`gpuCount`), with a
 * memory limit equal to the request: each worker is a process with its own CUDA context, model copy and data
 * loaders. Its `/tmp` (`tmpSize`) and its `/dev/shm` (`sharedMemorySize`) get 1Gi per worker, `/dev/shm` at most
 * half a memory limit given in `resources` (it counts against it); mount a volume for model downloads (`HF_HOME`)
 * larger than that.
 *
 * Pods are hardened like every workload here (non-root, read-only root filesystem, no capabilities);
 * torch's writable directories point into the `/tmp` scratch volume (`HOME`, `XDG_CACHE_HOME`,
 * `TRITON_CACHE_DIR`, `TORCHINDUCTOR_CACHE_DIR`) unless `env` sets them. `/dev/shm` is memory-backed.
 * Without its network devices NCCL talks over TCP sockets. AWS EFA (p4d, p5) needs the EFA device plugin's
 * interfaces (`extendedResources: { 'vpc.amazonaws.com/efa': 32 }` on a p5.48xlarge, 4 on a p4d.24xlarge) and
 * libfabric's variables in `env`. InfiniBand/RoCE needs RDMA devices (`extendedResources`, from an RDMA device
 * plugin) and room to pin memory: verbs register buffers up to the process's `RLIMIT_MEMLOCK`, which containers
 * inherit from the container runtime, so raise it there on the nodes (`LimitMEMLOCK=infinity` for containerd's
 * systemd service). Adding `IPC_LOCK` does not help the uid-1000 trainer: Kubernetes gives a non-root process no
 * added capability (kubernetes#56374), and Pod Security's restricted profile refuses any but `NET_BIND_SERVICE`.
 * Pod 0 also hosts the rendezvous store: each loss of its node (a spot reclaim) fails the other pods too,
 * and those failures count toward `backoffLimit`. NCCL keeps its host
 * buffers in `/dev/shm` (`NCCL_CUMEM_HOST_ENABLE=0`): its cuMem host buffers need NUMA calls that the runtime's
 * default seccomp profile refuses without `CAP_SYS_NICE`.
 *
 * A Job's pod template is fixed once it exists: applying a changed job (image, GPUs, script, arguments, or a new
 * registry mirror of its ClusterChart) under the same name is refused. A new run is a new Job: give it a new
 * `metadata.name` (the run's date, a version), or have the GitOps tool replace it, which deletes the running Job
 * first (Argo CD `argocd.argoproj.io/sync-options: Force=true,Replace=true`, Flux
 * `kustomize.toolkit.fluxcd.io/force: enabled`, in `metadata.annotations`).
 *
 * Prerequisites: Kubernetes 1.29+ (podFailurePolicy, the completion-index pod label, and `podReplacementPolicy`,
 * on by default since 1.29: a 1.28 apiserver drops it, and a GitOps tool then shows the Job out of sync for good),
 * the NVIDIA device plugin, a PyTorch 2.x image with torchrun.
 *
 * @example
 * new DistributedTrainingJob(chart, 'resnet', {
 *   image: 'registry.example.com/ml/train:2.4.0-cuda12.4',
 *   script: '/workspace/train.py',
 *   nodes: 4,
 *   gpuCount: 4,
 * });
 */
export class DistributedTrainingJob extends Construct implements IPlaceableWorkload {
  /** The Job (escape hatch: `ApiObject.of(...)`, `addJsonPatch`). */
  public readonly job: ApiObject;
  /** The headless Service `<job>-0` through which the pods reach pod 0's rendezvous store; only with more than one pod. */
  public readonly service?: ApiObject;
  /** Name of the Job (its pods are `<name>-<index>`; the Service is `<name>-0`). */
  public readonly name: string;
  /** Pods of the Job (torchrun `--nnodes`). */
  public readonly nodes: number;
  /** Workers per pod (torchrun `--nproc-per-node`), one per GPU. */
  public readonly gpusPerNode: number;
  /** `host:port` of the rendezvous store (pod 0), or undefined with one pod (standalone). */
  public readonly rendezvousEndpoint?: string;

  private readonly pod: ResolvedPod;

  public constructor(scope: Construct, id: string, props: DistributedTrainingJobProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    checkAnnotations('podAnnotations', props.podAnnotations);
    this.nodes = props.nodes ?? 1;
    checkInteger('nodes', this.nodes, 1, 1000);
    const resources = trainingResources(props);
    validateTrainingProps(props, this.nodes);
    const port = props.rendezvousPort ?? 29500;
    const lastIndexSuffix = `-${this.nodes - 1}`;
    this.name = props.metadata?.name ?? Names.toDnsLabel(this, { maxLen: 63 - lastIndexSuffix.length });
    checkDns1035Name('metadata.name', this.name, props.metadata?.name !== undefined, 63 - lastIndexSuffix.length,
      `, so that the pod hostname '<name>${lastIndexSuffix}' fits 63 (the name prefixes every pod hostname and, with several pods, the Service <name>-0)`);
    const multiNode = this.nodes > 1;
    // Pod 0's hostname: torch's c10d backend hosts the store in the pod whose hostname is the endpoint host.
    const storeHost = `${this.name}-0`;
    this.rendezvousEndpoint = multiNode ? `${storeHost}:${port}` : undefined;
    const backoffLimit = props.backoffLimit ?? this.nodes;

    const volumeMounts: WorkloadVolumeMount[] = [...(props.volumeMounts ?? [])];
    const dataset = props.dataset && this.trainingVolume('dataset', props.dataset, '/data', true, props);
    const checkpoints = props.checkpoints && this.trainingVolume('checkpoints', props.checkpoints, '/checkpoints', false, props);
    if (dataset) volumeMounts.push(dataset);
    if (checkpoints) volumeMounts.push(checkpoints);
    if (dataset && checkpoints && dataset.path === checkpoints.path) {
      throw propError('checkpoints.mountPath', 'a path other than the dataset mount path', checkpoints.path);
    }

    const security = props.security ?? {};
    this.pod = resolveGpuPod({
      ...props,
      resources,
      // A writable checkpoint volume needs the pod's group on its files; NFS-like volumes ignore fsGroup.
      security: checkpoints && security.fsGroup === undefined && !security.allowRoot
        ? { ...security, fsGroup: security.runAsGroup ?? 1000 }
        : props.security,
      command: [...(props.launcher ?? ['torchrun'])],
      args: torchrunArgs(props, this.nodes, this.name, this.rendezvousEndpoint, props.workerRestarts ?? backoffLimit),
      env: { ...trainingEnv(props, multiNode), ...(props.env ?? {}) },
      volumeMounts,
    }, trainingScratch(props));
    this.gpusPerNode = this.pod.gpuCount;
    checkOneMigSlice(this.pod, 'run one worker per pod (gpuCount: 1, more nodes), or request whole GPUs');

    const spec = renderPodSpec(this.pod, {
      target: PodTarget.WORKLOAD,
      pullImage: imagePullerOf(this),
      containerName: CONTAINER,
      ports: multiNode ? [{ containerPort: port, name: 'rendezvous' }] : undefined,
      livenessProbe: props.gpuHealthCheck && gpuLivenessProbe(props.gpuHealthCheck),
      restartPolicy: 'Never',
      // A replacement pod re-owns only a checkpoint volume whose root does not match yet: the others wait for it.
      fsGroupChangePolicy: checkpoints ? 'OnRootMismatch' : undefined,
      // One pod per node: two on one node count as two hosts to NCCL (hostname and boot id) and talk over sockets
      // instead of NVLink, and one node failure takes both.
      podAntiAffinity: multiNode && (props.onePodPerNode ?? !slicesOrShares(this.pod)) ? {
        requiredDuringSchedulingIgnoredDuringExecution: [{
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: { matchLabels: { [JOB_NAME_LABEL]: this.name } },
        }],
      } : undefined,
    });

    if (multiNode) {
      this.service = wireApiObject(this, 'Service', k8s.KubeService, {
        // In the Job's namespace, where the pods resolve the short name.
        metadata: { name: storeHost, namespace: props.metadata?.namespace, labels: props.metadata?.labels },
        spec: {
          clusterIp: 'None',
          // The trainer has no readiness probe, and the others reach the store while pod 0 starts.
          publishNotReadyAddresses: true,
          selector: { 'batch.kubernetes.io/job-name': this.name, [COMPLETION_INDEX_LABEL]: '0' },
          ports: [{ name: 'rendezvous', port, targetPort: k8s.IntOrString.fromNumber(port) }],
        },
      }, k8s.toJson_KubeServiceProps);
    }

    // Converted by toWire: the generated toJson_KubeJobProps knows only Kubernetes 1.27 fields, not podReplacementPolicy.
    this.job = wireApiObject(this, 'Resource', k8s.KubeJob, {
      metadata: {
        ...props.metadata,
        name: this.name,
        labels: props.queueName === undefined ? props.metadata?.labels : { ...props.metadata?.labels, [KUEUE_QUEUE_LABEL]: props.queueName },
      },
      spec: {
        completionMode: 'Indexed',
        completions: this.nodes,
        parallelism: this.nodes,
        backoffLimit,
        activeDeadlineSeconds: props.activeDeadline?.toSeconds(),
        ttlSecondsAfterFinished: props.ttlAfterFinished?.toSeconds(),
        podFailurePolicy: podFailurePolicy(props),
        // With several pods a replacement starts only once the pod it replaces has failed: a new pod 0 and the
        // terminating one would both be in the Service, which publishes not-ready addresses, and the others could
        // reach the dying store. A podFailurePolicy implies it; without one the Job replaces terminating pods.
        podReplacementPolicy: this.nodes > 1 ? 'Failed' : undefined,
        template: { metadata: podMetadata(props), spec },
      },
    }, toWire);
    for (const [prop, v] of [['dataset.claim', props.dataset], ['checkpoints.claim', props.checkpoints]] as const) {
      const elsewhere = claimNamespaceError(prop, v?.claim, this.job.metadata.namespace);
      if (elsewhere) throw elsewhere;
    }
  }

  /** The Job for Karmada: its pod spec and node pool, with the headless Service as a companion. */
  public get workloadPlacement(): WorkloadPlacement {
    return PlaceableWorkload.fromApiObject(this.job, this.pod.nodePool, { companions: this.service ? [this.service] : [] }).workloadPlacement;
  }

  /** Total torchrun workers (`nodes × gpusPerNode`), the `WORLD_SIZE` the script sees. */
  public get worldSize(): number {
    return this.nodes * this.gpusPerNode;
  }

  private trainingVolume(role: string, v: TrainingVolume, defaultPath: string, readOnly: boolean,
    props: DistributedTrainingJobProps): WorkloadVolumeMount {
    if ((v.claim === undefined) === (v.volume === undefined)) {
      throw propError(role, 'exactly one of claim and volume', v.claim && v.volume ? 'both' : 'neither',
        'use { claim: PersistentVolumeClaim.fromClaimName(...) } or { volume: Volume.fromCsi(...) }');
    }
    const path = v.mountPath ?? defaultPath;
    if (!path.startsWith('/')) throw propError(`${role}.mountPath`, 'an absolute path', path);
    checkSubPath(`${role}.subPath`, v.subPath);
    if (v.claim instanceof PersistentVolumeClaim && this.nodes > 1) {
      const allowed = readOnly
        ? [PersistentVolumeAccessMode.READ_ONLY_MANY, PersistentVolumeAccessMode.READ_WRITE_MANY]
        : [PersistentVolumeAccessMode.READ_WRITE_MANY];
      const modes = v.claim.accessModes ?? [];
      if (!modes.some((m) => allowed.includes(m))) {
        throw propError(`${role}.claim`, `a claim with access mode ${allowed.join(' or ')} when ${this.nodes} pods on different nodes mount it`,
          modes.join(',') || 'no access mode', 'use a ReadWriteMany storage class (NFS, CephFS, EFS, Filestore, Azure Files, a CSI driver) or train on one node');
      }
    }
    const volume = v.volume ?? Volume.fromPersistentVolumeClaim(this, `${role}-volume`, v.claim!, { name: role, readOnly });
    checkVolumeType(`${role}.volume`, volume, props.security?.allowUnrestrictedVolumes ?? false);
    return { volume, path, readOnly, subPath: v.subPath };
  }
}

/**
 * torchrun workers per pod, one per GPU. A bad gpuCount gets its own error from the pod resolver, not one about a
 * default derived from it.
 */
function workersPerPod(p: DistributedTrainingJobProps): number {
  return Number.isInteger(p.gpuCount) && p.gpuCount! > 0 ? p.gpuCount! : 1;
}

/**
 * `resources` with defaults that grow with the workers of a pod: each torchrun worker is a process with its own CUDA
 * context, model copy and data loaders in host memory. One CPU and 4Gi per worker (the defaults of one GPU).
 */
function trainingResources(p: DistributedTrainingJobProps): ContainerResources {
  const workers = workersPerPod(p);
  return {
    ...p.resources,
    cpu: p.resources?.cpu ?? { request: Cpu.units(workers) },
    memory: p.resources?.memory ?? { request: Size.gibibytes(4 * workers) },
  };
}

/**
 * Scratch that grows with the workers of a pod, where the props leave it unset: 1Gi of `/tmp` per worker (each keeps
 * its caches there: `XDG_CACHE_HOME`, `TRITON_CACHE_DIR`, `TORCHINDUCTOR_CACHE_DIR`), and 1Gi of `/dev/shm` per worker
 * (data loaders pass batches through it, and NCCL keeps its host buffers there), at most half a memory limit given in
 * `resources`: /dev/shm counts against it. Whether the pod has a `/dev/shm` of its own is resolveGpuPod's to say.
 */
function trainingScratch(p: DistributedTrainingJobProps): ScratchDefaults {
  const memory = p.resources?.memory;
  const limit = memory ? memory.limit ?? memory.request : undefined;
  const perWorkers = Size.gibibytes(workersPerPod(p));
  const halfLimit = limit ? Size.kibibytes(Math.floor(limit.toKibibytes({ rounding: SizeRoundingBehavior.FLOOR }) / 2)) : undefined;
  return { tmpSize: perWorkers, sharedMemorySize: halfLimit && halfLimit.toKibibytes() < perWorkers.toKibibytes() ? halfLimit : perWorkers };
}

function validateTrainingProps(p: DistributedTrainingJobProps, nodes: number): void {
  // No props of the interface, but a spread object or a JavaScript caller can still pass them: refused, not dropped.
  const entrypoint = p as PodEntrypoint;
  if (entrypoint.command !== undefined) {
    throw propError('command', 'unset: the command is the torchrun launcher', entrypoint.command, 'use launcher to change how torchrun is started');
  }
  if (entrypoint.args !== undefined) {
    throw propError('args', 'unset: the arguments are built from nodes, gpuCount, script and scriptArgs', entrypoint.args, 'put the training arguments in scriptArgs');
  }
  if (p.queueName !== undefined) {
    if (!(DNS_1123_SUBDOMAIN.test(p.queueName) && p.queueName.length <= 63)) {
      throw propError('queueName', "a LocalQueue name usable as a label value: a DNS subdomain of at most 63 lowercase letters, digits, '-' and '.'", p.queueName);
    }
    if (p.metadata?.labels?.[KUEUE_QUEUE_LABEL] !== undefined) {
      throw propError('metadata.labels', `free of ${KUEUE_QUEUE_LABEL} when queueName is set`, p.metadata.labels[KUEUE_QUEUE_LABEL], 'set the queue once, with queueName');
    }
  }
  // The Job's fields, torchrun's flags and the probe take whole seconds.
  checkWholeSeconds('activeDeadline', p.activeDeadline, 1);
  checkWholeSeconds('ttlAfterFinished', p.ttlAfterFinished);
  checkWholeSeconds('rendezvousTimeout', p.rendezvousTimeout, 1);
  checkWholeSeconds('gpuHealthCheck.period', p.gpuHealthCheck?.period, 1);
  checkWholeSeconds('gpuHealthCheck.timeout', p.gpuHealthCheck?.timeout, 1);
  if (!p.script || /\s/.test(p.script)) {
    throw propError('script', 'a script path or module name without whitespace', p.script ?? '', 'put the arguments in scriptArgs');
  }
  // torchrun --module runs `python -m <script>`, which takes a dotted module name, not a file ('train.py' would
  // import a module 'py' of a package 'train').
  if (p.module && (!PYTHON_MODULE.test(p.script) || p.script.endsWith('.py'))) {
    throw propError('script', 'a dotted Python module name with module: true, e.g. mypkg.train', p.script, 'give the module name, or leave module unset to run a file');
  }
  if (p.launcher !== undefined && p.launcher.length === 0) throw propError('launcher', 'a non-empty command', '[]');
  checkInteger('rendezvousPort', p.rendezvousPort, 1024, 65535,
    "the workers run as non-root without capabilities: a lower port binds only where the runtime sets net.ipv4.ip_unprivileged_port_start=0 (containerd 2 does, containerd 1.7 and CRI-O do not); torchrun's default is 29500");
  checkInteger('backoffLimit', p.backoffLimit, 0);
  checkInteger('workerRestarts', p.workerRestarts, 0);
  if (nodes === 1 && p.rendezvousTimeout !== undefined) {
    throw propError('rendezvousTimeout', 'unset with one pod, which runs torchrun --standalone', durationText(p.rendezvousTimeout));
  }
  if (p.gpu === GpuResource.NVIDIA_SHARED && (p.gpuCount ?? 1) > 1) {
    throw propError('gpuCount', '1 with GpuResource.NVIDIA_SHARED', p.gpuCount,
      'time-sliced replicas can be the same physical GPU and NCCL rejects two ranks on one device; request whole GPUs (GpuResource.NVIDIA)');
  }
  for (const code of p.failFastExitCodes ?? []) {
    checkRequiredInteger('failFastExitCodes', code, 1, 255, code === 0 ? 'exit code 0 is success and cannot fail a Job' : undefined);
    if (code === 1) {
      throw propError('failFastExitCodes', 'codes other than 1, which torchrun exits with for every failure, retryable ones included', 1,
        'have the launcher pass an unrecoverable error of the script on as a code of its own, and list that');
    }
  }
  if (new Set(p.failFastExitCodes ?? []).size !== (p.failFastExitCodes ?? []).length) {
    throw propError('failFastExitCodes', 'free of duplicates', (p.failFastExitCodes ?? []).join(','));
  }
  const h = p.gpuHealthCheck;
  if (h) {
    checkInteger('gpuHealthCheck.failureThreshold', h.failureThreshold, 1);
    const gpu = p.gpu?.name ?? GpuResource.NVIDIA.name;
    if (!gpu.startsWith('nvidia.com/')) {
      throw propError('gpuHealthCheck', "unset with GPUs other than NVIDIA's: it runs nvidia-smi, which their containers do not have", gpu,
        "leave it unset, or add a liveness probe that runs the vendor's tool (amd-smi, xpu-smi) with a JSON patch on job");
    }
  }
  for (const name of Object.keys(p.env ?? {})) {
    if (TORCHRUN_ENV.includes(name) || TORCHELASTIC_OUTPUTS.includes(name) || TORCHRUN_OPTION_ENV.includes(name)) {
      throw propError('env', `free of the variables torchrun sets for its workers (${[...TORCHRUN_ENV, ...TORCHELASTIC_OUTPUTS].join(', ')}) and of ` +
        `the options this construct passes it (${TORCHRUN_OPTION_ENV.join(', ')})`, name, 'nodes, gpuCount, workerRestarts and the rendezvous props set them');
    }
  }
  for (const name of Object.keys(ncclEnv(p.nccl ?? {}))) {
    if (name in (p.env ?? {})) throw propError('env', `free of ${name}, which the nccl prop sets`, name, 'set it in one place');
  }
  for (const name of Object.keys(p.nccl?.extraEnv ?? {})) {
    checkEnvName(name);
    if (!name.startsWith('NCCL_')) throw propError('nccl.extraEnv', 'keyed by NCCL_* variables', name, 'put other variables in env');
  }
}

/** Whether the pod's GPUs are MIG slices or shares of a GPU, of which one node holds several pods' worth. */
function slicesOrShares(pod: ResolvedPod): boolean {
  return migSliceOf(pod) !== undefined || pod.gpu.name === GpuResource.NVIDIA_SHARED.name || pod.nodePool._gpuSharing !== undefined;
}

/** The label the apiserver gives each Job's pod template (Kubernetes 1.27 on), with the Job's name. */
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** What torch elastic's agent sets for its workers under TORCHELASTIC_*; its other TORCHELASTIC_* variables are inputs. */
const TORCHELASTIC_OUTPUTS = ['TORCHELASTIC_RESTART_COUNT', 'TORCHELASTIC_MAX_RESTARTS', 'TORCHELASTIC_RUN_ID', 'TORCHELASTIC_USE_AGENT_STORE', 'TORCHELASTIC_ERROR_FILE'];
/** torchrun reads each option from PET_<OPTION> too: those of the options this construct passes. */
const TORCHRUN_OPTION_ENV = ['PET_STANDALONE', 'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_RDZV_BACKEND', 'PET_RDZV_ENDPOINT', 'PET_RDZV_ID', 'PET_RDZV_CONF',
  'PET_MAX_RESTARTS', 'PET_MODULE', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT'];

function torchrunArgs(p: DistributedTrainingJobProps, nodes: number, job: string, endpoint: string | undefined, restarts: number): string[] {
  const perNode = `--nproc-per-node=${p.gpuCount ?? 1}`;
  // The store's read timeout (60s by default) also bounds how long a pod waits for pod 0 to listen.
  const timeout = (p.rendezvousTimeout ?? DEFAULT_RENDEZVOUS_TIMEOUT).toSeconds();
  const args = endpoint === undefined
    ? ['--standalone', '--nnodes=1', perNode, ...(p.workerRestarts !== undefined ? [`--max-restarts=${p.workerRestarts}`] : [])]
    : [`--nnodes=${nodes}`, perNode, '--rdzv-backend=c10d', `--rdzv-endpoint=${endpoint}`, `--rdzv-id=${job}`,
      `--rdzv-conf=join_timeout=${timeout},read_timeout=${timeout}`, `--max-restarts=${restarts}`];
  if (p.module) args.push('--module');
  return [...args, p.script, ...(p.scriptArgs ?? [])];
}

/**
 * torch's writable directories on /tmp, the workers' own store with several pods, NCCL's host buffers in /dev/shm,
 * the NCCL knobs. The runtime's default seccomp profile lets the NUMA memory-policy calls through only with
 * CAP_SYS_NICE, which the hardened pods drop: NCCL's cuMem host buffers need them, and NCCL before 2.26.3 fails
 * there instead of falling back to /dev/shm (later ones fall back by themselves).
 */
function trainingEnv(p: DistributedTrainingJobProps, multiNode: boolean): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  const user = p.env ?? {};
  const defaults: Record<string, string> = {
    XDG_CACHE_HOME: '/tmp/.cache',
    TRITON_CACHE_DIR: '/tmp/.triton',
    TORCHINDUCTOR_CACHE_DIR: '/tmp/torchinductor',
    ...(multiNode ? { TORCH_DISABLE_SHARE_RDZV_TCP_STORE: '1' } : {}),
    NCCL_CUMEM_HOST_ENABLE: '0',
  };
  for (const [name, value] of Object.entries(defaults)) {
    if (!(name in user)) env[name] = EnvValue.fromValue(value);
  }
  for (const [name, value] of Object.entries(ncclEnv(p.nccl ?? {}))) env[name] = EnvValue.fromValue(value);
  return env;
}

function ncclEnv(n: NcclOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (n.debug) env.NCCL_DEBUG = n.debug;
  if (n.debugSubsystems?.length) env.NCCL_DEBUG_SUBSYS = n.debugSubsystems.join(',');
  if (n.socketIfname !== undefined) {
    // NCCL strips a leading ^ (exclude), then a leading = (exact match): '^=docker0' excludes exactly docker0.
    if (!/^\^?=?[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(n.socketIfname)) {
      throw propError('nccl.socketIfname', "interface names or prefixes, comma-separated, optionally starting with ^ (exclude), = (exact) or ^= (exclude exactly), e.g. 'eth0'", n.socketIfname);
    }
    env.NCCL_SOCKET_IFNAME = n.socketIfname;
  }
  if (n.ibDisable) env.NCCL_IB_DISABLE = '1';
  if (n.p2pDisable) env.NCCL_P2P_DISABLE = '1';
  for (const [name, value] of Object.entries(n.extraEnv ?? {})) {
    if (name in env) throw propError('nccl.extraEnv', `free of ${name}, which a typed nccl option sets`, name);
    env[name] = value;
  }
  return env;
}

function podFailurePolicy(p: DistributedTrainingJobProps): k8s.PodFailurePolicy | undefined {
  const rules: k8s.PodFailurePolicyRule[] = [];
  if (p.retryOnDisruption ?? true) {
    rules.push({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
  }
  const codes = [...(p.failFastExitCodes ?? [])].sort((a, b) => a - b);
  if (codes.length > 0) {
    // cdk8s-plus-27's types mark onPodConditions required (Kubernetes 1.27); it is optional since 1.28.
    rules.push({ action: 'FailJob', onExitCodes: { containerName: CONTAINER, operator: 'In', values: codes } } as k8s.PodFailurePolicyRule);
  }
  return rules.length > 0 ? { rules } : undefined;
}

function podMetadata(p: DistributedTrainingJobProps): k8s.ObjectMeta | undefined {
  const labels = p.metadata?.labels && Object.keys(p.metadata.labels).length ? { ...p.metadata.labels } : undefined;
  const annotations = p.podAnnotations && Object.keys(p.podAnnotations).length ? { ...p.podAnnotations } : undefined;
  return labels || annotations ? { labels, annotations } : undefined;
}

function gpuLivenessProbe(h: GpuHealthCheckOptions): k8s.Probe {
  return {
    exec: { command: ['sh', '-c', 'PATH="$PATH:/usr/local/nvidia/bin" exec nvidia-smi'] },
    periodSeconds: h.period?.toSeconds() ?? 60,
    timeoutSeconds: h.timeout?.toSeconds() ?? 30,
    failureThreshold: h.failureThreshold ?? 3,
  };
}
