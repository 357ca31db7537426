import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkScraping, tritonMonitor } from './_monitor';
import { tritonPoolChecks, validateAgainstServer } from './_server-checks';
import {
  checkRepositoryClaim, CONFIG_HASH_ANNOTATION, DEFAULT_EXIT_TIMEOUT_SECONDS, GRPC_PORT, HTTP_PORT, resolveTritonPod, scrapeAnnotations,
  selfBatchingModel, startupFailureThreshold, tritonProgressDeadline,
} from './_triton-pod';
import { TritonModel, TritonModelRepo } from './triton-model-repo';
import { MetricsScraping, TritonWorkloadProps } from './triton-workload';
import { wholeSeconds } from '../_duration';
import { propError } from '../_errors';
import { keyedMemo } from '../_memo';
import { snapshot } from '../_snapshot';
import type { EveryKey } from '../_types';
import { checkUniqueObjectNames } from '../_unique-names';
import { IPlaceableWorkload, PlaceableWorkload, WorkloadPlacement } from '../multicluster/karmada-placement';
import { registerPoolChecks } from '../scheduling/_placement';
import { GpuPodProps } from '../scheduling/gpu-workload';
import { containerConcurrencyLimit, REVISION_TIMEOUT } from '../serving/_knative-pod-rules';
import { GpuInferenceService, KnativeScalingOptions, ProbeCheck, ScalingMetric, ServingProbeOptions, ServingProtocol } from '../serving/gpu-inference-service';
import { KnativeRolloutOptions } from '../serving/knative-traffic';

/** Props of TritonKnativeService. */
export interface TritonKnativeServiceProps extends TritonWorkloadProps, KnativeScalingOptions, KnativeRolloutOptions {
  /**
   * Metadata of the Knative Service.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * The one port Knative routes to: HTTP/1 on 8000 (`http1`) or gRPC on 8001 (`h2c`).
   * @default ServingProtocol.HTTP1
   */
  readonly protocol?: ServingProtocol;
  /**
   * Hard limit of requests in flight per replica (`containerConcurrency`). Required, with `target`, when a model is
   * decoupled or its backend batches itself (`vllm` without `vllmEngineArgs.maxNumSeqs`, or with it over h2c, where
   * Knative counts streams; `tensorrtllm`), whose own settings bound those, and with an ensemble, which serves what
   * its slowest step does.
   * @default - what the instances batch at once: the sum over models of (maxBatchSize with dynamic or sequence
   * batching, a vLLM model's maxNumSeqs, else 1) x instance count
   */
  readonly containerConcurrency?: number;
  /**
   * The metric Knative's autoscaler (KPA) scales on: requests in flight (`CONCURRENCY`), or requests per second
   * (`RPS`, for short requests of even cost), whose `target` the models' batching cannot tell.
   * @default ScalingMetric.CONCURRENCY
   */
  readonly metric?: ScalingMetric;
  /**
   * What the autoscaler aims for per replica: concurrent requests, or with `ScalingMetric.RPS` requests per second
   * (then required).
   * @default - with CONCURRENCY, the batch the models prefer: the sum over models of (largest preferred batch size,
   * else maxBatchSize, with batching; a vLLM model's maxNumSeqs; else 1) x instance count, at most
   * `containerConcurrency`
   */
  readonly target?: number;
  /**
   * How long a new revision may take to become ready: image pull, artifact copy and model load.
   * @default - startupTimeout + 5 minutes, at least 10 minutes
   */
  readonly progressDeadline?: Duration;
}

/**
 * How often the startup probe asks Triton whether it is ready: each second, since a pod scaled from zero takes
 * traffic only once it passes, and a longer period would add up to that period to every cold start. Its budget is
 * then `startupTimeout` (whole seconds), which the progress deadline must exceed.
 */
const STARTUP_PERIOD_SECONDS = 1;

