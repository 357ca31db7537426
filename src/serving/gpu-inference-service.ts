import { ApiObject, ApiObjectMetadata, Duration, Lazy, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { knativeFeaturesFix, knativeFeaturesOf, missingKnativeFeatures, registerKnativeFeatureConsumer } from './_knative-feature-state';
import { checkKnativePodSpec, containerConcurrencyLimit, MAX_REVISION_TIMEOUT, REVISION_TIMEOUT } from './_knative-pod-rules';
import { IKnativeFeatureConsumer, KnativeFeature } from './knative-feature';
import { KnativeRolloutOptions } from './knative-traffic';
import { imagePullerOf } from '../_cluster-scope';
import { checkWholeSeconds } from '../_duration';
import { checkInteger, propError } from '../_errors';
import { KNATIVE_SERVICE } from '../_kinds';
import { keyedMemo } from '../_memo';
import { checkAnnotations, checkDns1035Name, checkMetadata, clusterLocalHost } from '../_names';
import { sortedRecord } from '../_order';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { IEventSink, SinkDestination } from '../eventing/event-sink';
import { IPlaceableWorkload, PlaceableWorkload, WorkloadPlacement } from '../multicluster/karmada-placement';
import { checkPinnedImage } from '../scheduling/_image';
import { checkObjectStore, DEFAULT_MC_IMAGE, mcCaParts, mcContainer, normalizePrefix } from '../scheduling/_mc';
import { AuxiliaryContainer, PodTarget, quantity, renderPodSpec, resolveGpuPod, ResolvedPod } from '../scheduling/_pod-spec';
import { podSpecToWire } from '../scheduling/_wire';
import { GpuWorkloadProps } from '../scheduling/gpu-workload';
import { ObjectStoreOptions } from '../scheduling/object-store';


/** The protocol of the one port Knative routes to; the port name tells Knative which it is. */
export enum ServingProtocol {
  /** HTTP/1.1 (port name `http1`). */
  HTTP1 = 'http1',
  /** HTTP/2 without TLS, for gRPC (port name `h2c`). */
  H2C = 'h2c',
}

/** Knative's autoscaler implementations. */
export enum AutoscalerClass {
  /** Knative Pod Autoscaler: request-driven, scales to zero. */
  KPA = 'kpa.autoscaling.knative.dev',
  /**
   * Kubernetes HPA on CPU, memory or a custom per-pod metric (`ScalingMetric.custom`): never scales to zero. Needs
   * Knative's optional HPA component (`serving-hpa.yaml`); without it the Service is accepted and no HPA is made.
   */
  HPA = 'hpa.autoscaling.knative.dev',
}

/** How the KPA averages its metric over the window (`autoscaling.knative.dev/metric-aggregation-algorithm`). */
export enum MetricAggregation {
  /** Every sample of the window counts the same: Knative's default. */
  LINEAR = 'linear',
  /**
   * Recent samples count more, each older one less (weights decaying over the window): the autoscaler follows a
   * changed load sooner, and scales down sooner after a burst.
   */
  WEIGHTED_EXPONENTIAL = 'weightedExponential',
}

/** The metric the autoscaler targets (`autoscaling.knative.dev/metric`). */
export class ScalingMetric {
  /** In-flight requests per replica (KPA). */
  public static readonly CONCURRENCY = new ScalingMetric('concurrency', AutoscalerClass.KPA);
  /** Requests per second per replica (KPA). */
  public static readonly RPS = new ScalingMetric('rps', AutoscalerClass.KPA);
  /** CPU utilization, in percent of the CPU request (HPA). */
  public static readonly CPU = new ScalingMetric('cpu', AutoscalerClass.HPA);
  /** Average memory per replica; `target` in MiB (HPA). */
  public static readonly MEMORY = new ScalingMetric('memory', AutoscalerClass.HPA);

  /**
   * A per-pod metric the cluster's custom metrics API serves (`custom.metrics.k8s.io`, e.g. prometheus-adapter
   * over Triton's queue time or DCGM's GPU utilization), with AutoscalerClass.HPA: Knative gives the HPA a `Pods`
   * metric of this name, with `target` as its average value per replica (a whole number, required). Knative sets
   * up no adapter: the cluster must serve the metric for the revision's pods.
   * @param name the metric's name as the custom metrics API serves it, e.g. a prometheus-adapter rule's `name.as`
   */
  public static custom(name: string): ScalingMetric {
    // The HPA refuses names that are no URL path segment (the custom metrics API path ends in the name).
    if (name === '' || name === '.' || name === '..' || /[/%]/.test(name)) {
      throw propError('ScalingMetric.custom(name)', "a custom metrics API metric name (not empty, '.' or '..', without '/' or '%')", name);
    }
    const builtIn = [ScalingMetric.CONCURRENCY, ScalingMetric.RPS, ScalingMetric.CPU, ScalingMetric.MEMORY].find((m) => m.name === name);
    if (builtIn) throw propError('ScalingMetric.custom(name)', 'a name other than those Knative handles itself', name, `use ScalingMetric.${name.toUpperCase()}`);
    return new ScalingMetric(name, AutoscalerClass.HPA);
  }

  private constructor(
    /** The name the annotation carries. */
    public readonly name: string,
    /** The autoscaler class that scales on it. @internal */
    public readonly _autoscaler: AutoscalerClass,
  ) {}
}

/** How a probe checks the serving port. */
export enum ProbeCheck {
  /** An HTTP GET of `path`: a 2xx or 3xx answer passes. */
  HTTP_GET = 'httpGet',
  /**
   * A call to the standard gRPC health service (`grpc.health.v1.Health/Check`), for a server on an `h2c` port that
   * implements it; SERVING passes. Kubernetes 1.24 or later (1.27 made it GA); Knative's queue-proxy runs the
   * readiness probe.
   */
  GRPC = 'grpc',
  /** A TCP connect: passes once the port accepts connections. */
  TCP_SOCKET = 'tcpSocket',
}

/** A probe on the serving port, which the construct names: a probe cannot target another port of the container. */
export interface ServingProbeOptions {
  /**
   * How the probe checks the port.
   * @default ProbeCheck.HTTP_GET
   */
  readonly check?: ProbeCheck;
  /**
   * Path to GET; only with `ProbeCheck.HTTP_GET`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * The service name sent in the gRPC health check, for a server that reports per service; only with
   * `ProbeCheck.GRPC`.
   * @default - '' (the server as a whole)
   */
  readonly grpcService?: string;
  /**
   * Delay before the first probe.
   * @default - none
   */
  readonly initialDelay?: Duration;
  /**
   * How often to probe.
   *
   * A readiness probe without one (or with 0) is Knative's own: queue-proxy checks the container every 50 ms until it
   * passes, each try allowed 100 ms (queue-proxy's aggressive probing), so a pod scaled from zero takes traffic as
   * soon as it can. A period makes it a plain probe of that period, whose `timeout` may be longer, and which adds up
   * to a period to every cold start: give one to a check that can take longer than 100 ms.
   * @default - readiness: none (Knative's probing every 50 ms); startup and liveness: Duration.seconds(10)
   */
  readonly period?: Duration;
  /**
   * How long one probe may take; with a period only, on a readiness probe (Knative refuses it without one).
   * @default - Duration.seconds(1) with a period
   */
  readonly timeout?: Duration;
  /**
   * Consecutive failures before the probe gives up; with a period only, on a readiness probe (Knative refuses it
   * without one).
   * @default - 3 with a period
   */
  readonly failureThreshold?: number;
}

/**
 * Model weights downloaded before the server starts, from an S3-compatible store (MinIO, Ceph, S3) into a
 * shared emptyDir, by a pinned and hardened `mc mirror` init container; `prefix` is what is mirrored.
 */
export interface ModelWeightsOptions extends ObjectStoreOptions {
  /**
   * Where the weights appear in the serving container (mounted read-only).
   * @default '/models'
   */
  readonly mountPath?: string;
  /**
   * Size limit of the emptyDir the weights land in.
   * @default Size.gibibytes(10)
   */
  readonly sizeLimit?: Size;
  /**
   * The MinIO client image; must be pinned.
   * @default GpuInferenceService.DEFAULT_MC_IMAGE
   */
  readonly image?: string;
}

/** How a Knative Service is reached, scales and times out: what GpuInferenceService and TritonKnativeService share. */
export interface KnativeScalingOptions {
  /**
   * Only reachable inside the cluster (`networking.knative.dev/visibility: cluster-local`), as event-driven
   * services usually are; false exposes it through the cluster's Knative ingress.
   * @default - false; true on a TritonKnativeService, whose HTTP and gRPC ports also serve Triton's logging, trace,
   * statistics, shared-memory and repository APIs (expose it with `restrictedApi`, or behind a gateway)
   */
  readonly clusterLocal?: boolean;
  /**
   * Fewest replicas Knative keeps running.
   * @default 0 - scales to zero when idle; 1 with `AutoscalerClass.HPA`, which cannot scale to zero
   */
  readonly minScale?: number;
  /**
   * Most replicas Knative runs; caps GPU spend.
   * @default - the cluster's `max-scale` (unbounded unless configured)
   */
  readonly maxScale?: number;
  /**
   * Replicas a new revision starts with. 0 (a new revision takes no GPU until its first request) needs
   * `allow-zero-initial-scale` in the cluster's `config-autoscaler`, declared with `allowZeroInitialScale`; with a
   * `minScale` above it, the revision scales to `minScale` once it takes traffic.
   * @default - the cluster's `initial-scale` (1)
   */
  readonly initialScale?: number;
  /**
   * The cluster's `allow-zero-initial-scale` (config-autoscaler) is `true`, for a cluster that enabled it:
   * `initialScale` may then be 0. Enable it in the cluster first: elsewhere Knative's webhook refuses the Service
   * (`initial-scale=0 not allowed by cluster`).
   * @default false - Knative's default
   */
  readonly allowZeroInitialScale?: boolean;
  /**
   * Replicas to scale to from zero at once (at least 2), so a burst does not wait for several cold starts (KPA
   * only).
   * @default - 1
   */
  readonly activationScale?: number;
  /**
   * How long a scale-down decision must hold before replicas are removed; smooths bursty GPU traffic (KPA only;
   * with AutoscalerClass.HPA `window` is the scale-down stabilization).
   * @default - the cluster's `scale-down-delay` (0s)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * The autoscaling window, 6s to 1h: the KPA's stable window, or, with AutoscalerClass.HPA, the HPA's
   * stabilization window for scaling up and down.
   * @default - the cluster's `stable-window` (60s) for KPA; the HPA's own (300s down, 0s up)
   */
  readonly window?: Duration;
  /**
   * Percentage of `target` the autoscaler aims for, 1 to 100, fractions allowed (KPA only).
   * @default - the cluster's default (70)
   */
  readonly targetUtilizationPercentage?: number;
  /**
   * How the autoscaler averages the metric over the window (KPA only).
   * @default MetricAggregation.LINEAR - Knative's default
   */
  readonly metricAggregation?: MetricAggregation;
  /**
   * Requests of spare capacity the activator keeps buffering for before it leaves the request path
   * (`target-burst-capacity`): 0 takes it out as soon as replicas run, -1 keeps it in always (KPA only).
   * @default - the cluster's `target-burst-capacity` (200)
   */
  readonly targetBurstCapacity?: number;
  /**
   * How long the last replica stays after the autoscaler decided to scale to zero (KPA only, at most 1h):
   * keeps a GPU model loaded through a short lull.
   * @default - the cluster's `scale-to-zero-pod-retention-period` (0s)
   */
  readonly scaleToZeroPodRetention?: Duration;
  /**
   * The panic window as a percentage of `window`, 1 to 100 (KPA only).
   * @default - the cluster's `panic-window-percentage` (10)
   */
  readonly panicWindowPercentage?: number;
  /**
   * Load, as a percentage of the capacity of the running replicas, that puts the autoscaler in panic mode,
   * 110 to 1000 (KPA only).
   * @default - the cluster's `panic-threshold-percentage` (200)
   */
  readonly panicThresholdPercentage?: number;
  /**
   * Request timeout (`timeoutSeconds`); at most the cluster's `max-revision-timeout-seconds` (`maxRevisionTimeout`).
   * @default - the cluster's `revision-timeout-seconds` (300s)
   */
  readonly timeout?: Duration;
  /**
   * The cluster's `max-revision-timeout-seconds` (config-defaults), for a cluster that raised it: `timeout` and
   * the other request timeouts are checked against it. Raise it in the cluster first: the webhook refuses a
   * longer timeout.
   * @default Duration.seconds(600) - Knative's default
   */
  readonly maxRevisionTimeout?: Duration;
  /**
   * The cluster's `container-concurrency-max-limit` (config-defaults), for a cluster that raised it:
   * `containerConcurrency` is checked against it.
   * @default 1000 - Knative's default
   */
  readonly containerConcurrencyMaxLimit?: number;
  /**
   * How long to wait for the first byte of a response (`responseStartTimeoutSeconds`); at most `timeout`, or
   * Knative's default request timeout (300s) when `timeout` is unset.
   * @default - `timeout` when it is set (written out: Knative would otherwise cut the wait at the cluster's
   * `revision-response-start-timeout-seconds`, 300s by default, below a longer `timeout`); otherwise the cluster default
   */
  readonly responseStartTimeout?: Duration;
  /**
   * How long a request may stay idle, a started stream included (`idleTimeoutSeconds`); at most `timeout`, or
   * Knative's default request timeout (300s) when `timeout` is unset.
   * @default - the cluster default (0, no idle timeout)
   */
  readonly idleTimeout?: Duration;
}

/** Props of GpuInferenceService. */
export interface GpuInferenceServiceProps extends GpuWorkloadProps, KnativeScalingOptions, KnativeRolloutOptions {
  /**
   * Entrypoint override.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Metadata of the Knative Service. Labels are copied to the pods.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Annotations on the revision template (the pods), beside the ones this construct sets.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * The port the server listens on. Knative forbids its own ports 8008, 8012, 8013, 8022, 9090 and 9091. The
   * container runs as non-root without capabilities: a port below 1024 binds only where the runtime opens them to
   * unprivileged users (containerd 2.0, k3s, RKE2; not containerd 1.x or CRI-O).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The protocol of `port`.
   * @default ServingProtocol.HTTP1
   */
  readonly protocol?: ServingProtocol;
  /**
   * The autoscaler.
   * @default AutoscalerClass.KPA
   */
  readonly autoscalerClass?: AutoscalerClass;
  /**
   * The metric the autoscaler targets: CONCURRENCY or RPS with KPA; CPU, MEMORY or `ScalingMetric.custom()` with
   * HPA.
   * @default - ScalingMetric.CONCURRENCY for KPA, ScalingMetric.CPU for HPA
   */
  readonly metric?: ScalingMetric;
  /**
   * The per-replica target of `metric`: concurrent requests, requests/s, CPU utilization in percent, or, with
   * ScalingMetric.MEMORY, the average memory in MiB (Knative gives the HPA an average value of target Mi, not a
   * percentage), or a custom metric's average value (a whole number). At least 0.01. Required with MEMORY and
   * custom metrics: without a target Knative gives the HPA no metric, and Kubernetes scales it on 80% CPU.
   * @default - the cluster's default (100 concurrent requests) for KPA; 80% CPU for HPA
   */
  readonly target?: number;
  /**
   * Hard limit of requests one replica handles at once (`containerConcurrency`); 0 means unlimited. A GPU
   * model server that batches usually wants a small number here.
   * @default - 0, unlimited
   */
  readonly containerConcurrency?: number;
  /**
   * How long a new revision may take to become ready (`serving.knative.dev/progress-deadline`), and a revision
   * scaling from zero to activate before Knative scales it back: the `coldStartBudget` event retries are sized to.
   * GPU pods wait for a node, pull multi-GB images and load weights: minutes, not seconds.
   * @default Duration.minutes(10)
   */
  readonly progressDeadline?: Duration;
  /**
   * Readiness probe on the serving port. Without a `period`, Knative's queue-proxy runs it every 50 ms until the
   * container is ready, as it does its default probe, each try allowed 100 ms: give it a period (and a `timeout`) for
   * a check that can take longer, or is too heavy to repeat that often.
   * @default - Knative's default TCP probe on the serving port, every 50 ms until ready
   */
  readonly readinessProbe?: ServingProbeOptions;
  /**
   * Startup probe on the serving port (named explicitly: Knative does not fill it in for startup probes); size its
   * budget (initialDelay + failureThreshold × the longer of period and timeout: the kubelet runs one try at a time)
   * for model loading, within `progressDeadline`.
   * @default - none
   */
  readonly startupProbe?: ServingProbeOptions;
  /**
   * Liveness probe on the serving port.
   * @default - none
   */
  readonly livenessProbe?: ServingProbeOptions;
  /**
   * Download model weights before the server starts.
   * @default - none: the image carries its weights
   */
  readonly modelWeights?: ModelWeightsOptions;
}

const RESERVED_ANNOTATION_PREFIXES = ['autoscaling.knative.dev/', 'serving.knative.dev/'];
/** The progress deadline unless set: GPU pods wait for a node, pull big images and load weights. */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/**
 * A GPU model server as a Knative Serving `Service` that scales to zero when idle.
 *
 * Creates: one `serving.knative.dev/v1` Service whose revision template requests GPUs (request == limit),
 * tolerates GPU taints, runs hardened (non-root, read-only root filesystem with `/tmp` and `/dev/shm`
 * scratch, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault) and carries the
 * autoscaling annotations; optionally an init container that downloads model weights.
 *
 * Prerequisites: Knative Serving 1.17 or later (whose webhook takes the explicit `privileged: false`), the NVIDIA
 * device plugin (or GPU Operator), and the Knative feature flags listed in `requiredKnativeFeatures` (add a
 * `KnativeFeatures` to the app to emit them; synth fails otherwise, because a default install would reject the
 * Service).
 *
 * @example
 * new GpuInferenceService(chart, 'classifier', {
 *   image: 'registry.example.com/resnet50-flask:1.4.0',
 *   gpuCount: 1,
 *   maxScale: 50,
 * });
 */
export class GpuInferenceService extends Construct implements IEventSink, IKnativeFeatureConsumer, IPlaceableWorkload {
  /** The pinned MinIO client image used to download model weights. */
  public static readonly DEFAULT_MC_IMAGE = DEFAULT_MC_IMAGE;

  /** The Knative Service object (escape hatch: `ApiObject.of(...)`, `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  /** Name of the Knative Service. */
  public readonly name: string;
  /** Namespace of the Knative Service, when known at synth. */
  public readonly namespace?: string;
  /** The port the server listens on. */
  public readonly port: number;
  /** Fewest replicas Knative keeps running. */
  public readonly minScale: number;
  /** How long a new revision may take to become ready. */
  public readonly progressDeadline: Duration;

  /**
   * Why this service cannot take events, when a construct built on it knows (TritonKnativeService): triggers and
   * sources refuse it as their subscriber or sink with this reason.
   * @internal
   */
  public _refusesEvents?: string;

  private readonly props: GpuInferenceServiceProps;
  private readonly pod: ResolvedPod;
  private readonly extraParts: Array<{ readonly produce: () => ExtraPodParts; readonly revision: () => number }> = [];
  /**
   * The pod spec in wire format, the feature flags it needs and the template annotations of the added parts,
   * rendered and checked against the webhook rules once (cdk8s validates the whole app once per chart, so not once
   * per validation). The props are immutable; what `_addPodParts` adds can change until synth (a model added to a
   * repository), so the render is kept under the revisions of those parts and made again when one moves.
   */
  private readonly renderedPod = keyedMemo(() => this.extraParts.map((x) => x.revision()).join(), () => this.renderPod());
  private readonly protocol: ServingProtocol;
  private readonly traffic?: Array<Record<string, unknown>>;

  public constructor(scope: Construct, id: string, props: GpuInferenceServiceProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    checkServiceLabels(props.metadata?.labels, props.clusterLocal);
    checkAnnotations('podAnnotations', props.podAnnotations);
    this.props = props;
    this.pod = resolveGpuPod(props);
    this.port = props.port ?? 8080;
    this.protocol = props.protocol ?? ServingProtocol.HTTP1;
    this.minScale = props.minScale ?? defaultMinScale(props);
    this.progressDeadline = props.progressDeadline ?? Duration.seconds(DEFAULT_PROGRESS_DEADLINE_SECONDS);
    validateServingProps(props, this.port, this.minScale, this.progressDeadline);

    const labels: Record<string, string> = { ...(props.metadata?.labels ?? {}) };
    if (props.clusterLocal) labels[VISIBILITY_LABEL] = 'cluster-local';
    this.apiObject = new ApiObject(this, 'Resource', {
      // Not the generated Knative class: its toJson re-maps the spec through types that model quantities as
      // wrapper objects, so the core PodSpec this library renders is emitted as wire JSON and checked against the
      // CRD schema in the tests instead.
      ...KNATIVE_SERVICE,
      metadata: { ...props.metadata, labels: Object.keys(labels).length ? labels : undefined },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    this.name = this.apiObject.name;
    checkDns1035Name('metadata.name', this.name, props.metadata?.name !== undefined, 63);
    this.namespace = this.apiObject.metadata.namespace;
    this.traffic = renderTraffic(this.name, props);

    // Render and check now: what the props break fails at once, and the result is reused at synth unless the
    // parts _addPodParts adds have changed since (then it is rendered and checked again).
    this.renderedPod();

    registerKnativeFeatureConsumer(this);
    this.node.addValidation({
      validate: () => {
        const missing = missingKnativeFeatures(this);
        if (missing.length === 0) return [];
        return [
          `'${this.name}' needs Knative feature flags that a default install rejects: ${missing.map((f) => `${f.flag} (${f.field})`).join(', ')}; ` +
          knativeFeaturesFix(this, missing),
        ];
      },
    });
  }

  /** The `config-features` flags this service's pod spec needs (including the ones enabled by default). */
  public get requiredKnativeFeatures(): KnativeFeature[] {
    return this.renderedPod().features;
  }

  /**
   * The longest a cold start may take before Knative gives up: the progress deadline, after which the autoscaler
   * scales a revision that did not activate back to zero. It covers what the startup probe does not: a GPU node
   * joining, the image pull, the init containers (`modelWeights`) and the model loading. Event delivery retries
   * should cover it.
   */
  public get coldStartBudget(): Duration {
    return this.progressDeadline;
  }

  /**
   * How long the service lets one request run: `timeout`, or the cluster's default (300s). A request waiting for a
   * cold start ends then too, so an event delivery attempt lasts at most this long.
   */
  public get requestTimeout(): Duration {
    return this.props.timeout ?? Duration.seconds(REVISION_TIMEOUT);
  }

  /** The Knative Service for Karmada, with the node pool its pods were rendered with. */
  public get workloadPlacement(): WorkloadPlacement {
    return PlaceableWorkload.fromApiObject(this.apiObject, this.pod.nodePool).workloadPlacement;
  }

  /**
   * The in-cluster URL of the service (`http://<name>.<namespace>.svc.cluster.local`); needs the namespace (the
   * chart's, or metadata's).
   */
  public get url(): string {
    return `http://${clusterLocalHost(this.name, this.namespace)}`;
  }

  /** Delivers events to this service through its Knative address. */
  public toSinkDestination(): SinkDestination {
    return { ref: { ...KNATIVE_SERVICE, name: this.name, namespace: this.namespace } };
  }

  /**
   * Adds volumes, mounts of the serving container, init containers and revision-template annotations to the pod,
   * for constructs that build on this service (TritonKnativeService lays its model repository out this way).
   * `produce` runs at synth, and its parts go through the shared pod-spec renderer, so hardening and the Knative
   * feature-flag check cover them. `revision` changes whenever `produce` would give something else.
   * @internal
   */
  public _addPodParts(produce: () => ExtraPodParts, revision: () => number): void {
    this.extraParts.push({ produce, revision });
  }

  private renderSpec(): any {
    const p = this.props;
    const seconds = (d?: Duration) => d?.toSeconds();
    return {
      template: {
        metadata: {
          name: p.revisionName,
          labels: this.props.metadata?.labels,
          annotations: this.templateAnnotations(),
        },
        spec: {
          containerConcurrency: p.containerConcurrency,
          timeoutSeconds: seconds(p.timeout),
          // Knative defaults it to the cluster's revision-response-start-timeout-seconds (300s) when that is below the
          // request timeout (revision_defaults.go): a longer timeout alone would not let a slow first byte through.
          responseStartTimeoutSeconds: seconds(p.responseStartTimeout ?? p.timeout),
          idleTimeoutSeconds: seconds(p.idleTimeout),
          ...this.renderedPod().json,
        },
      },
      traffic: this.traffic,
    };
  }

  private templateAnnotations(): Record<string, string> {
    const p = this.props;
    const a: Record<string, string> = { ...(p.podAnnotations ?? {}) };
    Object.assign(a, this.renderedPod().annotations);
    const set = (key: string, value: string | number | undefined) => {
      if (value !== undefined) a[key] = String(value);
    };
    set('autoscaling.knative.dev/class', p.autoscalerClass ?? AutoscalerClass.KPA);
    set('autoscaling.knative.dev/metric', scalingMetric(p).name);
    set('autoscaling.knative.dev/min-scale', this.minScale);
    set('autoscaling.knative.dev/max-scale', p.maxScale);
    set('autoscaling.knative.dev/initial-scale', p.initialScale);
    set('autoscaling.knative.dev/activation-scale', p.activationScale);
    set('autoscaling.knative.dev/scale-down-delay', goSeconds(p.scaleDownDelay));
    set('autoscaling.knative.dev/window', goSeconds(p.window));
    set('autoscaling.knative.dev/target', p.target);
    set('autoscaling.knative.dev/target-utilization-percentage', p.targetUtilizationPercentage);
    set('autoscaling.knative.dev/metric-aggregation-algorithm', p.metricAggregation);
    set('autoscaling.knative.dev/target-burst-capacity', p.targetBurstCapacity);
    set('autoscaling.knative.dev/scale-to-zero-pod-retention-period', goSeconds(p.scaleToZeroPodRetention));
    set('autoscaling.knative.dev/panic-window-percentage', p.panicWindowPercentage);
    set('autoscaling.knative.dev/panic-threshold-percentage', p.panicThresholdPercentage);
    set('serving.knative.dev/progress-deadline', goSeconds(this.progressDeadline));
    return sortedRecord(a);
  }

  private renderPod(): { readonly json: any; readonly features: KnativeFeature[]; readonly annotations: Record<string, string> } {
    const extra = this.extraParts.map((x) => x.produce());
    const spec = this.renderPodSpec(extra);
    checkKnativePodSpec(spec);
    const json = podSpecToWire(spec);
    return { json, features: knativeFeaturesOf(json), annotations: Object.assign({}, ...extra.map((x) => x.annotations ?? {})) };
  }

  private renderPodSpec(extra: ExtraPodParts[]): k8s.PodSpec {
    const p = this.props;
    const weights = p.modelWeights ? modelWeightsParts(p.modelWeights) : undefined;
    return renderPodSpec(this.pod, {
      target: PodTarget.KNATIVE,
      pullImage: imagePullerOf(this),
      containerName: 'model',
      ports: [{ containerPort: this.port, name: this.protocol }],
      readinessProbe: p.readinessProbe && servingProbe(p.readinessProbe, this.port, 'readiness'),
      startupProbe: p.startupProbe && servingProbe(p.startupProbe, this.port, 'startup'),
      livenessProbe: p.livenessProbe && servingProbe(p.livenessProbe, this.port, 'liveness'),
      extraMounts: nonEmpty([...(weights ? [weights.mount] : []), ...extra.flatMap((x) => x.mounts ?? [])]),
      extraVolumes: nonEmpty([...(weights?.volumes ?? []), ...extra.flatMap((x) => x.volumes ?? [])]),
      initContainers: nonEmpty([...(weights ? [weights.container] : []), ...extra.flatMap((x) => x.initContainers ?? [])]),
    });
  }
}

/** Pod-spec parts another construct adds to a GpuInferenceService (internal, not exported). */
type ExtraPodParts = {
  readonly volumes?: k8s.Volume[];
  readonly mounts?: k8s.VolumeMount[];
  readonly initContainers?: AuxiliaryContainer[];
  /** Revision-template annotations (TritonKnativeService's config hash, so a config change makes a new revision). */
  readonly annotations?: Record<string, string>;
};

const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

/**
 * Throws on the Service labels Knative's webhook refuses (Service.validateLabels): its own `serving.knative.dev/`
 * keys, and a visibility other than `cluster-local`.
 */
function checkServiceLabels(labels: Record<string, string> | undefined, clusterLocal: boolean | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key === VISIBILITY_LABEL && value !== 'cluster-local') {
      throw propError(`metadata.labels['${VISIBILITY_LABEL}']`, "'cluster-local', the one value Knative takes", value, 'set clusterLocal: true, or leave the label out');
    }
    if (key === VISIBILITY_LABEL && clusterLocal === false) {
      throw propError(`metadata.labels['${VISIBILITY_LABEL}']`, 'unset with clusterLocal: false, which asks for a service the ingress exposes', value,
        'drop the label, or set clusterLocal: true');
    }
    if (key.startsWith('serving.knative.dev/')) {
      throw propError('metadata.labels', 'free of serving.knative.dev/* keys, which Knative sets itself and refuses on a Service', key);
    }
  }
}

/** A duration as Knative's annotations take it (Go's time.ParseDuration), in whole seconds: `120s`. */
function goSeconds(d: Duration | undefined): string | undefined {
  return d && `${d.toSeconds()}s`;
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/** Scale to zero, except with the HPA class, which keeps at least one replica. */
function defaultMinScale(p: GpuInferenceServiceProps): number {
  return p.autoscalerClass === AutoscalerClass.HPA ? 1 : 0;
}

/** The metric the autoscaler scales on: `metric`, else CPU with the HPA and concurrency with the KPA. */
function scalingMetric(p: GpuInferenceServiceProps): ScalingMetric {
  return p.metric ?? (p.autoscalerClass === AutoscalerClass.HPA ? ScalingMetric.CPU : ScalingMetric.CONCURRENCY);
}

/** Throws on the first prop Knative or the cluster would refuse; `minScale` and `progressDeadline` as resolved. */
function validateServingProps(p: GpuInferenceServiceProps, port: number, minScale: number, progressDeadline: Duration): void {
  // Knative's fields and annotations take whole seconds. (The checks are written out, not looped over tables built
  // on each call: they run once per service, mostly in V8's interpreter, where the tables cost more than the checks
  // in `npm run bench`.)
  checkWholeSeconds('scaleDownDelay', p.scaleDownDelay);
  checkWholeSeconds('window', p.window);
  checkWholeSeconds('scaleToZeroPodRetention', p.scaleToZeroPodRetention);
  checkWholeSeconds('timeout', p.timeout);
  checkWholeSeconds('maxRevisionTimeout', p.maxRevisionTimeout, 1);
  checkWholeSeconds('responseStartTimeout', p.responseStartTimeout);
  checkWholeSeconds('idleTimeout', p.idleTimeout);
  checkWholeSeconds('progressDeadline', p.progressDeadline, 1);
  // Kubernetes refuses a probe period or timeout under 1s, except a readiness period of 0: Knative's own probing
  // (validateReadinessProbe).
  checkProbeDurations('readinessProbe', p.readinessProbe, 0);
  checkProbeDurations('startupProbe', p.startupProbe, 1);
  checkProbeDurations('livenessProbe', p.livenessProbe, 1);
  checkInteger('port', port, 1, 65535);
  checkInteger('minScale', p.minScale, 0);
  checkInteger('maxScale', p.maxScale, 0);
  checkInteger('initialScale', p.initialScale, 0);
  checkInteger('activationScale', p.activationScale, 2, undefined, 'Knative requires activation-scale > 1; leave it unset to activate one replica');
  const concurrencyLimit = containerConcurrencyLimit(p.containerConcurrencyMaxLimit);
  checkInteger('containerConcurrency', p.containerConcurrency, 0, concurrencyLimit,
    `the cluster's container-concurrency-max-limit (${concurrencyLimit}); a cluster that raised it declares that with containerConcurrencyMaxLimit`);
  // validateFloats: any number from 1 to 100.
  const utilization = p.targetUtilizationPercentage;
  if (utilization !== undefined && !(utilization >= 1 && utilization <= 100)) throw propError('targetUtilizationPercentage', 'between 1 and 100', utilization);
  if (p.maxScale !== undefined && p.maxScale > 0 && p.maxScale < minScale) {
    throw propError('maxScale', `at least minScale (${minScale})`, p.maxScale);
  }
  if (p.initialScale === 0 && !p.allowZeroInitialScale) {
    throw propError('initialScale', "at least 1 unless the cluster allows 0 (allow-zero-initial-scale, which Knative's default leaves off)", 0,
      "set allow-zero-initial-scale: 'true' in config-autoscaler, then declare it with allowZeroInitialScale: true");
  }
  if (p.activationScale !== undefined && p.maxScale !== undefined && p.maxScale > 0 && p.activationScale > p.maxScale) {
    throw propError('activationScale', `at most maxScale (${p.maxScale})`, p.activationScale);
  }
  if (p.activationScale !== undefined && p.activationScale < minScale) {
    throw propError('activationScale', `at least minScale (${minScale})`, p.activationScale);
  }
  const hpa = p.autoscalerClass === AutoscalerClass.HPA;
  if (hpa && minScale === 0) {
    throw propError('minScale', 'at least 1 with AutoscalerClass.HPA, which cannot scale to zero', 0, 'leave minScale unset (1 with the HPA), or use AutoscalerClass.KPA to scale to zero');
  }
  const metric = scalingMetric(p);
  if (metric._autoscaler !== (hpa ? AutoscalerClass.HPA : AutoscalerClass.KPA)) {
    throw propError('metric', hpa ? 'cpu, memory or a custom metric with the HPA autoscaler' : 'one of concurrency, rps with the KPA autoscaler', metric.name,
      hpa ? 'use AutoscalerClass.KPA for request-driven metrics' : 'use AutoscalerClass.HPA for cpu, memory or custom metrics');
  }
  if (p.target !== undefined && !(p.target >= 0.01)) throw propError('target', "at least 0.01 (Knative's smallest target)", p.target);
  // By name: a metric made by another copy of this library is not one of these instances.
  const memory = metric.name === ScalingMetric.MEMORY.name;
  if (hpa && metric.name !== ScalingMetric.CPU.name) {
    const what = memory ? 'ScalingMetric.MEMORY' : `the custom metric '${metric.name}'`;
    if (p.target === undefined) {
      throw propError('target', `set with ${what}: without one Knative gives the HPA no metric, and Kubernetes scales it on 80% CPU`, 'none',
        memory ? 'set the average memory per replica in MiB' : 'set the average value per replica the HPA aims for');
    }
    // Knative hands the HPA int64(target), in Mi for memory.
    if (!Number.isInteger(p.target)) {
      throw propError('target', `a whole number with ${what} (the HPA targets an average of ${memory ? 'target Mi' : 'target'} per replica)`, p.target);
    }
  }
  // What Knative reads for the KPA only: with the HPA class it would be accepted and never take effect.
  if (hpa) {
    const kpaOnly = [['activationScale', p.activationScale], ['scaleDownDelay', goSeconds(p.scaleDownDelay)],
      ['targetUtilizationPercentage', p.targetUtilizationPercentage], ['metricAggregation', p.metricAggregation], ['targetBurstCapacity', p.targetBurstCapacity],
      ['scaleToZeroPodRetention', goSeconds(p.scaleToZeroPodRetention)],
      ['panicWindowPercentage', p.panicWindowPercentage], ['panicThresholdPercentage', p.panicThresholdPercentage]] as const;
    for (const [prop, value] of kpaOnly) {
      if (value !== undefined) throw propError(prop, 'unset with AutoscalerClass.HPA (a KPA setting, which the HPA never reads)', value);
    }
  }
  if (p.window !== undefined) {
    const w = p.window.toSeconds();
    if (w < 6 || w > 3600) throw propError('window', 'between 6s and 1h', `${w}s`);
  }
  if (p.targetBurstCapacity !== undefined && !(p.targetBurstCapacity >= 0 || p.targetBurstCapacity === -1)) {
    throw propError('targetBurstCapacity', '0 or more, or -1 to keep the activator in the path', p.targetBurstCapacity);
  }
  if (p.panicWindowPercentage !== undefined && !(p.panicWindowPercentage >= 1 && p.panicWindowPercentage <= 100)) {
    throw propError('panicWindowPercentage', 'between 1 and 100', p.panicWindowPercentage);
  }
  if (p.panicThresholdPercentage !== undefined && !(p.panicThresholdPercentage >= 110 && p.panicThresholdPercentage <= 1000)) {
    throw propError('panicThresholdPercentage', 'between 110 and 1000', p.panicThresholdPercentage);
  }
  checkAtMostAnHour('scaleToZeroPodRetention', p.scaleToZeroPodRetention);
  checkAtMostAnHour('scaleDownDelay', p.scaleDownDelay);
  const maxTimeout = p.maxRevisionTimeout?.toSeconds() ?? MAX_REVISION_TIMEOUT;
  const timeout = p.timeout?.toSeconds();
  if (timeout !== undefined && (timeout < 1 || timeout > maxTimeout)) {
    throw propError('timeout', `between 1s and ${maxTimeout}s (the cluster's max-revision-timeout-seconds)`, `${timeout}s`,
      'raise max-revision-timeout-seconds in config-defaults, then declare it with maxRevisionTimeout');
  }
  checkWithinRequestTimeout('responseStartTimeout', p.responseStartTimeout, timeout);
  checkWithinRequestTimeout('idleTimeout', p.idleTimeout, timeout);
  for (const key of Object.keys(p.metadata?.annotations ?? {})) {
    if (key.startsWith('autoscaling.knative.dev/')) {
      throw propError('metadata.annotations', 'free of autoscaling.knative.dev/* keys, which Knative rejects on a Service', key,
        'use the matching prop (minScale, maxScale, target ...), which sets it on the revision template');
    }
  }
  for (const key of Object.keys(p.podAnnotations ?? {})) {
    const prefix = RESERVED_ANNOTATION_PREFIXES.find((x) => key.startsWith(x));
    if (prefix) throw propError('podAnnotations', `free of ${prefix}* keys, which typed props set`, key, 'use the matching prop (minScale, maxScale, target, progressDeadline ...)');
  }
  checkProbeCheck('readinessProbe', p.readinessProbe, p.protocol);
  checkProbeCheck('startupProbe', p.startupProbe, p.protocol);
  checkProbeCheck('livenessProbe', p.livenessProbe, p.protocol);
  const readiness = p.readinessProbe;
  if (readiness && knativeProbing(readiness)) {
    // validateReadinessProbe: with periodSeconds 0, failureThreshold and timeoutSeconds are disallowed.
    for (const [field, value] of [['timeout', readiness.timeout && `${readiness.timeout.toSeconds()}s`], ['failureThreshold', readiness.failureThreshold]] as const) {
      if (value === undefined) continue;
      throw propError(`readinessProbe.${field}`, 'unset without a period: Knative probes readiness every 50 ms until it passes then, and refuses a timeout or failureThreshold',
        value, 'leave it unset, or give the probe a period (which adds up to a period to every cold start)');
    }
  }
  const startup = p.startupProbe;
  const deadline = progressDeadline.toSeconds();
  if (startup) {
    const probe = servingProbe(startup, port, 'startup');
    // The kubelet runs one try at a time: a try that hangs takes its timeout, when longer than the period.
    const budget = (probe.initialDelaySeconds ?? 0) + Math.max(probe.periodSeconds!, probe.timeoutSeconds!) * probe.failureThreshold!;
    if (budget > deadline) {
      throw propError('startupProbe', `a budget (initialDelay + failureThreshold x the longer of period and timeout) within progressDeadline (${deadline}s), after which Knative ` +
        'scales a revision that has not activated back to zero', `${budget}s`, 'raise progressDeadline, or shorten the probe');
    }
  }
  const w = p.modelWeights;
  if (w) {
    checkObjectStore(w, (field) => `modelWeights.${field}`, MC_KEYS_ONLY);
    if (w.mountPath !== undefined && (!w.mountPath.startsWith('/') || ['/tmp', '/dev/shm'].includes(w.mountPath))) {
      throw propError('modelWeights.mountPath', 'an absolute path other than /tmp and /dev/shm', w.mountPath);
    }
    checkPinnedImage('modelWeights.image', w.image ?? GpuInferenceService.DEFAULT_MC_IMAGE, p.requireImageDigest ?? false);
  }
}

/** A probe's durations: whole seconds, the period at least `minPeriod`. */
function checkProbeDurations(prop: string, probe: ServingProbeOptions | undefined, minPeriod: number): void {
  if (!probe) return;
  checkWholeSeconds(`${prop}.initialDelay`, probe.initialDelay);
  checkWholeSeconds(`${prop}.period`, probe.period, minPeriod);
  checkWholeSeconds(`${prop}.timeout`, probe.timeout, 1);
}

/** The fields of a probe's check (path, gRPC service, the protocol gRPC needs) and its failure threshold. */
function checkProbeCheck(prop: string, probe: ServingProbeOptions | undefined, protocol: ServingProtocol | undefined): void {
  if (!probe) return;
  const check = probe.check ?? ProbeCheck.HTTP_GET;
  if (probe.path !== undefined) {
    if (check !== ProbeCheck.HTTP_GET) throw propError(`${prop}.path`, 'unset unless check is ProbeCheck.HTTP_GET', probe.path);
    if (!probe.path.startsWith('/')) throw propError(`${prop}.path`, "an absolute path starting with '/'", probe.path);
  }
  if (probe.grpcService !== undefined && check !== ProbeCheck.GRPC) {
    throw propError(`${prop}.grpcService`, 'unset unless check is ProbeCheck.GRPC', probe.grpcService);
  }
  if (check === ProbeCheck.GRPC && protocol !== ServingProtocol.H2C) {
    throw propError(`${prop}.check`, 'ProbeCheck.HTTP_GET or ProbeCheck.TCP_SOCKET on an http1 port: a gRPC health check speaks HTTP/2',
      'ProbeCheck.GRPC', 'serve gRPC with protocol: ServingProtocol.H2C');
  }
  checkInteger(`${prop}.failureThreshold`, probe.failureThreshold, 1);
}

/** Knative's autoscaler takes at most an hour for these. */
function checkAtMostAnHour(prop: string, d: Duration | undefined): void {
  if (d !== undefined && d.toSeconds() > 3600) throw propError(prop, 'at most 1h', `${d.toSeconds()}s`);
}

/** A response-start or idle timeout: within the request timeout (`timeout`, in seconds, when set). */
function checkWithinRequestTimeout(prop: string, d: Duration | undefined, timeout: number | undefined): void {
  if (d === undefined) return;
  const s = d.toSeconds();
  // Without timeout, Knative sets the request timeout to the cluster's revision-timeout-seconds (300s by default).
  const max = timeout ?? REVISION_TIMEOUT;
  if (s < 0 || s > max) {
    throw propError(prop, `between 0s and the request timeout (${max}s${timeout === undefined ? ", Knative's default, as timeout is unset" : ''})`, `${s}s`,
      timeout === undefined ? 'set timeout too' : undefined);
  }
}

/**
 * Whether a readiness probe is Knative's own (periodSeconds 0, queue-proxy's Probe.IsAggressive): checked every 50 ms
 * until it passes, without a timeout or failure threshold.
 */
function knativeProbing(o: ServingProbeOptions): boolean {
  return !o.period || o.period.toSeconds() === 0;
}

/**
 * A probe of the serving port. Knative fills in the port of HTTP and TCP readiness and liveness probes (and
 * rejects any other), but the revision reconciler does not rewrite startup probes, nor any gRPC probe (whose port
 * the CRD requires): those name the serving port themselves. A readiness probe without a period is Knative's own.
 */
function servingProbe(o: ServingProbeOptions, port: number, kind: 'readiness' | 'startup' | 'liveness'): k8s.Probe {
  const check = o.check ?? ProbeCheck.HTTP_GET;
  const named = kind === 'startup' ? k8s.IntOrString.fromNumber(port) : undefined;
  const periodic = kind !== 'readiness' || !knativeProbing(o);
  return {
    httpGet: check === ProbeCheck.HTTP_GET ? { path: o.path ?? '/', port: named } as k8s.HttpGetAction : undefined,
    grpc: check === ProbeCheck.GRPC ? { port, service: o.grpcService } : undefined,
    tcpSocket: check === ProbeCheck.TCP_SOCKET ? { port: named } as k8s.TcpSocketAction : undefined,
    initialDelaySeconds: o.initialDelay?.toSeconds(),
    periodSeconds: periodic ? o.period?.toSeconds() ?? 10 : undefined,
    timeoutSeconds: periodic ? o.timeout?.toSeconds() ?? 1 : undefined,
    failureThreshold: periodic ? o.failureThreshold ?? 3 : undefined,
  };
}

/** modelWeights copies with mc, which takes keys only. */
const MC_KEYS_ONLY = { fix: 'give credentials (for ambient credentials such as IRSA, let the server download its weights itself)' };

function modelWeightsParts(w: ModelWeightsOptions) {
  const mountPath = w.mountPath ?? '/models';
  // A folder ends in '/': mc finds a prefix by listing one key under it, and a sibling that sorts first
  // ('llama-3-8b-instruct/' beside 'llama-3-8b') would make it report the prefix missing (minio/mc#3961).
  const source = ['weights', w.bucket, normalizePrefix(w.prefix)].filter((x) => x !== '').join('/') + '/';
  return {
    volumes: [
      { name: 'model-weights', emptyDir: { sizeLimit: k8s.Quantity.fromString(quantity('modelWeights.sizeLimit', w.sizeLimit ?? Size.gibibytes(10))!) } },
      ...mcCaParts(w).volumes,
    ] as k8s.Volume[],
    mount: { name: 'model-weights', mountPath, readOnly: true } as k8s.VolumeMount,
    container: mcContainer({
      name: 'model-weights',
      imageProp: 'modelWeights.image',
      image: w.image,
      store: w,
      endpoint: checkObjectStore(w, (field) => `modelWeights.${field}`, MC_KEYS_ONLY),
      alias: 'weights',
      args: ['mirror', '--overwrite', '--quiet', source, mountPath],
      volumeMounts: [{ name: 'model-weights', mountPath }],
    }),
  };
}

/**
 * Checks `options` for the Knative Service `serviceName` as Knative's webhook does (validateRevisionName,
 * validateTrafficList) and renders `spec.traffic`, with `latestRevision` written as the webhook defaults it.
 */
function renderTraffic(serviceName: string, options: KnativeRolloutOptions): Array<Record<string, unknown>> | undefined {
  const name = options.revisionName;
  if (name !== undefined) {
    checkDns1035Name('revisionName', name, true, 63);
    if (!name.startsWith(`${serviceName}-`) || name.length === serviceName.length + 1) {
      throw propError('revisionName', `the service's name and a suffix ('${serviceName}-<suffix>'), as Knative requires`, name, `e.g. '${serviceName}-v2'`);
    }
  }
  const traffic = options.traffic;
  if (traffic === undefined) return undefined;
  if (traffic.length === 0) throw propError('traffic', 'at least one target', [], 'leave traffic unset to send every request to the latest ready revision');
  const sum = traffic.reduce((total, t) => total + (t.percent ?? 0), 0);
  if (sum !== 100) {
    throw propError('traffic', 'targets whose percent add up to 100', sum, 'give the shares of every target (a tag-only target takes none)');
  }
  const tags = traffic.map((t) => t.tag).filter((t): t is string => t !== undefined);
  // Knative's default tag template makes '<tag>-<service>' one label of the tag's host: longer than 63, the Route
  // gets no ingress at all.
  const long = tags.find((t) => t.length + 1 + serviceName.length > 63);
  if (long !== undefined) {
    throw propError('traffic', `tags short enough for the host label '<tag>-${serviceName}' (at most 63 characters)`, long,
      `shorten the tag to ${Math.max(62 - serviceName.length, 0)} characters or fewer`);
  }
  const twice = tags.find((t, i) => tags.indexOf(t) !== i);
  if (twice !== undefined) throw propError('traffic', 'targets with distinct tags', `${twice}, twice`);
  return traffic.map((t) => ({ revisionName: t.revisionName, latestRevision: t.latestRevision, percent: t.percent, tag: t.tag }));
}
