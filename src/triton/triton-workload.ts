import { Duration, Size } from 'cdk8s';
import { ISecret } from 'cdk8s-plus-27';
import { wholeSeconds } from '../_duration';
import { TritonModelRepo } from './triton-model-repo';
import { propError } from '../_errors';
import { GpuPodProps } from '../scheduling/gpu-workload';

/** How Prometheus finds Triton's metrics (port 8002, `/metrics`). */
export enum MetricsScraping {
  /**
   * `prometheus.io/scrape`, `prometheus.io/port` and `prometheus.io/path` pod annotations, which a Prometheus with
   * annotation-based discovery reads (the Prometheus Operator does not).
   */
  ANNOTATIONS = 'annotations',
  /**
   * A Prometheus Operator `PodMonitor` (monitoring.coreos.com/v1). On Knative, whose pods declare the serving port
   * only, it selects the serving container's target and points it at port 8002.
   */
  POD_MONITOR = 'pod-monitor',
  /** A Prometheus Operator `ServiceMonitor` on the Service's `metrics` port (TritonServer only: Knative's Services have none). */
  SERVICE_MONITOR = 'service-monitor',
  /** Nothing: metrics are served but not advertised. */
  NONE = 'none',
}

/** The HTTP API / gRPC protocol groups Triton can put behind a shared-secret header (`--http-restricted-api`). */
export enum TritonApi {
  /** Health endpoints. Cannot be restricted here: the kubelet's probes use them. */
  HEALTH = 'health',
  /** Server and model metadata. */
  METADATA = 'metadata',
  /** Inference. */
  INFERENCE = 'inference',
  /** Shared-memory registration. */
  SHARED_MEMORY = 'shared-memory',
  /** Model configuration. */
  MODEL_CONFIG = 'model-config',
  /** Model repository: index, load, unload. */
  MODEL_REPOSITORY = 'model-repository',
  /** Statistics. */
  STATISTICS = 'statistics',
  /** Trace settings. */
  TRACE = 'trace',
  /** Log settings. */
  LOGGING = 'logging',
}

/**
 * Triton's restricted APIs (`--http-restricted-api` and `--grpc-restricted-protocol`): requests to these APIs
 * must carry a header whose value is a shared secret. The value is read from a Secret through an environment
 * variable reference; it never appears in the manifest.
 */
export interface TritonRestrictedApiOptions {
  /**
   * The header clients send: `<header>` over HTTP, `triton-grpc-protocol-<header>` metadata over gRPC.
   */
  readonly header: string;
  /** Secret holding the expected header value. */
  readonly secret: ISecret;
  /** Key of the value in `secret`. */
  readonly secretKey: string;
  /**
   * APIs behind the header.
   * @default - model-repository, model-config, shared-memory, statistics, trace and logging: everything but
   * health, metadata and inference
   */
  readonly apis?: TritonApi[];
}

/** How Triton loads and unloads models (`--model-control-mode`). */
export class ModelControl {
  /**
   * Load every model at startup and never change them (`none`): what Triton's secure deployment guide
   * recommends, since dynamic loading can run arbitrary code.
   */
  public static readonly NONE = new ModelControl('none', undefined, undefined);

  /**
   * Poll the repository for changes (`poll`, `--repository-poll-secs`). Only artifacts Triton reads where they
   * change take effect: native S3 (`ModelArtifactSource.fromS3Native`), or files replaced inside the served version
   * folders of a claim. Configs come from a ConfigMap, whose changes roll the pods instead; artifacts copied from S3
   * at startup never change (refused).
   */
  public static poll(interval: Duration): ModelControl {
    const seconds = wholeSeconds('ModelControl.poll(interval)', interval, 1);
    return new ModelControl('poll', seconds, undefined);
  }

  /**
   * Load only `models` at startup (`--load-model`), and more through the model repository API; `['*']` loads
   * every model of the repository at startup. Requires `restrictedApi` covering the model-repository API.
   */
  public static explicit(models: string[]): ModelControl {
    if (new Set(models).size !== models.length) throw propError('ModelControl.explicit(models)', 'distinct model names', models);
    if (models.includes('*') && models.length > 1) {
      throw propError('ModelControl.explicit(models)', "'*' alone (Triton refuses --load-model=* beside other --load-model flags)", models, "pass ['*'] to load every model, or name the models");
    }
    return new ModelControl('explicit', undefined, [...models]);
  }

  private constructor(
    /** The `--model-control-mode` value. */
    public readonly mode: string,
    /** `--repository-poll-secs`, for poll. */
    public readonly pollSeconds: number | undefined,
    /** `--load-model` values, for explicit. */
    public readonly startupModels: string[] | undefined,
  ) {}
}

/**
 * What both Triton workloads (TritonServer, TritonKnativeService) share: the tritonserver container, its
 * flags, its model repository and the GPU pod it runs in.
 */
