import { Chart, Duration, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import {
  Broker, DeadLetterLogger, EventTrigger, GpuInferenceService, GpuProduct, KnativeFeatures, ModelArtifactSource, PingSource,
  TritonModelRepo, TritonServer, TritonAutoscalingOptions,
} from '../src';
import { RESNET50 } from './triton/_fixtures';
import { snapshot } from '../src/_snapshot';
import { oneOf, synth } from './_helpers/manifests';

describe('snapshot', () => {
  test('copies arrays and plain data objects, at every depth', () => {
    const given = { a: [1, { b: 'x' }], c: { d: { e: true } } };
    const copy = snapshot(given);
    expect(copy).toEqual(given);
    expect(copy).not.toBe(given);
    expect(copy.a).not.toBe(given.a);
    expect(copy.a[1]).not.toBe(given.a[1]);
    expect(copy.c.d).not.toBe(given.c.d);
  });

  test('keeps class instances, objects with methods and functions as they are', () => {
    const sink = { toSinkDestination: () => ({ uri: 'http://x' }) };
    const duration = Duration.seconds(5);
    const f = () => 1;
    const copy = snapshot({ sink, duration, f, product: GpuProduct.L4 });
    expect(copy.sink).toBe(sink);
    expect(copy.duration).toBe(duration);
    expect(copy.f).toBe(f);
    expect(copy.product).toBe(GpuProduct.L4);
  });

  test('keeps an object the jsii kernel makes for another language\'s class: methods non-enumerable, an id under a symbol', () => {
    // @jsii/kernel's create(): `new Object()`, each method defined with enumerable: false, the object id under a symbol.
    const sink: any = new Object();
    Object.defineProperty(sink, 'toSinkDestination', { value: () => ({ uri: 'http://python-sink' }), enumerable: false, writable: true });
    const tagged: any = { uri: 'x' };
    tagged[Symbol.for('$__jsii__objid__$')] = 'sink@10001';
    const copy = snapshot({ sink, tagged, list: [sink] });
    expect(copy.sink).toBe(sink);
    expect(copy.tagged).toBe(tagged);
    expect(copy.list[0]).toBe(sink);
    expect(copy.sink.toSinkDestination()).toEqual({ uri: 'http://python-sink' });
  });

  test('reads an enumerable getter of an object literal once, and keeps an object with a non-enumerable one', () => {
    let reads = 0;
    const given = { get replicas() { reads++; return 2; } };
    const copy = snapshot({ given });
    expect(Object.getOwnPropertyDescriptor(copy.given, 'replicas')).toEqual({ value: 2, writable: true, enumerable: true, configurable: true });
    expect(reads).toBe(1);
    const hidden = {};
    Object.defineProperty(hidden, 'replicas', { get: () => 2, enumerable: false });
    expect(snapshot({ hidden }).hidden).toBe(hidden);
  });

  test('copies a cycle as a cycle', () => {
    const given: any = { name: 'a' };
    given.self = given;
    const copy = snapshot(given);
    expect(copy).not.toBe(given);
    expect(copy.self).toBe(copy);
  });
});

describe('props changed after a construct took them', () => {
  // The app builds two objects from one options object and edits it in between: each object keeps what it was given.
  test('TritonServer keeps its autoscaling and spread keys, checked or not', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    const repo = new TritonModelRepo(chart, 'repo', {
      artifacts: ModelArtifactSource.fromS3({ endpoint: 'http://minio:9000', bucket: 'models', credentials: Secret.fromSecretName(chart, 'creds', 'minio') }),
      models: [RESNET50],
    });
    const autoscaling: { -readonly [K in keyof TritonAutoscalingOptions]: TritonAutoscalingOptions[K] } = { minReplicas: 1, maxReplicas: 4 };
    const spreadTopologyKeys = ['kubernetes.io/hostname'];
    new TritonServer(chart, 'triton', { repository: repo, metadata: { name: 'triton' }, autoscaling, spreadTopologyKeys });
    autoscaling.maxReplicas = 0;
    spreadTopologyKeys.push('Not A Label!');
    const objects = synth(chart);
    expect(oneOf(objects, 'autoscaling/v2', 'HorizontalPodAutoscaler').spec.maxReplicas).toBe(4);
    const pod = oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec;
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['kubernetes.io/hostname']);
  });

  test('GpuInferenceService keeps its scale bounds and revision name', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    new KnativeFeatures(chart, 'features');
    const props = { metadata: { name: 'resnet50' }, image: 'registry.example.com/ml/resnet50:1.4.0', maxScale: 4, containerConcurrency: 2, revisionName: 'resnet50-v1' };
    new GpuInferenceService(chart, 'classifier', props);
    props.maxScale = -7;
    props.containerConcurrency = -1;
    props.revisionName = 'BAD_NAME';
    const template = oneOf(synth(chart), 'serving.knative.dev/v1', 'Service').spec.template;
    expect(template.metadata.annotations['autoscaling.knative.dev/max-scale']).toBe('4');
    expect(template.metadata.name).toBe('resnet50-v1');
    expect(template.spec.containerConcurrency).toBe(2);
  });

  test('a sink written in another jsii language reaches the trigger, the source and the broker', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    const sink: any = new Object();
    Object.defineProperty(sink, 'toSinkDestination', { value: () => ({ uri: 'http://python-sink.example.com' }), enumerable: false });
    const broker = new Broker(chart, 'events', { metadata: { name: 'events' }, delivery: { deadLetterSink: sink } });
    new PingSource(chart, 'ping', { metadata: { name: 'nightly' }, schedule: '0 2 * * *', sink });
    new EventTrigger(chart, 'trigger', { metadata: { name: 'to-python' }, broker, subscriber: sink, delivery: { deadLetterSink: sink } });
    const objects = synth(chart);
    expect(oneOf(objects, 'eventing.knative.dev/v1', 'Broker').spec.delivery.deadLetterSink).toEqual({ uri: 'http://python-sink.example.com' });
    expect(oneOf(objects, 'sources.knative.dev/v1', 'PingSource').spec.sink).toEqual({ uri: 'http://python-sink.example.com' });
    expect(oneOf(objects, 'eventing.knative.dev/v1', 'Trigger').spec.subscriber).toEqual({ uri: 'http://python-sink.example.com' });
  });

  test('Broker keeps its delivery, PingSource its data', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    const delivery = { retry: 2, deadLetterSink: new DeadLetterLogger(chart, 'errors', { metadata: { name: 'errors' } }) };
    const broker = new Broker(chart, 'events', { metadata: { name: 'events' }, delivery });
    delivery.retry = -9;
    const data = { batch: 'nightly' };
    new PingSource(chart, 'ping', { metadata: { name: 'nightly' }, schedule: '0 2 * * *', data, sink: broker });
    data.batch = 'changed';
    const objects = synth(chart);
    expect(oneOf(objects, 'eventing.knative.dev/v1', 'Broker').spec.delivery.retry).toBe(2);
    expect(oneOf(objects, 'sources.knative.dev/v1', 'PingSource').spec.data).toBe('{"batch":"nightly"}');
  });
});
