import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { Cpu, EnvValue, ImagePullPolicy, Secret, ServiceAccount, Volume } from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import {
  AutoscalerClass, GpuInferenceService, GpuInferenceServiceProps, GpuNodePool, GpuProduct, GpuResource,
  KnativeFeature, KnativeFeatures, MetricAggregation, ProbeCheck, ScalingMetric, ServingProtocol, TrafficTarget,
} from '../../src';
import { countQuantity } from '../../src/scheduling/_pod-spec';
import { oneOf, synth, validateManifests } from '../_helpers/manifests';

const IMAGE = 'registry.example.com/ml/resnet50-flask:1.4.0';
const KSVC = ['serving.knative.dev/v1', 'Service'] as const;

function build(props: Partial<GpuInferenceServiceProps> = {}, features = true) {
  const chart = Testing.chart();
  const service = new GpuInferenceService(chart, 'classifier', { image: IMAGE, ...props });
  if (features) new KnativeFeatures(chart, 'features');
  return { chart, service };
}

function ksvc(props: Partial<GpuInferenceServiceProps> = {}) {
  const { chart } = build(props);
  return oneOf(synth(chart), ...KSVC);
}

const container = (svc: any) => svc.spec.template.spec.containers.find((c: any) => c.name === 'model');
const annotations = (svc: any) => svc.spec.template.metadata.annotations;

