import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s, NodeLabelQuery, NodeTaintQuery, TaintEffect } from 'cdk8s-plus-27';
import { GpuProduct } from './gpu-product';
import { checkInteger, propError } from '../_errors';
import { checkDnsSubdomain, checkLabels, isQualifiedName, LABEL_VALUE, LABEL_VALUE_RULE, PLAIN_MIG_PROFILE, QUALIFIED_NAME_RULE } from '../_names';
import { snapshot } from '../_snapshot';

/** The label NVIDIA GPU Feature Discovery puts on every GPU node with the product name. */
const GFD_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** What GFD puts between the product and the MIG profile under the single strategy: `NVIDIA-A100-SXM4-80GB-MIG-1g.10gb`. */
const GFD_MIG_INFIX = '-MIG-';

// GPU Feature Discovery (NVIDIA k8s-device-plugin, docs/gpu-feature-discovery): per-GPU memory in MiB, the
// number of GPUs, the MIG strategy in use and the sharing strategy (none, time-slicing, mps).
const GFD_MEMORY_LABEL = 'nvidia.com/gpu.memory';
const GFD_COUNT_LABEL = 'nvidia.com/gpu.count';
const GFD_MIG_STRATEGY_LABEL = 'nvidia.com/mig.strategy';
const GFD_SHARING_LABEL = 'nvidia.com/gpu.sharing-strategy';
// Well-known Kubernetes label the cloud providers set to the VM/instance type.
const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
// GKE: accelerator type, MIG partition size, GPU sharing and the node pool name.
const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';
const GKE_PARTITION_LABEL = 'cloud.google.com/gke-gpu-partition-size';
const GKE_SHARING_LABEL = 'cloud.google.com/gke-gpu-sharing-strategy';
const GKE_MAX_CLIENTS_LABEL = 'cloud.google.com/gke-max-shared-clients-per-gpu';
const GKE_NODEPOOL_LABEL = 'cloud.google.com/gke-nodepool';
const GKE_COMPUTE_CLASS_LABEL = 'cloud.google.com/compute-class';
const GKE_SPOT_LABEL = 'cloud.google.com/gke-spot';
const GKE_DRIVER_VERSION_LABEL = 'cloud.google.com/gke-gpu-driver-version';
// EKS: Cluster Autoscaler's accelerator convention (set on the node group by you), the managed node group
// name, Karpenter's and EKS Auto Mode's GPU-name labels, Auto Mode's compute type, Karpenter's node pool.
const EKS_ACCELERATOR_LABEL = 'k8s.amazonaws.com/accelerator';
const EKS_NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';
const KARPENTER_GPU_NAME_LABEL = 'karpenter.k8s.aws/instance-gpu-name';
const EKS_CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';
const KARPENTER_CAPACITY_TYPE_LABEL = 'karpenter.sh/capacity-type';
/**
 * The AWS GPU name (EC2's GpuInfo name, lowercased as the labels carry it) of each product the library knows, by its
 * GFD label (a product stated with `GpuProduct.of()` and a known label is the same GPU).
 */
const EKS_GPU_NAMES: ReadonlyMap<string, string> = new Map([
  [GpuProduct.A100_SXM4_40GB, 'a100'], [GpuProduct.A100_SXM4_80GB, 'a100'], [GpuProduct.A100_PCIE_40GB, 'a100'],
  [GpuProduct.H100_80GB_HBM3, 'h100'], [GpuProduct.L4, 'l4'], [GpuProduct.L40S, 'l40s'], [GpuProduct.A10G, 'a10g'],
  [GpuProduct.T4, 't4'], [GpuProduct.V100_SXM2_16GB, 'v100'],
].map(([product, name]) => [(product as GpuProduct).label, name as string]));
/** The GPU of each EC2 instance family that has one model of GPU in every size. */
const EKS_FAMILY_PRODUCTS: ReadonlyMap<string, GpuProduct> = new Map([
  ['g4dn', GpuProduct.T4], ['g5', GpuProduct.A10G], ['g6', GpuProduct.L4], ['gr6', GpuProduct.L4], ['g6e', GpuProduct.L40S],
  ['p3', GpuProduct.V100_SXM2_16GB], ['p4d', GpuProduct.A100_SXM4_40GB], ['p4de', GpuProduct.A100_SXM4_80GB], ['p5', GpuProduct.H100_80GB_HBM3],
]);
/**
 * The product an AWS GPU name stands for, where every EC2 instance type with it has the same one (a100 is 40 or
 * 80 GB, p4d or p4de; v100 16 or 32 GB, p3 or p3dn).
 */
const EKS_GPU_PRODUCTS: ReadonlyMap<string, GpuProduct> = new Map([
  ['a10g', GpuProduct.A10G], ['l4', GpuProduct.L4], ['l40s', GpuProduct.L40S], ['t4', GpuProduct.T4], ['h100', GpuProduct.H100_80GB_HBM3],
]);
/** The GPUs of each EC2 instance type of the families above (and p3dn, p5e, p5en), from AWS's instance type tables. */
const EC2_INSTANCE_GPUS: ReadonlyMap<string, number> = new Map([
  ...sizes('g4dn', { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, 'metal': 8 }),
  ...['g5', 'g6', 'g6e'].flatMap((family) => sizes(family, { 'xlarge': 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 })),
  ...sizes('gr6', { '4xlarge': 1, '8xlarge': 1 }),
  ...sizes('p3', { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 }),
  ['p3dn.24xlarge', 8], ['p4d.24xlarge', 8], ['p4de.24xlarge', 8], ['p5.4xlarge', 1], ['p5.48xlarge', 8], ['p5e.48xlarge', 8], ['p5en.48xlarge', 8],
]);
function sizes(family: string, gpus: Record<string, number>): Array<[string, number]> {
  return Object.entries(gpus).map(([size, count]) => [`${family}.${size}`, count]);
}
/**
 * The GPUs of Azure's NVIDIA GPU VM sizes (`node.kubernetes.io/instance-type` on AKS) from Azure's size tables, with
 * the product where the library knows the GPU (ND H200 v5's H200 and NDv2's V100 32GB it does not). Keyed in
 * lowercase: Azure's APIs do not keep the case of size names (Cluster Autoscaler looks them up regardless of case).
 */
const AZURE_VM_GPUS: ReadonlyMap<string, MachineGpus> = new Map<string, MachineGpus>([
  ...['nc4as_t4_v3', 'nc8as_t4_v3', 'nc16as_t4_v3'].map((size) => azure(size, 1, GpuProduct.T4)),
  azure('nc64as_t4_v3', 4, GpuProduct.T4),
  azure('nc24ads_a100_v4', 1, GpuProduct.A100_PCIE_80GB), azure('nc48ads_a100_v4', 2, GpuProduct.A100_PCIE_80GB),
  azure('nc96ads_a100_v4', 4, GpuProduct.A100_PCIE_80GB),
  azure('nd96asr_v4', 8, GpuProduct.A100_SXM4_40GB), azure('nd96amsr_a100_v4', 8, GpuProduct.A100_SXM4_80GB),
  azure('nc40ads_h100_v5', 1, GpuProduct.H100_NVL), azure('nc80adis_h100_v5', 2, GpuProduct.H100_NVL),
  azure('nd96isr_h100_v5', 8, GpuProduct.H100_80GB_HBM3), azure('nd96isr_h200_v5', 8), azure('nd40rs_v2', 8),
]);
function azure(size: string, gpus: number, product?: GpuProduct): [string, MachineGpus] {
  return [`standard_${size}`, { gpus, product }];
}
/**
 * The GPUs and GKE accelerator (`cloud.google.com/gke-accelerator`) of Compute Engine's accelerator-optimized machine
 * types, each with a fixed number of GPUs (Google's machine tables; the `-<n>g` suffix is the count; A3 Edge's
 * accelerator as GKE's ComputeClass docs give it).
 */