/**
 * NVIDIA Triton Inference Server on Knative Serving, scaling to zero: a GpuInferenceService running
 * `tritonserver`, for bursty or occasional traffic.
 *
 * Creates: a `serving.knative.dev/v1` Service (through GpuInferenceService and the shared pod renderer) with
 * exactly one port, 8000 `http1` or 8001 `h2c`; the model repository laid out from its ConfigMap and artifact
 * source; containerConcurrency and target derived from the models' batching (`maxBatchSize` x instances)
 * unless set; Prometheus scrape annotations for port 8002, which Triton still serves though Knative does not
 * route it, or a PodMonitor that scrapes 8002 on each pod (`MetricsScraping.POD_MONITOR`, for the Prometheus
 * Operator, which reads no annotations).
 *
 * With `revisionName`, each change of the repository's configs is a change of the revision template (its config hash
 * annotation), which Knative refuses without a new name: give the configs' change a new `revisionName` too.
 *
 * Probes with HTTP/1: startup and readiness on `/v2/health/ready`, liveness on `/v2/health/live`; the startup probe
 * runs each second and readiness is Knative's own probing (every 50 ms until ready), so a pod scaled from zero takes
 * traffic within a second of Triton being ready. With h2c, startup
 * and readiness call the standard gRPC health check on 8001, which Triton answers with its readiness (Kubernetes
 * 1.24 or later), and liveness checks that 8001 accepts connections: a liveness check on readiness would restart a
 * server whose model loads or goes unready, dropping every open stream and loading the models again.
 *
 * Prerequisites: those of GpuInferenceService (add a `KnativeFeatures` to the app: init containers and PVCs
 * need feature flags).
 *
 * @example
 * new TritonKnativeService(chart, 'triton', {
 *   repository: repo,
 *   maxScale: 10,
 *   nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
 * });
 */
export class TritonKnativeService extends Construct implements IPlaceableWorkload {
  /** The underlying GpuInferenceService. */
  public readonly service: GpuInferenceService;
  /** Name of the Knative Service. */
  public readonly name: string;
  /** The serving port: 8000 (http1) or 8001 (h2c). */
  public readonly port: number;
  /** containerConcurrency as set or derived. */
  public readonly containerConcurrency: number;
  /** The autoscaling target as set or derived. */
  public readonly target: number;
  /** The PodMonitor, with `MetricsScraping.POD_MONITOR`. */
  public readonly monitor?: ApiObject;

  private readonly repository: TritonModelRepo;

