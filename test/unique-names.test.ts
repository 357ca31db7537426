import { ApiObject, Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { Broker, ClusterChart, ClusterTarget, DeadLetterLogger, DistributedTrainingJob, GpuNodePool, MinIOImageSource } from '../src';

const IMAGE = 'registry.example.com/ml/train:2.4.1';

function uploads(chart: Chart): MinIOImageSource {
  return new MinIOImageSource(chart, 'uploads', {
    name: 'uploads',
    endpoint: 'http://minio.minio.svc.cluster.local:9000',
    bucket: 'upload-bucket',
    credentials: Secret.fromSecretName(chart, 'admin', 'minio-notify-admin'),
    authToken: Secret.fromSecretName(chart, 'token', 'minio-webhook-token'),
    queueDir: '/export/.minio-events',
    sink: Broker.fromBrokerName('events'),
  });
}

describe('unique object names', () => {
  test('fails at synth on two objects of one kind, namespace and name, a name the library derived among them', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'events', { namespace: 'ml' });
    uploads(chart); // its adapter's ConfigMap, Deployment and Service are 'uploads-adapter'
    new DeadLetterLogger(chart, 'errors', { name: 'uploads-adapter' });
    expect(() => app.synth()).toThrow(
      "'metadata.name' must be unique per kind in namespace 'ml' in a cluster: events/uploads/Adapter/Code and events/errors/Code are one object to the apiserver, " +
      "got 'ConfigMap uploads-adapter': rename one of them (names the library derives, such as <name>-adapter or <job>-0, count too)");
  });

  test("a training Job's rendezvous Service meets a Service of the same name", () => {
    const chart = Testing.chart();
    new DistributedTrainingJob(chart, 'train', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py', nodes: 2 });
    new ApiObject(chart, 'other', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'train-0' }, spec: { ports: [{ port: 80 }] } });
    expect(() => Testing.synth(chart)).toThrow(/got 'Service train-0'/);
  });

  test('the same name passes in other namespaces, other kinds and other clusters', () => {
    const app = Testing.app();
    for (const namespace of ['team-a', 'team-b']) new DeadLetterLogger(new Chart(app, namespace, { namespace }), 'errors', { name: 'dead-letters' });
    for (const name of ['dc1', 'dc2']) {
      const cluster = new ClusterChart(app, name, { namespace: 'ml', target: new ClusterTarget({ name, nodePool: GpuNodePool.onPrem() }) });
      new DistributedTrainingJob(cluster, 'train', { metadata: { name: 'train' }, image: IMAGE, script: 'train.py' });
    }
    const chart = new Chart(app, 'kinds', { namespace: 'ml' });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } });
    new ApiObject(chart, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shared' } });
    expect(() => app.synth()).not.toThrow();
  });
});
