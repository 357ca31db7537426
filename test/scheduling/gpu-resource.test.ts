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
  });

  test('takes the profile attributes go-nvlib names (+me, +me.all, +gfx, -me)', () => {
    expect(GpuResource.mig('1g.10gb+me.all').name).toBe('nvidia.com/mig-1g.10gb.me.all');
    expect(GpuResource.mig('2g.20gb+gfx').name).toBe('nvidia.com/mig-2g.20gb.gfx');
    expect(GpuResource.mig('1g.10gb-me').name).toBe('nvidia.com/mig-1g.10gb-me');
    // One attribute at most, as go-nvlib's parser takes them; up to 8 slices.
    for (const bad of ['1g.10gb+vid', '1g.10gb+', '0g.5gb', '9g.10gb', '1g.10gb-me+me', '1g.10gb+me-me', '1g.10gb+me+gfx']) {
      expect(() => GpuResource.mig(bad)).toThrow(`'GpuResource.mig(profile)' must be a MIG profile such as '1g.10gb' or '3g.40gb', got '${bad}'`);
    }
  });

  test('a media-extension profile gets the resource name the device plugin advertises (+ becomes .)', () => {
    const me = GpuResource.mig('1g.5gb+me');
    expect(me.name).toBe('nvidia.com/mig-1g.5gb.me');
    expect(me.migProfile).toBe('1g.5gb+me');
    // A resource name the apiserver accepts: custom() checks the qualified-name rule and refuses a '+'.
    expect(GpuResource.custom(me.name).name).toBe(me.name);
    expect(() => GpuResource.custom('nvidia.com/mig-1g.5gb+me')).toThrow(/qualified extended resource name/);
  });

  test('custom resources', () => {
    expect(GpuResource.custom('habana.ai/gaudi').name).toBe('habana.ai/gaudi');
  });

  test('fails on a malformed MIG profile', () => {
    expect(() => GpuResource.mig('3g40gb')).toThrow(/'GpuResource.mig\(profile\)' must be a MIG profile such as '1g.10gb' or '3g.40gb', got '3g40gb'/);
  });

  test('fails on an unqualified custom resource', () => {
    expect(() => GpuResource.custom('gpu')).toThrow(/'GpuResource.custom\(name\)' must be a qualified extended resource name .* got 'gpu'/);
    // The apiserver keeps kubernetes.io for native resources, and a name part has at most 63 characters.
    expect(() => GpuResource.custom('example.kubernetes.io/gpu')).toThrow('must be a qualified extended resource name outside kubernetes.io');
    expect(() => GpuResource.custom('foo-kubernetes.io/gpu')).toThrow("got 'foo-kubernetes.io/gpu'");
    expect(() => GpuResource.custom(`vendor.example.com/${'g'.repeat(64)}`)).toThrow('must be a qualified extended resource name outside kubernetes.io');
  });
});