const GCE_MACHINE_GPUS: ReadonlyMap<string, MachineGpus> = new Map<string, MachineGpus>([
  ...gce('a2-highgpu', [1, 2, 4, 8], 'nvidia-tesla-a100'), ['a2-megagpu-16g', { gpus: 16, accelerator: 'nvidia-tesla-a100' }],
  ...gce('a2-ultragpu', [1, 2, 4, 8], 'nvidia-a100-80gb'),
  ...gce('a3-highgpu', [1, 2, 4, 8], 'nvidia-h100-80gb'),
  ['a3-edgegpu-8g', { gpus: 8, accelerator: 'nvidia-h100-80gb' }],
  ['a3-megagpu-8g', { gpus: 8, accelerator: 'nvidia-h100-mega-80gb' }],
  ['a3-ultragpu-8g', { gpus: 8, accelerator: 'nvidia-h200-141gb' }],
  ['a4-highgpu-8g', { gpus: 8, accelerator: 'nvidia-b200' }],
  ['a4x-highgpu-4g', { gpus: 4, accelerator: 'nvidia-gb200' }],
  ...Object.entries({ 4: 1, 8: 1, 12: 1, 16: 1, 24: 2, 32: 1, 48: 4, 96: 8 })
    .map(([cpus, gpus]): [string, MachineGpus] => [`g2-standard-${cpus}`, { gpus, accelerator: 'nvidia-l4' }]),
]);
function gce(series: string, counts: number[], accelerator: string): Array<[string, MachineGpus]> {
  return counts.map((gpus) => [`${series}-${gpus}g`, { gpus, accelerator }]);
}
/** A known Compute Engine machine type, its variants without Local SSD (`-nolssd`) or with less memory (`-lowmem`) included. */
function gceMachine(type: string): MachineGpus | undefined {
  return GCE_MACHINE_GPUS.get(type.replace(/-(nolssd|lowmem)$/, ''));
}
/**
 * What a node of a known machine type has: its number of GPUs, their product where the library knows it, and (on
 * GKE) the accelerator label it carries.
 */
type MachineGpus = { readonly gpus: number; readonly product?: GpuProduct; readonly accelerator?: string };
/** The GPUs of a node of a known EC2 instance type, Azure VM size or Compute Engine machine type; undefined for any other. */
function instanceTypeGpus(type: string): number | undefined {
  return EC2_INSTANCE_GPUS.get(type) ?? AZURE_VM_GPUS.get(type.toLowerCase())?.gpus ?? gceMachine(type)?.gpus;
}
const EKS_AUTO_GPU_NAME_LABEL = 'eks.amazonaws.com/instance-gpu-name';
const EKS_COMPUTE_TYPE_LABEL = 'eks.amazonaws.com/compute-type';
const KARPENTER_NODEPOOL_LABEL = 'karpenter.sh/nodepool';
// AKS: set to `nvidia` on NVIDIA GPU VM sizes; the node pool (agent pool) name.
const AKS_ACCELERATOR_LABEL = 'kubernetes.azure.com/accelerator';
const AKS_AGENTPOOL_LABEL = 'kubernetes.azure.com/agentpool';

/**
 * How a node's GPUs are shared between containers, as GPU Feature Discovery (`nvidia.com/gpu.sharing-strategy`)
 * and GKE (`cloud.google.com/gke-gpu-sharing-strategy`) label it.
 */
export enum GpuSharing {
  /** Exclusive GPUs: nodes whose GPUs are not shared (keeps training off time-sliced nodes). */
  NONE = 'none',
  /** Time-slicing: containers take turns on a GPU, no memory or fault isolation. */
  TIME_SLICING = 'time-slicing',
  /** NVIDIA MPS: containers run concurrently on a GPU with a share of its memory. */
  MPS = 'mps',
}

/** GKE's values of its sharing label for the ways of sharing it offers. */
const GKE_SHARING_VALUE = new Map<GpuSharing, string>([[GpuSharing.TIME_SLICING, 'time-sharing'], [GpuSharing.MPS, 'mps']]);

/** The MIG strategy the NVIDIA device plugin runs with (`nvidia.com/mig.strategy`). */
export enum MigStrategy {
  /**
   * A node's MIG slices are all alike, each advertised as `nvidia.com/gpu`; a node with MIG disabled advertises its
   * whole GPUs the same way (the GPU Operator labels every node `single` by default).
   */
  SINGLE = 'single',
  /** Slices are advertised per profile, as `nvidia.com/mig-<profile>` (see `GpuResource.mig()`). */
  MIXED = 'mixed',
}

/** Who provisions the GPU nodes of an EKS cluster; decides which node labels exist. */
export enum EksNodeProvisioner {
  /** EKS managed node groups (labels: `eks.amazonaws.com/nodegroup`, instance type). */
  MANAGED_NODE_GROUP = 'managed-node-group',
  /** Self-managed Karpenter (labels: `karpenter.k8s.aws/instance-gpu-name`, `karpenter.sh/nodepool`). */
  KARPENTER = 'karpenter',
  /** EKS Auto Mode (labels: `eks.amazonaws.com/instance-gpu-name`, `eks.amazonaws.com/compute-type: auto`). */
  AUTO_MODE = 'auto-mode',
}

/**
 * A GKE accelerator type, the value of the `cloud.google.com/gke-accelerator` node label.
 */
export class GkeAccelerator {
  /** NVIDIA T4 (N1 machines). */
  public static readonly NVIDIA_TESLA_T4 = new GkeAccelerator('nvidia-tesla-t4', GpuProduct.T4);
  /** NVIDIA V100 16 GB (N1 machines). */
  public static readonly NVIDIA_TESLA_V100 = new GkeAccelerator('nvidia-tesla-v100', GpuProduct.V100_SXM2_16GB);
  /** NVIDIA A100 40 GB (A2 machines). */
  public static readonly NVIDIA_TESLA_A100 = new GkeAccelerator('nvidia-tesla-a100', GpuProduct.A100_SXM4_40GB);
  /** NVIDIA A100 80 GB (A2 ultra machines). */
  public static readonly NVIDIA_A100_80GB = new GkeAccelerator('nvidia-a100-80gb', GpuProduct.A100_SXM4_80GB);
  /** NVIDIA L4 (G2 machines). */
  public static readonly NVIDIA_L4 = new GkeAccelerator('nvidia-l4', GpuProduct.L4);
  /** NVIDIA H100 80 GB (A3 machines). */
  public static readonly NVIDIA_H100_80GB = new GkeAccelerator('nvidia-h100-80gb', GpuProduct.H100_80GB_HBM3);
  /** NVIDIA H100 80 GB (A3 Mega machines). */
  public static readonly NVIDIA_H100_MEGA_80GB = new GkeAccelerator('nvidia-h100-mega-80gb', GpuProduct.H100_80GB_HBM3);

  /**
   * An accelerator type not listed here, by its exact label value.
   * @param product the GPU it is, for memory-budget checks
   */
  public static of(value: string, product?: GpuProduct): GkeAccelerator {
    checkLabelValue('GkeAccelerator.of(value)', value, "copy the value from a node's cloud.google.com/gke-accelerator label");
    return new GkeAccelerator(value, product);
  }

  private constructor(
    /** The `cloud.google.com/gke-accelerator` label value. */
    public readonly value: string,
    /** The GPU product, when known. */
    public readonly product?: GpuProduct,
  ) {}
}

