import { Size } from 'cdk8s';
import { ContainerResources, EnvValue, ImagePullPolicy, ISecret, IServiceAccount, Volume } from 'cdk8s-plus-27';
import { GpuNodePool } from './gpu-node-pool';
import { GpuResource } from './gpu-resource';

/**
 * How the containers of a GPU workload are locked down. Every field has a hardened default; each opt-out is
 * one explicit prop.
 *
 * Always on, not configurable: `allowPrivilegeEscalation: false`, all capabilities dropped, seccomp
 * `RuntimeDefault`.
 */
export interface WorkloadSecurityOptions {
  /**
   * User the containers run as.
   * @default 1000 (unset when `allowRoot` is true)
   */
  readonly runAsUser?: number;
  /**
   * Group the containers run as.
   * @default 1000 (unset when `allowRoot` is true)
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns mounted volumes (pod-level `fsGroup`), for writable PVCs.
   * On Knative this needs the `kubernetes.podspec-securitycontext` feature flag.
   * @default - not set
   */
  readonly fsGroup?: number;
  /**
   * Mount the root filesystem read-only. Writable scratch is mounted at `/tmp` (and `/dev/shm`) either way. `HOME`
   * defaults to `/tmp`, first in the environment, unless `env` sets it, so `~/.cache` (Hugging Face, torch hub,
   * vLLM, pip) is writable: a non-root uid without a passwd entry in the image gets `/` otherwise. Only a root
   * container on a writable root keeps the image's `HOME`. The library's helper containers (the `mc` copies) keep a
   * read-only root and a non-root user whatever this says.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Opt out of `runAsNonRoot`, for images that must start as root. Avoid it. The library's helper containers still
   * run as a non-root user (1000 unless `runAsUser` names another).
   * @default false
   */
  readonly allowRoot?: boolean;
  /**
   * Allow `volumeMounts` of a type Pod Security Standards' restricted profile forbids: anything but configMap,
   * csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret (so hostPath, nfs, iscsi
   * ...). A namespace that enforces the restricted profile refuses such a pod; a hostPath volume also opens the
   * node's filesystem to it, and on Knative turns on `kubernetes.podspec-volumes-hostpath` for the whole cluster.
   * Prefer a PersistentVolumeClaim, or a CSI volume (an NFS share through the NFS CSI driver).
   * @default false
   */
  readonly allowUnrestrictedVolumes?: boolean;
}

/** A volume mounted into the main container. */
export interface WorkloadVolumeMount {
  /** The volume (cdk8s-plus `Volume.fromPersistentVolumeClaim`, `Volume.fromSecret`, `Volume.fromConfigMap` ...). */
  readonly volume: Volume;
  /** Where it is mounted. */
  readonly path: string;
  /**
   * Mount read-only.
   * @default true
   */
  readonly readOnly?: boolean;
  /**
   * Mount only this path inside the volume: relative, never above it (no leading `/`, no `..`), as the apiserver
   * requires.
   * @default - the whole volume
   */
  readonly subPath?: string;
}

/**
 * What every GPU workload in this library shares: the container, its GPUs, placement, resources and
 * hardening. `GpuInferenceService`, the Triton server and training jobs all extend it.
 */
export interface GpuWorkloadProps extends GpuPodProps {
  /** Image of the main container; must be pinned (a tag other than `latest`, or a digest). */
  readonly image: string;
}

/**
 * GpuWorkloadProps without the image, for workloads that bring a default image of their own (the Triton
 * server) and take it as an optional prop.
 */