  public constructor(scope: Construct, id: string, props: TritonKnativeServiceProps) {
    super(scope, id);
    props = snapshot(props);
    this.repository = props.repository;
    checkUniqueObjectNames(this);
    // Knative gives the pods the request timeout as their termination grace period (BuildPodSpec): below Triton's
    // own 30s exit timeout, the server is told to exit within it, or the kubelet kills it with requests in flight.
    const timeoutSeconds = props.timeout ? wholeSeconds('timeout', props.timeout) : REVISION_TIMEOUT;
    const protocol = props.protocol ?? ServingProtocol.HTTP1;
    const triton = resolveTritonPod({
      ...props,
      exitTimeout: props.exitTimeout ?? (timeoutSeconds < DEFAULT_EXIT_TIMEOUT_SECONDS ? Duration.seconds(timeoutSeconds) : undefined),
    }, protocol === ServingProtocol.H2C);
    this.port = protocol === ServingProtocol.H2C ? GRPC_PORT : HTTP_PORT;
    const scraping = checkScraping(props, triton.metrics, {
      scraping: MetricsScraping.SERVICE_MONITOR,
      why: "a ServiceMonitor on Knative, whose Services route the serving port only (Triton's metrics port is 8002)",
      fix: 'use MetricsScraping.POD_MONITOR, which scrapes the pods themselves',
    });
    const gpuCount = triton.pod.gpuCount;
    const derived = deriveConcurrency(props.repository.models, gpuCount);
    const underivable = underivableConcurrency(props);
    if (underivable) throw underivable;
    if ((props.containerConcurrency === undefined || props.target === undefined) && derived.concurrency === 0) {
      throw propError('repository', 'models added before the TritonKnativeService is created, to derive containerConcurrency and target', 'no models', 'add the models first, or set containerConcurrency and target');
    }
    this.containerConcurrency = props.containerConcurrency ?? derived.concurrency;
    const concurrencyLimit = containerConcurrencyLimit(props.containerConcurrencyMaxLimit);
    if (props.containerConcurrency === undefined && this.containerConcurrency > concurrencyLimit) {
      throw propError('containerConcurrency', `at most ${concurrencyLimit} (the cluster's container-concurrency-max-limit)`, `${this.containerConcurrency} (derived from the models' batch sizes x instances)`,
        'set containerConcurrency explicitly, or declare a raised limit with containerConcurrencyMaxLimit');
    }
    const metric = props.metric ?? ScalingMetric.CONCURRENCY;
    // By name: a metric of another copy of this library is another object.
    if (metric.name !== ScalingMetric.CONCURRENCY.name && metric.name !== ScalingMetric.RPS.name) {
      throw propError('metric', "ScalingMetric.CONCURRENCY or RPS: a TritonKnativeService scales to zero with Knative's KPA", metric.name,
        "run a TritonServer to scale on Triton's queue time or another custom metric with an HPA");
    }
    if (metric.name === ScalingMetric.RPS.name && props.target === undefined) {
      throw propError('target', 'set with ScalingMetric.RPS: the requests per second one replica serves, which the models\' batching does not tell', 'none');
    }
    this.target = props.target ?? Math.min(derived.target, this.containerConcurrency || derived.target);
    const progressDeadline = props.progressDeadline ?? tritonProgressDeadline(triton.startupTimeout);
    if (progressDeadline.toMilliseconds() <= triton.startupTimeout.toMilliseconds()) {
      throw propError('progressDeadline', `longer than startupTimeout (${triton.startupTimeout.toSeconds()}s), or Knative gives up while the models still load`, `${progressDeadline.toMilliseconds() / 1000}s`);
    }
    if (triton.exitTimeoutSeconds > timeoutSeconds) {
      throw propError('exitTimeout', `at most the request timeout (${timeoutSeconds}s), which Knative gives the pods as their termination grace period`,
        `${triton.exitTimeoutSeconds}s`, 'raise timeout or lower exitTimeout');
    }
    checkRepositoryClaim(props.repository, "Knative starts each new revision's pods beside the old ones, and scales out");
    // Triton answers the standard gRPC health check with its readiness (grpc_server.cc, RegisterHealthCheck).
    const http = protocol === ServingProtocol.HTTP1;
    const health = (path: string): ServingProbeOptions => (http ? { path } : { check: ProbeCheck.GRPC });
    const p = props;
    const pod = triton.pod;

    // Every GpuPodProps key, so that the compiler names a prop this list would leave behind.
    const podProps: EveryKey<GpuPodProps> = {
      requireImageDigest: p.requireImageDigest,
      imagePullPolicy: p.imagePullPolicy,
      env: pod.env,
      gpu: p.gpu,
      gpuCount: p.gpuCount,
      nodePool: p.nodePool,
      resources: p.resources,
      extendedResources: p.extendedResources,
      guaranteedQos: p.guaranteedQos,
      security: p.security,
      sharedMemory: p.sharedMemory,
      sharedMemorySize: p.sharedMemorySize,
      tmpSize: p.tmpSize,
      volumeMounts: p.volumeMounts,
      serviceAccount: p.serviceAccount,
      imagePullSecrets: p.imagePullSecrets,
      priorityClassName: p.priorityClassName,
    };
    this.service = new GpuInferenceService(this, 'Service', {
      metadata: p.metadata,
      image: pod.image,
      command: p.command,
      args: pod.args,
      ...podProps,
      podAnnotations: {
        ...(p.podAnnotations ?? {}),
        ...(scraping === MetricsScraping.ANNOTATIONS && triton.metrics ? scrapeAnnotations() : {}),
      },
      port: this.port,
      protocol,
      ...knativeScalingOptions(p),
      ...knativeRolloutOptions(p),
      containerConcurrency: this.containerConcurrency,
      metric,
      target: this.target,
      progressDeadline,
      // Each try within its period, so the probes fit startupTimeout however the endpoint answers.
      startupProbe: {
        ...health('/v2/health/ready'),
        period: Duration.seconds(STARTUP_PERIOD_SECONDS),
        timeout: Duration.seconds(STARTUP_PERIOD_SECONDS),
        failureThreshold: startupFailureThreshold(triton.startupTimeout, STARTUP_PERIOD_SECONDS),
      },
      // Without a period: Knative's own probing, every 50 ms until ready.
      readinessProbe: health('/v2/health/ready'),
      // Over h2c the gRPC check answers readiness, which a model loading after startup or going unready turns false:
      // liveness on it would restart the server, dropping every open stream and reloading the models. A TCP check
      // of the serving port says the server is up, as /v2/health/live does over HTTP.
      livenessProbe: { ...(http ? health('/v2/health/live') : { check: ProbeCheck.TCP_SOCKET }), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 3 },
    });
    this.name = this.service.name;
    // For a KarmadaPlacement of the Knative Service on other pools.
    registerPoolChecks(this.service.apiObject, tritonPoolChecks(props, triton.pod));
    // Knative renames the serving container's one declared port user-port (BuildUserContainers): the monitor keeps
    // that target of each pod (not queue-proxy's) and scrapes 8002 on its host.
    this.monitor = tritonMonitor(this, scraping, props, {
      metadata: { name: this.name, namespace: this.service.namespace },
      selector: { 'serving.knative.dev/service': this.name },
      port: 'user-port',
      redirectToMetricsPort: true,
    });
    // Knative's broker counts a non-empty reply that is no CloudEvent as a failed delivery (a 502 to the sender).
    this.service._refusesEvents = 'it is Triton (a TritonKnativeService), which answers every request with a JSON body that is no ' +
      'CloudEvent: Knative counts that as a failed delivery, so each event would be inferred again on every retry and end in the dead-letter sink';
    // At synth, so the layout and the config hash cover models added after this service: a changed config makes a
    // new revision.
    this.service._addPodParts(() => {
      const parts = p.repository._podParts();
      const annotations = { [CONFIG_HASH_ANNOTATION]: p.repository.configHash };
      return { volumes: parts.volumes, mounts: parts.mounts, initContainers: parts.initContainers, annotations };
    }, () => p.repository._revision);

    // What these checks read changes only with the repository's models: checked once per revision, not per pass.
    this.node.addValidation({
      validate: keyedMemo(() => p.repository._revision, () => {
        const errors = validateAgainstServer(this, this.service.namespace, p, triton.pod);
        const now = deriveConcurrency(p.repository.models, gpuCount);
        const stale = (p.containerConcurrency === undefined && now.concurrency !== this.containerConcurrency)
          || (p.target === undefined && now.target !== derived.target);
        const underivableNow = underivableConcurrency(p);
        if (underivableNow) {
          errors.push(underivableNow.message);
        } else if (stale) {
          errors.push(propError('repository', 'complete when the TritonKnativeService is created (containerConcurrency and target are derived from its models then)',
            'models added later', 'create the service after the last addModel(), or set containerConcurrency and target').message);
        }
        return errors;
      }),
    });
  }