describe('GpuInferenceService', () => {
  test('model weights from an https store with a private CA: mc trusts the CA from its Secret, beside the system roots', () => {
    const chart = Testing.chart();
    const weights = {
      endpoint: 'https://minio.storage.svc.cluster.local:443',
      bucket: 'weights',
      credentials: Secret.fromSecretName(chart, 'c', 'minio-reader'),
      caCertificate: Secret.fromSecretName(chart, 'ca', 'minio-tenant-ca'),
    };
    new GpuInferenceService(chart, 'svc', { image: IMAGE, modelWeights: weights });
    new KnativeFeatures(chart, 'features');
    const pod = oneOf(synth(chart), ...KSVC).spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'mc-ca', secret: { secretName: 'minio-tenant-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    // mc's config directory is a volume of its own: the runtime would create the directories above the Secret's
    // mount point in /tmp as root, where mc (uid 1000) could not write its config.
    expect(pod.volumes).toContainEqual({ name: 'mc-config', emptyDir: { sizeLimit: '1Mi' } });
    expect(pod.initContainers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'mc-config', mountPath: '/tmp/.mc' },
      { name: 'mc-ca', mountPath: '/tmp/.mc/certs/CAs', readOnly: true },
    ]));
    expect(pod.initContainers[0].args.slice(0, 2)).toEqual(['--config-dir', '/tmp/.mc']);
    expect(pod.containers[0].volumeMounts.some((m: any) => m.name === 'mc-ca')).toBe(false);
    expect(() => new GpuInferenceService(Testing.chart(), 'http', { image: IMAGE, modelWeights: { ...weights, endpoint: 'http://minio:9000' } }))
      .toThrow("'modelWeights.caCertificate' must be set only with an https endpoint, got 'http://minio:9000'");
    expect(() => new GpuInferenceService(Testing.chart(), 'key', { image: IMAGE, modelWeights: { ...weights, caCertificate: undefined, caCertificateKey: 'ca.pem' } }))
      .toThrow("'modelWeights.caCertificateKey' must be unset without caCertificate, got 'ca.pem'");
    expect(() => new GpuInferenceService(Testing.chart(), 'irsa', { image: IMAGE, modelWeights: { ...weights, credentials: undefined } }))
      .toThrow("'modelWeights.credentials' must be a Secret with the store's access keys: mc takes keys only, not ambient credentials (IRSA, Pod Identity), got 'none'");
  });

  test('a runtime class and a priority class need their Knative flags, which KnativeFeatures writes; pull secrets need none', () => {
    const pool = GpuNodePool.onPrem({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' });
    const props = (chart: Chart) => ({ image: IMAGE, nodePool: pool, priorityClassName: 'online-inference', imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')] });
    const undeclared = Testing.chart();
    new GpuInferenceService(undeclared, 'svc', { metadata: { name: 'svc' }, ...props(undeclared) });
    expect(() => synth(undeclared)).toThrow(
      /'svc' needs Knative feature flags that a default install rejects: .*kubernetes.podspec-priorityclassname \(priorityClassName\), kubernetes.podspec-runtimeclassname \(runtimeClassName\)/);

    const chart = Testing.chart();
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'svc' }, ...props(chart) });
    expect(service.requiredKnativeFeatures).toEqual(expect.arrayContaining([KnativeFeature.RUNTIME_CLASS_NAME, KnativeFeature.PRIORITY_CLASS_NAME]));
    new KnativeFeatures(chart, 'features'); // writes the flags the app's services need
    const objects = synth(chart); // validated against the Serving CRD schema, strict
    const pod = oneOf(objects, ...KSVC).spec.template.spec;
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(pod.priorityClassName).toBe('online-inference');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    const flags = oneOf(objects, 'v1', 'ConfigMap').data;
    expect(flags['kubernetes.podspec-runtimeclassname']).toBe('enabled');
    expect(flags['kubernetes.podspec-priorityclassname']).toBe('enabled');
  });

  test('initial scale 0 on a cluster that allows it: a new revision takes no GPU until its first request', () => {
    expect(annotations(ksvc({ initialScale: 0, allowZeroInitialScale: true }))['autoscaling.knative.dev/initial-scale']).toBe('0');
    // A declaration alone writes nothing: the revision starts at the cluster's initial-scale.
    expect(annotations(ksvc({ allowZeroInitialScale: true }))).toEqual(annotations(ksvc()));
  });

  test('defaults', () => {
    const { chart } = build();
    expect(synth(chart)).toMatchSnapshot();
  });

  test('devices beside the GPUs: an RDMA device as a request equal to its limit, which Knative takes', () => {
    const svc = ksvc({ extendedResources: { 'rdma/hca_shared_devices_a': 1 } });
    expect(container(svc).resources.limits['rdma/hca_shared_devices_a']).toBe('1');
    expect(container(svc).resources.requests['rdma/hca_shared_devices_a']).toBe('1');
  });

  test('every prop', () => {
    const chart = Testing.chart();
    const creds = Secret.fromSecretName(chart, 'creds', 'minio-reader');
    const hf = Secret.fromSecretName(chart, 'hf', 'hf-token');
    new GpuInferenceService(chart, 'classifier', {
      metadata: { name: 'resnet50', namespace: 'ml', labels: { team: 'vision' }, annotations: { owner: 'vision' } },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      image: `${IMAGE}@sha256:${'a'.repeat(64)}`,
      requireImageDigest: true,
      revisionName: 'resnet50-v2',
      traffic: [TrafficTarget.revision('resnet50-v1', { percent: 90 }), TrafficTarget.latest({ percent: 10, tag: 'canary' })],
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      command: ['python'],
      args: ['serve.py'],
      env: { MODEL: EnvValue.fromValue('resnet50'), HF_TOKEN: EnvValue.fromSecretValue({ secret: hf, key: 'token' }) },
      gpu: GpuResource.mig('3g.40gb'),
      gpuCount: 2,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A100_SXM4_80GB], runtimeClassName: 'nvidia' }),
      resources: { cpu: { request: Cpu.units(4) }, memory: { request: Size.gibibytes(16) } },
      guaranteedQos: true,
      imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')],
      priorityClassName: 'online-inference',
      security: { runAsUser: 2000, runAsGroup: 3000, fsGroup: 3000, readOnlyRootFilesystem: true },
      sharedMemorySize: Size.gibibytes(4),
      tmpSize: Size.mebibytes(512),
      serviceAccount: ServiceAccount.fromServiceAccountName(chart, 'sa', 'inference'),
      port: 9000,
      protocol: ServingProtocol.H2C,
      clusterLocal: true,
      minScale: 1,
      maxScale: 10,
      initialScale: 2,
      allowZeroInitialScale: true,
      activationScale: 2,
      scaleDownDelay: Duration.minutes(15),
      window: Duration.seconds(120),
      autoscalerClass: AutoscalerClass.KPA,
      metric: ScalingMetric.RPS,
      target: 40,
      targetUtilizationPercentage: 80,
      containerConcurrency: 8,
      timeout: Duration.minutes(5),
      responseStartTimeout: Duration.minutes(2),
      idleTimeout: Duration.minutes(1),
      progressDeadline: Duration.minutes(20),
      readinessProbe: { path: '/v2/health/ready', period: Duration.seconds(5), timeout: Duration.seconds(2), failureThreshold: 2 },
      startupProbe: { path: '/v2/health/ready', initialDelay: Duration.seconds(10), period: Duration.seconds(10), failureThreshold: 90 },
      livenessProbe: { path: '/v2/health/live' },
      modelWeights: {
        endpoint: 'https://minio.minio.svc:9000',
        bucket: 'models',
        prefix: '/resnet50/1/',
        credentials: creds,
        accessKeyIdKey: 'accesskey',
        secretAccessKeyKey: 'secretkey',
        mountPath: '/models',
        sizeLimit: Size.gibibytes(20),
        image: 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z@sha256:' + 'b'.repeat(64),
      },
    });
    new KnativeFeatures(chart, 'features');
    expect(synth(chart)).toMatchSnapshot();
  });

  test('requests GPUs as request == limit, with the default resource', () => {
    const c = container(ksvc({ gpuCount: 2 }));
    expect(c.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(c.resources.limits['nvidia.com/gpu']).toBe('2');
  });

  test('MIG and other vendors use their own resource name', () => {
    expect(container(ksvc({ gpu: GpuResource.mig('1g.10gb') })).resources.limits).toHaveProperty(['nvidia.com/mig-1g.10gb'], '1');
    expect(container(ksvc({ gpu: GpuResource.AMD })).resources.requests).toHaveProperty(['amd.com/gpu'], '1');
    expect(container(ksvc({ gpu: GpuResource.custom('habana.ai/gaudi') })).resources.limits).toHaveProperty(['habana.ai/gaudi'], '1');
  });

  test('hardened container by default, pod-level context left out (it needs a Knative flag)', () => {
    const svc = ksvc();
    expect(container(svc).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1000,
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(svc.spec.template.spec.securityContext).toBeUndefined();
    expect(svc.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('a cluster that raised max-revision-timeout-seconds and container-concurrency-max-limit declares them', () => {
    const raised = { maxRevisionTimeout: Duration.minutes(30), containerConcurrencyMaxLimit: 2000 };
    const svc = ksvc({ ...raised, timeout: Duration.minutes(20), containerConcurrency: 1500 });
    expect(svc.spec.template.spec.timeoutSeconds).toBe(1200);
    expect(svc.spec.template.spec.containerConcurrency).toBe(1500);
  });

  test('writable /tmp and memory-backed /dev/shm with size limits', () => {
    const svc = ksvc({ sharedMemorySize: Size.gibibytes(2) });
    const volumes = svc.spec.template.spec.volumes;
    expect(volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(container(svc).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'dshm', mountPath: '/dev/shm' }]);
  });

  test('opt-outs are explicit: sharedMemory false, writable root, root user', () => {
    const svc = ksvc({ sharedMemory: false, security: { readOnlyRootFilesystem: false, allowRoot: true } });
    expect(svc.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['tmp']);
    const sc = container(svc).securityContext;
    expect(sc.readOnlyRootFilesystem).toBe(false);
    expect(sc.runAsNonRoot).toBeUndefined();
    expect(sc.runAsUser).toBeUndefined();
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.capabilities).toEqual({ drop: ['ALL'] });
    // With a writable root, HOME is the image's.
    expect(container(svc).env).toBeUndefined();
  });

  test('HOME defaults to /tmp, first, unless env sets it or a root container has a writable root', () => {
    expect(container(ksvc()).env).toEqual([{ name: 'HOME', value: '/tmp' }]);
    expect(container(ksvc({ env: { HOME: EnvValue.fromValue('/home/app') } })).env).toEqual([{ name: 'HOME', value: '/home/app' }]);
    // The kubelet expands $(HOME) only from variables before it.
    expect(container(ksvc({ env: { HF_HOME: EnvValue.fromValue('$(HOME)/hf') } })).env.map((e: any) => e.name)).toEqual(['HOME', 'HF_HOME']);
    // A non-root uid without a passwd entry gets HOME=/, which a writable root does not make writable for it.
    expect(container(ksvc({ security: { readOnlyRootFilesystem: false } })).env).toEqual([{ name: 'HOME', value: '/tmp' }]);
    expect(container(ksvc({ security: { readOnlyRootFilesystem: false, allowRoot: true, runAsUser: 2000 } })).env).toEqual([{ name: 'HOME', value: '/tmp' }]);
    expect(container(ksvc({ security: { readOnlyRootFilesystem: false, allowRoot: true } })).env).toBeUndefined();
  });

  test('helper containers keep the full hardening when the main container opts out of some', () => {
    const creds = Secret.fromSecretName(Testing.chart(), 'creds', 'minio-reader');
    const modelWeights = { endpoint: 'http://minio:9000', bucket: 'models', credentials: creds };
    const root = ksvc({ modelWeights, security: { readOnlyRootFilesystem: false, allowRoot: true } }).spec.template.spec;
    expect(root.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: false });
    expect(root.containers[0].securityContext.runAsNonRoot).toBeUndefined();
    expect(root.initContainers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // A non-root uid of the workload is kept, so the files the helpers write belong to it.
    const own = ksvc({ modelWeights, security: { runAsUser: 2000, runAsGroup: 3000 } }).spec.template.spec;
    expect(own.initContainers[0].securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000, runAsNonRoot: true });
  });

  test('requireImageDigest reaches the helper images', () => {
    const creds = Secret.fromSecretName(Testing.chart(), 'creds', 'minio-reader');
    const digest = '@sha256:' + 'c'.repeat(64);
    const modelWeights = { endpoint: 'http://minio:9000', bucket: 'models', credentials: creds };
    expect(() => ksvc({ image: IMAGE + digest, requireImageDigest: true, modelWeights }))
      .toThrow("'modelWeights.image' must be pinned by digest because requireImageDigest is set, got 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z'");
    const pinned = ksvc({ image: IMAGE + digest, requireImageDigest: true, modelWeights: { ...modelWeights, image: 'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z' + digest } });
    expect(pinned.spec.template.spec.initContainers[0].image).toBe('docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z' + digest);
  });

  test('volumes Pod Security restricted forbids need allowUnrestrictedVolumes', () => {
    const chart = Testing.chart();
    const host = Volume.fromHostPath(chart, 'h', 'host-models', { path: '/var/lib/models' });
    expect(() => new GpuInferenceService(chart, 'svc', { image: IMAGE, volumeMounts: [{ volume: host, path: '/models' }] }))
      .toThrow("'volumeMounts[].volume' must be a volume type Pod Security's restricted profile allows (configMap, csi, downwardAPI, emptyDir, ephemeral, " +
        "persistentVolumeClaim, projected, secret), got 'hostPath volume host-models': use a PersistentVolumeClaim or a CSI volume (an NFS share through " +
        'the NFS CSI driver), or set security.allowUnrestrictedVolumes to true if the namespace allows it and the path exists on every GPU node');
    const svc = new GpuInferenceService(chart, 'ok', { image: IMAGE, volumeMounts: [{ volume: host, path: '/models' }], security: { allowUnrestrictedVolumes: true } });
    expect(JSON.stringify(svc.apiObject.toJson())).toContain('"hostPath":{"path":"/var/lib/models"');
  });

  test('cpu and memory: defaults, limit follows the memory request, guaranteed QoS copies requests', () => {
    expect(container(ksvc()).resources).toEqual({
      requests: { 'cpu': '1', 'memory': '4Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '1Gi' },
      limits: { 'memory': '4Gi', 'nvidia.com/gpu': '1' },
    });
    const g = container(ksvc({ guaranteedQos: true, resources: { cpu: { limit: Cpu.millis(1500) }, memory: { request: Size.mebibytes(6144) } } }));
    expect(g.resources).toEqual({
      requests: { 'cpu': '1500m', 'memory': '6Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '1500m', 'memory': '6Gi', 'nvidia.com/gpu': '1' },
    });
  });

  test("quantities in the apiserver's canonical form, as Knative's webhook writes them back: GitOps diffs of the Service stay clean", () => {
    const chart = Testing.chart();
    const scratch = Volume.fromEmptyDir(chart, 'e', 'scratch', { sizeLimit: Size.gibibytes(20) });
    const c = container(ksvc({
      gpuCount: 2,
      resources: {
        cpu: { request: Cpu.millis(1000), limit: Cpu.units(1.5) },
        memory: { request: Size.gibibytes(1024) },
        ephemeralStorage: { request: Size.mebibytes(1536) },
      },
      volumeMounts: [{ volume: scratch, path: '/scratch', readOnly: false }],
    }));
    expect(c.resources).toEqual({
      requests: { 'cpu': '1', 'memory': '1Ti', 'nvidia.com/gpu': '2', 'ephemeral-storage': '1536Mi' },
      limits: { 'cpu': '1500m', 'memory': '1Ti', 'nvidia.com/gpu': '2' },
    });
    // cdk8s-plus writes every emptyDir limit in Mi (20480Mi).
    const volumes = ksvc({ volumeMounts: [{ volume: scratch, path: '/scratch', readOnly: false }] }).spec.template.spec.volumes;
    expect(volumes.find((v: any) => v.name === 'scratch').emptyDir).toEqual({ sizeLimit: '20Gi' });
    expect(countQuantity(150000)).toBe('150k');
    expect(countQuantity(1500)).toBe('1500');
    expect(countQuantity(0)).toBe('0');
    expect(countQuantity(2_000_000)).toBe('2M');
  });

  test('CPU amounts are read from their decimal text; a fraction of a millicore fails, as Kubernetes would round it up', () => {
    const cpu = (request: Cpu) => container(ksvc({ resources: { cpu: { request } } })).resources.requests.cpu;
    // 2.01 * 1000 is 2009.9999999999998 in floating point.
    expect([Cpu.units(2.01), Cpu.units(16.1), Cpu.units(0.5), Cpu.units(1000), Cpu.millis(2500), Cpu.units(2.0001e3)].map(cpu))
      .toEqual(['2010m', '16100m', '500m', '1k', '2500m', '2000100m']);
    expect(() => ksvc({ resources: { cpu: { request: Cpu.millis(0.5) } } }))
      .toThrow("'resources.cpu.request' must be a whole number of millicores (Kubernetes counts CPU in millicores, and rounds a finer amount up), got '0.5m'");
    expect(() => ksvc({ resources: { cpu: { request: Cpu.units(1.0005) } } })).toThrow(/must be a whole number of millicores .*, got '1.0005'/);
  });

  test('one port named after the protocol', () => {
    expect(container(ksvc()).ports).toEqual([{ containerPort: 8080, name: 'http1' }]);
    expect(container(ksvc({ port: 8001, protocol: ServingProtocol.H2C })).ports).toEqual([{ containerPort: 8001, name: 'h2c' }]);
  });

  test('scales to zero by default with the KPA on concurrency, and a GPU-sized progress deadline', () => {
    expect(annotations(ksvc())).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'concurrency',
      'autoscaling.knative.dev/min-scale': '0',
      'serving.knative.dev/progress-deadline': '600s',
    });
  });

  test('autoscaling props become annotations and spec fields', () => {
    const svc = ksvc({
      minScale: 1,
      maxScale: 50,
      initialScale: 3,
      activationScale: 2,
      scaleDownDelay: Duration.minutes(10),
      window: Duration.minutes(2),
      target: 8,
      targetUtilizationPercentage: 87.5,
      metricAggregation: MetricAggregation.WEIGHTED_EXPONENTIAL,
      metric: ScalingMetric.RPS,
      containerConcurrency: 4,
      timeout: Duration.seconds(120),
      responseStartTimeout: Duration.seconds(60),
      idleTimeout: Duration.seconds(30),
    });
    expect(annotations(svc)).toMatchObject({
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '50',
      'autoscaling.knative.dev/initial-scale': '3',
      'autoscaling.knative.dev/activation-scale': '2',
      'autoscaling.knative.dev/scale-down-delay': '600s',
      'autoscaling.knative.dev/window': '120s',
      'autoscaling.knative.dev/target': '8',
      // Knative takes any utilization from 1 to 100 (validateFloats).
      'autoscaling.knative.dev/target-utilization-percentage': '87.5',
      'autoscaling.knative.dev/metric-aggregation-algorithm': 'weightedExponential',
      'autoscaling.knative.dev/metric': 'rps',
    });
    expect(svc.spec.template.spec).toMatchObject({
      containerConcurrency: 4, timeoutSeconds: 120, responseStartTimeoutSeconds: 60, idleTimeoutSeconds: 30,
    });
  });

  test('a timeout alone also lets the first byte take that long: Knative would cut it at its 300s response-start default', () => {
    // revision_defaults.go sets responseStartTimeoutSeconds to revision-response-start-timeout-seconds (300s) when it
    // is below timeoutSeconds; a 10-minute batch inference would end in a 504 after five.
    expect(ksvc({ timeout: Duration.minutes(10) }).spec.template.spec).toMatchObject({ timeoutSeconds: 600, responseStartTimeoutSeconds: 600 });
    const explicit = ksvc({ timeout: Duration.minutes(10), responseStartTimeout: Duration.minutes(1) });
    expect(explicit.spec.template.spec.responseStartTimeoutSeconds).toBe(60);
    expect(ksvc().spec.template.spec.responseStartTimeoutSeconds).toBeUndefined();
    expect(ksvc({ responseStartTimeout: Duration.seconds(300) }).spec.template.spec.responseStartTimeoutSeconds).toBe(300);
  });

  test('activator and panic settings: target burst capacity, last-replica retention, panic window and threshold', () => {
    const svc = ksvc({
      targetBurstCapacity: 0,
      scaleToZeroPodRetention: Duration.minutes(5),
      panicWindowPercentage: 20,
      panicThresholdPercentage: 300,
    });
    expect(annotations(svc)).toMatchObject({
      'autoscaling.knative.dev/target-burst-capacity': '0',
      'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '300s',
      'autoscaling.knative.dev/panic-window-percentage': '20',
      'autoscaling.knative.dev/panic-threshold-percentage': '300',
    });
    expect(annotations(ksvc({ targetBurstCapacity: -1 }))['autoscaling.knative.dev/target-burst-capacity']).toBe('-1');
  });

  test('HPA class defaults to the cpu metric, and to one replica at least (the HPA cannot scale to zero)', () => {
    const a = annotations(ksvc({ autoscalerClass: AutoscalerClass.HPA, target: 70 }));
    expect(a['autoscaling.knative.dev/class']).toBe('hpa.autoscaling.knative.dev');
    expect(a['autoscaling.knative.dev/metric']).toBe('cpu');
    expect(a['autoscaling.knative.dev/min-scale']).toBe('1');
    expect(new GpuInferenceService(Testing.chart(), 'hpa', { image: IMAGE, autoscalerClass: AutoscalerClass.HPA }).minScale).toBe(1);
  });

  test('HPA class scales on a custom metric with a target, and takes window as its stabilization window', () => {
    const a = annotations(ksvc({
      autoscalerClass: AutoscalerClass.HPA,
      minScale: 1,
      maxScale: 4,
      metric: ScalingMetric.custom('nv_inference_queue_duration_us_per_request'),
      target: 20000,
      window: Duration.minutes(2),
    }));
    expect(Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith('autoscaling.')))).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'nv_inference_queue_duration_us_per_request',
      'autoscaling.knative.dev/target': '20000',
      'autoscaling.knative.dev/window': '120s',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '4',
    });
  });

  test('ScalingMetric.custom takes names the HPA takes, other than the built-in ones', () => {
    expect(ScalingMetric.custom('dcgm.gpu-util:avg').name).toBe('dcgm.gpu-util:avg');
    for (const name of ['', '.', '..', 'a/b', 'a%2Fb']) {
      expect(() => ScalingMetric.custom(name)).toThrow(`'ScalingMetric.custom(name)' must be a custom metrics API metric name (not empty, '.' or '..', without '/' or '%'), got '${name}'`);
    }
    expect(() => ScalingMetric.custom('memory')).toThrow("'ScalingMetric.custom(name)' must be a name other than those Knative handles itself, got 'memory': use ScalingMetric.MEMORY");
  });

  test('probes are HTTP GETs on the serving port: Knative fills it in for readiness and liveness, startup names it', () => {
    const c = container(ksvc({ port: 9000, startupProbe: { path: '/healthz', period: Duration.seconds(5), failureThreshold: 120 }, readinessProbe: {} }));
    expect(c.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 9000 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 120 });
    // Without a period, readiness is Knative's own probing (every 50 ms until ready), which takes no timeout or threshold.
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/' } });
    expect(c.livenessProbe).toBeUndefined();
  });

  test('a readiness probe with a period is a plain probe of that period; 0 is Knative\'s own probing', () => {
    const periodic = container(ksvc({ readinessProbe: { path: '/ready', period: Duration.seconds(2) } }));
    expect(periodic.readinessProbe).toEqual({ httpGet: { path: '/ready' }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 });
    const zero = container(ksvc({ readinessProbe: { path: '/ready', period: Duration.seconds(0) } }));
    expect(zero.readinessProbe).toEqual({ httpGet: { path: '/ready' } });
    // Startup and liveness periods stay at least 1s, as Kubernetes requires.
    expect(() => ksvc({ livenessProbe: { period: Duration.seconds(0) } })).toThrow(/'livenessProbe.period' must be at least 1s/);
  });

  test('a readiness timeout or failureThreshold without a period fails: Knative refuses them with its own probing', () => {
    expect(() => ksvc({ readinessProbe: { path: '/ready', failureThreshold: 5 } })).toThrow(
      "'readinessProbe.failureThreshold' must be unset without a period: Knative probes readiness every 50 ms until it passes then, and refuses a timeout " +
      'or failureThreshold, got 5: leave it unset, or give the probe a period (which adds up to a period to every cold start)');
    expect(() => ksvc({ readinessProbe: { timeout: Duration.seconds(3) } })).toThrow(/'readinessProbe.timeout' must be unset without a period.*got '3s'/);
    expect(() => ksvc({ readinessProbe: { timeout: Duration.seconds(3), period: Duration.seconds(5) } })).not.toThrow();
  });

  test('gRPC and TCP probes: gRPC ones name the serving port everywhere (Knative rewrites only HTTP and TCP ports)', () => {
    const c = container(ksvc({
      port: 9000,
      protocol: ServingProtocol.H2C,
      startupProbe: { check: ProbeCheck.GRPC, period: Duration.seconds(5), failureThreshold: 60 },
      readinessProbe: { check: ProbeCheck.GRPC, grpcService: 'inference' },
      livenessProbe: { check: ProbeCheck.TCP_SOCKET, period: Duration.seconds(20) },
    }));
    expect(c.startupProbe).toEqual({ grpc: { port: 9000 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 60 });
    expect(c.readinessProbe).toEqual({ grpc: { port: 9000, service: 'inference' } });
    expect(c.livenessProbe).toEqual({ tcpSocket: {}, periodSeconds: 20, timeoutSeconds: 1, failureThreshold: 3 });
    const tcpStartup = container(ksvc({ port: 9000, startupProbe: { check: ProbeCheck.TCP_SOCKET } }));
    expect(tcpStartup.startupProbe.tcpSocket).toEqual({ port: 9000 });
  });

  test('IfNotPresent pull policy by default, for multi-GB images', () => {
    expect(container(ksvc()).imagePullPolicy).toBe('IfNotPresent');
  });

  test('model weights: hardened, pinned init container fills a shared emptyDir from the store, credentials by reference', () => {
    const { chart } = build({
      modelWeights: {
        endpoint: 'http://minio.minio:9000',
        bucket: 'models',
        prefix: 'resnet50/v1',
        credentials: Secret.fromSecretName(Testing.chart(), 'c', 'minio-reader'),
      },
    });
    const spec = oneOf(synth(chart), ...KSVC).spec.template.spec;
    const init = spec.initContainers.find((c: any) => c.name === 'model-weights');
    expect(init.image).toBe(GpuInferenceService.DEFAULT_MC_IMAGE);
    expect(init.args).toEqual(['--config-dir', '/tmp/.mc', 'mirror', '--overwrite', '--quiet', 'weights/models/resnet50/v1/', '/models']);
    expect(init.env).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'minio-reader', key: 'AWS_SECRET_ACCESS_KEY' } } });
    expect(init.env).toContainEqual({ name: 'MC_HOST_weights', value: 'http://$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@minio.minio:9000' });
    expect(init.securityContext.runAsNonRoot).toBe(true);
    expect(init.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(init.resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(spec.volumes).toContainEqual({ name: 'model-weights', emptyDir: { sizeLimit: '10Gi' } });
    expect(container({ spec: { template: { spec } } }).volumeMounts).toContainEqual({ name: 'model-weights', mountPath: '/models', readOnly: true });
    expect(JSON.stringify(spec)).not.toMatch(/"value":"[A-Za-z0-9+/]{20,}"/);
  });

  test('env: literals in order, secrets and config maps by reference', () => {
    const chart = Testing.chart();
    const secret = Secret.fromSecretName(chart, 's', 'api-keys');
    new GpuInferenceService(chart, 'svc', { image: IMAGE, env: { B: EnvValue.fromValue('2'), A: EnvValue.fromSecretValue({ secret, key: 'a' }) } });
    new KnativeFeatures(chart, 'f');
    const env = container(oneOf(synth(chart), ...KSVC)).env;
    expect(env).toEqual([{ name: 'HOME', value: '/tmp' }, { name: 'B', value: '2' }, { name: 'A', valueFrom: { secretKeyRef: { name: 'api-keys', key: 'a' } } }]);
  });

  test('placement: one product is a node selector, several a required affinity; GPU taint tolerated by default', () => {
    const one = ksvc({ nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) }).spec.template.spec;
    expect(one.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    expect(one.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const many = ksvc({ nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4, GpuProduct.T4] }) }).spec.template.spec;
    expect(many.nodeSelector).toBeUndefined();
    expect(many.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4', 'Tesla-T4'] }] },
    ]);
  });

  test('knows the Knative feature flags its output needs', () => {
    expect(build().service.requiredKnativeFeatures.map((f) => f.flag)).toEqual([
      'kubernetes.podspec-tolerations',
      'kubernetes.podspec-volumes-emptydir',
    ]);
    const { service } = build({
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4, GpuProduct.T4] }),
      security: { fsGroup: 1000 },
      modelWeights: { endpoint: 'http://minio:9000', bucket: 'models', credentials: Secret.fromSecretName(Testing.chart(), 'c', 'x') },
    });
    expect(service.requiredKnativeFeatures).toEqual([
      KnativeFeature.AFFINITY,
      KnativeFeature.INIT_CONTAINERS,
      KnativeFeature.SECURITY_CONTEXT,
      KnativeFeature.TOLERATIONS,
      KnativeFeature.EMPTY_DIR,
    ]);
    const bare = build({ nodePool: GpuNodePool.custom({}) }).service;
    expect(bare.requiredKnativeFeatures).toEqual([KnativeFeature.EMPTY_DIR]);
  });

  test('a service that needs no gated flag synthesizes without KnativeFeatures', () => {
    const { chart } = build({ nodePool: GpuNodePool.custom({}) }, false);
    expect(oneOf(synth(chart), ...KSVC).metadata.name).toBe('test-classifier-c82aff7d');
  });

  test('exposes an address for event delivery and a cold-start budget', () => {
    const chart = Testing.chart();
    const svc = new GpuInferenceService(chart, 'c', { image: IMAGE, metadata: { name: 'resnet50', namespace: 'ml' } });
    expect(svc.toSinkDestination()).toEqual({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'resnet50', namespace: 'ml' } });
    expect(svc.url).toBe('http://resnet50.ml.svc.cluster.local');
    expect(new GpuInferenceService(new Chart(Testing.app(), 'ns', { namespace: 'serving' }), 'c', { image: IMAGE, metadata: { name: 'r' } }).url)
      .toBe('http://r.serving.svc.cluster.local');
    expect(() => new GpuInferenceService(Testing.chart(), 'c', { image: IMAGE, metadata: { name: 'r' } }).url).toThrow(
      "'metadata.namespace' must be known at synth to form the in-cluster address, got 'none'");
    expect(svc.coldStartBudget.toSeconds()).toBe(600);
    // Knative waits the progress deadline for a revision to activate; a startup probe starts only after the node,
    // the image pull and the init containers, so its budget is not the cold start's.
    const probed = new GpuInferenceService(chart, 'p', {
      image: IMAGE,
      progressDeadline: Duration.minutes(4),
      startupProbe: { initialDelay: Duration.seconds(10), period: Duration.seconds(5), failureThreshold: 24 },
    });
    expect(probed.coldStartBudget.toSeconds()).toBe(240);
  });

  test('fails on a startup probe that outlasts the progress deadline: Knative gives up on the revision first', () => {
    const probe = { initialDelay: Duration.seconds(30), period: Duration.seconds(10), failureThreshold: 60 };
    expect(() => new GpuInferenceService(Testing.chart(), 'c', { image: IMAGE, startupProbe: probe })).toThrow(
      "'startupProbe' must be a budget (initialDelay + failureThreshold x the longer of period and timeout) within progressDeadline (600s), " +
      "after which Knative scales a revision that has not activated back to zero, got '630s': raise progressDeadline, or shorten the probe");
    expect(() => new GpuInferenceService(Testing.chart(), 'c', { image: IMAGE, startupProbe: probe, progressDeadline: Duration.seconds(630) })).not.toThrow();
    // A try that hangs takes its timeout: 31 tries of 20 s are 620 s, though 31 periods of 5 s are 155 s.
    const slow = { period: Duration.seconds(5), timeout: Duration.seconds(20), failureThreshold: 31 };
    expect(() => new GpuInferenceService(Testing.chart(), 'c', { image: IMAGE, startupProbe: slow })).toThrow(/got '620s'/);
  });

  test('cluster-local visibility label', () => {
    expect(ksvc({ clusterLocal: true }).metadata.labels).toEqual({ 'networking.knative.dev/visibility': 'cluster-local' });
    // clusterLocal: false asks for exposure, which the label would take back.
    expect(() => ksvc({ clusterLocal: false, metadata: { labels: { 'networking.knative.dev/visibility': 'cluster-local' } } })).toThrow(
      "'metadata.labels['networking.knative.dev/visibility']' must be unset with clusterLocal: false, which asks for a service the ingress exposes, " +
      "got 'cluster-local': drop the label, or set clusterLocal: true");
  });

  test('a startup probe whose tries may take longer than its period counts their timeout', () => {
    // The kubelet runs one try at a time: 60 tries of up to 15s outlast the 600s deadline.
    const probe = { period: Duration.seconds(5), timeout: Duration.seconds(15), failureThreshold: 60 };
    expect(() => new GpuInferenceService(Testing.chart(), 'c', { image: IMAGE, startupProbe: probe })).toThrow(/'startupProbe' must be a budget .* got '900s'/);
  });

  test('config-features comes before the services of its chart that need it', () => {
    const { chart } = build();
    expect(synth(chart).map((o) => o.kind)).toEqual(['ConfigMap', 'Service']);
  });

  test('across charts it adds no dependency: cdk8s would re-resolve one per chart on every synth', () => {
    const app = Testing.app();
    const serving = new Chart(app, 'serving');
    const platform = new Chart(app, 'platform');
    new GpuInferenceService(serving, 'svc', { image: IMAGE });
    new KnativeFeatures(platform, 'features');
    expect(serving.node.dependencies).toEqual([]);
    app.synth();
    const files = fs.readdirSync(app.outdir).sort();
    expect(files).toEqual(['platform.k8s.yaml', 'serving.k8s.yaml']);
    const written = files.map((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(app.outdir, f), 'utf8')).map((d) => d.toJS()));
    validateManifests(written.flat());
    expect(written.map((objects) => objects.map((o) => o.kind))).toEqual([['ConfigMap'], ['Service']]);
  });

  test('escape hatch: JSON patches on the Knative Service', () => {
    const { chart, service } = build();
    ApiObject.of(service.apiObject).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/workingDir', '/srv/model'));
    expect(container(oneOf(synth(chart), ...KSVC)).workingDir).toBe('/srv/model');
  });

  // The first problem found is the one reported: durations, then scale and timeouts, then each probe's check.
  test.each<[string, Partial<GpuInferenceServiceProps>, string]>([
    ['a probe period before a probe path', { readinessProbe: { path: 'healthz' }, livenessProbe: { period: Duration.millis(500) } }, "'livenessProbe.period'"],
    ['minScale before a failure threshold', { minScale: -1, livenessProbe: { failureThreshold: 0 } }, "'minScale'"],
    ['pod annotations before a gRPC service', { podAnnotations: { 'autoscaling.knative.dev/x': '1' }, startupProbe: { grpcService: 'a' } }, "'podAnnotations'"],
  ])('reports %s', (_, props, prop) => {
    expect(() => build(props)).toThrow(prop);
  });

  describe('fails', () => {
    const cases: Array<[string, Partial<GpuInferenceServiceProps>, RegExp]> = [
      ['fails on an image with no tag', { image: 'registry.example.com/resnet50' }, /'image' must be pinned to a tag other than 'latest' or to a digest, got 'registry.example.com\/resnet50'/],
      ['fails on the latest tag', { image: 'resnet50:latest' }, /'image' must be pinned .* got 'resnet50:latest': use e.g. 'resnet50:1.2.3'/],
      ['fails on a tag when a digest is required', { requireImageDigest: true }, /'image' must be pinned by digest because requireImageDigest is set/],
      ['fails on a malformed digest', { image: 'resnet50@sha256:xyz' }, /'image' must be a digest of the form sha256:<64 hex characters>/],
      ['fails on zero GPUs', { gpuCount: 0 }, /'gpuCount' must be an integer >= 1, got 0/],
      ['fails on a fractional GPU count', { gpuCount: 1.5 }, /'gpuCount' must be an integer >= 1, got 1.5/],
      ['fails on a reserved port', { port: 8012 }, /'port' must be a port Knative does not reserve \(not 8008, 8012, 8013, 8022, 9090, 9091\), got 8012/],
      ['fails on a port out of range', { port: 70000 }, /'port' must be an integer between 1 and 65535, got 70000/],
      ['fails on a reserved env var', { env: { PORT: EnvValue.fromValue('8080') } }, /'env' must be free of the variables Knative sets \(PORT, K_SERVICE, K_CONFIGURATION, K_REVISION\), got 'PORT': Knative sets PORT to the serving port/],
      ['fails on K_SERVICE in env', { env: { K_SERVICE: EnvValue.fromValue('x') } }, /got 'K_SERVICE': Knative sets K_SERVICE to the Service's name; read it instead of setting it/],
      ['fails on an invalid env name', { env: { '1BAD': EnvValue.fromValue('x') } }, /'env' must be keyed by valid variable names .* got '1BAD'/],
      ['fails on a negative min scale', { minScale: -1 }, /'minScale' must be an integer >= 0, got -1/],
      ['fails when max scale is below min scale', { minScale: 5, maxScale: 2 }, /'maxScale' must be at least minScale \(5\), got 2/],
      ['fails on min scale 0 with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 0 },
        /'minScale' must be at least 1 with AutoscalerClass.HPA, which cannot scale to zero, got 0: leave minScale unset \(1 with the HPA\)/],
      ['fails on a KPA metric with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metric: ScalingMetric.RPS }, /'metric' must be cpu, memory or a custom metric with the HPA autoscaler, got 'rps'/],
      ['fails on a custom metric with the KPA class', { metric: ScalingMetric.custom('queue_time_us'), target: 5 }, /'metric' must be one of concurrency, rps with the KPA autoscaler, got 'queue_time_us': use AutoscalerClass.HPA/],
      ['fails on an HPA metric with the KPA class', { metric: ScalingMetric.CPU }, /'metric' must be one of concurrency, rps with the KPA autoscaler, got 'cpu'/],
      ['fails on a utilization above 100', { targetUtilizationPercentage: 120 }, /'targetUtilizationPercentage' must be between 1 and 100, got 120/],
      ['fails on a utilization below 1', { targetUtilizationPercentage: 0.5 }, /'targetUtilizationPercentage' must be between 1 and 100, got 0.5/],
      ['fails on container concurrency above the cluster limit', { containerConcurrency: 5000 }, /'containerConcurrency' must be an integer between 0 and 1000, got 5000/],
      ['fails on initial scale 0', { initialScale: 0 },
        /'initialScale' must be at least 1 unless the cluster allows 0 \(allow-zero-initial-scale, .*\), got 0: set allow-zero-initial-scale: 'true' in config-autoscaler, then declare it with allowZeroInitialScale: true/],
      ['fails on activation scale 1', { activationScale: 1 }, /'activationScale' must be an integer >= 2, got 1: Knative requires activation-scale > 1/],
      ['fails on activation scale below min scale', { minScale: 4, activationScale: 3 }, /'activationScale' must be at least minScale \(4\), got 3/],
      ['fails on activation scale above max scale', { maxScale: 2, activationScale: 3 }, /'activationScale' must be at most maxScale \(2\), got 3/],
      ['fails on a window out of range', { window: Duration.seconds(2) }, /'window' must be between 6s and 1h, got '2s'/],
      ['fails on a scale-down delay above 1h', { scaleDownDelay: Duration.hours(2) }, /'scaleDownDelay' must be at most 1h, got '7200s'/],
      ['fails on a timeout in fractions of a second, naming the prop (Knative takes whole seconds)', { timeout: Duration.millis(1500) }, /'timeout' must be a whole number of seconds, got '1500ms'/],
      ['fails on a window in fractions of a second', { window: Duration.millis(6500) }, /'window' must be a whole number of seconds, got '6500ms'/],
      ['fails on a probe period in fractions of a second', { startupProbe: { period: Duration.millis(2500) } }, /'startupProbe.period' must be a whole number of seconds, got '2500ms'/],
      ['fails on a probe timeout of 0, which Knative refuses before Kubernetes would default it', { readinessProbe: { timeout: Duration.seconds(0) } }, /'readinessProbe.timeout' must be at least 1s, got '0s'/],
      ['fails on a timeout above the revision maximum', { timeout: Duration.minutes(20) }, /'timeout' must be between 1s and 600s .* got '1200s': raise max-revision-timeout-seconds in config-defaults, then declare it with maxRevisionTimeout/],
      ['fails on a timeout above a raised revision maximum', { timeout: Duration.minutes(40), maxRevisionTimeout: Duration.minutes(30) }, /'timeout' must be between 1s and 1800s/],
      ['fails on containerConcurrency above the cluster limit', { containerConcurrency: 1500 }, /'containerConcurrency' must be an integer between 0 and 1000, got 1500: the cluster's container-concurrency-max-limit \(1000\)/],
      ['fails on a response-start timeout above the timeout', { timeout: Duration.seconds(60), responseStartTimeout: Duration.seconds(90) }, /'responseStartTimeout' must be between 0s and the request timeout \(60s\), got '90s'/],
      // Without timeout, Knative's request timeout is the cluster's revision-timeout-seconds, 300s by default, not the maximum.
      ['fails on a response-start timeout above Knative\'s default timeout when timeout is unset', { idleTimeout: Duration.seconds(500) },
        /'idleTimeout' must be between 0s and the request timeout \(300s, Knative's default, as timeout is unset\), got '500s': set timeout too/],
      ['fails on a reserved pod annotation', { podAnnotations: { 'autoscaling.knative.dev/min-scale': '1' } }, /'podAnnotations' must be free of autoscaling.knative.dev\/\* keys, which typed props set, got 'autoscaling.knative.dev\/min-scale'/],
      ['fails on a relative probe path', { readinessProbe: { path: 'healthz' } }, /'readinessProbe.path' must be an absolute path starting with '\/', got 'healthz'/],
      ['fails on a probe path with a gRPC check', { protocol: ServingProtocol.H2C, livenessProbe: { check: ProbeCheck.GRPC, path: '/healthz' } }, /'livenessProbe.path' must be unset unless check is ProbeCheck.HTTP_GET, got '\/healthz'/],
      ['fails on a gRPC service name with an HTTP check', { startupProbe: { grpcService: 'inference' } }, /'startupProbe.grpcService' must be unset unless check is ProbeCheck.GRPC, got 'inference'/],
      ['fails on a gRPC check of an http1 port', { readinessProbe: { check: ProbeCheck.GRPC } }, /'readinessProbe.check' must be ProbeCheck.HTTP_GET or ProbeCheck.TCP_SOCKET on an http1 port: a gRPC health check speaks HTTP\/2, got 'ProbeCheck.GRPC': serve gRPC with protocol: ServingProtocol.H2C/],
      ['fails on an invalid service name', { metadata: { name: 'ResNet_50' } }, /'metadata.name' must be a DNS-1035 label .* got 'ResNet_50'/],
      ['fails on root uid without allowRoot', { security: { runAsUser: 0 } }, /'security.runAsUser' must be a non-zero uid while runAsNonRoot is on, got 0: set security.allowRoot/],
      ['fails on guaranteed QoS with a limit above the request', { guaranteedQos: true, resources: { cpu: { request: Cpu.units(1), limit: Cpu.units(2) } } }, /'resources.cpu' must be a request equal to the limit when guaranteedQos is set, got '1 request, 2 limit'/],
      ['fails on guaranteed QoS with a memory limit above the request', { guaranteedQos: true, resources: { memory: { request: Size.gibibytes(4), limit: Size.gibibytes(8) } } }, /'resources.memory' must be a request equal to the limit when guaranteedQos is set, got '4Gi request, 8Gi limit'/],
      ['fails on guaranteed QoS with a memory request in fractions of a KiB, naming the request', { guaranteedQos: true, resources: { memory: { request: Size.kibibytes(1.5), limit: Size.gibibytes(4) } } }, /'resources.memory.request' must be a positive whole number of KiB, got '1.5Ki'/],
      ['fails on a memory limit below the request', { resources: { memory: { request: Size.gibibytes(8), limit: Size.gibibytes(4) } } }, /'resources.memory.limit' must be at least the request \(8Gi\), got '4Gi'/],
      ['fails on a target burst capacity below -1 or between -1 and 0', { targetBurstCapacity: -0.5 }, /'targetBurstCapacity' must be 0 or more, or -1 to keep the activator in the path, got -0.5/],
      ['fails on a panic window outside 1..100', { panicWindowPercentage: 0.5 }, /'panicWindowPercentage' must be between 1 and 100, got 0.5/],
      ['fails on a panic threshold outside 110..1000', { panicThresholdPercentage: 100 }, /'panicThresholdPercentage' must be between 110 and 1000, got 100/],
      ['fails on a last-replica retention above 1h', { scaleToZeroPodRetention: Duration.hours(2) }, /'scaleToZeroPodRetention' must be at most 1h, got '7200s'/],
      ['fails on KPA panic settings with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, panicWindowPercentage: 20 }, /'panicWindowPercentage' must be unset with AutoscalerClass.HPA \(a KPA setting, which the HPA never reads\), got 20/],
      ['fails on a last-replica retention with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, scaleToZeroPodRetention: Duration.minutes(1) }, /'scaleToZeroPodRetention' must be unset with AutoscalerClass.HPA \(a KPA setting, which the HPA never reads\), got '60s'/],
      ['fails on a scale-down delay with the HPA class (its window is the stabilization)', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, scaleDownDelay: Duration.minutes(2) }, /'scaleDownDelay' must be unset with AutoscalerClass.HPA \(a KPA setting, which the HPA never reads\), got '120s'/],
      ['fails on a utilization percentage with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, targetUtilizationPercentage: 80 }, /'targetUtilizationPercentage' must be unset with AutoscalerClass.HPA/],
      ['fails on a metric aggregation with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metricAggregation: MetricAggregation.LINEAR }, /'metricAggregation' must be unset with AutoscalerClass.HPA/],
      ['fails on a burst capacity with the HPA class (the activator leaves the path)', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, targetBurstCapacity: 0 }, /'targetBurstCapacity' must be unset with AutoscalerClass.HPA/],
      ['fails on an activation scale with the HPA class', { autoscalerClass: AutoscalerClass.HPA, minScale: 2, activationScale: 2 }, /'activationScale' must be unset with AutoscalerClass.HPA/],
      ['fails on a target below Knative\'s minimum', { target: 0.005 }, /'target' must be at least 0.01 \(Knative's smallest target\), got 0.005/],
      ['fails on a memory target that is no whole number of MiB', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metric: ScalingMetric.MEMORY, target: 80.5 }, /'target' must be a whole number with ScalingMetric.MEMORY \(the HPA targets an average of target Mi per replica\), got 80.5/],
      ['fails on memory without a target, which Knative would turn into CPU scaling', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metric: ScalingMetric.MEMORY }, /'target' must be set with ScalingMetric.MEMORY: without one Knative gives the HPA no metric, and Kubernetes scales it on 80% CPU, got 'none': set the average memory per replica in MiB/],
      ['fails on a custom metric without a target', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metric: ScalingMetric.custom('queue_time_us') }, /'target' must be set with the custom metric 'queue_time_us'/],
      ['fails on a fractional custom metric target, which the HPA would get as 0', { autoscalerClass: AutoscalerClass.HPA, minScale: 1, metric: ScalingMetric.custom('queue_time_us'), target: 0.5 }, /'target' must be a whole number with the custom metric 'queue_time_us' \(the HPA targets an average of target per replica\), got 0.5/],
      ['fails on autoscaling annotations on the Service, which Knative rejects there', { metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '1' } } }, /'metadata.annotations' must be free of autoscaling.knative.dev\/\* keys, which Knative rejects on a Service, got 'autoscaling.knative.dev\/min-scale'/],
      ['fails on /dev/shm as large as the memory limit', { sharedMemorySize: Size.gibibytes(4) }, /'sharedMemorySize' must be less than the memory limit \(4Gi\), which \/dev\/shm counts against, got '4Gi'/],
      ['fails on shared memory size with shared memory off', { sharedMemory: false, sharedMemorySize: Size.gibibytes(1) }, /'sharedMemorySize' must be unset when sharedMemory is false/],
      ['fails on a model-weights endpoint with a path', { modelWeights: { endpoint: 'minio:9000/models', bucket: 'models', credentials: Secret.fromSecretName(Testing.chart(), 'store', 'minio-reader') } }, /'modelWeights.endpoint' must be an http\(s\) URL of the store with no user info and no path/],
      ['fails on an invalid bucket name', { modelWeights: { endpoint: 'http://minio:9000', bucket: 'Models_Bucket', credentials: Secret.fromSecretName(Testing.chart(), 'store', 'minio-reader') } }, /'modelWeights.bucket' must be an S3 bucket name .* got 'Models_Bucket'/],
      ['fails on an unpinned model-weights image', { modelWeights: { endpoint: 'http://minio:9000', bucket: 'models', credentials: Secret.fromSecretName(Testing.chart(), 'store', 'minio-reader'), image: 'minio/mc' } }, /'modelWeights.image' must be pinned/],
      // Knative parses its scale annotations as int32 and the probe fields are int32: larger values are refused.
      ['fails on a max scale beyond int32', { maxScale: 2 ** 31 }, /'maxScale' must be an integer between 0 and 2147483647 \(an int32 field\), got 2147483648/],
      ['fails on a probe threshold beyond int32', { startupProbe: { path: '/healthz', failureThreshold: 2 ** 31 } }, /'startupProbe.failureThreshold' must be an integer between 1 and 2147483647 \(an int32 field\)/],
      ['fails on a progress deadline beyond int32 seconds', { progressDeadline: Duration.seconds(2 ** 31) }, /'progressDeadline' must be at most 2147483647s \(~68 years\), got '2147483648s'/],
      ['fails on a serving.knative.dev label, which Knative sets itself', { metadata: { labels: { 'serving.knative.dev/service': 'x' } } },
        /'metadata.labels' must be free of serving.knative.dev\/\* keys, which Knative sets itself and refuses on a Service, got 'serving.knative.dev\/service'/],
      ['fails on a visibility label other than cluster-local', { metadata: { labels: { 'networking.knative.dev/visibility': 'public' } } },
        /'metadata.labels\['networking.knative.dev\/visibility'\]' must be 'cluster-local', the one value Knative takes, got 'public': set clusterLocal: true/],
      // cdk8s's own conversion would throw without the prop.
      ['fails on a timeout of a fraction of a millisecond, naming the prop', { timeout: Duration.millis(0.5) }, /'timeout' must be a whole number of seconds, got '0.5ms'/],
    ];
    test.each(cases)('%s', (_name, props, message) => {
      expect(() => build(props)).toThrow(message);
    });

    test('fails at synth when a needed feature flag is enabled nowhere, naming the flags and the fix', () => {
      const { chart } = build({ nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) }, false);
      expect(() => synth(chart)).toThrow(
        /'test-classifier-c82aff7d' needs Knative feature flags that a default install rejects: kubernetes.podspec-nodeselector \(nodeSelector\), kubernetes.podspec-tolerations \(tolerations\); add `new KnativeFeatures/,
      );
    });

    test('fails at synth when a declared cluster lacks a flag the service needs', () => {
      const chart = Testing.chart();
      new GpuInferenceService(chart, 'svc', { image: IMAGE, metadata: { name: 'svc' } });
      new KnativeFeatures(chart, 'features', { emitConfigMap: false, enabled: [KnativeFeature.NODE_SELECTOR] });
      expect(() => synth(chart)).toThrow(/'svc' needs Knative feature flags .*: kubernetes.podspec-tolerations \(tolerations\)/);
      // The fix is the declaration's list, not a config-features beside the one the cluster's operator manages.
      expect(() => synth(chart)).toThrow('kubernetes.podspec-tolerations (tolerations); list kubernetes.podspec-tolerations in `enabled` of KnativeFeatures ' +
        "'test/features' once the cluster enables it");
    });
  });
});