/** What every node pool factory takes beside its own options. */
export interface NodePoolRuntimeOptions {
  /**
   * The RuntimeClass the pods run with: the NVIDIA container runtime's (usually `nvidia`) on nodes where it is not
   * containerd's default, as k3s and RKE2 install it and a GPU Operator may leave it (there, pods without it start
   * without their GPUs), or a sandbox's (`gvisor` on GKE Sandbox). The class must exist in the cluster. On Knative
   * it needs the `kubernetes.podspec-runtimeclassname` flag (KnativeFeatures).
   * @default - the nodes' default runtime
   */
  readonly runtimeClassName?: string;
}

/**
 * Where GPU pods may run: node labels they require and node taints they tolerate.
 */
export interface GpuNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * Labels a node must carry, rendered as `nodeSelector`.
   * @default - no node selector
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Label expressions a node must match, rendered as required node affinity (one term, all expressions ANDed).
   * @default - no node affinity
   */
  readonly requiredNodeAffinity?: NodeLabelQuery[];
  /**
   * Taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: NodeTaintQuery[];
  /**
   * The GPU products this pool guarantees, for memory-budget checks.
   * @default - unknown
   */
  readonly products?: GpuProduct[];
}

/** Options for a pool of NVIDIA GPU nodes labelled by GPU Feature Discovery. */
export interface NvidiaNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * GPU products to run on, matched on GPU Feature Discovery's `nvidia.com/gpu.product` label: one product
   * is a node selector, several are a required node affinity.
   * @default - any node with a free GPU
   */
  readonly products?: GpuProduct[];
  /**
   * Taints the pods tolerate.
   * @default - `nvidia.com/gpu` with effect NoSchedule, the taint GPU node pools conventionally carry
   */
  readonly tolerations?: NodeTaintQuery[];
}

/** Options for on-prem (or any self-managed) NVIDIA GPU nodes labelled by GPU Feature Discovery. */
export interface OnPremNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * GPU products to run on, matched on `nvidia.com/gpu.product`: one product is a node selector, several are
   * a required node affinity.
   * @default - any product
   */
  readonly products?: GpuProduct[];
  /**
   * Least memory per GPU, matched on `nvidia.com/gpu.memory` (MiB) with a `Gt` node affinity. GFD reports the
   * memory the driver sees, a little below the marketing size (an L4 reports about 23034 MiB, not 24 GiB).
   * @default - any memory
   */
  readonly minGpuMemory?: Size;
  /**
   * Least number of GPUs on the node, matched on `nvidia.com/gpu.count` with a `Gt` node affinity; use it to
   * keep a multi-GPU pod off small nodes it would never fit on anyway.
   * @default - any count
   */
  readonly minGpuCount?: number;
  /**
   * MIG strategy of the nodes (`nvidia.com/mig.strategy`). The GPU Operator labels every node `single` by default,
   * MIG enabled or not. With `SINGLE`, `products` without `gpuPartitionSize` match the nodes whose GPUs have MIG
   * disabled: on the others GFD rewrites the product label to `<product>-MIG-<profile>`, which `gpuPartitionSize`
   * matches.
   * @default - any
   */
  readonly migStrategy?: MigStrategy;
  /**
   * The MIG profile every GPU of the nodes is partitioned into under `MigStrategy.SINGLE` (e.g. `1g.10gb`; no
   * attributes such as `+me`, which no label value can carry). Each slice is one `nvidia.com/gpu`: keep
   * `GpuResource.NVIDIA`. GPU Feature Discovery names the profile only in the product label
   * (`<product>-MIG-<profile>`, e.g. `NVIDIA-A100-SXM4-80GB-MIG-1g.10gb`), so `products` is required and matched
   * that way. On such nodes GFD's memory and count labels describe the slices, so `minGpuMemory` and
   * `minGpuCount` do too. The profile's memory is the budget of a Triton server on the pool, and Triton servers and
   * torchrun workers refuse `gpuCount` > 1 on it (a CUDA process sees a single MIG device).
   * @default - whole GPUs: with `MigStrategy.SINGLE`, `products` then match the nodes whose GPUs have MIG disabled
   */
  readonly gpuPartitionSize?: string;
  /**
   * GPU sharing of the nodes (`nvidia.com/gpu.sharing-strategy`, written by GPU Feature Discovery since the
   * device plugin's MPS support, v0.15); `GpuSharing.NONE` keeps pods off time-sliced and MPS nodes. The label
   * describes whole GPUs: MIG slices carry their own (`nvidia.com/mig-<profile>.sharing-strategy`), so a pool with
   * `sharing` refuses `GpuResource.mig()` pods.
   * @default - any
   */
  readonly sharing?: GpuSharing;
  /**
   * Taints the pods tolerate.
   * @default - `nvidia.com/gpu` with effect NoSchedule
   */
  readonly tolerations?: NodeTaintQuery[];
}

/** Options for GPU nodes of an Amazon EKS cluster. */
export interface EksNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * Who provisions the GPU nodes; decides which labels the other options match.
   * @default EksNodeProvisioner.MANAGED_NODE_GROUP
   */
  readonly provisioner?: EksNodeProvisioner;
  /**
   * EC2 instance types to run on (`node.kubernetes.io/instance-type`, e.g. `g5.12xlarge`, `p4d.24xlarge`). Where
   * each is a known type of the g4dn, g5, g6, gr6, g6e, p3, p3dn, p4d, p4de, p5, p5e or p5en families, a pod that asks
   * for more GPUs than the largest of them has fails at synth (it would stay Pending).
   * @default - any instance type
   */
  readonly instanceTypes?: string[];
  /**
   * GPU names to run on, lowercase as AWS labels them (`a10g`, `l4`, `a100`, `h100`): matched on
   * `karpenter.k8s.aws/instance-gpu-name` (Karpenter) or `eks.amazonaws.com/instance-gpu-name` (Auto Mode).
   * Managed node groups carry no such label: use `instanceTypes` there.
   * @default - any GPU
   */
  readonly gpuNames?: string[];
  /**
   * Managed node group to run on (`eks.amazonaws.com/nodegroup`). Managed node groups only.
   * @default - any node group
   */
  readonly nodeGroup?: string;
  /**
   * Karpenter NodePool to run on (`karpenter.sh/nodepool`). Karpenter and Auto Mode only.
   * @default - any NodePool
   */
  readonly karpenterNodePool?: string;
  /**
   * Value of `k8s.amazonaws.com/accelerator`, the label Cluster Autoscaler's AWS provider reads to know a
   * node group has GPUs. AWS does not set it: only use it when your node groups carry it.
   * @default - not matched
   */
  readonly accelerator?: string;
  /**
   * Run on Spot capacity, which AWS may reclaim at two minutes' notice: for work that tolerates it (scale-to-zero
   * serving, checkpointed training). Managed node groups label it `eks.amazonaws.com/capacityType: SPOT`, Karpenter
   * and Auto Mode `karpenter.sh/capacity-type: spot`.
   * @default - any capacity the pool has
   */
  readonly spot?: boolean;
  /**
   * The GPU products the pool guarantees, for the checks that need the GPU model (a Triton server's memory budget,
   * the compute capability of its image and TensorRT plans); not used for placement. With `gpuNames`, each must be
   * a GPU they select; where the names and instance types give the products, every one of them must be listed.
   * @default - the products of `gpuNames` where each names one (`a10g`, `l4`, `l40s`, `t4`, `h100`; not `a100` or
   * `v100`, which come in two memory sizes), else of `instanceTypes` whose families have one GPU model each (g4dn,
   * g5, g6, gr6, g6e, p3, p4d, p4de, p5), else unknown
   */
  readonly products?: GpuProduct[];
  /**
   * Taints the pods tolerate.
   * @default - `nvidia.com/gpu` with effect NoSchedule, the taint GPU node groups and Karpenter GPU NodePools
   * conventionally carry (any value)
   */
  readonly tolerations?: NodeTaintQuery[];
}

