import { GpuResource } from '../../src';

describe('GpuResource', () => {
  test('well-known vendors', () => {
    expect(GpuResource.NVIDIA.name).toBe('nvidia.com/gpu');
    expect(GpuResource.NVIDIA_SHARED.name).toBe('nvidia.com/gpu.shared');
    expect(GpuResource.AMD.name).toBe('amd.com/gpu');
    expect(GpuResource.INTEL.name).toBe('gpu.intel.com/i915');
  });

  test('MIG profiles', () => {
    const mig = GpuResource.mig('1g.10gb');
    expect(mig.name).toBe('nvidia.com/mig-1g.10gb');
    expect(mig.migProfile).toBe('1g.10gb');
    expect(GpuResource.mig('1g.5gb+me').name).toBe('nvidia.com/mig-1g.5gb+me');
  });

  test('custom resources', () => {
    expect(GpuResource.custom('habana.ai/gaudi').name).toBe('habana.ai/gaudi');
  });

  test('fails on a malformed MIG profile', () => {
    expect(() => GpuResource.mig('3g40gb')).toThrow(/'GpuResource.mig\(profile\)' must be a MIG profile such as '1g.10gb' or '3g.40gb', got '3g40gb'/);
  });

  test('fails on an unqualified custom resource', () => {
    expect(() => GpuResource.custom('gpu')).toThrow(/'GpuResource.custom\(name\)' must be a qualified extended resource name .* got 'gpu'/);
  });
});
