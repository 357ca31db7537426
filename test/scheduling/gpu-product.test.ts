import { Size } from 'cdk8s';
import { GpuProduct } from '../../src';

describe('GpuProduct', () => {
  test('known products carry the GFD label and the memory the driver reports (nvidia-smi), not the marketing size', () => {
    expect(GpuProduct.A100_SXM4_40GB.label).toBe('NVIDIA-A100-SXM4-40GB');
    expect(GpuProduct.A100_SXM4_40GB.memory?.toMebibytes()).toBe(40960);
    expect(GpuProduct.T4.label).toBe('Tesla-T4');
    expect(GpuProduct.H100_80GB_HBM3.memory?.toMebibytes()).toBe(81559);
    expect(GpuProduct.L4.memory?.toMebibytes()).toBe(23034);
    expect(GpuProduct.T4.memory?.toMebibytes()).toBe(15360);
  });

  test('other products by label', () => {
    const p = GpuProduct.of('NVIDIA-RTX-A6000', Size.gibibytes(48));
    expect(p.label).toBe('NVIDIA-RTX-A6000');
    expect(p.memory?.toGibibytes()).toBe(48);
    expect(GpuProduct.of('NVIDIA-GH200-480GB').memory).toBeUndefined();
  });

  test('compute capabilities: the known products\', and one given with another product', () => {
    const products = [GpuProduct.V100_SXM2_16GB, GpuProduct.T4, GpuProduct.A100_SXM4_80GB, GpuProduct.A100_PCIE_80GB, GpuProduct.A10G, GpuProduct.L4,
      GpuProduct.L40S, GpuProduct.H100_80GB_HBM3, GpuProduct.H100_NVL];
    expect(products.map((p) => p.computeCapability)).toEqual(['7.0', '7.5', '8.0', '8.0', '8.6', '8.9', '8.9', '9.0', '9.0']);
    expect(GpuProduct.of('NVIDIA-B200', Size.gibibytes(180), '10.0').computeCapability).toBe('10.0');
    expect(GpuProduct.of('NVIDIA-RTX-A6000').computeCapability).toBeUndefined();
    expect(() => GpuProduct.of('NVIDIA-B200', undefined, 'sm_100')).toThrow("'GpuProduct.of(computeCapability)' must be a CUDA compute capability '<major>.<minor>', such as '8.9', got 'sm_100'");
  });

  test('the PCIe A100 80 GB, the H100 NVL and the V100 as GPU Feature Discovery labels them, with the memory current drivers report', () => {
    expect([GpuProduct.A100_PCIE_80GB.label, GpuProduct.A100_PCIE_80GB.memory?.toMebibytes()]).toEqual(['NVIDIA-A100-80GB-PCIe', 81920]);
    expect([GpuProduct.H100_NVL.label, GpuProduct.H100_NVL.memory?.toMebibytes()]).toEqual(['NVIDIA-H100-NVL', 95830]);
    // What current drivers report (GFD dumps): 16160 MiB was an older driver's figure.
    expect([GpuProduct.V100_SXM2_16GB.label, GpuProduct.V100_SXM2_16GB.memory?.toMebibytes()]).toEqual(['Tesla-V100-SXM2-16GB', 16384]);
  });

  test('fails on a label value Kubernetes would reject', () => {
    expect(() => GpuProduct.of('NVIDIA A100')).toThrow(/'GpuProduct.of\(label\)' must be a Kubernetes label value .* got 'NVIDIA A100'/);
  });
});