/** Options for GPU nodes of a GKE Standard cluster. */
export interface GkeNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * Accelerator types to run on (`cloud.google.com/gke-accelerator`): one is a node selector, several a
   * required node affinity. Also sets the pool's products for memory-budget checks.
   * @default - any accelerator; the products then follow from `machineTypes` where the library knows the GPU of each
   */
  readonly accelerators?: GkeAccelerator[];
  /**
   * Compute Engine machine types to run on (`node.kubernetes.io/instance-type`, e.g. `a3-highgpu-8g`): one is a node
   * selector, several a required node affinity. Where each is a known accelerator-optimized type (A2, A3, A4, A4X,
   * G2, whose GPUs are fixed; `-nolssd` and `-lowmem` variants included), a pod that asks for more GPUs than the largest of them has fails at synth (it would stay
   * Pending), unless `gpuPartitionSize` selects partitions, which may outnumber the GPUs; and each must carry one of
   * `accelerators`.
   * @default - any machine type
   */
  readonly machineTypes?: string[];
  /**
   * MIG partition size of the nodes (`cloud.google.com/gke-gpu-partition-size`, e.g. `1g.10gb`). GKE exposes
   * each partition as one `nvidia.com/gpu` (single strategy): keep `GpuResource.NVIDIA` as the resource.
   * @default - whole GPUs
   */
  readonly gpuPartitionSize?: string;
  /**
   * GPU sharing of the nodes (`cloud.google.com/gke-gpu-sharing-strategy`: `time-sharing` or `mps`);
   * `GpuSharing.NONE` requires the label to be absent.
   * @default - any
   */
  readonly sharing?: GpuSharing;
  /**
   * Containers sharing one GPU (`cloud.google.com/gke-max-shared-clients-per-gpu`); needs `sharing`.
   * @default - any
   */
  readonly maxSharedClientsPerGpu?: number;
  /**
   * GKE node pool to run on (`cloud.google.com/gke-nodepool`).
   * @default - any node pool
   */
  readonly nodePoolName?: string;
  /**
   * ComputeClass to run on (`cloud.google.com/compute-class`): on Autopilot, `Accelerator` (which some GKE
   * versions require for GPU pods) or another built-in class; on either mode, a custom ComputeClass of the
   * cluster by name.
   * @default - none: Autopilot picks the class from the GPU request
   */
  readonly computeClass?: string;
  /**
   * Run on Spot VMs (`cloud.google.com/gke-spot: "true"`), which GKE may reclaim at any time: for work that tolerates
   * it (scale-to-zero serving, checkpointed training). A Standard Spot node pool tainted by its admin needs that
   * taint in `tolerations` too.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * The GPU driver GKE installs (`cloud.google.com/gke-gpu-driver-version`): `GkeGpuDriverVersion.LATEST` for images
   * built on a CUDA newer than the default driver supports.
   * @default - any
   */
  readonly driverVersion?: GkeGpuDriverVersion;
  /**
   * Taints the pods tolerate.
   * @default - `nvidia.com/gpu` with effect NoSchedule: GKE taints GPU nodes `nvidia.com/gpu=present:NoSchedule`
   * when the cluster also has non-GPU node pools
   */
  readonly tolerations?: NodeTaintQuery[];
}

/** The GPU driver version GKE installs on GPU nodes. */
export enum GkeGpuDriverVersion {
  /** The default driver of the GKE version. */
  DEFAULT = 'default',
  /** The latest driver available for the GKE version. */
  LATEST = 'latest',
}

/** Options for GPU nodes of an AKS cluster. */
export interface AksNodePoolOptions extends NodePoolRuntimeOptions {
  /**
   * VM sizes to run on (`node.kubernetes.io/instance-type`, e.g. `Standard_NC24ads_A100_v4`); AKS labels the
   * accelerator only as `nvidia`, so the VM size is what picks the GPU model. Where each is a known size of the
   * NCasT4_v3, NC A100 v4, ND A100 v4, NDm A100 v4, NC H100 v5, ND H100 v5, ND H200 v5 or NDv2 series, a pod that
   * asks for more GPUs than the largest of them has fails at synth (it would stay Pending). On a MIG node pool
   * (`--gpu-instance-profile`) whose device plugin runs the single strategy, each slice is one `nvidia.com/gpu`:
   * that bounds the slices of a pod too (a CUDA process uses one MIG device). Known sizes are recognized in any
   * case, but the selector is written as given and label values match case-sensitively: a node carries the size as
   * its node pool was created with it (`--node-vm-size`; Azure keeps that case, kubernetes/autoscaler#1608), so
   * write it as `kubectl get nodes -L node.kubernetes.io/instance-type` shows it.
   * @default - any NVIDIA GPU VM size
   */
  readonly vmSizes?: string[];
  /**
   * AKS node pool to run on (`kubernetes.azure.com/agentpool`).
   * @default - any node pool
   */
  readonly agentPool?: string;
  /**
   * The GPU products the pool guarantees, for the checks that need the GPU model (a Triton server's memory budget,
   * the compute capability of its image and TensorRT plans); not used for placement. Where the library knows the GPU
   * of each of `vmSizes`, they must be those GPUs, each of them.
   * @default - the products of `vmSizes` where the library knows the GPU of each (the series above but ND H200 v5 and
   * NDv2), else unknown
   */
  readonly products?: GpuProduct[];
  /**
   * Taints the pods tolerate.
   * @default - `sku=gpu:NoSchedule`, the taint AKS's GPU guide gives its node pools (`--node-taints`; AKS does not
   * set it itself: a pool tainted otherwise needs its own tolerations)
   */
  readonly tolerations?: NodeTaintQuery[];
}

/**
 * A placement profile for GPU pods: node selector, required node affinity, tolerations and the runtime class.
 *
 * Every workload in this library takes one (`nodePool`), so one profile places inference services, Triton
 * servers, training jobs and notebooks the same way. The factories speak each platform's node labels:
 * `onPrem()` (GPU Feature Discovery), `eks()`, `gke()`, `aks()`; `custom()` spells anything else out.
 *
 * @example
 * const onPrem = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB] });
 * const cloud = GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB] });
 */
export class GpuNodePool {
  /**
   * NVIDIA GPU nodes labelled by GPU Feature Discovery (on-prem, or any cluster running the GPU Operator).
   */
  public static nvidia(options: NvidiaNodePoolOptions = {}): GpuNodePool {
    checkListed('nvidia.products', options.products);
    const products = options.products ?? [];
    const tolerations = options.tolerations ?? [gpuTaintToleration()];
    const runtimeClassName = options.runtimeClassName;
    if (products.length === 1) {
      return new GpuNodePool({ nodeSelector: { [GFD_PRODUCT_LABEL]: products[0].label }, tolerations, products, runtimeClassName }, 'nvidia');
    }
    const affinity = products.length > 1 ? [NodeLabelQuery.in(GFD_PRODUCT_LABEL, products.map((p) => p.label))] : undefined;
    return new GpuNodePool({ requiredNodeAffinity: affinity, tolerations, products: products.length ? products : undefined, runtimeClassName }, 'nvidia');
  }