  /**
   * The Knative Service for Karmada, with the node pool its pods were rendered with and, unless Triton reads it from
   * the store, the repository's ConfigMap as a companion: Karmada's propagateDeps does not follow a Knative Service's
   * references. Secrets the pods read (store credentials, pull secrets) must exist in every target.
   */
  public get workloadPlacement(): WorkloadPlacement {
    const own = this.service.workloadPlacement;
    const companions = this.repository.artifacts.isNative ? [] : [this.repository.configMap];
    return PlaceableWorkload.fromApiObject(this.service.apiObject, own.nodePool, { companions }).workloadPlacement;
  }

  /** The in-cluster URL of the service. */
  public get url(): string {
    return this.service.url;
  }

  /** Fewest replicas Knative keeps running: `minScale`, else 0 (1 with `AutoscalerClass.HPA`); at 0 a request may meet a cold start. */
  public get minScale(): number {
    return this.service.minScale;
  }

  /**
   * How long a cold start may take: the progress deadline (by default `startupTimeout` plus 5 minutes for scheduling
   * and the image pull, at least 10 minutes), after which Knative scales a revision that has not activated back to
   * zero. What a client that calls Triton from an event handler should retry through.
   */
  public get coldStartBudget(): Duration {
    return this.service.coldStartBudget;
  }
}

/**
 * The first model whose concurrency Triton's batch settings do not tell: one whose backend batches itself, a
 * decoupled model, or an ensemble (its requests pass through every step, so the steps' capacities do not add up).
 */
