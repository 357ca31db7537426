import { ApiObjectMetadata, Chart, Testing } from 'cdk8s';
import { PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import {
  Broker, DistributedTrainingJob, EventSink, EventTrigger, GpuInferenceService, GpuNotebook, MetricsScraping, ModelArtifactSource, PingSource,
  TritonModelRepo, TritonServer,
} from '../src';
import { checkAnnotations, checkLabels, checkMetadata } from '../src/_names';

const IMAGE = 'registry.example.com/ml/resnet50:1.4.0';
const sink = EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'worker' });

describe('labels, annotations and namespaces as the apiserver takes them', () => {
  test('label keys are qualified names; values at most 63 characters of [A-Za-z0-9-_.], or empty', () => {
    expect(() => checkLabels('labels', { 'app.kubernetes.io/name': 'x', 'team': '', 'a': 'v1.2_3-x' })).not.toThrow();
    expect(() => checkLabels('labels', { 'bad key!': 'x' })).toThrow("'labels' must be keyed by label keys ([prefix/]name: a DNS subdomain prefix, a name of 63 characters of [A-Za-z0-9-_.]), got 'bad key!'");
    for (const key of ['a..b/x', 'Example.com/x', `${'a'.repeat(64)}`, `${'a.'.repeat(127)}a/x`, '/x', 'x/']) {
      expect(() => checkLabels('labels', { [key]: 'x' })).toThrow(`got '${key}'`);
    }
    expect(() => checkLabels('labels', { y: 'a'.repeat(64) })).toThrow(
      `'labels['y']' must be a label value (at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric, or empty), got '${'a'.repeat(64)}': ` +
      'put longer or free-form text in an annotation');
    expect(() => checkLabels('labels', { y: 'v v' })).toThrow("got 'v v'");
    expect(() => checkLabels('labels', { y: 'a'.repeat(63), [`${'a'.repeat(253)}/x`]: '' })).not.toThrow();
  });

  test('annotation keys are qualified names, their values any text, 256 KiB of keys and values in all', () => {
    expect(() => checkAnnotations('podAnnotations', { 'example.com/note': 'free text: with spaces, and more' })).not.toThrow();
    expect(() => checkAnnotations('podAnnotations', { 'bad key!': 'x' })).toThrow("'podAnnotations' must be keyed by annotation keys");
    // The apiserver checks annotation keys in lower case; label keys it takes as they are.
    expect(() => checkAnnotations('podAnnotations', { 'Example.com/Owner': 'team-a' })).not.toThrow();
    expect(() => checkLabels('labels', { 'Example.com/owner': 'team-a' })).toThrow("got 'Example.com/owner'");
    expect(() => checkAnnotations('podAnnotations', { a: 'x'.repeat(256 * 1024 - 1) })).not.toThrow();
    expect(() => checkAnnotations('podAnnotations', { a: 'x'.repeat(256 * 1024) })).toThrow("'podAnnotations' must be at most 262144 bytes of keys and values, got '262145 bytes'");
  });

  test('a namespace is a DNS label', () => {
    expect(() => checkMetadata('metadata', { namespace: 'Bad NS' })).toThrow("'metadata.namespace' must be a DNS label (at most 63 lowercase letters, digits and -), got 'Bad NS'");
    expect(() => checkMetadata('metadata', { namespace: 'ml-serving', labels: { team: 'ml' } })).not.toThrow();
  });

  // Every construct that takes metadata, pod annotations or monitor labels checks them before it writes anything.
  const constructs: Array<[string, (chart: Chart, metadata: ApiObjectMetadata, podAnnotations?: Record<string, string>) => unknown]> = [
    ['GpuInferenceService', (c, metadata, podAnnotations) => new GpuInferenceService(c, 'x', { image: IMAGE, metadata, podAnnotations })],
    ['TritonServer', (c, metadata, podAnnotations) => {
      const repository = new TritonModelRepo(c, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(c, 'claim', 'models')) });
      return new TritonServer(c, 'x', { repository, metadata, podAnnotations });
    }],
    ['TritonModelRepo', (c, metadata) => new TritonModelRepo(c, 'x', {
      metadata, artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(c, 'claim', 'models')),
    })],
    ['DistributedTrainingJob', (c, metadata, podAnnotations) => new DistributedTrainingJob(c, 'x', { image: IMAGE, script: '/train.py', metadata, podAnnotations })],
    ['GpuNotebook', (c, metadata) => new GpuNotebook(c, 'x', { tokenSecret: Secret.fromSecretName(c, 'token', 'jupyter-token'), metadata })],
    ['Broker', (c, metadata) => new Broker(c, 'x', { metadata })],
    ['EventTrigger', (c, metadata) => new EventTrigger(c, 'x', {
      metadata, broker: Broker.fromBrokerName('default'), subscriber: sink, delivery: { deadLetterSink: sink },
    })],
    ['PingSource', (c, metadata) => new PingSource(c, 'x', { schedule: '0 * * * *', sink, metadata })],
  ];

  test.each(constructs)('fails %s on labels, annotations or a namespace the apiserver refuses', (_name, make) => {
    const chart = () => new Chart(Testing.app(), 'c', { namespace: 'ml' });
    expect(() => make(chart(), { name: 'x', labels: { 'bad key!': 'x' } })).toThrow("'metadata.labels' must be keyed by label keys");
    expect(() => make(chart(), { name: 'x', labels: { team: 'a'.repeat(70) } })).toThrow("'metadata.labels['team']' must be a label value");
    expect(() => make(chart(), { name: 'x', annotations: { 'bad key!': 'x' } })).toThrow("'metadata.annotations' must be keyed by annotation keys");
    expect(() => make(chart(), { name: 'x', namespace: 'Bad NS' })).toThrow("'metadata.namespace' must be a DNS label");
    expect(() => make(chart(), { name: 'x', labels: { 'team': 'ml', 'app.kubernetes.io/part-of': '' }, annotations: { 'example.com/note': 'any text' } })).not.toThrow();
  });

  test.each(constructs.filter(([name]) => ['GpuInferenceService', 'TritonServer', 'DistributedTrainingJob'].includes(name)))(
    'fails %s on pod annotations the apiserver refuses', (_name, make) => {
      expect(() => make(new Chart(Testing.app(), 'c'), { name: 'x' }, { 'bad key!': 'x' })).toThrow("'podAnnotations' must be keyed by annotation keys");
    });

  test('fails TritonServer on monitor labels the apiserver refuses', () => {
    const c = new Chart(Testing.app(), 'c', { namespace: 'ml' });
    const repository = new TritonModelRepo(c, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(c, 'claim', 'models')) });
    expect(() => new TritonServer(c, 'x', { repository, metricsScraping: MetricsScraping.POD_MONITOR, monitorLabels: { 'bad key!': 'x' } }))
      .toThrow("'monitorLabels' must be keyed by label keys");
  });
});