  /**
   * On-prem NVIDIA GPU nodes labelled by GPU Feature Discovery (the GPU Operator deploys it): product, memory,
   * GPU count, MIG strategy and sharing labels.
   */
  public static onPrem(options: OnPremNodePoolOptions = {}): GpuNodePool {
    checkListed('onPrem.products', options.products);
    const products = options.products ?? [];
    const partition = options.gpuPartitionSize;
    if (partition !== undefined) {
      if (options.migStrategy !== MigStrategy.SINGLE) {
        throw propError('onPrem.gpuPartitionSize', 'set only with MigStrategy.SINGLE, which advertises each slice as nvidia.com/gpu', partition,
          options.migStrategy === MigStrategy.MIXED ? 'request the slice with GpuResource.mig(profile) on mixed-strategy nodes' : 'set migStrategy: MigStrategy.SINGLE');
      }
      if (!PLAIN_MIG_PROFILE.test(partition)) {
        throw propError('onPrem.gpuPartitionSize', "a MIG profile without attributes such as '1g.10gb' or '3g.40gb' (GFD's product label carries it)", partition);
      }
      if (products.length === 0) {
        throw propError('onPrem.products', "set with gpuPartitionSize: GFD names the MIG profile only in nvidia.com/gpu.product ('<product>-MIG-<profile>')", 'none',
          'list the GPU products of the partitioned nodes');
      }
    }
    if (products.length > 0 && options.sharing !== undefined && options.sharing !== GpuSharing.NONE) {
      throw propError('onPrem.products', `unset with GpuSharing.${sharingName(options.sharing)}`, products.map((p) => p.label).join(','),
        "GFD appends '-SHARED' to nvidia.com/gpu.product on shared nodes; select them with sharing and minGpuMemory, or, where the device plugin " +
        'renames the shared resource (renameByDefault, which keeps the product plain), leave sharing unset and request GpuResource.NVIDIA_SHARED');
    }
    checkInteger('onPrem.minGpuCount', options.minGpuCount, 1);
    const selector: Record<string, string> = {};
    const affinity: NodeLabelQuery[] = [];
    const productLabels = products.map((p) => (partition === undefined ? p.label : `${p.label}${GFD_MIG_INFIX}${partition}`));
    selectOneOrMany(selector, affinity, GFD_PRODUCT_LABEL, productLabels, 'onPrem.products');
    if (options.minGpuMemory) {
      const mib = options.minGpuMemory.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
      if (!Number.isInteger(mib) || mib < 1) {
        throw propError('onPrem.minGpuMemory', 'a positive whole number of MiB, the unit of nvidia.com/gpu.memory', `${mib}Mi`);
      }
      affinity.push(NodeLabelQuery.gt(GFD_MEMORY_LABEL, [String(mib - 1)]));
    }
    if (options.minGpuCount !== undefined && options.minGpuCount > 1) {
      affinity.push(NodeLabelQuery.gt(GFD_COUNT_LABEL, [String(options.minGpuCount - 1)]));
    }
    if (options.migStrategy) selector[GFD_MIG_STRATEGY_LABEL] = options.migStrategy;
    if (options.sharing) selector[GFD_SHARING_LABEL] = options.sharing;
    return new GpuNodePool({
      nodeSelector: selector,
      requiredNodeAffinity: affinity,
      tolerations: options.tolerations ?? [gpuTaintToleration()],
      products,
      runtimeClassName: options.runtimeClassName,
    }, 'onPrem', partition);
  }

  /** GPU nodes of an Amazon EKS cluster: managed node groups, Karpenter or EKS Auto Mode. */
  public static eks(options: EksNodePoolOptions = {}): GpuNodePool {
    checkListed('eks.instanceTypes', options.instanceTypes);
    checkListed('eks.gpuNames', options.gpuNames);
    checkListed('eks.products', options.products);
    const provisioner = options.provisioner ?? EksNodeProvisioner.MANAGED_NODE_GROUP;
    const managed = provisioner === EksNodeProvisioner.MANAGED_NODE_GROUP;
    const gpuNames = options.gpuNames ?? [];
    if (managed && gpuNames.length > 0) {
      throw propError('eks.gpuNames', 'unset with EksNodeProvisioner.MANAGED_NODE_GROUP, whose nodes carry no GPU-name label', gpuNames.join(','),
        "match instanceTypes (e.g. 'g5.12xlarge') instead, or set provisioner to KARPENTER or AUTO_MODE");
    }
    if (!managed && options.nodeGroup !== undefined) {
      throw propError('eks.nodeGroup', 'unset unless provisioner is EksNodeProvisioner.MANAGED_NODE_GROUP', options.nodeGroup, 'use karpenterNodePool to pick a Karpenter NodePool');
    }
    if (managed && options.karpenterNodePool !== undefined) {
      throw propError('eks.karpenterNodePool', 'unset with EksNodeProvisioner.MANAGED_NODE_GROUP (the default provisioner)', options.karpenterNodePool,
        'set provisioner to EksNodeProvisioner.KARPENTER, or pick a managed node group with nodeGroup');
    }
    for (const name of gpuNames) {
      if (name !== name.toLowerCase()) throw propError('eks.gpuNames', "lowercase GPU names as AWS labels them ('a10g', 'l4', 'h100')", name);
    }
    // The products must be GPUs the names and instance types select; unset, they follow from those that each stand
    // for one product.
    const instanceTypes = options.instanceTypes ?? [];
    const ofFamilies = familyProducts(instanceTypes);
    for (const product of options.products ?? []) {
      const name = EKS_GPU_NAMES.get(product.label);
      if (gpuNames.length > 0 && name !== undefined && !gpuNames.includes(name)) {
        throw propError('eks.products', `GPUs that gpuNames (${gpuNames.join(', ')}) select: products size the GPU memory budget`, product.label,
          `list products of those GPUs, or add '${name}' to gpuNames`);
      }
    }
    checkAmong('eks.products', options.products, ofFamilies, 'instanceTypes', 'instance types');
    const ofNames = allKnown(gpuNames.map((n) => EKS_GPU_PRODUCTS.get(n)));
    // A node matches both selectors: what both stand for, each alone where the other says nothing (a100 is 40 or 80 GB).
    const derived = productsOfBoth('eks.gpuNames', ofNames, ofFamilies, 'instanceTypes', gpuNames.join(','), 'drop gpuNames or instanceTypes, or make them agree');
    const products = statedProducts('eks.products', options.products, derived, 'gpuNames and instanceTypes');
    const selector: Record<string, string> = {};
    const affinity: NodeLabelQuery[] = [];
    if (provisioner === EksNodeProvisioner.AUTO_MODE) selector[EKS_COMPUTE_TYPE_LABEL] = 'auto';
    selectOneOrMany(selector, affinity, INSTANCE_TYPE_LABEL, options.instanceTypes ?? [], 'eks.instanceTypes');
    const gpuNameLabel = provisioner === EksNodeProvisioner.AUTO_MODE ? EKS_AUTO_GPU_NAME_LABEL : KARPENTER_GPU_NAME_LABEL;
    selectOneOrMany(selector, affinity, gpuNameLabel, gpuNames, 'eks.gpuNames');
    selectOne(selector, EKS_NODEGROUP_LABEL, options.nodeGroup, 'eks.nodeGroup');
    selectOne(selector, KARPENTER_NODEPOOL_LABEL, options.karpenterNodePool, 'eks.karpenterNodePool');
    selectOne(selector, EKS_ACCELERATOR_LABEL, options.accelerator, 'eks.accelerator');
    if (options.spot) {
      if (managed) selector[EKS_CAPACITY_TYPE_LABEL] = 'SPOT';
      else selector[KARPENTER_CAPACITY_TYPE_LABEL] = 'spot';
    }
    return new GpuNodePool({
      nodeSelector: selector,
      requiredNodeAffinity: affinity,
      tolerations: options.tolerations ?? [gpuTaintToleration()],
      products,
      runtimeClassName: options.runtimeClassName,
    }, 'eks');
  }

