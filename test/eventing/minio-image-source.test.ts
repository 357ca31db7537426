import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { chart } from './_fixtures';
import { Broker, ClusterChart, ClusterTarget, GpuNodePool, MinioBucketEvent, MinIOImageSource, MinIOImageSourceProps } from '../../src';
import { SETUP_SCRIPT } from '../../src/eventing/_minio-setup-script';
import { adapterScript, ceHeaderValue } from '../../src/eventing/adapter/minio-cloudevents-adapter';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
import { oneOf, synth } from '../_helpers/manifests';

function source(c = chart(), props: Partial<MinIOImageSourceProps> = {}): MinIOImageSource {
  return new MinIOImageSource(c, 'uploads', {
    endpoint: 'http://minio.minio.svc.cluster.local:9000',
    bucket: 'upload-bucket',
    credentials: Secret.fromSecretName(c, 'admin', 'minio-notify-admin'),
    authToken: Secret.fromSecretName(c, 'token', 'minio-webhook-token'),
    queueDir: '/export/.minio-events',
    sink: Broker.fromBrokerName('events'),
    ...props,
  });
}

/** Objects with the (long) scripts replaced, for readable snapshots; the scripts are checked on their own. */
function readable(objects: any[]): any[] {
  return objects.map((o) => {
    const copy = JSON.parse(JSON.stringify(o));
    if (copy.kind === 'ConfigMap') for (const k of Object.keys(copy.data)) copy.data[k] = `<adapter script, ${o.data[k].length} characters>`;
    if (copy.kind === 'Job') copy.spec.template.spec.containers[0].command[2] = '<SETUP_SCRIPT>';
    return copy;
  });
}

