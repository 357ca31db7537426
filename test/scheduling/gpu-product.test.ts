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

  test('fails on a label value Kubernetes would reject', () => {
    expect(() => GpuProduct.of('NVIDIA A100')).toThrow(/'GpuProduct.of\(label\)' must be a Kubernetes label value .* got 'NVIDIA A100'/);
  });
});