function underivableModel(models: TritonModel[], protocol: ServingProtocol): string | undefined {
  // A vLLM engine of typed max_num_seqs tells what it serves at once, in requests; over h2c Knative counts streams.
  const h2c = protocol === ServingProtocol.H2C;
  const untold = models.filter((m) => h2c || m._vllm?.maxNumSeqs === undefined);
  const own = selfBatchingModel(untold);
  if (own) {
    const why = own.backend !== 'vllm' ? '' : h2c ? ', and over h2c Knative counts gRPC streams, each carrying any number of requests' : ', and vllmEngineArgs.maxNumSeqs is unset';
    return `'${own.name}' (the ${own.backend} backend batches requests itself${why})`;
  }
  for (const m of untold) {
    if (m.isEnsemble) return `'${m.name}' (an ensemble: each request passes through every step, so a replica serves what its slowest step does)`;
    if (m.config.props.decoupled) return `'${m.name}' (decoupled: the backend decides how many requests it serves at once)`;
  }
  return undefined;
}

/** The error for a service that leaves containerConcurrency or target to models that do not tell it, if it does. */
function underivableConcurrency(p: TritonKnativeServiceProps): Error | undefined {
  if (p.containerConcurrency !== undefined && p.target !== undefined) return undefined;
  const model = underivableModel(p.repository.models, p.protocol ?? ServingProtocol.HTTP1);
  if (model === undefined) return undefined;
  return propError(p.containerConcurrency === undefined ? 'containerConcurrency' : 'target',
    `set with model ${model}, whose concurrency Triton's batch settings do not tell`, 'unset',
    "set containerConcurrency to the requests one replica serves at once (vLLM's max_num_seqs, TensorRT-LLM's max_batch_size, " +
    "an ensemble's slowest step), and target to what the autoscaler aims for per replica");
}

/** What the instances of the repository's models process at once, and what they prefer to batch. */
function deriveConcurrency(models: TritonModel[], gpuCount: number): { concurrency: number; target: number } {
  let concurrency = 0;
  let target = 0;
  for (const m of models) {
    const c = m.config.props;
    const instances = m.instanceCount(gpuCount);
    const engine = m._vllm;
    if (engine?.maxNumSeqs !== undefined) {
      // Each engine runs up to max_num_seqs sequences per data-parallel rank, and batches them itself: Knative aims at
      // them all and, at its default target utilization (70 %), scales out before they are.
      const sequences = engine.maxNumSeqs * engine.dataParallelSize * instances;
      concurrency += sequences;
      target += sequences;
      continue;
    }
    const batching = !!(c.dynamicBatching || c.sequenceBatching) && m.config.maxBatchSize > 0;
    const perInstance = batching ? m.config.maxBatchSize : 1;
    const preferred = c.dynamicBatching?.preferredBatchSizes?.length ? Math.max(...c.dynamicBatching.preferredBatchSizes) : perInstance;
    concurrency += perInstance * instances;
    target += (batching ? preferred : 1) * instances;
  }
  return { concurrency, target };
}

/**
 * The KnativeScalingOptions of `p` and nothing else, to pass them on to the GpuInferenceService. The return type has
 * every key of the interface, so the compiler names an option this list leaves out.
 */
function knativeScalingOptions(p: KnativeScalingOptions): EveryKey<KnativeScalingOptions> {
  return {
    // Triton's admin APIs share the inference port: the ingress is opt-in, as a TritonServer's Service is in-cluster.
    clusterLocal: p.clusterLocal ?? true,
    minScale: p.minScale,
    maxScale: p.maxScale,
    initialScale: p.initialScale,
    allowZeroInitialScale: p.allowZeroInitialScale,
    activationScale: p.activationScale,
    scaleDownDelay: p.scaleDownDelay,
    window: p.window,
    targetUtilizationPercentage: p.targetUtilizationPercentage,
    metricAggregation: p.metricAggregation,
    targetBurstCapacity: p.targetBurstCapacity,
    scaleToZeroPodRetention: p.scaleToZeroPodRetention,
    panicWindowPercentage: p.panicWindowPercentage,
    panicThresholdPercentage: p.panicThresholdPercentage,
    timeout: p.timeout,
    maxRevisionTimeout: p.maxRevisionTimeout,
    containerConcurrencyMaxLimit: p.containerConcurrencyMaxLimit,
    responseStartTimeout: p.responseStartTimeout,
    idleTimeout: p.idleTimeout,
  };
}

/** The KnativeRolloutOptions of `p` and nothing else, with every key of the interface (as knativeScalingOptions). */
function knativeRolloutOptions(p: KnativeRolloutOptions): EveryKey<KnativeRolloutOptions> {
  return { revisionName: p.revisionName, traffic: p.traffic };
}
