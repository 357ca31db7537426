import { ApiObjectMetadata, Chart, Size, Testing } from 'cdk8s';
import { k8s, PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import { ENSEMBLE, PREPROCESS, RESNET50 as STORY_RESNET50 } from './_fixtures';
import {
  ModelArtifactSource, ModelVersionPolicy, TensorDataType, TritonModelProps, TritonModelRepo, WarmupData,
} from '../../src';
import { oneOf, synthApp } from '../_helpers/manifests';
import { checkAllPbtxt } from '../_helpers/protoc';

const chart = () => new Chart(Testing.app(), 'test', { namespace: 'ml' });

const s3 = (c: Chart) => ModelArtifactSource.fromS3({
  endpoint: 'http://minio.minio.svc.cluster.local:9000',
  bucket: 'models',
  prefix: 'triton/',
  credentials: Secret.fromSecretName(c, 'creds', 'minio-reader'),
});

/** The story's model without instance groups: the repository does not care where it runs. */
const RESNET50: TritonModelProps = { ...STORY_RESNET50, instanceGroups: undefined };

describe('TritonModelRepo', () => {
  test('snapshot: defaults', () => {
    const c = chart();
    new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50] });
    const objects = synthApp(c.node.root as any);
    expect(objects).toMatchSnapshot();
  });

  test('snapshot: every prop', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', {
      artifacts: ModelArtifactSource.fromS3({
        endpoint: 'https://s3.example.com',
        bucket: 'ml-models',
        prefix: 'prod/triton',
        credentials: Secret.fromSecretName(c, 'creds', 's3-reader'),
        accessKeyIdKey: 'key-id',
        secretAccessKeyKey: 'secret',
        image: 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z',
        sizeLimit: Size.gibibytes(20),
      }),
      metadata: { name: 'resnet-repo', labels: { team: 'vision' } },
      mountPath: '/opt/models',
      models: [{ ...RESNET50, versions: [1, 2], versionPolicy: ModelVersionPolicy.all() }, PREPROCESS],
    });
    repo.addModel(ENSEMBLE);
    const objects = synthApp(c.node.root as any);
    expect(objects).toMatchSnapshot();
    // By model name, whatever order the models were added in.
    expect(repo._podParts().initContainers.map((x) => x.name)).toEqual(['fetch-preprocess-v1', 'fetch-resnet50-v1', 'fetch-resnet50-v2']);
  });

  test('holds each config in a ConfigMap key ending in .pbtxt, checked by protoc', () => {
    const c = chart();
    new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50, PREPROCESS, ENSEMBLE] });
    const objects = synthApp(c.node.root as any);
    const cm = oneOf(objects, 'v1', 'ConfigMap');
    expect(Object.keys(cm.data).sort()).toEqual(['classify.pbtxt', 'preprocess.pbtxt', 'resnet50.pbtxt']);
    expect(cm.data['resnet50.pbtxt']).toContain('max_batch_size: 32');
    expect(checkAllPbtxt(objects)).toBe(3);
  });

  test('copies only the served versions from S3, one pinned mc init container each', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    const model = repo.addModel({ ...RESNET50, versions: [1, 2, 3], versionPolicy: ModelVersionPolicy.latest(2) });
    expect(model.servedVersions).toEqual([2, 3]);
    const parts = repo._podParts();
    expect(parts.repository).toBe('/models');
    expect(parts.initContainers.map((x) => [x.name, x.image, ...(x.args ?? [])])).toEqual([
      ['fetch-resnet50-v2', 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z', '--config-dir', '/tmp/.mc', 'mirror', '--quiet', 'models/models/triton/resnet50/2/', '/models/resnet50/2'],
      ['fetch-resnet50-v3', 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z', '--config-dir', '/tmp/.mc', 'mirror', '--quiet', 'models/models/triton/resnet50/3/', '/models/resnet50/3'],
    ]);
    const env = parts.initContainers[0].env!;
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'minio-reader', key: 'AWS_SECRET_ACCESS_KEY' } });
    expect(env.MC_HOST_models.value).toBe('http://$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@minio.minio.svc.cluster.local:9000');
  });

  test('serves version folder 0, which Triton loads (core\'s VersionsToLoad skips only leading zeros), from S3 copies, PVCs and ensemble steps', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    const model = repo.addModel({ ...RESNET50, versions: [0, 1], versionPolicy: ModelVersionPolicy.specific([0, 1]) });
    expect(model.servedVersions).toEqual([0, 1]);
    expect(repo._podParts().initContainers.map((x) => [x.name, ...(x.args ?? []).slice(2)])).toEqual([
      ['fetch-resnet50-v0', 'mirror', '--quiet', 'models/models/triton/resnet50/0/', '/models/resnet50/0'],
      ['fetch-resnet50-v1', 'mirror', '--quiet', 'models/models/triton/resnet50/1/', '/models/resnet50/1'],
    ]);
    // An ensemble step pinned to version 0 of a model that serves it.
    repo.addModel(PREPROCESS);
    repo.addModel({ ...ENSEMBLE, versions: [0], ensembleSteps: ENSEMBLE.ensembleSteps!.map((st) => ({ ...st, modelVersion: 0 })) });
    expect(repo.findModel('classify')!.config.toPbtxt()).toContain('model_version: 0');
    expect(() => synthApp(c.node.root as any)).toThrow(/ensembleSteps\[0\]\.modelVersion' must be a version 'preprocess' serves \(1\), got 0/);
    const d = chart();
    const claim = PersistentVolumeClaim.fromClaimName(d, 'claim', 'model-store');
    const onPvc = new TritonModelRepo(d, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [{ ...RESNET50, versions: [0] }] });
    expect(onPvc._podParts().mounts).toContainEqual({ name: 'model-artifacts', mountPath: '/models/resnet50/0', subPath: 'resnet50/0', readOnly: true });
    const e = chart();
    const pinned = { ...ENSEMBLE, ensembleSteps: ENSEMBLE.ensembleSteps!.map((st) => ({ ...st, modelVersion: 0 })) };
    new TritonModelRepo(e, 'repo', { artifacts: s3(e), models: [{ ...RESNET50, versions: [0] }, { ...PREPROCESS, versions: [0] }, pinned] });
    expect(checkAllPbtxt(synthApp(e.node.root as any))).toBe(3);
  });

  test('lays the models out by name: reordering addModel() calls changes no pod', () => {
    const parts = (models: TritonModelProps[]) => {
      const c = chart();
      const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
      for (const m of models) repo.addModel(m);
      return JSON.stringify(repo._podParts());
    };
    expect(parts([RESNET50, PREPROCESS])).toEqual(parts([PREPROCESS, RESNET50]));
  });

  test('mounts each config at <model>/config.pbtxt over a writable emptyDir root', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50] });
    const parts = repo._podParts();
    expect(parts.mounts).toEqual([
      { name: 'model-repository', mountPath: '/models' },
      { name: 'model-configs', mountPath: '/models/resnet50/config.pbtxt', subPath: 'resnet50.pbtxt', readOnly: true },
    ]);
    expect(parts.volumes).toContainEqual({ name: 'model-configs', configMap: { name: repo.configMap.name } });
  });

  test('mounts the served version folders from a PVC, read-only', () => {
    const c = chart();
    const claim = PersistentVolumeClaim.fromClaimName(c, 'claim', 'model-store');
    const repo = new TritonModelRepo(c, 'repo', {
      artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim, { subPath: '/triton/' }),
      models: [{ ...RESNET50, versions: [1, 2], versionPolicy: ModelVersionPolicy.specific([1]) }],
    });
    const parts = repo._podParts();
    expect(parts.initContainers).toEqual([]);
    expect(parts.volumes).toContainEqual({ name: 'model-artifacts', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
    expect(parts.mounts).toContainEqual({ name: 'model-artifacts', mountPath: '/models/resnet50/1', subPath: 'triton/resnet50/1', readOnly: true });
    expect(parts.mounts.filter((m) => m.name === 'model-artifacts')).toHaveLength(1);
  });

  test('lets Triton read s3:// itself, with credentials from the Secret and a local cache', () => {
    const c = chart();
    const secret = Secret.fromSecretName(c, 'creds', 'minio-reader');
    const http = new TritonModelRepo(c, 'http', {
      artifacts: ModelArtifactSource.fromS3Native({ endpoint: 'http://minio.minio:9000', bucket: 'models', prefix: 'triton', credentials: secret }),
      models: [RESNET50],
    });
    expect(http.repositoryLocation).toBe('s3://minio.minio:9000/models/triton');
    const https = new TritonModelRepo(c, 'https', {
      artifacts: ModelArtifactSource.fromS3Native({ endpoint: 'https://s3.example.com', bucket: 'models', credentials: secret, region: 'eu-west-1' }),
      models: [RESNET50],
    });
    expect(https.repositoryLocation).toBe('s3://https://s3.example.com:443/models');
    const parts = https._podParts();
    expect(parts.repository).toBe('s3://https://s3.example.com:443/models');
    expect(parts.env.AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 'minio-reader', key: 'AWS_ACCESS_KEY_ID' } });
    expect(parts.env.AWS_DEFAULT_REGION.value).toBe('eu-west-1');
    expect(parts.env.TRITON_AWS_MOUNT_DIRECTORY.value).toBe('/var/cache/triton-models');
    expect(parts.mounts).toEqual([{ name: 'model-cache', mountPath: '/var/cache/triton-models' }]);
    expect(https.artifacts.isNative).toBe(true);
  });

  test("fromS3Native: a prefix Triton's S3 client cannot parse fails", () => {
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'http://minio:9000', bucket: 'models', prefix: 'env=prod/triton' })).toThrow(
      "'ModelArtifactSource.fromS3Native: prefix' must be a path of letters, digits, '.', '_' and '-' separated by '/' (what Triton's S3 client parses), " +
      "got 'env=prod/triton': rename the prefix, or copy the artifacts with ModelArtifactSource.fromS3");
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'http://minio:9000', bucket: 'models', prefix: '/team_a/triton-v1.2/' })).not.toThrow();
  });

  test('fromS3Native without credentials: no AWS_* keys, so the AWS SDK finds ambient credentials (IRSA, Pod Identity); the region follows an AWS endpoint', () => {
    const c = chart();
    const irsa = new TritonModelRepo(c, 'irsa', {
      artifacts: ModelArtifactSource.fromS3Native({ endpoint: 'https://s3.us-west-2.amazonaws.com', bucket: 'models', prefix: 'triton' }),
      models: [RESNET50],
    });
    const env = irsa._podParts().env;
    expect(Object.keys(env).sort()).toEqual(['AWS_DEFAULT_REGION', 'TRITON_AWS_MOUNT_DIRECTORY']);
    expect(env.AWS_DEFAULT_REGION.value).toBe('us-west-2');
    const region = (endpoint: string) => (new TritonModelRepo(c, endpoint, { artifacts: ModelArtifactSource.fromS3Native({ endpoint, bucket: 'models' }) })._podEnv().AWS_DEFAULT_REGION.value);
    expect(region('https://s3-eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(region('https://s3.dualstack.ap-southeast-2.amazonaws.com')).toBe('ap-southeast-2');
    expect(region('https://s3-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1');
    expect(region('https://s3.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(region('https://s3.amazonaws.com')).toBe('us-east-1');
    expect(region('https://bucket.vpce-0a1b2c3d-4e5f.s3.eu-central-1.vpce.amazonaws.com')).toBe('eu-central-1');
    // An AWS host that names no region: the region must be given.
    expect(region('https://s3.eusc-de-east-1.amazonaws.eu')).toBe('eusc-de-east-1');
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'https://models.s3.amazonaws.com', bucket: 'models' })).toThrow(
      "'ModelArtifactSource.fromS3Native: region' must be set for an AWS endpoint whose host names no region: AWS refuses requests signed for another region " +
      "than the bucket's, got 'none': name the bucket's region, e.g. region: 'eu-west-1'");
    expect(region('https://models.s3-accesspoint.us-west-2.amazonaws.com')).toBe('us-west-2');
    expect(region('http://minio.minio:9000')).toBe('us-east-1');
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'https://s3.us-west-2.amazonaws.com', bucket: 'models', region: 'us-east-1' })).toThrow(
      "'ModelArtifactSource.fromS3Native: region' must be the region of the endpoint (us-west-2): AWS refuses requests signed for another region, " +
      "got 'us-east-1': leave region unset, or name the endpoint of the region");
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'https://s3.us-west-2.amazonaws.com', bucket: 'models', accessKeyIdKey: 'id' })).toThrow(
      "'ModelArtifactSource.fromS3Native: accessKeyIdKey' must be unset without credentials, whose key it names, got 'id': set credentials, or leave both unset for ambient credentials");
    // mc takes keys only.
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'https://s3.us-west-2.amazonaws.com', bucket: 'models' })).toThrow(
      "'ModelArtifactSource.fromS3: credentials' must be a Secret with the store's access keys: mc takes keys only, not ambient credentials (IRSA, Pod Identity), " +
      "got 'none': give credentials, or read the repository with ModelArtifactSource.fromS3Native, whose AWS SDK finds ambient credentials");
  });

  test('fromGcs: Triton reads gs:// itself, with the attached service account (Workload Identity) or a key file from a Secret', () => {
    const c = chart();
    const wi = new TritonModelRepo(c, 'wi', { artifacts: ModelArtifactSource.fromGcs({ bucket: 'acme-models', prefix: '/triton/' }), models: [RESNET50] });
    expect(wi.repositoryLocation).toBe('gs://acme-models/triton');
    expect(wi.artifacts.isNative).toBe(true);
    const parts = wi._podParts();
    expect(parts.repository).toBe('gs://acme-models/triton');
    expect(Object.keys(parts.env)).toEqual(['TRITON_GCS_MOUNT_DIRECTORY']);
    expect(parts.env.TRITON_GCS_MOUNT_DIRECTORY.value).toBe('/var/cache/triton-models');
    expect(parts.volumes).toEqual([{ name: 'model-cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } }]);
    expect(parts.mounts).toEqual([{ name: 'model-cache', mountPath: '/var/cache/triton-models' }]);
    expect(parts.initContainers).toEqual([]);
    const keyed = new TritonModelRepo(c, 'keyed', {
      artifacts: ModelArtifactSource.fromGcs({ bucket: 'acme-models', credentials: Secret.fromSecretName(c, 'sa', 'gcs-reader'), credentialsKey: 'sa.json', localCacheSize: Size.gibibytes(50) }),
    });
    const k = keyed._podParts();
    expect(k.env.GOOGLE_APPLICATION_CREDENTIALS.value).toBe('/var/run/secrets/gcs/sa.json');
    expect(k.volumes).toContainEqual({ name: 'gcs-key', secret: { secretName: 'gcs-reader', items: [{ key: 'sa.json', path: 'sa.json' }] } });
    expect(k.mounts).toContainEqual({ name: 'gcs-key', mountPath: '/var/run/secrets/gcs', readOnly: true });
    expect(keyed.repositoryLocation).toBe('gs://acme-models');
    for (const bucket of ['AB', 'my_bucket-', 'goog-models', 'my-google-models', 'a'.repeat(64), `${'a'.repeat(64)}.b`, '192.168.5.4']) {
      expect(() => ModelArtifactSource.fromGcs({ bucket })).toThrow('\'ModelArtifactSource.fromGcs: bucket\' must be a GCS bucket name');
    }
    for (const bucket of ['my_bucket', 'models.example.com', `${'a'.repeat(63)}.${'b'.repeat(63)}`]) expect(() => ModelArtifactSource.fromGcs({ bucket })).not.toThrow();
    expect(() => ModelArtifactSource.fromGcs({ bucket: 'm', prefix: 'a/../b' })).toThrow(/bucket' must be a GCS bucket name/);
    expect(() => ModelArtifactSource.fromGcs({ bucket: 'models', prefix: 'a/../b' })).toThrow("'ModelArtifactSource.fromGcs: prefix' must be an object prefix without . or .. segments");
    expect(() => ModelArtifactSource.fromGcs({ bucket: 'models', credentialsKey: 'k.json' })).toThrow("'ModelArtifactSource.fromGcs: credentialsKey' must be unset without credentials");
    // GCS's S3 interoperability needs HMAC keys: without them, the AWS SDK's chain finds nothing on GKE.
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'https://storage.googleapis.com', bucket: 'models' })).toThrow(
      "'ModelArtifactSource.fromS3Native: credentials' must be HMAC keys for storage.googleapis.com: GCS's S3 interoperability takes no ambient credentials, " +
      "got 'none': use ModelArtifactSource.fromGcs, which reads the bucket with the attached service account (Workload Identity)");
  });

  test('gives ensembles an empty version folder instead of artifacts', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50, PREPROCESS, ENSEMBLE] });
    const parts = repo._podParts();
    expect(parts.mounts).toContainEqual({ name: 'ensemble-version', mountPath: '/models/classify/1', readOnly: true });
    expect(parts.initContainers.map((x) => x.name)).toEqual(['fetch-preprocess-v1', 'fetch-resnet50-v1']);
  });

  test('fails on an inline label file whose ConfigMap key outgrows the 253 characters of a key', () => {
    const repo = new TritonModelRepo(chart(), 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart(), 'c', 'models')) });
    const name = 'm'.repeat(200);
    const labelled = { ...RESNET50, name, outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000], labels: ['a'], labelFilename: `${'l'.repeat(60)}.txt` }] };
    expect(() => repo.addModel(labelled)).toThrow(`'model[${name}]' must be ConfigMap keys of at most 253 characters (<model>.pbtxt, <model>.<version file>, <model>--<label file>), got '${name}--${'l'.repeat(60)}.txt'`);
    expect(repo.models).toEqual([]);
  });

  test('serves inline labels from the ConfigMap and copies the others with the artifacts', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    repo.addModel({ ...RESNET50, outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000], labels: ['tench', 'goldfish'] }] });
    repo.addModel({ ...PREPROCESS, outputs: [{ name: 'IMAGE', dataType: TensorDataType.FP32, dims: [3, 224, 224], labelFilename: 'classes.txt' }] });
    const objects = synthApp(c.node.root as any);
    expect(oneOf(objects, 'v1', 'ConfigMap').data['resnet50--labels.txt']).toBe('tench\ngoldfish\n');
    const parts = repo._podParts();
    expect(parts.mounts).toContainEqual({ name: 'model-configs', mountPath: '/models/resnet50/labels.txt', subPath: 'resnet50--labels.txt', readOnly: true });
    expect(parts.initContainers.find((x) => x.name === 'fetch-preprocess-classes-txt')?.args).toEqual(
      ['--config-dir', '/tmp/.mc', 'cp', '--quiet', 'models/models/triton/preprocess/classes.txt', '/models/preprocess/classes.txt']);
  });

  test('lays out the warmup/ folder Triton reads WarmupData.fromFile from, from either artifact source', () => {
    const warmed: TritonModelProps = {
      ...RESNET50,
      warmup: [{ name: 'sample', batchSize: 1, inputs: { INPUT__0: { dataType: TensorDataType.FP32, dims: [3, 224, 224], data: WarmupData.fromFile('cat.bin') } } }],
    };
    const c = chart();
    const fromS3 = new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [warmed, PREPROCESS] });
    const copies = fromS3._podParts().initContainers.map((x) => x.args);
    expect(copies).toContainEqual(['--config-dir', '/tmp/.mc', 'mirror', '--quiet', 'models/models/triton/resnet50/warmup/', '/models/resnet50/warmup']);
    expect(copies.filter((args) => args?.some((a) => a.endsWith('/warmup')))).toHaveLength(1);
    const d = chart();
    const claim = PersistentVolumeClaim.fromClaimName(d, 'claim', 'models');
    const fromClaim = new TritonModelRepo(d, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim, { subPath: 'triton' }), models: [warmed] });
    expect(fromClaim._podParts().mounts).toContainEqual({ name: 'model-artifacts', mountPath: '/models/resnet50/warmup', subPath: 'triton/resnet50/warmup', readOnly: true });
  });

  test('changes its config hash when a config changes, and only then', () => {
    const hash = (props: TritonModelProps, artifacts: (c: Chart) => ModelArtifactSource = s3, metadata?: ApiObjectMetadata) => {
      const c = chart();
      return new TritonModelRepo(c, 'repo', { artifacts: artifacts(c), models: [props], metadata }).configHash;
    };
    const base = hash(RESNET50);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(RESNET50)).toBe(base);
    expect(hash({ ...RESNET50, maxBatchSize: 16 })).not.toBe(base);
    expect(hash({ ...RESNET50, outputs: [{ ...RESNET50.outputs![0], labels: ['cat', 'dog'] }] })).not.toBe(base);
    // What is not in the ConfigMap's data leaves it alone: where the artifacts come from, the repository's metadata.
    const pvc = (c: Chart) => ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(c, 'claim', 'models'));
    expect(hash(RESNET50, pvc)).toBe(base);
    expect(hash(RESNET50, s3, { name: 'vision-models', labels: { team: 'vision' } })).toBe(base);
  });

  test('an https store with a private CA: every mc copy trusts it; Triton\'s own S3 client cannot, so fromS3Native refuses it', () => {
    const c = chart();
    const ca = Secret.fromSecretName(c, 'ca', 'minio-tenant-ca');
    const store = { endpoint: 'https://minio.storage.svc.cluster.local', bucket: 'models', credentials: Secret.fromSecretName(c, 'r', 'r'), caCertificate: ca, caCertificateKey: 'ca.pem' };
    const repo = new TritonModelRepo(c, 'repo', { artifacts: ModelArtifactSource.fromS3(store), models: [RESNET50] });
    const parts = repo._podParts();
    expect(parts.volumes).toContainEqual({ name: 'mc-ca', secret: { secretName: 'minio-tenant-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] } });
    expect(parts.volumes).toContainEqual({ name: 'mc-config', emptyDir: { sizeLimit: expect.anything() } });
    expect(parts.initContainers.length).toBeGreaterThan(0);
    expect(parts.initContainers.every((x) => (x.volumeMounts ?? []).some((m) => m.name === 'mc-ca' && m.mountPath === '/tmp/.mc/certs/CAs'))).toBe(true);
    expect(parts.initContainers.every((x) => (x.volumeMounts ?? []).some((m) => m.name === 'mc-config' && m.mountPath === '/tmp/.mc'))).toBe(true);
    // A repository with nothing to copy mounts no CA, and a volume nothing mounts would be refused by Knative.
    const empty = new TritonModelRepo(c, 'empty', { artifacts: ModelArtifactSource.fromS3(store) });
    expect(empty._podParts().volumes.map((v) => v.name)).not.toContain('mc-ca');
    expect(() => ModelArtifactSource.fromS3Native(store)).toThrow("'ModelArtifactSource.fromS3Native: caCertificate' must be unset: Triton's own S3 client trusts the CA bundle of its image");
  });

  test('lists its config files by repository path', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50] });
    expect(Object.keys(repo.configFiles)).toEqual(['resnet50/config.pbtxt']);
    expect(repo.configFiles['resnet50/config.pbtxt']).toBe(repo.findModel('resnet50')!.config.toPbtxt());
  });

  test('lists inline label files with the configs: with fromS3Native Triton reads both from the bucket', () => {
    const c = chart();
    const native = ModelArtifactSource.fromS3Native({ endpoint: 'http://minio.minio.svc.cluster.local:9000', bucket: 'models', credentials: Secret.fromSecretName(c, 'n', 'n') });
    const repo = new TritonModelRepo(c, 'repo', {
      artifacts: native,
      models: [{ ...RESNET50, outputs: [{ ...RESNET50.outputs![0], labels: ['cat', 'dog'] }] }, { ...RESNET50, name: 'plain' }],
    });
    expect(repo.configFiles).toEqual({
      'resnet50/config.pbtxt': repo.findModel('resnet50')!.config.toPbtxt(),
      'resnet50/labels.txt': 'cat\ndog\n',
      'plain/config.pbtxt': repo.findModel('plain')!.config.toPbtxt(),
    });
    expect(repo.configFiles['resnet50/config.pbtxt']).toContain('label_filename: "labels.txt"');
  });

  test('fails on a ConfigMap name the apiserver refuses', () => {
    const c = chart();
    expect(() => new TritonModelRepo(c, 'repo', { artifacts: s3(c), metadata: { name: 'models-' } }))
      .toThrow("'metadata.name' must be an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got 'models-'");
  });

  test('fails on two models with one name', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50] });
    expect(() => repo.addModel(RESNET50)).toThrow("'name' must be unique within the repository (one folder per model), got 'resnet50': rename one of the models");
  });

  test('fails on specific versions that are not present as artifacts', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    expect(() => repo.addModel({ ...RESNET50, versions: [1, 2], versionPolicy: ModelVersionPolicy.specific([2, 3]) }))
      .toThrow("'model[resnet50].versionPolicy' must be specific versions present as artifacts (1, 2), got [2,3]: add 3 to 'versions', or drop it from the policy");
    expect(() => repo.addModel({ ...RESNET50, versions: [-1] }))
      .toThrow("'model[resnet50].versions' must be an integer >= 0, got -1: version folders are named 0, 1, 2 ...");
    expect(() => repo.addModel({ ...RESNET50, versions: [] })).toThrow(/must be at least one version/);
    expect(() => repo.addModel({ ...RESNET50, versions: [1, 1] })).toThrow(/^'model\[resnet50\]\.versions' must be distinct versions, got \[1,1\]$/);
  });

  test('fails at synth on an ensemble step naming a model the repository lacks', () => {
    const c = chart();
    new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50, ENSEMBLE] });
    expect(() => synthApp(c.node.root as any))
      .toThrow("'model[classify].ensembleSteps[0].modelName' must be a model of this repository (resnet50, classify), got 'preprocess': add the model with addModel()");
  });

  test('fails at synth on an ensemble step pinned to a version the model does not serve', () => {
    const c = chart();
    const steps = ENSEMBLE.ensembleSteps!.map((s) => (s.modelName === 'resnet50' ? { ...s, modelVersion: 2 } : s));
    new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [RESNET50, PREPROCESS, { ...ENSEMBLE, ensembleSteps: steps }] });
    expect(() => synthApp(c.node.root as any)).toThrow(/ensembleSteps\[1\]\.modelVersion' must be a version 'resnet50' serves \(1\), got 2/);
  });

  describe('ensembles against the models their steps run (Triton core ensemble_utils.cc)', () => {
    const withSteps = (ensemble: Partial<TritonModelProps>, models: TritonModelProps[] = [RESNET50, PREPROCESS]) => {
      const c = chart();
      new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [...models, { ...ENSEMBLE, ...ensemble }] });
      return () => synthApp(c.node.root as any);
    };
    const step = (i: number, change: object) => ENSEMBLE.ensembleSteps!.map((s, j) => (j === i ? { ...s, ...change } : s));

    test('a consistent ensemble synthesizes', () => {
      expect(withSteps({})).not.toThrow();
    });

    test('fails on an ensemble that batches more than a step model', () => {
      expect(withSteps({}, [RESNET50, { ...PREPROCESS, maxBatchSize: 8 }]))
        .toThrow("'model[classify].maxBatchSize' must be at most the max_batch_size of every model its steps run ('preprocess' allows 8), got 32: lower the ensemble's maxBatchSize to 8");
    });

    test('a step model that does not batch fits any ensemble batch size', () => {
      expect(withSteps({}, [{ ...RESNET50, maxBatchSize: 0, dynamicBatching: undefined, inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [-1, 3, 224, 224] }], outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [-1, 1000] }] }, PREPROCESS]))
        .not.toThrow();
    });

    test('fails on a mapping from an input the step model lacks, and on a required input left unmapped', () => {
      expect(withSteps({ ensembleSteps: step(1, { inputMap: { input0: 'image' } }) })).toThrow(
        /'model\[classify\]\.ensembleSteps\[1\]\.inputMap' must be keyed by inputs of 'resnet50', got 'input0': key it by one of INPUT__0[^]*'model\[classify\]\.ensembleSteps\[1\]\.inputMap' must be a map of every required input of 'resnet50', got 'none for INPUT__0': map INPUT__0 to an ensemble tensor, or mark it optional in 'resnet50'/);
    });

    test('fails on a mapping from an output the step model lacks', () => {
      expect(withSteps({ ensembleSteps: step(0, { outputMap: { PIXELS: 'image' } }) }))
        .toThrow(/'model\[classify\]\.ensembleSteps\[0\]\.outputMap' must be keyed by outputs of 'preprocess', got 'PIXELS': key it by one of IMAGE/);
    });

    test('fails on an ensemble tensor of two data types', () => {
      expect(withSteps({}, [RESNET50, { ...PREPROCESS, outputs: [{ name: 'IMAGE', dataType: TensorDataType.FP16, dims: [3, 224, 224] }] }]))
        .toThrow(/'model\[classify\]\.ensembleSteps\[1\]\.inputMap\[INPUT__0\]' must be a tensor of one data type: ensemble tensor 'image' is TYPE_FP16 from 'preprocess', got 'TYPE_FP32 from resnet50': give 'image' one data type in both models/);
    });

    test('fails on an ensemble tensor of two shapes', () => {
      expect(withSteps({}, [RESNET50, { ...PREPROCESS, outputs: [{ name: 'IMAGE', dataType: TensorDataType.FP32, dims: [3, 299, 299] }] }]))
        .toThrow(/ensemble tensor 'image' is \[-1,3,299,299\] from 'preprocess', got '\[-1,3,224,224\] from resnet50'/);
    });

    test("compares a step model's declared dims, not its reshape, as Triton does", () => {
      const reshaped = { ...RESNET50, inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [3, 224, 224], reshape: [1, 3, 224, 224] }] };
      expect(withSteps({}, [reshaped, PREPROCESS])).not.toThrow();
    });

    test('an optional input of a step model may stay unmapped', () => {
      const optional = { ...RESNET50, inputs: [...RESNET50.inputs!, { name: 'MASK', dataType: TensorDataType.BOOL, dims: [1], optional: true }] };
      expect(withSteps({}, [optional, PREPROCESS])).not.toThrow();
    });

    test('leaves a step model without declared tensors to auto-complete', () => {
      expect(withSteps({}, [{ ...RESNET50, inputs: undefined, outputs: undefined }, PREPROCESS])).not.toThrow();
    });
  });

  test('fails at synth on an empty repository', () => {
    const c = chart();
    new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    expect(() => synthApp(c.node.root as any)).toThrow("'models' must be at least one model, got 0: call addModel()");
  });

  test('checks the repository again after addModel: a finding of an earlier synth does not stick', () => {
    const c = chart();
    const repo = new TritonModelRepo(c, 'repo', { artifacts: s3(c) });
    expect(() => synthApp(c.node.root as any)).toThrow("'models' must be at least one model, got 0");
    repo.addModel(RESNET50);
    expect(synthApp(c.node.root as any).filter((o) => o.kind === 'ConfigMap')).toHaveLength(1);
  });

  test('fails at synth when the configs outgrow a ConfigMap', () => {
    const c = chart();
    const labels = Array.from({ length: 70000 }, (_, i) => `class-number-${i}`);
    new TritonModelRepo(c, 'repo', { artifacts: s3(c), models: [{ ...RESNET50, outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000], labels }] }] });
    expect(() => synthApp(c.node.root as any)).toThrow(/within a ConfigMap's 1 MiB/);
  });

  test('fails on S3 locations that cannot be reached as written', () => {
    const c = chart();
    const credentials = Secret.fromSecretName(c, 'creds', 'x');
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'minio:9000', bucket: 'models', credentials }))
      .toThrow("'ModelArtifactSource.fromS3: endpoint' must be an http(s) URL of the store with no user info and no path, e.g. http://minio.minio.svc.cluster.local:9000, got 'minio:9000'");
    // The secret key is not echoed into the error (CI logs keep it).
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'https://minio:s3cr3t@minio:9000', bucket: 'models', credentials }))
      .toThrow("got 'https://<user info>@minio:9000': give the access keys by reference in the credentials Secret, not in the URL");
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'http://AKIAEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCY@minio:9000', bucket: 'models', credentials }))
      .toThrow("got 'http://<user info>@minio:9000': give the access keys by reference");
    // Nor a presigned URL's signature.
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'http://minio:9000/?X-Amz-Signature=s3cr3t', bucket: 'models', credentials }))
      .toThrow(/got 'http:\/\/minio:9000\/\?<query>'$/);
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'http://minio:9000', bucket: 'My_Bucket', credentials })).toThrow(/bucket' must be an S3 bucket name/);
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'http://minio:9000', bucket: 'models', prefix: 'a/../b', credentials })).toThrow(/prefix' must be a key prefix without \. or \.\. segments/);
    expect(() => ModelArtifactSource.fromS3({ endpoint: 'http://minio:9000', bucket: 'models', credentials, image: 'minio/mc:latest' })).toThrow(/pinned to a tag other than 'latest'/);
    expect(() => ModelArtifactSource.fromS3Native({ endpoint: 'http://minio:9000', bucket: 'models', credentials, region: 'EU West' })).toThrow(/region' must be a region name/);
  });

  test('fails on a PVC subPath or mount path that escapes', () => {
    const c = chart();
    const claim = PersistentVolumeClaim.fromClaimName(c, 'claim', 'store');
    expect(() => ModelArtifactSource.fromPersistentVolumeClaim(claim, { subPath: '../etc' })).toThrow(/subPath' must be a relative folder/);
    expect(() => new TritonModelRepo(c, 'repo', { artifacts: s3(c), mountPath: '/tmp' })).toThrow("'mountPath' must be an absolute path other than /, /dev, /tmp and /dev/shm, got '/tmp'");
  });
});
