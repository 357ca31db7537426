import { ApiObject, ApiObjectMetadata, Duration, Lazy } from 'cdk8s';
import { DeploymentStrategy, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { durationText, wholeMillis, wholeSeconds } from '../_duration';
import { checkScraping, tritonMonitor } from './_monitor';
import { tritonPoolChecks, validateAgainstServer } from './_server-checks';
import {
  checkRepositoryClaim, claimSingleNodeRepository, CONFIG_HASH_ANNOTATION, DEFAULT_TRITON_IMAGE, GRPC_PORT, healthProbe, HTTP_PORT,
  METRICS_PORT, onSingleNodeClaim, resolveTritonPod, scrapeAnnotations, selfBatchingModel, startupFailureThreshold, TritonPod,
  tritonProgressDeadline,
} from './_triton-pod';
import { MetricsScraping, TritonWorkloadProps } from './triton-workload';
import { imagePullerOf } from '../_cluster-scope';
import { checkInteger, propError } from '../_errors';
import { keyedMemo } from '../_memo';
import { checkAnnotations, checkDns1035Name, checkMetadata, clusterLocalHost, LABEL_KEY } from '../_names';
import { sortedRecord } from '../_order';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { IPlaceableWorkload, PlaceableWorkload, WorkloadPlacement } from '../multicluster/karmada-placement';
import { registerPoolChecks } from '../scheduling/_placement';
import { countQuantity, PodTarget, renderPodSpec } from '../scheduling/_pod-spec';
import { toWire, wireApiObject } from '../scheduling/_wire';

/** When the topology spread may be broken. */
export enum SpreadPolicy {
  /** Prefer spreading, schedule anyway (`ScheduleAnyway`): never leaves a replica pending for spread's sake. */
  PREFERRED = 'ScheduleAnyway',
  /** Never break the spread (`DoNotSchedule`). */
  REQUIRED = 'DoNotSchedule',
}

/**
 * The HorizontalPodAutoscaler (autoscaling/v2) of a TritonServer.
 *
 * It scales on the average time requests wait in Triton's queue, a Pods metric served by prometheus-adapter
 * from Triton's `nv_inference_queue_duration_us` and `nv_inference_request_success` counters, with CPU
 * utilization beside it as the fallback: when the custom metric cannot be read, the HPA still scales up on CPU
 * (and does not scale down). The adapter rule (Helm values of prometheus-community/prometheus-adapter; `increase`,
 * not `delta`, since both are counters and a restarted server resets them; a window of at least four scrape
 * intervals, or `increase` finds fewer than two samples and the metric is missing):
 *
 * ```yaml
 * rules:
 *   custom:
 *     - seriesQuery: 'nv_inference_queue_duration_us{namespace!="",pod!=""}'
 *       resources:
 *         overrides:
 *           namespace: { resource: namespace }
 *           pod: { resource: pod }
 *       name:
 *         matches: nv_inference_queue_duration_us
 *         as: avg_time_queue_us
 *       metricsQuery: >-
 *         sum(increase(nv_inference_queue_duration_us{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)
 *         / (1 + sum(increase(nv_inference_request_success{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>))
 * ```
 */
export interface TritonAutoscalingOptions {
  /**
   * Fewest replicas.
   * @default 2 - one can be drained while the other serves
   */
  readonly minReplicas?: number;
  /**
   * Most replicas; caps GPU spend.
   * @default 4
   */
  readonly maxReplicas?: number;
  /**
   * Scale on the queue-time metric. Turn off on clusters without prometheus-adapter: CPU only.
   * @default true
   */
  readonly queueTime?: boolean;
  /**
   * Average queue time per request to hold. Triton counts the time a batcher holds a request to form a batch as
   * queue time, so at low load a model with a `maxQueueDelay` queues about that long: the target must be above the
   * longest such delay of the repository's models (checked at synth), or the HPA scales up an idle server.
   * @default - 50 ms above the longest `maxQueueDelay` of the repository's models (50 ms without batching delays)
   */
  readonly queueTimeTarget?: Duration;
  /**
   * Name under which prometheus-adapter serves the queue-time metric (the rule's `name.as`), in microseconds. With a
   * model whose backend batches itself (`vllm`, `tensorrtllm`), Triton's own queue time stays near 0: name a metric
   * of the backend's queue here, or set `queueTime: false`.
   * @default 'avg_time_queue_us'
   */
  readonly queueTimeMetric?: string;
  /**
   * CPU utilization target, in percent of the CPU request.
   * @default 80
   */
  readonly cpuUtilization?: number;
  /**
   * How long a lower recommendation must hold before replicas are removed.
   * @default Duration.minutes(5)
   */
  readonly scaleDownStabilization?: Duration;
}

/** Props of TritonServer. */
export interface TritonServerProps extends TritonWorkloadProps {
  /**
   * Metadata of the Deployment; its name is shared by the Service, the HPA, the PDB and the monitor.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * A fixed replica count, without an autoscaler.
   * @default - autoscaled (see `autoscaling`)
   */
  readonly replicas?: number;
  /**
   * The autoscaler; unset with `replicas`.
   * @default - 2 to 4 replicas on queue time, CPU as fallback
   */
  readonly autoscaling?: TritonAutoscalingOptions;
  /**
   * Replicas a voluntary disruption (drain, upgrade) may take down at once (PodDisruptionBudget). With one replica
   * a drain takes the only pod (a budget of none would block every drain): run two for availability.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * Node label keys the replicas spread across.
   * @default ['kubernetes.io/hostname'] - across nodes
   */
  readonly spreadTopologyKeys?: string[];
  /**
   * Whether the spread may be broken.
   * @default SpreadPolicy.PREFERRED
   */
  readonly spreadPolicy?: SpreadPolicy;
  /**
   * How the Deployment replaces its pods on a change. A rolling update starts new pods beside the old ones: a pod
   * of several GPUs in a cluster without that many spare GPUs stays Pending, and the rollout stalls until the
   * progress deadline. `DeploymentStrategy.rollingUpdate({ maxSurge: PercentOrAbsolute.absolute(0),
   * maxUnavailable: PercentOrAbsolute.absolute(1) })` replaces one pod at a time instead, and `recreate()` all of
   * them (with one replica, the model is unavailable while the new pod loads it either way). On a ReadWriteOnce
   * repository claim, one replica needs one of those: a new pod beside the old one cannot attach the claim.
   * @default - a rolling update (25% surge, 25% unavailable), or Recreate for one replica on a ReadWriteOnce claim
   */
  readonly strategy?: DeploymentStrategy;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** The autoscaler's replica range unless `autoscaling` says otherwise. */
const DEFAULT_MIN_REPLICAS = 2;
const DEFAULT_MAX_REPLICAS = 4;
/** What a pod's grace period allows beyond Triton's exit timeout before the kubelet's SIGKILL. */
const EXIT_GRACE_HEADROOM_SECONDS = 15;
/**
 * How long a terminating pod keeps serving before Triton gets SIGTERM: the endpoints drop the pod while the kubelet
 * stops it, and Triton refuses new requests as soon as it starts to exit, so requests routed meanwhile would fail.
 */
const DRAIN_DELAY_SECONDS = 10;
/**
 * How often the startup probe asks Triton whether its models are loaded. A TritonServer keeps at least one replica
 * (it does not scale from zero), so a pod found ready up to a period late delays a rollout or a scale-out while other
 * replicas serve (with one replica, a Recreate rollout, a drain or a crash restart, it delays recovery). The probe's
 * budget is `startupTimeout` rounded up to whole periods.
 */
const STARTUP_PERIOD_SECONDS = 10;
/** What the default queue-time target allows above the models' batching delays. */
const QUEUE_TIME_HEADROOM_MICROS = 50_000;

/**
 * NVIDIA Triton Inference Server as an always-on, autoscaled Deployment, for high, steady traffic.
 *
 * Creates: a `Deployment` running `tritonserver` on GPUs through the shared pod renderer (non-root uid 1000,
 * read-only root filesystem with `/tmp` and `/dev/shm`, no privilege escalation, capabilities dropped, seccomp
 * RuntimeDefault, GPU request == limit, GPU node placement), with the model repository laid out from its
 * ConfigMap and artifact source; a `Service` with ports http 8000, grpc 8001 and metrics 8002; an
 * `autoscaling/v2` HorizontalPodAutoscaler on queue time with CPU fallback (or fixed `replicas`); a
 * `PodDisruptionBudget`; topology spread across nodes; Prometheus scraping by annotations, or a PodMonitor /
 * ServiceMonitor on request.
 *
 * Triton runs with `--model-control-mode=none`, `--strict-readiness`, `--exit-on-error` and
 * `--disable-auto-complete-config` by default. Probes: startup and readiness on `/v2/health/ready` (the startup
 * probe's budget is `startupTimeout`), liveness on `/v2/health/live`.
 *
 * Checked at synth: instance-group GPU indices below `gpuCount`, the GPU memory budget of models that state
 * `gpuMemoryPerInstance`, and the models' configs (see TritonModelRepo).
 *
 * Prerequisites: the NVIDIA device plugin or GPU Operator; for queue-time autoscaling, prometheus-adapter with
 * the rule in TritonAutoscalingOptions; for monitors, the Prometheus Operator CRDs.
 *
 * @example
 * new TritonServer(chart, 'triton', {
 *   repository: repo,
 *   gpuCount: 1,
 *   nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
 *   autoscaling: { minReplicas: 2, maxReplicas: 8 },
 * });
 */
export class TritonServer extends Construct implements IPlaceableWorkload {
  /** The pinned default image, Triton 25.12 (`nvcr.io/nvidia/tritonserver:25.12-py3`). */
  public static readonly DEFAULT_IMAGE = DEFAULT_TRITON_IMAGE;

  /** The Deployment (escape hatch: `addJsonPatch`). */
  public readonly deployment: ApiObject;
  /** The Service. */
  public readonly service: ApiObject;
  /** The HorizontalPodAutoscaler, unless `replicas` is fixed. */
  public readonly autoscaler?: ApiObject;
  /** The PodDisruptionBudget. */
  public readonly disruptionBudget: ApiObject;
  /** The PodMonitor or ServiceMonitor, when asked for. */
  public readonly monitor?: ApiObject;
  /** Name of the Deployment and the Service. */
  public readonly name: string;
  /** Namespace, when known at synth. */
  public readonly namespace?: string;
  /** GPUs each replica gets. */
  public readonly gpuCount: number;

  private readonly props: TritonServerProps;
  private readonly triton: TritonPod;
  private readonly selector: Record<string, string>;
  private readonly scraping: MetricsScraping;
  /** How the Deployment replaces its pods, as it writes it: the strategy given, or the default for the claim. */
  private readonly strategy: k8s.DeploymentStrategy;
  /**
   * The Deployment spec as wire JSON, kept under the repository's revision: validation (once per chart, as cdk8s
   * runs it) and synth share one render until a model is added.
   */
  private readonly deploymentSpec = keyedMemo(() => this.props.repository._revision, () => toWire(this.renderDeploymentSpec()));

  public constructor(scope: Construct, id: string, props: TritonServerProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    checkAnnotations('podAnnotations', props.podAnnotations);
    this.props = props;
    this.triton = resolveTritonPod(props);
    this.gpuCount = this.triton.pod.gpuCount;
    this.scraping = checkScraping(props, this.triton.metrics);
    validateDeploymentProps(props, this.triton.metrics);
    // More replicas of a repository on a single-node claim would run side by side.
    const maxReplicas = props.replicas ?? props.autoscaling?.maxReplicas ?? DEFAULT_MAX_REPLICAS;
    if (maxReplicas > 1) checkRepositoryClaim(props.repository, `up to ${maxReplicas} replicas (${props.replicas !== undefined ? 'replicas' : 'autoscaling.maxReplicas'}) run side by side`);
    // One replica on a single-node claim is replaced: a rollout would start the new pod beside the old one, on a claim
    // only the old one's node can attach. RollingUpdate is spelled out with the apiserver's defaults so the applier
    // owns rollingUpdate: a later switch to Recreate then drops it, where server-side apply would keep the defaulted
    // block, which Recreate forbids.
    const singleNodeClaim = maxReplicas === 1 && onSingleNodeClaim(props.repository);
    const given = props.strategy && kubeStrategy(props.strategy);
    const surge = given?.rollingUpdate?.maxSurge?.value;
    if (singleNodeClaim && given?.type === 'RollingUpdate' && surge !== 0 && surge !== '0%') {
      throw propError('strategy', "Recreate, or a rolling update without surge, for one replica on a ReadWriteOnce repository claim: a new pod beside the old one can't attach it",
        `a surge of ${surge ?? '25%'}`, 'DeploymentStrategy.recreate(), or rollingUpdate({ maxSurge: PercentOrAbsolute.absolute(0), maxUnavailable: PercentOrAbsolute.absolute(1) })');
    }
    this.strategy = given ?? (singleNodeClaim ? { type: 'Recreate' } : {
      type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromString('25%') },
    });

    this.deployment = new ApiObject(this, 'Deployment', {
      ...k8s.KubeDeployment.GVK,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.deploymentSpec() }),
    });
    this.name = this.deployment.name;
    this.namespace = this.deployment.metadata.namespace;
    // For a KarmadaPlacement of the Deployment on other pools.
    registerPoolChecks(this.deployment, tritonPoolChecks(props, this.triton.pod));
    checkDns1035Name('metadata.name', this.name, props.metadata?.name !== undefined, 63, ' (it also names the Service)');
    this.selector = { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': this.name };
    const labels = { ...(props.metadata?.labels ?? {}), ...this.selector };
    const meta = { name: this.name, namespace: this.namespace, labels };

    this.service = wireApiObject(this, 'Service', k8s.KubeService, {
      metadata: meta,
      spec: {
        selector: this.selector,
        ports: [
          { name: 'http', port: HTTP_PORT, targetPort: k8s.IntOrString.fromString('http') },
          { name: 'grpc', port: GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc') },
          // With metrics off Triton listens on no metrics port.
          ...(this.triton.metrics ? [{ name: 'metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics') }] : []),
        ],
      },
    }, k8s.toJson_KubeServiceProps);

    if (props.replicas === undefined) this.autoscaler = this.createAutoscaler(meta);

    this.disruptionBudget = wireApiObject(this, 'DisruptionBudget', k8s.KubePodDisruptionBudget, {
      metadata: meta,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(props.maxUnavailable ?? 1),
        selector: { matchLabels: this.selector },
        // A crash-looping replica must not block node drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    }, k8s.toJson_KubePodDisruptionBudgetProps);

    this.monitor = tritonMonitor(this, this.scraping, props, { metadata: { name: this.name, namespace: this.namespace }, selector: this.selector, port: 'metrics' });

    // What these checks read changes only with the repository's models: checked once per revision, not per pass.
    this.node.addValidation({
      validate: keyedMemo(() => props.repository._revision, () => {
        const errors = validateAgainstServer(this, this.namespace, props, this.triton.pod);
        errors.push(...this.queueTimeTargetProblems());
        // The spec is rendered at synth, when the repository has all its models. Rendering it in validation as well
        // makes what it refuses (a user mount over the repository ...) fail before cdk8s writes any chart.
        try {
          this.deploymentSpec();
        } catch (e) {
          errors.push((e as Error).message);
        }
        return errors;
      }),
    });
    // Last: a server whose other props fail holds no claim.
    claimSingleNodeRepository(props.repository, this);
  }

  /**
   * The Deployment for Karmada, with the node pool its pods were rendered with; its Service, disruption budget,
   * autoscaler and (unless Triton reads it from the store) the repository's ConfigMap are companions, which every
   * target gets too. KarmadaPlacement labels a Deployment whose autoscaler it propagates so that Karmada keeps the
   * member cluster's replicas (`resourcetemplate.karmada.io/retain-replicas`). The monitor is not a companion: a
   * PodMonitor needs the Prometheus Operator in the member cluster; propagate it with a policy of your own.
   */
  public get workloadPlacement(): WorkloadPlacement {
    const repo = this.props.repository;
    const companions = [this.service, this.disruptionBudget, ...(this.autoscaler ? [this.autoscaler] : []),
      ...(repo.artifacts.isNative ? [] : [repo.configMap])];
    return PlaceableWorkload.fromApiObject(this.deployment, this.triton.pod.nodePool, { companions }).workloadPlacement;
  }

  /** In-cluster URL of the HTTP endpoint; needs the namespace (the chart's, or metadata's). */
  public get url(): string {
    return `http://${clusterLocalHost(this.name, this.namespace)}:${HTTP_PORT}`;
  }

  /** In-cluster `host:port` of the gRPC endpoint; needs the namespace (the chart's, or metadata's). */
  public get grpcEndpoint(): string {
    return `${clusterLocalHost(this.name, this.namespace)}:${GRPC_PORT}`;
  }

  /** The queue-time target when none is given: the headroom above the longest batching delay, in microseconds. */
  private defaultQueueTimeTargetMicros(): number {
    return this.longestBatchingDelay().micros + QUEUE_TIME_HEADROOM_MICROS;
  }

  /** The model whose batcher holds requests longest to form a batch, and how long, in microseconds. */
  private longestBatchingDelay(): { model: string; micros: number } {
    return this.props.repository.models
      .map((m) => ({ model: m.name, micros: m.config._batchingDelayMicros }))
      .reduce((x, y) => (y.micros > x.micros ? y : x), { model: '', micros: 0 });
  }

  /**
   * The queue-time target against the batching delays of the models: Triton's queue time includes the wait for a
   * batch to form, so a target at or below a model's delay reads an idle server as overloaded.
   */
  private queueTimeTargetProblems(): string[] {
    const a = this.props.autoscaling ?? {};
    const own = selfBatchingModel(this.props.repository.models);
    if (own && this.props.replicas === undefined && (a.queueTime ?? true) && a.queueTimeMetric === undefined) {
      const expected = `false, or a queueTimeMetric, with model '${own.name}': the ${own.backend} backend takes each request at once and queues it ` +
        "itself, so Triton's queue time stays near 0 and the HPA would never scale out";
      const fix = "set autoscaling.queueTime: false to scale on CPU, or queueTimeMetric to a per-pod metric of the backend's own queue time, in " +
        'microseconds like queueTimeTarget, served by your metrics adapter';
      return [propError('autoscaling.queueTime', expected, true, fix).message];
    }
    // A given target means an HPA on queue time: validateDeploymentProps refuses one with replicas or queueTime: false.
    const target = a.queueTimeTarget;
    if (target === undefined) return [];
    const longest = this.longestBatchingDelay();
    if (target.toMilliseconds() * 1000 > longest.micros) return [];
    const ms = longest.micros / 1000;
    return [propError('autoscaling.queueTimeTarget', `above the longest batching delay of the repository's models (${longest.model} holds requests up to ${ms} ms to form a batch, which Triton counts as queue time)`,
      `${target.toMilliseconds()}ms`, `raise queueTimeTarget above ${ms} ms, leave it unset (${(longest.micros + QUEUE_TIME_HEADROOM_MICROS) / 1000} ms), or lower the model's maxQueueDelay`).message];
  }

  private createAutoscaler(meta: k8s.ObjectMeta): ApiObject {
    return new ApiObject(this, 'Autoscaler', {
      ...k8s.KubeHorizontalPodAutoscalerV2.GVK,
      metadata: meta,
      // At synth: the default queue-time target follows the batching delays of the models the repository has then.
      spec: Lazy.any({ produce: () => k8s.toJson_HorizontalPodAutoscalerSpecV2(this.autoscalerSpec()) }),
    });
  }

  private autoscalerSpec(): k8s.HorizontalPodAutoscalerSpecV2 {
    const a = this.props.autoscaling ?? {};
    const metrics: k8s.MetricSpecV2[] = [];
    if (a.queueTime ?? true) {
      const micros = a.queueTimeTarget ? a.queueTimeTarget.toMilliseconds() * 1000 : this.defaultQueueTimeTargetMicros();
      metrics.push({
        type: 'Pods',
        pods: {
          metric: { name: a.queueTimeMetric ?? 'avg_time_queue_us' },
          target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(countQuantity(micros)) },
        },
      });
    }
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilization ?? 80 } } });
    return {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
      minReplicas: a.minReplicas ?? DEFAULT_MIN_REPLICAS,
      maxReplicas: a.maxReplicas ?? DEFAULT_MAX_REPLICAS,
      metrics,
      behavior: { scaleDown: { stabilizationWindowSeconds: (a.scaleDownStabilization ?? Duration.minutes(5)).toSeconds() } },
    };
  }

  private renderDeploymentSpec(): k8s.DeploymentSpec {
    const p = this.props;
    const t = this.triton;
    const parts = p.repository._podParts();
    const spec = renderPodSpec(t.pod, {
      target: PodTarget.WORKLOAD,
      pullImage: imagePullerOf(this),
      containerName: 'tritonserver',
      // `sleep` from the image (Kubernetes' own sleep action needs 1.30); a failing hook only skips the delay.
      preStop: { exec: { command: ['sleep', String(DRAIN_DELAY_SECONDS)] } },
      ports: [
        { name: 'http', containerPort: HTTP_PORT },
        { name: 'grpc', containerPort: GRPC_PORT },
        ...(t.metrics ? [{ name: 'metrics', containerPort: METRICS_PORT }] : []),
      ],
      startupProbe: healthProbe('/v2/health/ready', 'http', STARTUP_PERIOD_SECONDS, startupFailureThreshold(t.startupTimeout, STARTUP_PERIOD_SECONDS), 5),
      readinessProbe: healthProbe('/v2/health/ready', 'http', 5, 3, 2),
      livenessProbe: healthProbe('/v2/health/live', 'http', 10, 3, 5),
      extraMounts: parts.mounts,
      extraVolumes: parts.volumes,
      initContainers: parts.initContainers,
    });
    const annotations: Record<string, string> = {
      ...(p.podAnnotations ?? {}),
      ...(this.scraping === MetricsScraping.ANNOTATIONS && t.metrics ? scrapeAnnotations() : {}),
      [CONFIG_HASH_ANNOTATION]: p.repository.configHash,
    };
    return {
      replicas: p.replicas,
      strategy: this.strategy,
      // Rolling out waits for model loading; the budget grows with the startup probe's.
      progressDeadlineSeconds: tritonProgressDeadline(t.startupTimeout).toSeconds(),
      selector: { matchLabels: this.selector },
      template: {
        metadata: {
          labels: { ...(p.metadata?.labels ?? {}), ...this.selector },
          annotations: sortedRecord(annotations),
        },
        spec: {
          ...spec,
          // The drain delay, Triton's exit timeout and some headroom: the kubelet's SIGKILL never cuts Triton's drain short.
          terminationGracePeriodSeconds: DRAIN_DELAY_SECONDS + t.exitTimeoutSeconds + EXIT_GRACE_HEADROOM_SECONDS,
          topologySpreadConstraints: (p.spreadTopologyKeys ?? ['kubernetes.io/hostname']).map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: p.spreadPolicy ?? SpreadPolicy.PREFERRED,
            labelSelector: { matchLabels: this.selector },
            // Count only the pods of the same rollout, so a rolling update does not skew the spread.
            matchLabelKeys: ['pod-template-hash'],
          })),
        },
      },
    };
  }
}

