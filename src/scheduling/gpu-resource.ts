import { propError } from '../_errors';
import { isExtendedResourceName, MIG_PROFILE } from '../_names';


/**
 * The extended resource a workload asks the device plugin for.
 *
 * Always rendered as a request equal to the limit: Kubernetes does not overcommit extended resources.
 */
export class GpuResource {
  /** A whole NVIDIA GPU (`nvidia.com/gpu`), advertised by the NVIDIA device plugin or GPU Operator. */
  public static readonly NVIDIA = new GpuResource('nvidia.com/gpu');
  /**
   * A time-sliced share of an NVIDIA GPU, as the device plugin advertises it when its sharing config sets
   * `renameByDefault: true` (`nvidia.com/gpu.shared`).
   */
  public static readonly NVIDIA_SHARED = new GpuResource('nvidia.com/gpu.shared');
  /** An AMD GPU (`amd.com/gpu`), advertised by the ROCm device plugin. */
  public static readonly AMD = new GpuResource('amd.com/gpu');
  /** An Intel GPU (`gpu.intel.com/i915`), advertised by the Intel GPU device plugin. */
  public static readonly INTEL = new GpuResource('gpu.intel.com/i915');

  /**
   * A MIG slice of an NVIDIA A100/H100-class GPU under the device plugin's `mixed` strategy
   * (`nvidia.com/mig-<profile>`, e.g. `1g.10gb`, `3g.40gb`). Profiles with attributes (`1g.10gb+me`,
   * `1g.10gb+me.all`, `1g.10gb+gfx`, `1g.10gb-me`) are advertised with each `+` as a `.`
   * (`nvidia.com/mig-1g.10gb.me`), as the device plugin names them.
   */
  public static mig(profile: string): GpuResource {
    if (!MIG_PROFILE.test(profile)) {
      throw propError('GpuResource.mig(profile)', "a MIG profile such as '1g.10gb' or '3g.40gb'", profile, 'use the profile name `nvidia-smi mig -lgip` prints');
    }
    // A resource name allows no '+': the device plugin replaces it (k8s-device-plugin internal/rm/rm.go).
    return new GpuResource(`nvidia.com/mig-${profile.replace(/\+/g, '.')}`, profile);
  }

  /**
   * The NVIDIA resource named `name` in a rendered pod spec (`nvidia.com/gpu`, `nvidia.com/gpu.shared`,
   * `nvidia.com/mig-<profile>` with each `+` written as `.`), or undefined for any other name.
   * @internal
   */
  public static _ofNvidiaName(name: string): GpuResource | undefined {
    if (name === GpuResource.NVIDIA.name) return GpuResource.NVIDIA;
    if (name === GpuResource.NVIDIA_SHARED.name) return GpuResource.NVIDIA_SHARED;
    const m = /^nvidia\.com\/mig-([1-8]g\.\d+gb)(?:\.(me\.all|me|gfx)|(-me))?$/.exec(name);
    return m ? GpuResource.mig(m[1] + (m[2] ? `+${m[2]}` : m[3] ?? '')) : undefined;
  }

  /** Any other vendor's extended resource, by its fully qualified name (`vendor.example.com/gpu`). */
  public static custom(name: string): GpuResource {
    if (!isExtendedResourceName(name)) {
      throw propError('GpuResource.custom(name)', "a qualified extended resource name outside kubernetes.io, such as 'vendor.example.com/gpu'", name);
    }
    return new GpuResource(name);
  }

  private constructor(
    /** The resource name, e.g. `nvidia.com/gpu`. */
    public readonly name: string,
    /** The MIG profile when this is a MIG slice. */
    public readonly migProfile?: string,
  ) {}
}
