import { IConstruct } from 'constructs';
import { propError } from '../_errors';

/** Flags made with KnativeFeature.of() that the library does not model, one object per flag. */
const CUSTOM_FEATURES = new Map<string, KnativeFeature>();

/**
 * A flag in Knative Serving's `config-features` ConfigMap that lets the admission webhook accept a pod-spec
 * field. Names and defaults are Knative Serving's (`pkg/apis/config/features.go`).
 */
export class KnativeFeature {
  /** `spec.affinity`. */
  public static readonly AFFINITY = new KnativeFeature('kubernetes.podspec-affinity', 'affinity');
  /** `spec.nodeSelector`. */
  public static readonly NODE_SELECTOR = new KnativeFeature('kubernetes.podspec-nodeselector', 'nodeSelector');
  /** `spec.tolerations`. */
  public static readonly TOLERATIONS = new KnativeFeature('kubernetes.podspec-tolerations', 'tolerations');
  /** `spec.topologySpreadConstraints`. */
  public static readonly TOPOLOGY_SPREAD_CONSTRAINTS = new KnativeFeature('kubernetes.podspec-topologyspreadconstraints', 'topologySpreadConstraints');
  /** Pod-level `spec.securityContext` (fsGroup, supplementalGroups ...). */
  public static readonly SECURITY_CONTEXT = new KnativeFeature('kubernetes.podspec-securitycontext', 'securityContext');
  /** `spec.initContainers`. */
  public static readonly INIT_CONTAINERS = new KnativeFeature('kubernetes.podspec-init-containers', 'initContainers');
  /** `persistentVolumeClaim` volumes. */
  public static readonly PERSISTENT_VOLUME_CLAIM = new KnativeFeature('kubernetes.podspec-persistent-volume-claim', 'volumes[].persistentVolumeClaim');
  /** `persistentVolumeClaim` volumes not marked `readOnly` (however they are mounted). */
  public static readonly PERSISTENT_VOLUME_WRITE = new KnativeFeature('kubernetes.podspec-persistent-volume-write', 'volumes[].persistentVolumeClaim without readOnly');
  /** `emptyDir` volumes; enabled by default. */
  public static readonly EMPTY_DIR = new KnativeFeature('kubernetes.podspec-volumes-emptydir', 'volumes[].emptyDir', true);
  /** `hostPath` volumes. */
  public static readonly HOST_PATH = new KnativeFeature('kubernetes.podspec-volumes-hostpath', 'volumes[].hostPath');
  /** `csi` volumes. */
  public static readonly CSI = new KnativeFeature('kubernetes.podspec-volumes-csi', 'volumes[].csi');
  /** `env[].valueFrom.fieldRef` and `resourceFieldRef`. */
  public static readonly FIELD_REF = new KnativeFeature('kubernetes.podspec-fieldref', 'env[].valueFrom.fieldRef');
  /** `spec.runtimeClassName`. */
  public static readonly RUNTIME_CLASS_NAME = new KnativeFeature('kubernetes.podspec-runtimeclassname', 'runtimeClassName');
  /** `spec.priorityClassName`. */
  public static readonly PRIORITY_CLASS_NAME = new KnativeFeature('kubernetes.podspec-priorityclassname', 'priorityClassName');
  /** `spec.schedulerName`. */
  public static readonly SCHEDULER_NAME = new KnativeFeature('kubernetes.podspec-schedulername', 'schedulerName');
  /** `securityContext.capabilities.add`. */
  public static readonly ADD_CAPABILITIES = new KnativeFeature('kubernetes.containerspec-addcapabilities', 'capabilities.add');
  /** More than one container; enabled by default. */
  public static readonly MULTI_CONTAINER = new KnativeFeature('multi-container', 'containers[1..]', true);

  /**
   * A flag by its `config-features` key: one of the above (the same object), or one this library does not model,
   * such as `kubernetes.podspec-hostipc` or `kubernetes.podspec-dnspolicy`, for the KnativeFeatures that writes
   * every flag its cluster's apps need. The library never finds such a flag in a rendered pod spec (a field set
   * through the escape hatch): list it in `enabled`.
   * @param flag the key in config-features
   * @param field the pod-spec field it gates, for messages
   */
  public static of(flag: string, field?: string): KnativeFeature {
    const known = Object.values(KnativeFeature).find((f): f is KnativeFeature => f instanceof KnativeFeature && f.flag === flag);
    if (known) return known;
    // A ConfigMap key Knative's features.go could define: lowercase words joined by '.' and '-'.
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(flag) || flag.length > 253) {
      throw propError('KnativeFeature.of(flag)', "a config-features key such as 'kubernetes.podspec-hostipc' (lowercase letters, digits, '.' and '-')", flag);
    }
    let custom = CUSTOM_FEATURES.get(flag);
    if (!custom) {
      custom = new KnativeFeature(flag, field ?? flag);
      CUSTOM_FEATURES.set(flag, custom);
    }
    return custom;
  }

  private constructor(
    /** The key in `config-features`. */
    public readonly flag: string,
    /** The pod-spec field it gates. */
    public readonly field: string,
    /** Whether a default Knative install already enables it. */
    public readonly enabledByDefault: boolean = false,
  ) {}
}

/**
 * Something in the app whose output needs Knative feature flags. The library's Knative workloads implement it, and
 * `KnativeFeatures` collects the flags of those in its cluster; it does not find other implementations: the flags
 * of Knative objects the app writes itself go in `KnativeFeatures`' `enabled`.
 */
export interface IKnativeFeatureConsumer extends IConstruct {
  /** The flags its output needs, including the ones enabled by default. */
  readonly requiredKnativeFeatures: KnativeFeature[];
}
