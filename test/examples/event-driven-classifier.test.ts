import { App } from 'cdk8s';
import { buildApp, CLASSIFY_REQUESTED, EventDrivenClassifierChart } from '../../examples/event-driven-classifier/main';
import { ofKind, oneOf, synthApp } from '../_helpers/manifests';
import { tmpDir } from '../_helpers/tmp';

describe('examples/event-driven-classifier', () => {
  let app: App;
  let objects: any[];
  let story: EventDrivenClassifierChart;

  beforeAll(() => {
    app = buildApp({ outdir: tmpDir('event-driven-classifier-') });
    objects = synthApp(app); // every object passes the schema gate
    story = app.node.findChild('event-driven-classifier') as EventDrivenClassifierChart;
  });

  const triggers = (): Record<string, any> => Object.fromEntries(ofKind(objects, 'eventing.knative.dev/v1', 'Trigger').map((t) => [t.metadata.name, t]));
  /** The Triggers the example synthesizes, by name; loops over them must not pass vacuously. */
  const TRIGGER_NAMES = ['classify-nightly-batch', 'classify-requests', 'classify-uploads'];

  test('a ResNet50 GPU service that scales to zero is the subscriber of every trigger', () => {
    const service = oneOf(objects, 'serving.knative.dev/v1', 'Service');
    expect(service.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(service.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(ofKind(objects, 'eventing.knative.dev/v1', 'Trigger').map((t) => t.metadata.name).sort()).toEqual(TRIGGER_NAMES);
    for (const t of Object.values(triggers())) {
      expect(t.spec.subscriber.ref).toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'resnet50-classifier', namespace: 'ml-events' });
      expect(t.spec.broker).toBe('classification');
    }
  });

  test('MinIO uploads of .jpg and .png reach the broker as CloudEvents', () => {
    const binding = oneOf(objects, 'sources.knative.dev/v1', 'SinkBinding');
    expect(binding.spec.sink.ref).toMatchObject({ kind: 'Broker', name: 'classification' });
    expect(binding.spec.subject).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'upload-bucket-events-adapter' });
    const env = Object.fromEntries(oneOf(objects, 'batch/v1', 'Job').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ BUCKET: 'upload-bucket', EVENTS: 'put', SUFFIXES: '.jpg .png', QUEUE_DIR: '/export/.minio-events' });
    expect(triggers()['classify-uploads'].spec.filters).toEqual([{
      all: [
        { exact: { source: 'http://minio.minio.svc.cluster.local:9000/upload-bucket' } },
        // Uploads only: not MinIO's tag, retention and legal-hold events, which share the ObjectCreated category.
        { any: ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'].map((w) => ({ exact: { type: `io.min.s3.ObjectCreated:${w}` } })) },
        { any: [{ suffix: { subject: '.jpg' } }, { suffix: { subject: '.png' } }] },
      ],
    }]);
  });

  test('HTTP posts go through the same broker by type', () => {
    expect(triggers()['classify-requests'].spec.filters).toEqual([{ exact: { type: CLASSIFY_REQUESTED } }]);
  });

  test('the nightly 02:00 batch run goes through the same broker to /batch', () => {
    const ping = oneOf(objects, 'sources.knative.dev/v1', 'PingSource');
    expect(ping.spec).toMatchObject({ schedule: '0 2 * * *', timezone: 'Europe/Berlin', contentType: 'application/json' });
    expect(ping.spec.sink.ref).toMatchObject({ kind: 'Broker', name: 'classification' });
    const nightly = triggers()['classify-nightly-batch'];
    expect(nightly.spec.subscriber.uri).toBe('/batch');
    expect(nightly.spec.filters).toEqual([
      { exact: { type: 'dev.knative.sources.ping' } },
      { exact: { source: '/apis/v1/namespaces/ml-events/pingsources/nightly-batch' } },
    ]);
  });

  test('failed deliveries retry with exponential backoff long enough for the cold start, then land in the error logger', () => {
    const budget = story.classifier.coldStartBudget.toSeconds();
    expect(budget).toBe(600);
    expect(Object.keys(story.triggers).sort()).toEqual(['http', 'nightly', 'uploads']);
    expect(Object.values(story.triggers).map((t) => t.name).sort()).toEqual(TRIGGER_NAMES);
    for (const [name, trigger] of Object.entries(story.triggers)) {
      expect([name, trigger.backoffPolicy]).toEqual([name, 'exponential']);
      expect(trigger.deliveryWindow.toSeconds()).toBeGreaterThanOrEqual(budget);
    }
    expect(ofKind(objects, 'eventing.knative.dev/v1', 'Trigger').map((t) => t.metadata.name).sort()).toEqual(TRIGGER_NAMES);
    for (const t of Object.values(triggers())) {
      expect(t.spec.delivery.deadLetterSink.ref).toEqual({ apiVersion: 'v1', kind: 'Service', name: 'classifier-dead-letters', namespace: 'ml-events' });
      expect(t.spec.delivery.backoffPolicy).toBe('exponential');
    }
    expect(oneOf(objects, 'eventing.knative.dev/v1', 'Broker').spec.delivery.deadLetterSink.ref.name).toBe('classifier-dead-letters');
    expect(ofKind(objects, 'apps/v1', 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['classifier-dead-letters', 'upload-bucket-events-adapter']);
  });

  test('declares the Knative Serving flags the GPU pod needs', () => {
    const features = ofKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'config-features');
    expect(features.data).toMatchObject({ 'kubernetes.podspec-nodeselector': 'enabled', 'kubernetes.podspec-tolerations': 'enabled' });
  });
});
