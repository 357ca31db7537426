/**
 * Event-driven ResNet50 classification with nothing lost on the way.
 *
 * - Images uploaded to the MinIO bucket `upload-bucket` (.jpg, .png) become CloudEvents on a Knative broker.
 * - HTTP clients post `ai.example.classify.requested` CloudEvents to the same broker.
 * - A PingSource starts the nightly batch run at 02:00 (Europe/Berlin) through the same broker.
 * - Triggers deliver all three to a ResNet50 GpuInferenceService that scales to zero; retries with exponential
 *   backoff cover its cold start, and what still fails lands in a dead-letter logger.
 * - The classifier answers each event with an empty 202, or with a CloudEvent carrying its result: the broker
 *   retries a reply that is neither (a plain JSON body) as a failed delivery.
 */
import { App, AppProps, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Cpu, EnvValue, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  Broker, DeadLetterLogger, EventTrigger, GpuInferenceService, GpuNodePool, GpuProduct, KnativeFeatures, MinIOImageSource,
  PingSource, TriggerFilter,
} from '../../src';

/** The CloudEvents type HTTP clients use to ask for a classification. */
export const CLASSIFY_REQUESTED = 'ai.example.classify.requested';

export class EventDrivenClassifierChart extends Chart {
  public readonly classifier: GpuInferenceService;
  public readonly broker: Broker;
  public readonly errors: DeadLetterLogger;
  public readonly uploads: MinIOImageSource;
  public readonly nightly: PingSource;
  public readonly triggers: { readonly uploads: EventTrigger; readonly http: EventTrigger; readonly nightly: EventTrigger };

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'ml-events', ...props });

    this.classifier = new GpuInferenceService(this, 'resnet50', {
      metadata: { name: 'resnet50-classifier', labels: { 'app.kubernetes.io/name': 'resnet50-classifier' } },
      image: 'registry.example.com/ml/resnet50-flask:1.4.0',
      env: {
        MODEL_NAME: EnvValue.fromValue('resnet50'),
        TORCH_HOME: EnvValue.fromValue('/tmp/torch'),
        MINIO_ENDPOINT: EnvValue.fromValue('http://minio.minio.svc.cluster.local:9000'),
      },
      gpuCount: 1,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
      resources: { cpu: { request: Cpu.units(2) }, memory: { request: Size.gibibytes(8) } },
      clusterLocal: true,
      minScale: 0,
      maxScale: 10,
      containerConcurrency: 8,
      timeout: Duration.seconds(120),
      progressDeadline: Duration.minutes(10),
      // Image pull + weights load: up to 5 minutes before the first request can be served.
      // A short period: a pod scaled from zero takes traffic only once the probe passes.
      startupProbe: { path: '/healthz', period: Duration.seconds(2), failureThreshold: 150 },
      // No period: Knative probes readiness every 50 ms until the server answers.
      readinessProbe: { path: '/healthz' },
    });
    new KnativeFeatures(this, 'knative-features');

    // Dead letters: every event that exhausts its retries is logged with the failure, never dropped.
    this.errors = new DeadLetterLogger(this, 'errors', { metadata: { name: 'classifier-dead-letters' } });

    this.broker = new Broker(this, 'broker', {
      metadata: { name: 'classification' },
      delivery: { deadLetterSink: this.errors },
    });

    this.uploads = new MinIOImageSource(this, 'uploads', {
      metadata: { name: 'upload-bucket-events' },
      endpoint: 'http://minio.minio.svc.cluster.local:9000',
      bucket: 'upload-bucket',
      suffixes: ['.jpg', '.png'],
      credentials: Secret.fromSecretName(this, 'minio-admin', 'minio-notify-admin'),
      authToken: Secret.fromSecretName(this, 'webhook-token', 'minio-webhook-token'),
      queueDir: '/export/.minio-events',
      sink: this.broker,
    });

    this.nightly = new PingSource(this, 'nightly', {
      metadata: { name: 'nightly-batch' },
      schedule: '0 2 * * *',
      timezone: 'Europe/Berlin',
      data: { job: 'nightly-batch', bucket: 'upload-bucket', prefix: 'incoming/' },
      sink: this.broker,
    });

    // Cold start budget of the classifier: its 10-minute progress deadline, which Knative waits for a revision to
    // activate (a GPU node, the image pull, the weights, the startup probe). The default retries (exponential from 1s)
    // are computed to outlast it, and a per-attempt timeout keeps a hung request from blocking the retries.
    const delivery = { timeout: Duration.seconds(60) };
    this.triggers = {
      uploads: new EventTrigger(this, 'uploads-trigger', {
        metadata: { name: 'classify-uploads' },
        broker: this.broker,
        subscriber: this.classifier,
        // source = the bucket, type one of the four io.min.s3.ObjectCreated uploads (not tag changes), subject suffix .jpg or .png
        filters: [this.uploads.eventFilter()],
        delivery,
      }),
      http: new EventTrigger(this, 'http-trigger', {
        metadata: { name: 'classify-requests' },
        broker: this.broker,
        subscriber: this.classifier,
        filters: [TriggerFilter.eventType(CLASSIFY_REQUESTED)],
        delivery,
      }),
      nightly: new EventTrigger(this, 'nightly-trigger', {
        metadata: { name: 'classify-nightly-batch' },
        broker: this.broker,
        subscriber: this.classifier,
        subscriberPath: '/batch',
        filters: [TriggerFilter.eventType(PingSource.EVENT_TYPE), TriggerFilter.exact('source', this.nightly.eventSource)],
        // The batch run reads the whole bucket: give each attempt the service's full request timeout.
        delivery: { timeout: Duration.seconds(120), retry: 5, backoffDelay: Duration.seconds(10) },
      }),
    };
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new EventDrivenClassifierChart(app, 'event-driven-classifier');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