  /** GPU nodes of a GKE Standard cluster, by accelerator type, MIG partition size and GPU sharing. */
  public static gke(options: GkeNodePoolOptions = {}): GpuNodePool {
    checkListed('gke.accelerators', options.accelerators);
    checkListed('gke.machineTypes', options.machineTypes);
    const accelerators = options.accelerators ?? [];
    const machineTypes = options.machineTypes ?? [];
    const acceleratorValues = accelerators.map((a) => a.value);
    for (const type of machineTypes) {
      const carried = gceMachine(type)?.accelerator;
      if (accelerators.length > 0 && carried !== undefined && !acceleratorValues.includes(carried)) {
        const constant = knownAccelerator(carried)?.name;
        throw propError('gke.machineTypes', `machine types whose GPUs the accelerators select (${acceleratorValues.join(', ')}): a node matches both selectors`,
          `${type}, whose GPUs are ${carried}`, `drop ${type}, or add ${constant ? `GkeAccelerator.${constant}` : `GkeAccelerator.of('${carried}')`} to accelerators`);
      }
    }
    if (options.gpuPartitionSize !== undefined && !PLAIN_MIG_PROFILE.test(options.gpuPartitionSize)) {
      throw propError('gke.gpuPartitionSize', "a MIG partition size such as '1g.10gb' or '3g.40gb'", options.gpuPartitionSize);
    }
    checkInteger('gke.maxSharedClientsPerGpu', options.maxSharedClientsPerGpu, 2);
    if (options.maxSharedClientsPerGpu !== undefined && (options.sharing === undefined || options.sharing === GpuSharing.NONE)) {
      throw propError('gke.maxSharedClientsPerGpu', 'unset unless sharing is GpuSharing.TIME_SLICING or GpuSharing.MPS', options.maxSharedClientsPerGpu);
    }
    const selector: Record<string, string> = {};
    const affinity: NodeLabelQuery[] = [];
    selectOneOrMany(selector, affinity, GKE_ACCELERATOR_LABEL, acceleratorValues, 'gke.accelerators');
    selectOneOrMany(selector, affinity, INSTANCE_TYPE_LABEL, machineTypes, 'gke.machineTypes');
    if (options.gpuPartitionSize !== undefined) selector[GKE_PARTITION_LABEL] = options.gpuPartitionSize;
    if (options.sharing === GpuSharing.NONE) {
      affinity.push(NodeLabelQuery.doesNotExist(GKE_SHARING_LABEL));
    } else if (options.sharing !== undefined) {
      selector[GKE_SHARING_LABEL] = GKE_SHARING_VALUE.get(options.sharing)!;
    }
    if (options.maxSharedClientsPerGpu !== undefined) selector[GKE_MAX_CLIENTS_LABEL] = String(options.maxSharedClientsPerGpu);
    selectOne(selector, GKE_NODEPOOL_LABEL, options.nodePoolName, 'gke.nodePoolName');
    selectOne(selector, GKE_COMPUTE_CLASS_LABEL, options.computeClass, 'gke.computeClass');
    if (options.spot) selector[GKE_SPOT_LABEL] = 'true';
    if (options.driverVersion !== undefined) selector[GKE_DRIVER_VERSION_LABEL] = options.driverVersion;
    // What both the accelerators and the machine types stand for (a node matches both), each alone where the other
    // says nothing; an accelerator's product of the user's own completed from the machine types'.
    const ofAccelerators = allKnown(accelerators.map((a) => a.product));
    const ofMachines = allKnown(machineTypes.map(machineTypeProduct));
    const both = productsOfBoth('gke.accelerators', ofAccelerators, ofMachines, 'machineTypes', ofAccelerators?.map((p) => p.label).join(', '),
      'drop accelerators or machineTypes, or make them agree');
    const products = both && withKnownFacts('gke.accelerators', both, ofMachines);
    return new GpuNodePool({
      nodeSelector: selector,
      requiredNodeAffinity: affinity,
      tolerations: options.tolerations ?? [gpuTaintToleration()],
      products,
      runtimeClassName: options.runtimeClassName,
    }, 'gke');
  }

  /** GPU nodes of an AKS cluster: NVIDIA VM sizes (`kubernetes.azure.com/accelerator: nvidia`). */
  public static aks(options: AksNodePoolOptions = {}): GpuNodePool {
    checkListed('aks.vmSizes', options.vmSizes);
    checkListed('aks.products', options.products);
    const ofSizes = vmSizeProducts(options.vmSizes ?? []);
    checkAmong('aks.products', options.products, ofSizes, 'vmSizes', 'VM sizes');
    const selector: Record<string, string> = { [AKS_ACCELERATOR_LABEL]: 'nvidia' };
    const affinity: NodeLabelQuery[] = [];
    selectOneOrMany(selector, affinity, INSTANCE_TYPE_LABEL, options.vmSizes ?? [], 'aks.vmSizes');
    selectOne(selector, AKS_AGENTPOOL_LABEL, options.agentPool, 'aks.agentPool');
    return new GpuNodePool({
      nodeSelector: selector,
      requiredNodeAffinity: affinity,
      tolerations: options.tolerations ?? [NodeTaintQuery.is('sku', 'gpu', { effect: TaintEffect.NO_SCHEDULE })],
      products: statedProducts('aks.products', options.products, ofSizes, 'vmSizes'),
      runtimeClassName: options.runtimeClassName,
    }, 'aks');
  }

  /** Any placement, spelled out. */
  public static custom(options: GpuNodePoolOptions): GpuNodePool {
    checkListed('custom.products', options.products);
    return new GpuNodePool(options, 'custom');
  }

  /** Labels a node must carry. */
  public readonly nodeSelector?: Record<string, string>;
  /** Label expressions a node must match. */
  public readonly requiredNodeAffinity?: NodeLabelQuery[];
  /** Taints the pods tolerate. */
  public readonly tolerations?: NodeTaintQuery[];
  /** GPU products the pool guarantees, when known. */
  public readonly products?: GpuProduct[];
  /** The RuntimeClass the pods run with, when not the nodes' default runtime. */
  public readonly runtimeClassName?: string;

  /**
   * The MIG profile every GPU of the pool is partitioned into, each partition advertised as one `nvidia.com/gpu`:
   * `onPrem()`'s `gpuPartitionSize`, or what the node selector says: `cloud.google.com/gke-gpu-partition-size` when it
   * is a partition size (`1g.10gb`), or GPU Feature Discovery's `nvidia.com/gpu.product` as the single MIG strategy
   * writes it (`<product>-MIG-1g.10gb`). Undefined for whole GPUs.
   */
  public readonly gpuPartitionSize?: string;

  /**
   * Whether the pool's nodes advertise MIG slices as `nvidia.com/gpu` (GKE GPU partitions, or the device plugin's
   * `single` MIG strategy), and so never a `nvidia.com/mig-<profile>` resource.
   */
  public get advertisesMigAsGpu(): boolean {
    return this._gke || this.nodeSelector?.[GFD_MIG_STRATEGY_LABEL] === MigStrategy.SINGLE || this.gpuPartitionSize !== undefined;
  }

  /**
   * Whether the pool is GKE's (`gke()`, or a selector on GKE's partition label): GKE's device plugin advertises
   * every GPU and GPU partition as `nvidia.com/gpu`, never a MIG or `.shared` resource.
   * @internal
   */
  public get _gke(): boolean {
    return this.factory === 'gke' || this.nodeSelector?.[GKE_PARTITION_LABEL] !== undefined;
  }

  /**
   * Whether the pool selects nodes whose GPUs GPU Feature Discovery labels as not shared
   * (`nvidia.com/gpu.sharing-strategy: none`), which advertise no `nvidia.com/gpu.shared`.
   * @internal
   */
  public get _selectsExclusiveGpus(): boolean {
    return this.nodeSelector?.[GFD_SHARING_LABEL] === GpuSharing.NONE;
  }