describe('MinIOImageSource', () => {
  test('defaults', () => {
    const c = chart();
    source(c);
    expect(readable(synth(c))).toMatchSnapshot();
  });

  test('pull secrets reach the adapter and the setup Job, whose name follows them (its pod template is immutable)', () => {
    const c = chart();
    source(c, { imagePullSecrets: [Secret.fromSecretName(c, 'pull', 'harbor-creds')] });
    const objects = synth(c);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec.imagePullSecrets).toEqual([{ name: 'harbor-creds' }]);
    const job = oneOf(objects, 'batch/v1', 'Job');
    expect(job.spec.template.spec.imagePullSecrets).toEqual([{ name: 'harbor-creds' }]);
    const plain = chart();
    source(plain);
    expect(job.metadata.name).not.toBe(oneOf(synth(plain), 'batch/v1', 'Job').metadata.name);
  });

  test('every prop', () => {
    const c = chart();
    const s = source(c, {
      metadata: { name: 'uploads' },
      accessKeyIdKey: 'rootUser',
      secretAccessKeyKey: 'rootPassword',
      authTokenKey: 'webhook-token',
      queueLimit: 50000,
      events: [MinioBucketEvent.PUT, MinioBucketEvent.DELETE],
      prefix: 'incoming/',
      suffixes: ['.jpg', '.png'],
      targetId: 'KNATIVE',
      restartMinio: false,
      eventTypePrefix: 'com.amazonaws.s3',
      extensions: { pipeline: 'resnet50' },
      replicas: 2,
      adapterImage: 'node:22.20.0-alpine3.22@sha256:' + 'a'.repeat(64),
      mcImage: 'quay.io/minio/mc:RELEASE.2024-05-24T09-08-49Z',
      imagePullSecrets: [Secret.fromSecretName(c, 'pull', 'harbor-creds')],
    });
    const objects = synth(c);
    expect(readable(objects)).toMatchSnapshot();
    expect(s.targetArn).toBe('arn:minio:sqs::KNATIVE:webhook');
    expect(s.eventTypePrefixes).toEqual(['com.amazonaws.s3.ObjectCreated:', 'com.amazonaws.s3.ObjectRemoved:']);
    const env = Object.fromEntries(oneOf(objects, 'batch/v1', 'Job').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ EVENTS: 'put,delete', PREFIX: 'incoming/', SUFFIXES: '.jpg .png', QUEUE_LIMIT: '50000', RESTART_MINIO: 'false', TARGET_ID: 'KNATIVE' });
    // mc keeps its config in the writable /tmp, whether it takes MC_CONFIG_DIR or falls back to $HOME/.mc.
    expect(env).toMatchObject({ MC_CONFIG_DIR: '/tmp/.mc', HOME: '/tmp' });
    expect(env.MINIO_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'minio-notify-admin', key: 'rootUser' } });
    expect(oneOf(objects, 'sources.knative.dev/v1', 'SinkBinding').spec.ceOverrides).toEqual({ extensions: { pipeline: 'resnet50' } });
  });

  test('ships the adapter code from the library in a ConfigMap and runs it with node on a hardened pod', () => {
    const c = chart();
    source(c, { metadata: { name: 'uploads' } });
    const objects = synth(c);
    expect(oneOf(objects, 'v1', 'ConfigMap').data['minio-cloudevents-adapter.js']).toBe(adapterScript());
    const deployment = oneOf(objects, 'apps/v1', 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(MinIOImageSource.DEFAULT_ADAPTER_IMAGE);
    expect(container.command).toEqual(['node', '/opt/app/minio-cloudevents-adapter.js']);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources.limits).not.toHaveProperty('nvidia.com/gpu');
    expect(deployment.spec.template.spec.tolerations).toBeUndefined();
    expect(container.env.find((e: any) => e.name === 'MINIO_WEBHOOK_AUTH_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'minio-webhook-token', key: 'token' } });
    expect(deployment.spec.template.metadata.annotations['checksum/script']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the setup Job\'s pods are not selected by the adapter\'s Service or Deployment', () => {
    const c = chart();
    source(c, { metadata: { name: 'uploads' } });
    const objects = synth(c);
    const setupLabels = oneOf(objects, 'batch/v1', 'Job').spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => setupLabels[k] === v);
    expect(matches(oneOf(objects, 'v1', 'Service').spec.selector)).toBe(false);
    expect(matches(oneOf(objects, 'apps/v1', 'Deployment').spec.selector.matchLabels)).toBe(false);
    expect(setupLabels).toMatchObject({ 'app.kubernetes.io/name': 'minio-cloudevents-setup', 'app.kubernetes.io/instance': 'uploads' });
  });

  test('binds the adapter to the sink and tells MinIO where to post', () => {
    const c = chart();
    const s = source(c, { metadata: { name: 'uploads' } });
    const objects = synth(c);
    expect(oneOf(objects, 'sources.knative.dev/v1', 'SinkBinding').spec).toEqual({
      subject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'uploads-adapter' },
      sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'events' } },
    });
    expect(oneOf(objects, 'v1', 'Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(s.webhookEndpoint).toBe('http://uploads-adapter.ml-events.svc.cluster.local/');
    const env = oneOf(objects, 'batch/v1', 'Job').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'WEBHOOK_ENDPOINT').value).toBe(s.webhookEndpoint);
    expect(env.find((e: any) => e.name === 'WEBHOOK_AUTH_TOKEN').valueFrom).toEqual({ secretKeyRef: { name: 'minio-webhook-token', key: 'token' } });
  });

  test('never puts a secret value in the output: credentials and token are references', () => {
    const c = chart();
    source(c, { metadata: { name: 'uploads' } });
    const credentialNames = ['MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY', 'WEBHOOK_AUTH_TOKEN', 'MINIO_WEBHOOK_AUTH_TOKEN'];
    // Every env entry with a credential's name, of every container and init container of every pod template.
    const entries = synth(c).flatMap((o) => {
      const pod = o.kind === 'Pod' ? o.spec : o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;
      if (!pod) return [];
      return [...pod.containers ?? [], ...pod.initContainers ?? []].flatMap((container: any) => (container.env ?? [])
        .filter((e: any) => credentialNames.includes(e.name))
        .map((e: any) => ({ at: `${o.kind}/${o.metadata.name}/${container.name}`, entry: e })));
    });
    // The adapter reads the token to check MinIO's posts; the setup Job's mc logs in and registers the token with MinIO.
    const secretRef = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    expect(entries.map(({ at, entry }) => [at, entry.name])).toEqual([
      ['Deployment/uploads-adapter/app', 'MINIO_WEBHOOK_AUTH_TOKEN'],
      [expect.stringMatching(/^Job\/uploads-setup-[0-9a-f]{8}\/mc$/), 'MINIO_ACCESS_KEY'],
      [expect.stringMatching(/^Job\/uploads-setup-[0-9a-f]{8}\/mc$/), 'MINIO_SECRET_KEY'],
      [expect.stringMatching(/^Job\/uploads-setup-[0-9a-f]{8}\/mc$/), 'WEBHOOK_AUTH_TOKEN'],
    ]);
    const expected: Record<string, object> = {
      MINIO_WEBHOOK_AUTH_TOKEN: secretRef('minio-webhook-token', 'token'),
      MINIO_ACCESS_KEY: secretRef('minio-notify-admin', 'AWS_ACCESS_KEY_ID'),
      MINIO_SECRET_KEY: secretRef('minio-notify-admin', 'AWS_SECRET_ACCESS_KEY'),
      WEBHOOK_AUTH_TOKEN: secretRef('minio-webhook-token', 'token'),
    };
    for (const { at, entry } of entries) {
      expect([at, entry]).toStrictEqual([at, { name: entry.name, valueFrom: expected[entry.name] }]);
      expect([at, entry]).not.toHaveProperty('1.value');
    }
  });

  test('names the setup Job after a hash of its settings, so a change makes a new Job', () => {
    const a = chart();
    source(a, { metadata: { name: 'uploads' } });
    const b = chart();
    source(b, { metadata: { name: 'uploads' }, suffixes: ['.jpg'] });
    const nameA = oneOf(synth(a), 'batch/v1', 'Job').metadata.name;
    expect(nameA).toMatch(/^uploads-setup-[0-9a-f]{8}$/);
    expect(oneOf(synth(b), 'batch/v1', 'Job').metadata.name).not.toBe(nameA);
  });

  test("a new registry mirror makes a new setup Job: the Job's image is part of its immutable pod template", () => {
    const job = (mirror?: string) => {
      const app = Testing.app();
      const target = new ClusterTarget({ name: 'dc1', nodePool: GpuNodePool.nvidia(), registryMirrors: mirror ? { 'docker.io': mirror } : undefined });
      const c = new ClusterChart(app, 'dc1', { target, namespace: 'ml' });
      source(c, { metadata: { name: 'uploads' } });
      return oneOf(Testing.synth(c), 'batch/v1', 'Job');
    };
    const [direct, first, second] = [job(), job('harbor.dc1.example.com/dockerhub'), job('mirror.dc1.example.com/dockerhub')];
    expect(first.spec.template.spec.containers[0].image).toMatch(/^harbor\.dc1\.example\.com\/dockerhub\/minio\/mc:/);
    expect(second.spec.template.spec.containers[0].image).toMatch(/^mirror\.dc1\.example\.com\/dockerhub\/minio\/mc:/);
    expect(new Set([direct, first, second].map((j) => j.metadata.name)).size).toBe(3);
  });

  test('a new authTokenRevision makes a new setup Job and rolls the adapter pods, which read the token at start', () => {
    const objects = (revision?: string) => {
      const c = chart();
      source(c, { metadata: { name: 'uploads' }, authTokenRevision: revision });
      return synth(c);
    };
    const annotations = (o: any[]) => oneOf(o, 'apps/v1', 'Deployment').spec.template.metadata.annotations;
    const jobName = (o: any[]) => oneOf(o, 'batch/v1', 'Job').metadata.name;
    const [none, first, second] = [objects(), objects('2026-11-30'), objects('2026-12-01')];
    expect(annotations(none)['cdk8s-gpu-inference/auth-token-revision']).toBeUndefined();
    expect(annotations(first)['cdk8s-gpu-inference/auth-token-revision']).toBe('2026-11-30');
    expect(annotations(second)['cdk8s-gpu-inference/auth-token-revision']).toBe('2026-12-01');
    expect(new Set([jobName(none), jobName(first), jobName(second)]).size).toBe(3);
  });

  const writes = (prefix: string) => ({ any: ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'].map((w) => ({ exact: { type: `${prefix}ObjectCreated:${w}` } })) });

  test('an https MinIO with a private CA: the setup Job\'s mc trusts it from its Secret', () => {
    const c = chart();
    const ca = Secret.fromSecretName(c, 'ca', 'minio-tenant-ca');
    source(c, { endpoint: 'https://minio.storage.svc.cluster.local:443', caCertificate: ca });
    const pod = oneOf(synth(c), 'batch/v1', 'Job').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'mc-ca', secret: { secretName: 'minio-tenant-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'mc-config', mountPath: '/tmp/.mc' },
      { name: 'mc-ca', mountPath: '/tmp/.mc/certs/CAs', readOnly: true },
    ]));
    expect(pod.containers[0].env).toContainEqual({ name: 'MC_CONFIG_DIR', value: '/tmp/.mc' });
    expect(() => source(chart(), { caCertificate: ca })).toThrow("'caCertificate' must be set only with an https endpoint, got 'http://minio.minio.svc.cluster.local:9000'");
  });

  test('takes a prefix with spaces ("Camera Uploads/"): the filter matches the encoded subject (the setup Job\'s tests run the script with it)', () => {
    const s = source(chart(), { prefix: 'Camera Uploads/' });
    expect(s.eventFilter()._toJson().all).toContainEqual({ prefix: { subject: 'Camera%20Uploads/' } });
  });

  test('eventFilter matches exactly the events the source sends, uploads without metadata changes', () => {
    const s = source(chart(), { prefix: 'incoming/', suffixes: ['.jpg', '.png'] });
    expect(s.eventFilter()._toJson()).toEqual({
      all: [
        { exact: { source: 'http://minio.minio.svc.cluster.local:9000/upload-bucket' } },
        // MinIO's put also sends ObjectCreated:PutTagging, :DeleteTagging, :PutRetention and :PutLegalHold.
        writes('io.min.s3.'),
        { prefix: { subject: 'incoming/' } },
        { any: [{ suffix: { subject: '.jpg' } }, { suffix: { subject: '.png' } }] },
      ],
    });
    // The subject as the broker holds it: the adapter percent-encodes non-ASCII and '%' in ce-subject.
    const encoded = source(chart(), { prefix: 'Bilder/Größe/', suffixes: ['.jpg', '100%.png'] }).eventFilter()._toJson().all;
    expect(encoded[2]).toEqual({ prefix: { subject: 'Bilder/Gr%C3%B6%C3%9Fe/' } });
    expect(encoded[3]).toEqual({ any: [{ suffix: { subject: '.jpg' } }, { suffix: { subject: '100%25.png' } }] });
    expect(ceHeaderValue('Bilder/Größe/x.jpg').startsWith(ceHeaderValue('Bilder/Größe/'))).toBe(true);
    const two = source(chart(), { events: [MinioBucketEvent.PUT, MinioBucketEvent.DELETE] });
    expect(two.eventFilter()._toJson().all[1]).toEqual({ any: [...writes('io.min.s3.').any, { prefix: { type: 'io.min.s3.ObjectRemoved:' } }] });
    const aws = source(chart(), { eventTypePrefix: 'com.amazonaws.s3' }).eventFilter()._toJson().all[1];
    expect(aws).toEqual(writes('com.amazonaws.s3.'));
  });

  test.each<[string, Partial<MinIOImageSourceProps>, string]>([
    ['an endpoint with a path', { endpoint: 'http://minio:9000/s3' }, "'endpoint' must be an http(s) URL of MinIO with no user info and no path, e.g. http://minio.minio.svc.cluster.local:9000, got 'http://minio:9000/s3'"],
    ['an access key in the endpoint, which the YAML would carry', { endpoint: 'http://AKIAEXAMPLE@minio:9000' },
      "'endpoint' must be an http(s) URL of MinIO with no user info and no path, e.g. http://minio.minio.svc.cluster.local:9000, got 'http://<user info>@minio:9000': " +
      'give the access keys by reference in the credentials Secret, not in the URL'],
    ['a token key the apiserver refuses', { authTokenKey: 'bad key!' }, "'authTokenKey' must be a Secret key (at most 253 letters, digits, '-', '_' and '.', not '.' or starting with '..'), got 'bad key!'"],
    ['an access key key the apiserver refuses', { accessKeyIdKey: '..key' }, "'accessKeyIdKey' must be a Secret key"],
    ['an invalid bucket', { bucket: 'Upload_Bucket' }, "'bucket' must be an S3 bucket name (3-63 lowercase letters, digits, . and -), got 'Upload_Bucket'"],
    ['a relative queue directory', { queueDir: 'events' }, "'queueDir' must be an absolute path on the MinIO servers without whitespace, got 'events': MinIO rejects a relative queue_dir"],
    ['a suffix with a glob character', { suffixes: ['*.jpg'] }, "'suffixes' must be non-empty key suffixes without whitespace, quotes or glob characters, got '*.jpg'"],
    ['duplicate suffixes', { suffixes: ['.jpg', '.jpg'] }, "'suffixes' must be distinct suffixes, got '.jpg,.jpg'"],
    ['an empty prefix', { prefix: '' }, "'prefix' must be a non-empty key prefix without quotes, glob characters or whitespace other than spaces, got ''"],
    ['a prefix with a tab', { prefix: 'cam\t1/' }, "'prefix' must be a non-empty key prefix without quotes, glob characters or whitespace other than spaces"],
    ['a suffix with a space, which the setup script would split', { suffixes: ['.raw jpg'] }, "'suffixes' must be non-empty key suffixes without whitespace"],
    ['no events', { events: [] }, "'events' must be at least one bucket event, got 'none'"],
    ['an invalid target id', { targetId: 'my-target' }, "'targetId' must be letters, digits and _ (at most 64), got 'my-target'"],
    ['an invalid type prefix', { eventTypePrefix: 'IO.Min' }, "'eventTypePrefix' must be a reverse-DNS prefix such as io.min.s3, got 'IO.Min'"],
    ['a floating adapter image', { adapterImage: 'node:latest' }, "'adapterImage' must be pinned to a tag other than 'latest' or to a digest, got 'node:latest'"],
    ['an unpinned mc image', { mcImage: 'minio/mc' }, "'mcImage' must be pinned to a tag other than 'latest' or to a digest, got 'minio/mc'"],
    ['zero replicas', { replicas: 0 }, "'replicas' must be an integer >= 1, got 0"],
    ['an authTokenRevision with a space', { authTokenRevision: 'take 2' }, "'authTokenRevision' must be a label-like value (letters, digits, -, _ and ., at most 63; e.g. a date or a counter), got 'take 2'"],
    ['a name that is not a DNS label', { metadata: { name: '9uploads' } }, "'metadata.name' must be a DNS-1035 label of at most 40 characters (lowercase letters, digits, -; starting with a letter), got '9uploads'"],
    ['an invalid extension name', { extensions: { 'my-ext': 'x' } }, "'extensions' must be keyed by CloudEvents extension names (one or more lowercase letters and digits), got 'my-ext'"],
    ['an extension value the adapter would percent-encode', { extensions: { team: 'ml ops' } }, "'extensions['team']' must be printable ASCII without space, \" or % (the adapter percent-encodes the others and the broker keeps them encoded, so a filter on the value would never match), got 'ml ops': use '-' or '_' in place of spaces"],
    ['an extension named like a context attribute', { extensions: { type: 'x' } }, "'extensions' must be keyed by names other than the CloudEvents context attributes (data, datacontenttype, dataschema, id, source, specversion, subject, time, type), got 'type': an extension would replace the event's own attribute"],
  ])('fails %s', (_name, props, message) => {
    expect(() => source(chart(), props)).toThrow(message);
  });

  test('metadata: the namespace, labels and annotations of every object; MinIO posts to the adapter in that namespace', () => {
    const s = source(new Chart(Testing.app(), 'nsless'), { metadata: { name: 'uploads', namespace: 'events', labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ml' } } });
    const objects = synth(s.node.scope as Chart);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Job', 'Service', 'SinkBinding']);
    for (const o of objects) {
      expect(o.metadata).toMatchObject({ namespace: 'events', labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ml' } });
    }
    expect(s.webhookEndpoint).toBe('http://uploads-adapter.events.svc.cluster.local/');
    // metadata's namespace wins over the chart's, and the labels reach the setup Job's pods.
    const moved = source(chart(), { metadata: { name: 'uploads', namespace: 'events', labels: { team: 'ml' } } });
    expect(moved.webhookEndpoint).toBe('http://uploads-adapter.events.svc.cluster.local/');
    const job = oneOf(synth(moved.node.scope as Chart), 'batch/v1', 'Job');
    expect(job.spec.template.metadata.labels.team).toBe('ml');
    // The order of the label keys does not rename the setup Job.
    const jobName = (labels: Record<string, string>) =>
      oneOf(synth(source(chart(), { metadata: { name: 'uploads', labels } }).node.scope as Chart), 'batch/v1', 'Job').metadata.name;
    expect(jobName({ team: 'ml', env: 'prod' })).toBe(jobName({ env: 'prod', team: 'ml' }));
    // Without labels, the setup Job's name (a hash of its pod template) stays as it was.
    expect(oneOf(synth(source(chart(), { metadata: { name: 'uploads' } }).node.scope as Chart), 'batch/v1', 'Job').metadata.name)
      .toBe(oneOf(synth(source(chart(), { metadata: { name: 'uploads', annotations: { a: 'b' } } }).node.scope as Chart), 'batch/v1', 'Job').metadata.name);
  });

  test('fails on a second source with the webhook target of another on the same MinIO server', () => {
    const app = Testing.app();
    source(new Chart(app, 'a', { namespace: 'team-a' }), { metadata: { name: 'uploads' } });
    expect(() => source(new Chart(app, 'b', { namespace: 'team-b' }), { metadata: { name: 'uploads' } })).toThrow(
      "'targetId' must be unique per MinIO server (http://minio.minio.svc.cluster.local:9000): 'a/uploads' uses webhook target 'uploads' already, got 'uploads': give one of the sources another name or targetId, " +
      'or keep the source in one cluster: a MinIO sends each bucket event to one target');
    const other = source(new Chart(app, 'c', { namespace: 'team-c' }), { metadata: { name: 'uploads' }, targetId: 'team_c_uploads' });
    expect(other.targetArn).toBe('arn:minio:sqs::team_c_uploads:webhook');
    const elsewhere = source(new Chart(app, 'd', { namespace: 'team-d' }), { metadata: { name: 'uploads' }, endpoint: 'http://minio.other.svc.cluster.local:9000' });
    expect(elsewhere.targetArn).toBe('arn:minio:sqs::uploads:webhook');
  });

  test("fails a sink made for another cluster chart: the SinkBinding resolves it in the source's cluster", () => {
    const app = Testing.app();
    const clusterChart = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml' });
    const [onPrem, cloud, edge] = [clusterChart('on-prem'), clusterChart('cloud'), clusterChart('edge')];
    expect(() => source(cloud, { sink: new Broker(onPrem, 'events', { metadata: { name: 'events' } }) })).toThrow(
      "'sink' must be in the MinIOImageSource's cluster (ClusterChart 'cloud'), got 'on-prem/events': create it in the same ClusterChart, " +
      'or refer to one that cluster has with Broker.fromBrokerName or EventSink.fromReference');
    source(edge, { sink: new Broker(edge, 'events', { metadata: { name: 'events' } }) });
    expect(oneOf(Testing.synth(edge), 'sources.knative.dev/v1', 'SinkBinding').spec.sink).toEqual({
      ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'events', namespace: 'ml' },
    });
  });

  test('keeps webhook targets per cluster: ClusterCharts reach MinIO servers of their own under the same endpoint', () => {
    const app = Testing.app();
    const clusterChart = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml' });
    const onPrem = source(clusterChart('on-prem'), { metadata: { name: 'uploads' } });
    const cloud = source(clusterChart('cloud'), { metadata: { name: 'uploads' } });
    expect([onPrem.targetArn, cloud.targetArn]).toEqual(['arn:minio:sqs::uploads:webhook', 'arn:minio:sqs::uploads:webhook']);
    // A MinIO outside the clusters is one server for all of them: a second cluster's source would overwrite the target.
    const external = { metadata: { name: 'uploads' }, endpoint: 'https://minio.example.com' };
    source(clusterChart('dc1'), external);
    expect(() => source(clusterChart('dc2'), external)).toThrow("'targetId' must be unique per MinIO server (https://minio.example.com): 'dc1/uploads' uses webhook " +
      "target 'uploads' already, got 'uploads': give one of the sources another name or targetId, or keep the source in one cluster: a MinIO sends each bucket event to one target");
    // <svc>.<namespace> is a cluster's own address too.
    source(clusterChart('dc3'), { metadata: { name: 'uploads' }, endpoint: 'http://minio.storage:9000' });
    expect(() => source(clusterChart('dc4'), { metadata: { name: 'uploads' }, endpoint: 'http://minio.storage:9000' })).not.toThrow();
  });

  test('fails in a chart without a namespace', () => {
    expect(() => source(new Chart(Testing.app(), 'no-namespace'))).toThrow("'metadata.namespace' must be known at synth, got 'none': set it on the chart or in metadata: MinIO reaches the adapter by its cluster DNS name, which includes the namespace");
  });
});

/**
 * The setup script for real, under /bin/sh, against a fake `mc` that keeps MinIO's state in files: what the Job
 * does on the first run, on a re-run, after a change, and when it may not restart MinIO.
 */
describe('MinIOImageSource setup Job script', () => {
  const FAKE_MC = `#!/bin/sh
state="$FAKE_MINIO"
echo "mc $*" >> "$state/calls"
# Each argument as received, in brackets: shows how the script quoted them.
printf '[%s]' "$@" >> "$state/argv"; echo >> "$state/argv"
case "$1 $2 $3" in
  # As mc does without keys on the command line: the access and the secret key, a line each, from standard input.
  "alias set minio") [ $# -eq 4 ] || { echo "keys on the command line" >&2; exit 3; }
    IFS= read -r access; IFS= read -r secret
    [ -n "$access" ] && [ -n "$secret" ] || { echo "no keys on standard input" >&2; exit 1; }
    printf '%s\n%s\n' "$access" "$secret" > "$state/alias-keys"; exit 0 ;;
  # MinIO redacts secrets (auth_token) when it lists a target's config, never a comment.
  "admin config get") [ -f "$state/config" ] && sed 's/ auth_token=[^ ]*//' "$state/config" && exit 0; echo "no such target" >&2; exit 1 ;;
  "admin config set") shift 3; echo "$*" > "$state/config"; exit 0 ;;
  "admin info minio")
    # MinIO lists every loaded target with the server's region (FAKE_REGION), here beside one whose id ends like ours.
    other='"arn:minio:sqs:'"$FAKE_REGION"':x_'"$TARGET_ID"':webhook"'
    if [ -f "$state/loaded" ]; then echo '{"info":{"sqsARN":['"$other"',"arn:minio:sqs:'"$FAKE_REGION"':'"$(cat "$state/loaded-id")"':webhook"]}}'; else echo '{"info":{"sqsARN":['"$other"']}}'; fi; exit 0 ;;
  "admin service restart") cp "$state/config" "$state/loaded"; echo "$TARGET_ID" > "$state/loaded-id"; exit 0 ;;
  "event add minio/upload-bucket"|"event ls minio/upload-bucket") exit 0 ;;
esac
echo "unexpected: mc $*" >&2
exit 2
`;
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'state'));
    fs.writeFileSync(path.join(dir, 'bin', 'mc'), FAKE_MC, { mode: 0o755 });
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the Job's script with the Job's own environment (secrets replaced by test values, or by `secrets`). */
  function run(props: Partial<MinIOImageSourceProps> = {}, shell?: string, region = '', token?: string, secrets: Record<string, string> = {}) {
    const c = chart();
    source(c, { metadata: { name: 'uploads' }, ...props });
    const job = oneOf(synth(c), 'batch/v1', 'Job');
    const container = job.spec.template.spec.containers[0];
    expect(container.command).toEqual(['/bin/sh', '-c', SETUP_SCRIPT]);
    const env: Record<string, string> = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, FAKE_MINIO: path.join(dir, 'state'), FAKE_REGION: region };
    for (const e of container.env) env[e.name] = e.value ?? secrets[e.name] ?? `secret:${e.valueFrom.secretKeyRef.key}`;
    if (token !== undefined) env.WEBHOOK_AUTH_TOKEN = token;
    fs.writeFileSync(path.join(dir, 'state', 'calls'), '');
    fs.writeFileSync(path.join(dir, 'state', 'argv'), '');
    const result = spawnSync(shell ?? container.command[0], container.command.slice(1), { env, encoding: 'utf8' });
    const calls = fs.readFileSync(path.join(dir, 'state', 'calls'), 'utf8').trim().split('\n');
    const argv = fs.readFileSync(path.join(dir, 'state', 'argv'), 'utf8').trim().split('\n');
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, argv };
  }

  test('first run: sets the target with token and queue, restarts MinIO once, adds one rule per suffix', () => {
    const r = run({ suffixes: ['.jpg', '.png'], queueLimit: 1000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      'mc alias set minio http://minio.minio.svc.cluster.local:9000',
      'mc admin config get minio notify_webhook:uploads',
      'mc admin config set minio notify_webhook:uploads endpoint=http://uploads-adapter.ml-events.svc.cluster.local/ auth_token=secret:token ' +
        `queue_dir=/export/.minio-events comment=auth-token-sha256:${sha256('secret:token')} queue_limit=1000`,
      'mc admin config get minio notify_webhook:uploads',
      'mc admin info minio --json',
      'mc admin service restart minio',
      'mc admin info minio --json',
      'mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put --ignore-existing --suffix .jpg',
      'mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put --ignore-existing --suffix .png',
      'mc event ls minio/upload-bucket arn:minio:sqs::uploads:webhook',
    ]);
  });

  test('gives mc the store\'s keys on standard input, never on its command line', () => {
    for (const shell of [undefined, 'bash']) {
      const r = run({}, shell);
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'state', 'alias-keys'), 'utf8')).toBe('secret:AWS_ACCESS_KEY_ID\nsecret:AWS_SECRET_ACCESS_KEY\n');
      expect(r.argv.join('\n')).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(r.argv.join('\n')).not.toContain('AWS_ACCESS_KEY_ID');
    }
  });

  test('gives mc keys with spaces, backslashes, % and a leading - byte for byte, never through a printf program', () => {
    // A printf on PATH that must not run: the shell's builtin writes the keys.
    fs.writeFileSync(path.join(dir, 'bin', 'printf'), '#!/bin/sh\necho ran >> "$FAKE_MINIO/printf-ran"\nexit 1\n', { mode: 0o755 });
    const secrets = { MINIO_ACCESS_KEY: '-n a b\\c %s', MINIO_SECRET_KEY: '--  \\x %% -e  ' };
    for (const shell of [undefined, 'bash']) {
      const r = run({}, shell, '', undefined, secrets);
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'state', 'alias-keys'), 'utf8')).toBe(`${secrets.MINIO_ACCESS_KEY}\n${secrets.MINIO_SECRET_KEY}\n`);
    }
    expect(fs.existsSync(path.join(dir, 'state', 'printf-ran'))).toBe(false);
  });

  test('fails, and touches nothing else, when mc refuses the keys', () => {
    const r = run({}, undefined, '', undefined, { MINIO_ACCESS_KEY: '', MINIO_SECRET_KEY: '' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('no keys on standard input');
    expect(r.calls).toEqual(['mc alias set minio http://minio.minio.svc.cluster.local:9000']);
  });

  test('passes a prefix with spaces ("Camera Uploads/") to mc as one argument', () => {
    for (const shell of [undefined, 'bash']) {
      const r = run({ prefix: 'Camera Uploads/', suffixes: ['.jpg'] }, shell);
      expect(r.status).toBe(0);
      expect(r.argv).toContain('[event][add][minio/upload-bucket][arn:minio:sqs::uploads:webhook][--event][put][--ignore-existing][--prefix][Camera Uploads/][--suffix][.jpg]');
    }
  });

  test('runs the same under bash, the /bin/sh of the mc image (ubi-micro)', () => {
    const r = run({ suffixes: ['.jpg'] }, 'bash');
    expect(r.status).toBe(0);
    expect(r.calls).toContain('mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put --ignore-existing --suffix .jpg');
  });

  test('a re-run with the same settings does not restart MinIO', () => {
    expect(run({ suffixes: ['.jpg'] }).status).toBe(0);
    const again = run({ suffixes: ['.jpg'] });
    expect(again.status).toBe(0);
    expect(again.calls).not.toContain('mc admin service restart minio');
    expect(again.calls).toContain('mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put --ignore-existing --suffix .jpg');
  });

  test('a MinIO with a region: the rules name the ARN as MinIO lists it, and a re-run neither restarts nor fails', () => {
    const first = run({ suffixes: ['.jpg'] }, undefined, 'us-east-1');
    expect(first.status).toBe(0);
    expect(first.calls).toContain('mc event add minio/upload-bucket arn:minio:sqs:us-east-1:uploads:webhook --event put --ignore-existing --suffix .jpg');
    const again = run({ suffixes: ['.jpg'] }, undefined, 'us-east-1');
    expect(again.status).toBe(0);
    expect(again.calls).not.toContain('mc admin service restart minio');
    expect(again.calls).toContain('mc event ls minio/upload-bucket arn:minio:sqs:us-east-1:uploads:webhook');
    const noRestart = run({ suffixes: ['.jpg'], restartMinio: false }, 'bash', 'us-east-1');
    expect(noRestart.status).toBe(0);
  });

  test('fails when MinIO still lacks the target after the restart (a config MinIO did not accept)', () => {
    fs.writeFileSync(path.join(dir, 'bin', 'mc'), FAKE_MC.replace('cp "$state/config" "$state/loaded";', ''), { mode: 0o755 });
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('MinIO did not load webhook target notify_webhook:uploads after the restart');
    expect(r.calls.some((c) => c.startsWith('mc event add'))).toBe(false);
  });

  test('a changed target restarts MinIO again', () => {
    expect(run().status).toBe(0);
    const changed = run({ queueDir: '/data/.events' });
    expect(changed.status).toBe(0);
    expect(changed.calls).toContain('mc admin service restart minio');
  });

  test('a rotated token restarts MinIO, which lists the token redacted and so only by its digest in the comment', () => {
    expect(run({}, undefined, '', 'old-token').status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'state', 'loaded'), 'utf8')).toContain('auth_token=old-token');
    const rotated = run({}, undefined, '', 'new-token');
    expect(rotated.status).toBe(0);
    expect(rotated.calls).toContain('mc admin service restart minio');
    expect(fs.readFileSync(path.join(dir, 'state', 'loaded'), 'utf8')).toContain('auth_token=new-token');
    expect(run({}, undefined, '', 'new-token').calls).not.toContain('mc admin service restart minio');
  });

  test.each([['two words', 'Bearer abc'], ['a trailing newline', 'abc\n'], ['nothing', '']])(
    'refuses a token of %s before it touches MinIO\'s config: MinIO would not send it as Bearer <token>', (_name, token) => {
      const r = run({}, 'sh', '', token);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('the webhook auth token must be one word without whitespace');
      expect(r.calls).toEqual(['mc alias set minio http://minio.minio.svc.cluster.local:9000']);
    });

  test('without suffixes or prefix: one rule for the whole bucket', () => {
    const r = run({ events: [MinioBucketEvent.PUT, MinioBucketEvent.DELETE] });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('mc event add'))).toEqual(['mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put,delete --ignore-existing']);
  });

  test('with a prefix, each rule carries it', () => {
    const r = run({ prefix: 'incoming/', suffixes: ['.jpg'] });
    expect(r.calls.filter((c) => c.startsWith('mc event add'))).toEqual(['mc event add minio/upload-bucket arn:minio:sqs::uploads:webhook --event put --ignore-existing --prefix incoming/ --suffix .jpg']);
  });

  test('fails with instructions, before adding rules, when the target is new and restarting MinIO is not allowed', () => {
    const r = run({ restartMinio: false });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("webhook target notify_webhook:uploads is new or changed, and MinIO loads it only after a restart: run 'mc admin service restart', then run this Job again");
    expect(r.calls.some((c) => c.startsWith('mc event add'))).toBe(false);
  });
});