function validateDeploymentProps(p: TritonServerProps, metrics: boolean): void {
  checkInteger('replicas', p.replicas, 1);
  if (p.replicas !== undefined && p.autoscaling !== undefined) {
    throw propError('autoscaling', 'unset when replicas is fixed', 'both', 'drop replicas to autoscale, or autoscaling to run a fixed count');
  }
  const a = p.autoscaling ?? {};
  checkInteger('autoscaling.minReplicas', a.minReplicas, 1);
  checkInteger('autoscaling.maxReplicas', a.maxReplicas, 1);
  const min = a.minReplicas ?? DEFAULT_MIN_REPLICAS;
  const max = a.maxReplicas ?? DEFAULT_MAX_REPLICAS;
  if (max < min) throw propError('autoscaling.maxReplicas', `at least minReplicas (${min})`, max);
  checkInteger('autoscaling.cpuUtilization', a.cpuUtilization, 1);
  if (a.queueTime === false && (a.queueTimeTarget !== undefined || a.queueTimeMetric !== undefined)) {
    const [prop, given] = a.queueTimeTarget !== undefined
      ? ['autoscaling.queueTimeTarget', durationText(a.queueTimeTarget)] : ['autoscaling.queueTimeMetric', a.queueTimeMetric];
    throw propError(prop, 'unset when queueTime is false (the HPA scales on CPU only)', given, 'drop it, or scale on queue time');
  }
  if (a.queueTimeTarget !== undefined && !(wholeMillis('autoscaling.queueTimeTarget', a.queueTimeTarget) >= 1)) {
    throw propError('autoscaling.queueTimeTarget', 'at least 1ms', `${a.queueTimeTarget.toMilliseconds()}ms`);
  }
  if (a.queueTimeMetric !== undefined && !METRIC_NAME.test(a.queueTimeMetric)) {
    throw propError('autoscaling.queueTimeMetric', 'a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)', a.queueTimeMetric);
  }
  if ((a.queueTime ?? true) && p.replicas === undefined && !metrics) {
    throw propError('autoscaling.queueTime', 'false when metrics is false (the queue-time metric comes from Triton\'s metrics)', true, 'set autoscaling.queueTime: false to scale on CPU only, or enable metrics');
  }
  if (a.scaleDownStabilization !== undefined && wholeSeconds('autoscaling.scaleDownStabilization', a.scaleDownStabilization) > 3600) {
    throw propError('autoscaling.scaleDownStabilization', 'at most 1h', durationText(a.scaleDownStabilization));
  }
  checkInteger('maxUnavailable', p.maxUnavailable, 1, undefined, 'a budget of 0 would block every node drain');
  const keys = p.spreadTopologyKeys ?? [];
  for (const key of keys) if (!LABEL_KEY.test(key)) throw propError('spreadTopologyKeys', 'node label keys', key);
  if (new Set(keys).size !== keys.length) throw propError('spreadTopologyKeys', 'distinct keys', keys);
}

