import { Size } from 'cdk8s';
import { propError } from '../_errors';
import { COMPUTE_CAPABILITY, LABEL_VALUE } from '../_names';

/**
 * A GPU model as NVIDIA GPU Feature Discovery labels it (`nvidia.com/gpu.product`), with its memory as the driver
 * reports it (nvidia-smi, and GFD's `nvidia.com/gpu.memory`): a little below the marketing size, e.g. 23034 MiB for
 * a 24 GB L4. The constants hold what current drivers report; older ones report up to a few hundred MiB less (R470:
 * 40536 MiB for an A100 40 GB, 81251 for 80 GB; 15109 for a T4, 16160 for a V100 16 GB). Where a node's drivers are
 * older and a memory budget is tight, state the product with `of()` and the node's `nvidia.com/gpu.memory`.
 *
 * Used to place workloads on a product and to check that models fit in GPU memory.
 */
export class GpuProduct {
  /** NVIDIA A100 SXM4 40 GB. */
  public static readonly A100_SXM4_40GB = new GpuProduct('NVIDIA-A100-SXM4-40GB', Size.mebibytes(40960), '8.0');
  /** NVIDIA A100 SXM4 80 GB. */
  public static readonly A100_SXM4_80GB = new GpuProduct('NVIDIA-A100-SXM4-80GB', Size.mebibytes(81920), '8.0');
  /** NVIDIA A100 PCIe 40 GB. */
  public static readonly A100_PCIE_40GB = new GpuProduct('NVIDIA-A100-PCIE-40GB', Size.mebibytes(40960), '8.0');
  /** NVIDIA A100 PCIe 80 GB (Azure NC A100 v4). */
  public static readonly A100_PCIE_80GB = new GpuProduct('NVIDIA-A100-80GB-PCIe', Size.mebibytes(81920), '8.0');
  /** NVIDIA H100 SXM5 80 GB (HBM3). */
  public static readonly H100_80GB_HBM3 = new GpuProduct('NVIDIA-H100-80GB-HBM3', Size.mebibytes(81559), '9.0');
  /** NVIDIA H100 NVL, 94 GB (PCIe, Azure NC H100 v5). */
  public static readonly H100_NVL = new GpuProduct('NVIDIA-H100-NVL', Size.mebibytes(95830), '9.0');
  /** NVIDIA L4, 24 GB. */
  public static readonly L4 = new GpuProduct('NVIDIA-L4', Size.mebibytes(23034), '8.9');
  /** NVIDIA L40S, 48 GB. */
  public static readonly L40S = new GpuProduct('NVIDIA-L40S', Size.mebibytes(46068), '8.9');
  /** NVIDIA A10G, 24 GB (AWS g5). */
  public static readonly A10G = new GpuProduct('NVIDIA-A10G', Size.mebibytes(23028), '8.6');
  /** NVIDIA Tesla T4, 16 GB. */
  public static readonly T4 = new GpuProduct('Tesla-T4', Size.mebibytes(15360), '7.5');
  /** NVIDIA Tesla V100 SXM2, 16 GB. */
  public static readonly V100_SXM2_16GB = new GpuProduct('Tesla-V100-SXM2-16GB', Size.mebibytes(16384), '7.0');

  /**
   * A product not listed here, by its exact `nvidia.com/gpu.product` label value; or a listed one with another
   * driver's memory. Pools that know their nodes' GPU (`eks()` instance types, `aks()` VM sizes, `gke()` machine types)
   * complete a known label with the memory and compute capability left out, and refuse more memory than it has.
   * @param memory the memory of one GPU as the driver reports it (nvidia-smi, the node's `nvidia.com/gpu.memory`
   * label in MiB), not the marketing size; needed for memory-budget checks
   * @param computeCapability its CUDA compute capability, `<major>.<minor>` as GFD's `nvidia.com/gpu.compute.major`
   * and `.minor` labels give it (e.g. '8.9'); needed to check images and TensorRT plans against the GPU
   */
  public static of(label: string, memory?: Size, computeCapability?: string): GpuProduct {
    if (!LABEL_VALUE.test(label)) {
      throw propError('GpuProduct.of(label)', "a Kubernetes label value such as 'NVIDIA-A100-SXM4-40GB'", label, 'copy the value from a node\'s nvidia.com/gpu.product label');
    }
    if (computeCapability !== undefined && !COMPUTE_CAPABILITY.test(computeCapability)) {
      throw propError('GpuProduct.of(computeCapability)', "a CUDA compute capability '<major>.<minor>', such as '8.9'", computeCapability);
    }
    return new GpuProduct(label, memory, computeCapability);
  }

  private constructor(
    /** The `nvidia.com/gpu.product` label value. */
    public readonly label: string,
    /** Memory of one GPU as the driver reports it, when known. */
    public readonly memory?: Size,
    /** Its CUDA compute capability (`<major>.<minor>`), when known. */
    public readonly computeCapability?: string,
  ) {}
}
