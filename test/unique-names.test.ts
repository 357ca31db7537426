import { ApiObject, Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { Broker, ClusterChart, ClusterTarget, DeadLetterLogger, DistributedTrainingJob, GpuNodePool, MinIOImageSource } from '../src';

const IMAGE = 'registry.example.com/ml/train:2.4.1';

function uploads(chart: Chart): MinIOImageSource {
  return new MinIOImageSource(chart, 'uploads', {
    metadata: { name: 'uploads' },
    endpoint: 'http://minio.minio.svc.cluster.local:9000',
    bucket: 'upload-bucket',
    credentials: Secret.fromSecretName(chart, 'admin', 'minio-notify-admin'),
    authToken: Secret.fromSecretName(chart, 'token', 'minio-webhook-token'),
    queueDir: '/export/.minio-events',
    sink: Broker.fromBrokerName('events'),
  });
}

describe('unique object names', () => {
  test('fails at synth on two objects of one kind, namespace and name in a chart, a name the library derived among them', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'events', { namespace: 'ml' });
    uploads(chart); // its adapter's ConfigMap, Deployment and Service are 'uploads-adapter'
    new DeadLetterLogger(chart, 'errors', { metadata: { name: 'uploads-adapter' } });
    expect(() => app.synth()).toThrow(
      "[events] 'metadata.name' must be unique per kind in namespace 'ml' among the objects applied together: events/uploads/Adapter/Code and " +
      "events/errors/Code are one object to the apiserver, got 'v1 ConfigMap uploads-adapter': rename one of them (names the library derives, " +
      'such as <name>-adapter or <job>-0, count too)');
  });

  test("a training Job's rendezvous Service meets a Service of the same name", () => {
    const chart = Testing.chart();
    new DistributedTrainingJob(chart, 'train', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py', nodes: 2 });
    new ApiObject(chart, 'other', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'train-0' }, spec: { ports: [{ port: 80 }] } });
    expect(() => Testing.synth(chart)).toThrow(/got 'v1 Service train-0'/);
  });

  test('a ClusterChart is one cluster: charts apart, the same names pass; in it, they fail', () => {
    const app = Testing.app();
    // staging and prod: each chart applied to its own cluster.
    for (const env of ['staging', 'prod']) {
      const chart = new Chart(app, env, { namespace: 'ml' });
      new DistributedTrainingJob(chart, 'train', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py', nodes: 2 });
    }
    expect(() => app.synth()).not.toThrow();
    const cluster = new ClusterChart(app, 'dc1', { namespace: 'ml', target: new ClusterTarget({ name: 'dc1', nodePool: GpuNodePool.onPrem() }) });
    new DistributedTrainingJob(cluster, 'a', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py' });
    new DistributedTrainingJob(cluster, 'b', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py' });
    expect(() => app.synth()).toThrow(/\[dc1\] 'metadata.name' must be unique .* got 'batch\/v1 Job train'/);
  });

  test('other namespaces, other kinds and pairs the library did not make pass', () => {
    const chart = new Chart(Testing.app(), 'kinds', { namespace: 'ml' });
    new DeadLetterLogger(chart, 'a', { metadata: { name: 'dead-letters' } });
    new DeadLetterLogger(chart, 'b', { metadata: { name: 'dead-letters-b' } });
    new ApiObject(chart, 'other-ns', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dead-letters', namespace: 'ops' } });
    new ApiObject(chart, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dead-letters' } });
    // Not the library's: a Namespace the user declares twice is the user's business.
    new ApiObject(chart, 'ns1', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared' } });
    new ApiObject(chart, 'ns2', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared' } });
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