/**
 * A cdk8s-plus DeploymentStrategy as the typed Deployment spec takes it: its `_toKube()` holds the surge and
 * unavailability as cdk8s-plus PercentOrAbsolute values, which the Deployment's own toJson would convert.
 */
function kubeStrategy(strategy: DeploymentStrategy): k8s.DeploymentStrategy {
  const { type, rollingUpdate } = strategy._toKube();
  // The apiserver's ValidateRollingUpdateDeployment: a whole number or a whole percentage, at most 100% unavailable.
  const amount = (field: string, x: { readonly value: string | number } | undefined) => {
    if (x === undefined) return undefined;
    const percent = typeof x.value === 'string' ? /^(\d+)%$/.exec(x.value) : null;
    if (percent ? field === 'maxUnavailable' && Number(percent[1]) > 100 : !(Number.isInteger(x.value) && (x.value as number) >= 0)) {
      throw propError(`strategy.${field}`, `a whole number of pods or a whole percentage${field === 'maxUnavailable' ? ' of at most 100%' : ''}`, x.value);
    }
    return percent ? k8s.IntOrString.fromString(x.value as string) : k8s.IntOrString.fromNumber(x.value as number);
  };
  return { type, rollingUpdate: rollingUpdate && { maxSurge: amount('maxSurge', rollingUpdate.maxSurge), maxUnavailable: amount('maxUnavailable', rollingUpdate.maxUnavailable) } };
}