export interface GpuPodProps {
  /**
   * Require every image of the pod to be pinned by digest (`@sha256:...`), not only by tag: the main image and the
   * helpers' (`modelWeights.image`, a Triton repository's `mc` image), whose defaults are pinned by tag only.
   * @default false
   */
  readonly requireImageDigest?: boolean;
  /**
   * When the kubelet pulls the image. `IfNotPresent` reuses the node's cache, which matters for multi-GB
   * CUDA images and cold starts.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Environment variables: literals (`EnvValue.fromValue`) or references (`EnvValue.fromSecretValue`,
   * `EnvValue.fromConfigMap`). Secrets are only ever referenced, never inlined.
   * @default - none
   */
  readonly env?: Record<string, EnvValue>;
  /**
   * The GPU resource to request.
   * @default GpuResource.NVIDIA
   */
  readonly gpu?: GpuResource;
  /**
   * GPUs (or MIG slices) the main container gets, as a request equal to the limit.
   * @default 1
   */
  readonly gpuCount?: number;
  /**
   * Where the pods may run.
   * @default GpuNodePool.nvidia() - any node, tolerating the `nvidia.com/gpu` NoSchedule taint
   */
  readonly nodePool?: GpuNodePool;
  /**
   * CPU, memory and ephemeral storage of the main container. A memory request without a limit gets the request as
   * its limit. Without an ephemeral-storage request the container requests what the pod's emptyDir volumes on disk
   * may hold (scratch, model weights, a Triton repository: their size limits), which the scheduler reads from nothing
   * else.
   * @default - cpu request 1 (no limit), memory request and limit 4Gi; in a DistributedTrainingJob that per
   * worker (`gpuCount`); ephemeral storage as above
   */
  readonly resources?: ContainerResources;
  /**
   * Devices the main container needs beside its GPUs, as extended resources by name and count, each a request equal
   * to its limit (Kubernetes takes nothing else for them): AWS EFA interfaces from the EFA device plugin
   * (`{ 'vpc.amazonaws.com/efa': 32 }` on a p5.48xlarge, 4 on a p4d.24xlarge), RDMA devices from an RDMA device
   * plugin (`{ 'rdma/hca_shared_devices_a': 1 }`), SR-IOV virtual functions. The GPUs themselves are `gpu` and
   * `gpuCount`. Nothing checks that the nodes advertise them: a KarmadaPlacement target whose nodes lack them keeps
   * the pods Pending, and a Kueue ClusterQueue admits only what its `coveredResources` list.
   * @default - none
   */
  readonly extendedResources?: Record<string, number>;
  /**
   * Make the pod Guaranteed QoS: CPU and memory limits equal to the requests in every container. The helper
   * containers this library adds (model downloads) then get limits equal to their requests, the larger of the two.
   * On Knative the pod also runs the queue-proxy, which has no limits unless `config-deployment` gives it some
   * (`queue-sidecar-*-limit`): the pod stays Burstable until then.
   * @default false
   */
  readonly guaranteedQos?: boolean;
  /**
   * Container hardening.
   * @default - non-root (uid/gid 1000), read-only root filesystem, no privilege escalation, all capabilities
   * dropped, seccomp RuntimeDefault
   */
  readonly security?: WorkloadSecurityOptions;
  /**
   * Mount a memory-backed `/dev/shm`. PyTorch data loaders and NCCL need more than the runtime's 64 MiB. On a pool
   * of MPS-shared GPUs (outside GKE) NVIDIA's device plugin mounts the MPS daemon's shared memory there instead, and
   * this and `sharedMemorySize` stay unset.
   * @default - true; false on a pool of MPS-shared GPUs outside GKE
   */
  readonly sharedMemory?: boolean;
  /**
   * Size limit of `/dev/shm`. It is memory: what the pod writes there counts against the container's memory
   * limit, so it must be less than that limit.
   * @default Size.gibibytes(1) - 1Gi per worker in a DistributedTrainingJob, at most half a memory limit given in its `resources`
   */
  readonly sharedMemorySize?: Size;
  /**
   * Size limit of the writable `/tmp` scratch volume.
   * @default Size.gibibytes(1) - 1Gi per worker in a DistributedTrainingJob
   */
  readonly tmpSize?: Size;
  /**
   * Extra volumes mounted into the main container.
   * @default - none
   */
  readonly volumeMounts?: WorkloadVolumeMount[];
  /**
   * Service account the pods run as; its `automountServiceAccountToken` decides whether they get its API token.
   * @default - the namespace's default service account, with no API token mounted (`automountServiceAccountToken:
   * false`): the pods do not call the Kubernetes API
   */
  readonly serviceAccount?: IServiceAccount;
  /**
   * Secrets with the credentials of private registries the pod's images come from (type
   * `kubernetes.io/dockerconfigjson`), by reference: `Secret.fromSecretName(this, 'pull', 'registry-creds')`.
   * They replace, not add to, the service account's `imagePullSecrets`, and cover every container of the pod (the
   * model-weights download's too). Knative allows them without a feature flag, and resolves image tags to digests
   * with them.
   * @default - none: the nodes' credentials, or the service account's `imagePullSecrets`
   */
  readonly imagePullSecrets?: ISecret[];
  /**
   * The PriorityClass of the pods. With preemption, pods of a higher class (online inference) evict pods of a lower
   * one (batch training) from full GPU nodes; the class must exist in the cluster. The `system-` classes are
   * refused: the apiserver reserves them for cluster add-ons. On Knative it needs the
   * `kubernetes.podspec-priorityclassname` flag (KnativeFeatures).
   * @default - the cluster's global default PriorityClass, or priority 0
   */
  readonly priorityClassName?: string;
}