export interface TritonWorkloadProps extends GpuPodProps {
  /**
   * Entrypoint override, e.g. a wrapper script; it receives `tritonserver` and its flags as arguments, which
   * typed props and `extraArgs` build.
   * @default - the image's ENTRYPOINT (NGC's `nvidia_entrypoint.sh`)
   */
  readonly command?: string[];
  /** The model repository the server serves. */
  readonly repository: TritonModelRepo;
  /**
   * The Triton image; must be pinned.
   * @default TritonServer.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * How models are loaded.
   * @default ModelControl.NONE
   */
  readonly modelControl?: ModelControl;
  /**
   * `/v2/health/ready` reports ready only when every model is ready (`--strict-readiness`). The startup and
   * readiness probes ask that endpoint: with false, a pod is ready as soon as the server answers, models loaded or
   * not, so a rollout or a scale-out sends requests to pods still loading them (which answer that the model is not
   * ready). Turn it off only where serving some models beats waiting for all of them.
   * @default true
   */
  readonly strictReadiness?: boolean;
  /**
   * Exit when a model fails to load at startup (`--exit-on-error`), so a broken model crash-loops visibly
   * instead of serving the others half-broken.
   * @default true
   */
  readonly exitOnError?: boolean;
  /**
   * Do not let backends fill in missing config fields (`--disable-auto-complete-config`): the config.pbtxt
   * this library renders is the whole truth. Every model then needs inputs and outputs.
   * @default true
   */
  readonly disableAutoCompleteConfig?: boolean;
  /**
   * Put administrative APIs behind a shared-secret header. Without it, any pod that reaches the server (its Service
   * is in-cluster, a TritonKnativeService cluster-local by default) may call the logging, trace, statistics,
   * shared-memory and model-repository APIs, which Triton's SECURITY.md counts among its threats; restrict them, or
   * keep the server behind a NetworkPolicy, on a cluster other teams share.
   * @default - none restricted (required with ModelControl.explicit)
   */
  readonly restrictedApi?: TritonRestrictedApiOptions;
  /**
   * Serve Prometheus metrics on port 8002 (`--allow-metrics`).
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * How Prometheus finds the metrics of port 8002.
   * @default MetricsScraping.ANNOTATIONS
   */
  readonly metricsScraping?: MetricsScraping;
  /**
   * Labels of the PodMonitor or ServiceMonitor, for the Prometheus `podMonitorSelector`/`serviceMonitorSelector`
   * (e.g. `{ release: 'kube-prometheus-stack' }`).
   * @default - none
   */
  readonly monitorLabels?: Record<string, string>;
  /**
   * Scrape interval of the PodMonitor or ServiceMonitor.
   * @default - Prometheus' global interval
   */
  readonly scrapeInterval?: Duration;
  /**
   * Include GPU metrics (`--allow-gpu-metrics`).
   * @default true
   */
  readonly gpuMetrics?: boolean;
  /**
   * How often metrics are collected (`--metrics-interval-ms`), in whole milliseconds up to 2^31 - 1 (an int of
   * tritonserver's).
   * @default - Triton's default (2s)
   */
  readonly metricsInterval?: Duration;
  /**
   * Size of the in-memory response cache (`--cache-config=local,size=<bytes>`); models opt in with
   * `responseCache: true`. Triton's local cache allocates its whole size at startup, in the container's memory: it
   * must be less than the memory limit, and the limit should leave the server its own memory beside it.
   * @default - no cache
   */
  readonly responseCacheSize?: Size;
  /**
   * More tritonserver flags (`--name=value`). Flags this construct manages are refused; use their props. So are
   * `--allow-http`, `--http-address` and `--metrics-address`: the probes, the Service and the scrapers reach the
   * server over HTTP on every address.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * How long Triton lets in-flight requests finish after SIGTERM before it exits (`--exit-timeout-secs`). A
   * TritonServer's pods keep serving 10 s after they start terminating (a preStop sleep, while the endpoints drop
   * them), and get that plus this plus 15 s as their termination grace period, so the kubelet does not kill the
   * server first. Knative gives a TritonKnativeService's pods its request `timeout` as their grace period, so an
   * `exitTimeout` longer than that is refused (and a response still streaming when the grace period ends is cut:
   * size `timeout` for the longest one). It is one budget, spent in turn (tritonserver's main.cc): the HTTP
   * endpoint first waits while any HTTP connection is open, idle keep-alive ones included, then gRPC stops gracefully
   * with what is left, and the server with the rest. A client that keeps an idle HTTP connection open (a pooled
   * HTTP client, a mesh sidecar) can so leave in-flight gRPC calls no time at all: on a server that takes both, size
   * this for the longest gRPC call plus HTTP's share.
   * @default Duration.seconds(30), Triton's default; a TritonKnativeService's request `timeout` when that is shorter
   */
  readonly exitTimeout?: Duration;
  /**
   * How long Triton may take to load the models before the startup probe gives up and the container restarts.
   * @default Duration.minutes(5)
   */
  readonly startupTimeout?: Duration;
  /**
   * Memory of one GPU (or MIG slice) for the GPU memory budget check.
   * @default - from the MIG profile of `gpu`, else from the products of `nodePool` (the smallest)
   */
  readonly gpuMemory?: Size;
  /**
   * GPU memory Triton and the framework runtimes take besides the model instances (CUDA context, allocator
   * pools), per GPU.
   * @default Size.gibibytes(1)
   */
  readonly gpuMemoryOverhead?: Size;
  /**
   * Annotations on the pods, beside the ones this construct sets.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
}