  /**
   * How the pool's nodes share each GPU between containers when its selector says they do (GKE's time-sharing or
   * MPS label, GPU Feature Discovery's sharing label): each GPU the device plugin advertises is then a share.
   * Undefined for exclusive or unknown GPUs.
   * @internal
   */
  public get _gpuSharing(): { readonly sharing: GpuSharing; readonly gke: boolean } | undefined {
    const gke = this.nodeSelector?.[GKE_SHARING_LABEL];
    if (gke !== undefined) for (const [sharing, value] of GKE_SHARING_VALUE) if (gke === value) return { sharing, gke: true };
    const gfd = this.nodeSelector?.[GFD_SHARING_LABEL];
    if (gfd === GpuSharing.TIME_SLICING || gfd === GpuSharing.MPS) return { sharing: gfd, gke: false };
    return undefined;
  }

  /**
   * Whether the NVIDIA device plugin mounts its MPS daemon's shared memory at `/dev/shm` in each container (MPS
   * outside GKE: k8s-device-plugin's mpsOptions, daemon ShmDir): a `/dev/shm` volume of the pod would hide it.
   * @internal
   */
  public get _mountsMpsShm(): boolean {
    const shared = this._gpuSharing;
    return shared?.sharing === GpuSharing.MPS && !shared.gke;
  }

  /**
   * Whether the pool selects nodes by GPU Feature Discovery's whole-GPU sharing label, which says nothing about
   * the node's MIG slices.
   * @internal
   */
  public get _selectsWholeGpuSharing(): boolean {
    return this.nodeSelector?.[GFD_SHARING_LABEL] !== undefined;
  }

  /**
   * The most `nvidia.com/gpu` a pod can get from one node of the pool: the GPUs of the largest of the EC2 instance
   * types, Azure VM sizes or Compute Engine machine types it selects (`node.kubernetes.io/instance-type`, as `eks()`,
   * `aks()` and `gke()` select them), when the GPUs of each are known. Undefined otherwise, and where the resource may
   * count MIG slices or shares, which outnumber the GPUs.
   * @internal
   */
  public readonly _maxGpusPerNode?: { readonly gpus: number; readonly instanceType: string };

  /**
   * `factory`: the factory's name, for errors. `partitionSize`: the MIG profile of every GPU, when the selector says
   * so in a way `gpuPartitionSize` cannot read from it.
   */
  private constructor(options: GpuNodePoolOptions, private readonly factory: string, partitionSize?: string) {
    options = snapshot(options);
    checkDnsSubdomain(`${factory}.runtimeClassName`, options.runtimeClassName);
    checkLabels('nodeSelector', options.nodeSelector);
    for (const t of options.tolerations ?? []) checkToleration(`${factory}.tolerations`, t._toKube());
    for (const q of options.requiredNodeAffinity ?? []) checkNodeSelectorRequirement(`${factory}.requiredNodeAffinity`, q._toKube());
    this.nodeSelector = nonEmptyRecord(options.nodeSelector);
    this.requiredNodeAffinity = nonEmpty(options.requiredNodeAffinity);
    this.tolerations = nonEmpty(options.tolerations);
    this.products = nonEmpty(options.products);
    this.runtimeClassName = options.runtimeClassName;
    // GFD names the profile in the product label under the single MIG strategy: '<product>-MIG-<profile>'.
    const product = this.nodeSelector?.[GFD_PRODUCT_LABEL];
    const gfdSize = product?.includes(GFD_MIG_INFIX) ? product.slice(product.lastIndexOf(GFD_MIG_INFIX) + GFD_MIG_INFIX.length) : undefined;
    this.gpuPartitionSize = partitionSize ?? plainMigProfile(this.nodeSelector?.[GKE_PARTITION_LABEL]) ?? plainMigProfile(gfdSize);
    // Slices: a partition size, or GFD's single MIG strategy (a GKE pool's nvidia.com/gpu are whole GPUs unless
    // partitioned: GKE's device plugin advertises slices only on the partitioned nodes gpuPartitionSize selects).
    const slices = this.gpuPartitionSize !== undefined || (!this._gke && this.nodeSelector?.[GFD_MIG_STRATEGY_LABEL] === MigStrategy.SINGLE);
    this._maxGpusPerNode = slices || this._gpuSharing ? undefined : largestInstanceType(this.nodeSelector, this.requiredNodeAffinity);
  }
}

/**
 * The largest of the instance types (EC2), VM sizes (Azure) or machine types (Compute Engine) a selector and node
 * affinity select, with its GPUs; undefined unless the GPUs of all are known.
 */
function largestInstanceType(selector: Record<string, string> | undefined, affinity: NodeLabelQuery[] | undefined) {
  const one = selector?.[INSTANCE_TYPE_LABEL];
  const many = (affinity ?? []).map((q) => q._toKube()).find((r) => r.key === INSTANCE_TYPE_LABEL && r.operator === 'In')?.values;
  const types = one !== undefined ? [one] : many;
  const counts = (types ?? []).map(instanceTypeGpus);
  if (counts.length === 0 || counts.some((n) => n === undefined)) return undefined;
  const most = counts.indexOf(Math.max(...(counts as number[])));
  return { gpus: counts[most]!, instanceType: types![most] };
}

/** The GPU products of EC2 instance types, when each type's family has one GPU model; undefined otherwise. */
function familyProducts(instanceTypes: string[]): GpuProduct[] | undefined {
  return allKnown(instanceTypes.map((t) => EKS_FAMILY_PRODUCTS.get(t.includes('.') ? t.slice(0, t.indexOf('.')) : t)));
}

/** The products, each once, when there are some and each is known; undefined otherwise. */
function allKnown(products: Array<GpuProduct | undefined>): GpuProduct[] | undefined {
  if (products.length === 0 || products.some((p) => p === undefined)) return undefined;
  return dedupe(products as GpuProduct[]);
}

/** Throws unless each `given` product is one of `among`, the GPUs of what the pool selects (`field`), when known. */
function checkAmong(prop: string, given: GpuProduct[] | undefined, among: GpuProduct[] | undefined, field: string, words: string): void {
  const stray = among && given?.find((p) => !hasProduct(among, p));
  if (stray) {
    throw propError(prop, `GPUs of the ${field} (${among.map((p) => p.label).join(', ')}): products size the GPU memory budget`, stray.label,
      `list the products of those ${words}, or leave products unset to take them from the ${words}`);
  }
}

/**
 * A pool's products: the `given` ones, checked to list every product its nodes may have (`derived`, from what the
 * pool selects) and completed from those; else `derived`. A workload's GPU memory budget is that of the smallest
 * listed product, so a product left out could be a smaller GPU the pods land on. A given product with a label the
 * library does not know stands for GPUs it cannot name: it is not checked.
 */
function statedProducts(prop: string, given: GpuProduct[] | undefined, derived: GpuProduct[] | undefined, from: string): GpuProduct[] | undefined {
  if (!given) return derived;
  const missing = derived && given.every((p) => hasProduct(derived, p)) ? derived.filter((p) => !hasProduct(given, p)) : [];
  if (missing.length > 0) {
    throw propError(prop, `every GPU the pool's nodes may have (${derived!.map((p) => p.label).join(', ')}, from ${from}): a memory budget is the smallest's`,
      given.map((p) => p.label).join(', '), `add ${missing.map((p) => p.label).join(', ')}, or leave products unset to take them from ${from}`);
  }
  return withKnownFacts(prop, given, derived);
}

/**
 * The products that both `first` and `second` stand for, where a node must match the two selectors they come from;
 * either alone where the other is unknown. Throws when they have none in common: no node would match.
 */
function productsOfBoth(
  prop: string, first: GpuProduct[] | undefined, second: GpuProduct[] | undefined, secondField: string, shown: string | undefined, fix: string,
): GpuProduct[] | undefined {
  if (!first || !second) return first ?? second;
  const both = first.filter((p) => hasProduct(second, p));
  if (both.length === 0) {
    throw propError(prop, `GPUs the ${secondField} have (${second.map((p) => p.label).join(', ')}): a node matches both selectors`, shown, fix);
  }
  return both;
}

/**
 * `given` products, each completed from the known product with its label (`known`): the memory or compute capability
 * a `GpuProduct.of()` leaves out. Throws on a memory above the known one's, which no driver reports.
 */
function withKnownFacts(prop: string, given: GpuProduct[], known: GpuProduct[] | undefined): GpuProduct[] {
  return given.map((p) => {
    const k = known?.find((x) => x.label === p.label);
    if (!k || p === k) return p;
    const mib = (size: Size) => size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (p.memory && k.memory && mib(p.memory) > mib(k.memory)) {
      throw propError(prop, `GPU memory at most what ${k.label} has (${mib(k.memory)} MiB, as current drivers report it)`, `${mib(p.memory)} MiB`,
        "give the node's nvidia.com/gpu.memory, or leave the memory out to take the known one");
    }
    return p.memory && p.computeCapability ? p : GpuProduct.of(p.label, p.memory ?? k.memory, p.computeCapability ?? k.computeCapability);
  });
}

/**
 * Whether `products` hold `product`, by GFD label: a product stated with `GpuProduct.of()` (another driver's memory)
 * is the same GPU as the constant with its label.
 */
function hasProduct(products: GpuProduct[], product: GpuProduct): boolean {
  return products.some((p) => p.label === product.label);
}

/** The GkeAccelerator constant with label value `value`, and its name; undefined for a value the library has none for. */
function knownAccelerator(value: string): { readonly name: string; readonly accelerator: GkeAccelerator } | undefined {
  const found = Object.entries(GkeAccelerator).find(([, a]) => a instanceof GkeAccelerator && a.value === value);
  return found && { name: found[0], accelerator: found[1] as GkeAccelerator };
}

/** The GPU product of a Compute Engine machine type: its own, or its accelerator constant's; undefined when unknown. */
function machineTypeProduct(type: string): GpuProduct | undefined {
  const machine = gceMachine(type);
  return machine?.product ?? (machine?.accelerator !== undefined ? knownAccelerator(machine.accelerator)?.accelerator.product : undefined);
}

/** The GPU products of Azure VM sizes, when the library knows the GPU of each; undefined otherwise. */
function vmSizeProducts(vmSizes: string[]): GpuProduct[] | undefined {
  return allKnown(vmSizes.map((size) => AZURE_VM_GPUS.get(size.toLowerCase())?.product));
}


const LABEL_KEY_TEXT = `label keys (${QUALIFIED_NAME_RULE})`;
const LABEL_VALUE_TEXT = `label values (${LABEL_VALUE_RULE})`;

/** Throws on a toleration the apiserver refuses (ValidateTolerations): its key, its value against its operator. */
function checkToleration(prop: string, t: k8s.Toleration): void {
  const shown = `${t.key ?? '<any key>'} ${t.operator ?? 'Equal'} ${t.value ?? ''}`.trim();
  if (t.key !== undefined && t.key !== '' && !isQualifiedName(t.key)) throw propError(prop, `tolerations of taint keys, which are ${LABEL_KEY_TEXT}`, shown);
  if (!t.key && t.operator !== 'Exists') throw propError(prop, 'tolerations that name a key, unless they match any taint (NodeTaintQuery.any())', shown);
  if (t.operator === 'Equal' && t.value !== undefined && t.value !== '' && !LABEL_VALUE.test(t.value)) {
    throw propError(prop, `tolerations of taint values, which are ${LABEL_VALUE_TEXT}`, shown);
  }
}

/**
 * Throws on a node label expression the apiserver refuses (ValidateNodeSelectorRequirement) or that no node label
 * can ever match: a label key; one value or more for In and NotIn, In's being label values (or empty, as role
 * labels are); one integer for Gt and Lt.
 */
function checkNodeSelectorRequirement(prop: string, r: k8s.NodeSelectorRequirement): void {
  const values = r.values ?? [];
  const shown = `${r.key} ${r.operator} [${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (!isQualifiedName(r.key)) throw propError(prop, `expressions on ${LABEL_KEY_TEXT}`, shown);
  if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) {
    throw propError(prop, `expressions whose ${r.operator} lists one value or more`, shown);
  }
  if (r.operator === 'In' && values.some((v) => v !== '' && !LABEL_VALUE.test(v))) {
    throw propError(prop, `expressions whose In lists ${LABEL_VALUE_TEXT} (a node label holds no other, so the pods would never be placed)`, shown);
  }
  if ((r.operator === 'Gt' || r.operator === 'Lt') && (values.length !== 1 || !/^[-+]?\d{1,18}$/.test(values[0]))) {
    throw propError(prop, `expressions whose ${r.operator} compares with one integer (the label is read as a number)`, shown);
  }
}

/** The `nvidia.com/gpu:NoSchedule` taint, with any value (`present`, `true` ...). */
function gpuTaintToleration(): NodeTaintQuery {
  return NodeTaintQuery.exists('nvidia.com/gpu', { effect: TaintEffect.NO_SCHEDULE });
}

/** One value is a node selector entry, several an `In` expression; every value must be a label value. */
function selectOneOrMany(selector: Record<string, string>, affinity: NodeLabelQuery[], key: string, values: string[], prop: string): void {
  for (const value of values) checkLabelValue(prop, value);
  if (new Set(values).size !== values.length) throw propError(prop, 'free of duplicates', values.join(','));
  if (values.length === 1) selector[key] = values[0];
  if (values.length > 1) affinity.push(NodeLabelQuery.in(key, values));
}

/** `profile` when it is a MIG profile without attributes (`1g.10gb`), else undefined. */
function plainMigProfile(profile: string | undefined): string | undefined {
  return profile !== undefined && PLAIN_MIG_PROFILE.test(profile) ? profile : undefined;
}

/** Throws on a list given empty: left unset it matches any, so an empty one is a slip (a filter that matched nothing), not a choice. */
function checkListed(prop: string, list: readonly unknown[] | undefined): void {
  if (list !== undefined && list.length === 0) throw propError(prop, 'at least one entry, or unset to match any', 'none');
}

/** `value`, when given, as the node selector entry `key`, checked under the prop that named it. */
function selectOne(selector: Record<string, string>, key: string, value: string | undefined, prop: string): void {
  if (value === undefined) return;
  if (!LABEL_VALUE.test(value)) throw propError(prop, `a label value (the node label ${key} holds it; 63 characters of [A-Za-z0-9-_.])`, value);
  selector[key] = value;
}

function checkLabelValue(prop: string, value: string, fix?: string): void {
  if (!LABEL_VALUE.test(value)) throw propError(prop, 'valid label values (63 characters of [A-Za-z0-9-_.])', value, fix);
}

function sharingName(sharing: GpuSharing): string {
  return sharing === GpuSharing.MPS ? 'MPS' : 'TIME_SLICING';
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function nonEmpty<T>(items?: T[]): T[] | undefined {
  return items && items.length > 0 ? [...items] : undefined;
}

function nonEmptyRecord(record?: Record<string, string>): Record<string, string> | undefined {
  return record && Object.keys(record).length > 0 ? { ...record } : undefined;
}
