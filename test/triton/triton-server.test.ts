import * as fs from 'fs';
import { App, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { Cpu, DeploymentStrategy, PercentOrAbsolute, PersistentVolumeAccessMode, PersistentVolumeClaim, Secret, Volume } from 'cdk8s-plus-27';
import { minioRepo, RESNET50, VLLM, VLLM_IMAGE } from './_fixtures';
import {
  ClusterChart, ClusterTarget, EksNodeProvisioner, GkeAccelerator, GpuNodePool, GpuProduct, GpuResource, InstanceGroupKind, MetricsScraping,
  ModelArtifactSource, MigStrategy, ModelControl, ModelPlatform, SequenceBatchingStrategy, SpreadPolicy, TritonApi, TritonModelProps, TritonModelRepo,
  TritonServer, TritonServerProps,
} from '../../src';
import { ofKind, oneOf, synthApp } from '../_helpers/manifests';
import { tmpDir } from '../_helpers/tmp';


function setup(models: TritonModelProps[] = [RESNET50], mcImage?: string) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'ml' });
  return { app, chart, repo: minioRepo(chart, models, mcImage) };
}

function server(props: Partial<TritonServerProps> = {}, models?: TritonModelProps[]) {
  const s = setup(models);
  const triton = new TritonServer(s.chart, 'triton', { repository: s.repo, metadata: { name: 'resnet50' }, ...props });
  return { ...s, triton };
}

const deploymentOf = (app: App) => oneOf(synthApp(app), 'apps/v1', 'Deployment');
const containerOf = (app: App) => deploymentOf(app).spec.template.spec.containers.find((c: any) => c.name === 'tritonserver');

test('devices beside the GPUs reach the Triton container, and only it', () => {
  const { app } = server({ extendedResources: { 'vpc.amazonaws.com/efa': 1 } });
  const pod = deploymentOf(app).spec.template.spec;
  expect(containerOf(app).resources.limits['vpc.amazonaws.com/efa']).toBe('1');
  expect(containerOf(app).resources.requests['vpc.amazonaws.com/efa']).toBe('1');
  for (const init of pod.initContainers ?? []) expect(init.resources?.limits?.['vpc.amazonaws.com/efa']).toBeUndefined();
  expect(pod.initContainers?.length).toBeGreaterThan(0);
});

describe('TritonServer', () => {
  test('pull secrets, a priority class and the pool\'s runtime class reach the Deployment\'s pods', () => {
    const { app, chart } = setup();
    const repo = chart.node.findChild('repo') as TritonModelRepo;
    new TritonServer(chart, 'triton', {
      repository: repo,
      image: 'registry.example.com/nvidia/tritonserver:25.01-py3',
      imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')],
      priorityClassName: 'online-inference',
      nodePool: GpuNodePool.onPrem({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' }),
    });
    const pod = deploymentOf(app).spec.template.spec; // checked against the Kubernetes schemas
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(pod.priorityClassName).toBe('online-inference');
    expect(pod.runtimeClassName).toBe('nvidia');
  });

  describe('a repository on a claim of the app, against the replicas', () => {
    const onClaim = (accessModes: PersistentVolumeAccessMode[], props: Partial<TritonServerProps> = {}) => {
      const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
      const claim = new PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'model-store' }, accessModes, storage: Size.gibibytes(50) });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
      return () => new TritonServer(chart, 'triton', { repository: repo, ...props });
    };

    test('fails on a ReadWriteOnce claim with several replicas: pods on other nodes would hang on the volume', () => {
      expect(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE])).toThrow(
        "'repository' must be artifacts on a claim several nodes can mount (ReadOnlyMany or ReadWriteMany): up to 4 replicas (autoscaling.maxReplicas) " +
        "run side by side, and a pod on another node would hang on the volume, got 'claim 'model-store' with ReadWriteOnce': use a ReadOnlyMany or ReadWriteMany storage class");
      expect(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE_POD], { replicas: 2 })).toThrow(
        "up to 2 replicas (replicas) run side by side, and a pod on another node would hang on the volume, got 'claim 'model-store' with ReadWriteOncePod'");
    });

    test("fails on a claim of the app in another namespace than the server's: a pod mounts its own namespace's claims only", () => {
      const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
      const claim = new PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'model-store', namespace: 'models' }, accessModes: [PersistentVolumeAccessMode.READ_ONLY_MANY] });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
      new TritonServer(chart, 'triton', { repository: repo });
      expect(() => synthApp(chart.node.root as App)).toThrow(
        "'repository' must be a claim in the pods' namespace ('ml'): a pod mounts claims of its own namespace only, got 'claim 'model-store' in models'");
    });

    test('two one-replica servers on one single-node claim fail: their pods may land on different nodes', () => {
      const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
      const accessModes = [PersistentVolumeAccessMode.READ_WRITE_ONCE];
      const claim = new PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'model-store' }, accessModes, storage: Size.gibibytes(50) });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
      const other = new TritonModelRepo(chart, 'other', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
      // A server that fails on another prop holds no claim.
      expect(() => new TritonServer(chart, 'bad', { repository: repo, replicas: 1, metadata: { name: 'Bad_Name' } })).toThrow("'metadata.name' must be");
      new TritonServer(chart, 'a', { repository: repo, replicas: 1 });
      expect(() => new TritonServer(chart, 'b', { repository: other, replicas: 1 })).toThrow(
        "'repository' must be artifacts on a claim several nodes can mount (ReadOnlyMany or ReadWriteMany): the server 'test/a' mounts it too, " +
        "and a pod on another node would hang on the volume, got 'claim 'model-store' with ReadWriteOnce'");
    });

    test('one replica on a single-node claim is replaced, not rolled: a rollout would start the new pod beside the old one', () => {
      const strategyOf = (made: TritonServer) => oneOf(synthApp(made.node.root as App), 'apps/v1', 'Deployment').spec.strategy;
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE], { replicas: 1 })())).toEqual({ type: 'Recreate' });
      const oneReplica = { autoscaling: { minReplicas: 1, maxReplicas: 1, queueTime: false } };
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE_POD], oneReplica)())).toEqual({ type: 'Recreate' });
      // A claim several nodes mount keeps the rolling update, spelled out with the apiserver's defaults so that the
      // applier owns rollingUpdate and drops it on a later switch to Recreate (server-side apply keeps defaulted fields).
      const rolling = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_ONLY_MANY])())).toEqual(rolling);
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE, PersistentVolumeAccessMode.READ_WRITE_MANY])())).toEqual(rolling);
    });

    test('a strategy given replaces the default; one replica on a single-node claim takes none that surges', () => {
      const strategyOf = (made: TritonServer) => oneOf(synthApp(made.node.root as App), 'apps/v1', 'Deployment').spec.strategy;
      // A pod of 8 GPUs where no 8 spare GPUs exist: one pod at a time, no surge.
      const noSurge = DeploymentStrategy.rollingUpdate({ maxSurge: PercentOrAbsolute.absolute(0), maxUnavailable: PercentOrAbsolute.absolute(1) });
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_ONLY_MANY], { strategy: noSurge })()))
        .toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
      expect(strategyOf(onClaim([PersistentVolumeAccessMode.READ_ONLY_MANY], { strategy: DeploymentStrategy.recreate() })())).toEqual({ type: 'Recreate' });
      const oneOnClaim = onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE], { replicas: 1, strategy: noSurge })();
      expect(strategyOf(oneOnClaim).rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
      expect(onClaim([PersistentVolumeAccessMode.READ_WRITE_ONCE], { replicas: 1, strategy: DeploymentStrategy.rollingUpdate() })).toThrow(
        "'strategy' must be Recreate, or a rolling update without surge, for one replica on a ReadWriteOnce repository claim: a new pod beside the old one can't attach it, " +
        "got 'a surge of 25%': DeploymentStrategy.recreate(), or rollingUpdate({ maxSurge: PercentOrAbsolute.absolute(0), maxUnavailable: PercentOrAbsolute.absolute(1) })");
      // What the apiserver refuses: negative or fractional amounts, a fractional or over-100% unavailability.
      const rolling = (maxSurge: PercentOrAbsolute, maxUnavailable = PercentOrAbsolute.absolute(1)) =>
        onClaim([PersistentVolumeAccessMode.READ_ONLY_MANY], { strategy: DeploymentStrategy.rollingUpdate({ maxSurge, maxUnavailable }) });
      expect(rolling(PercentOrAbsolute.absolute(-1))).toThrow("'strategy.maxSurge' must be a whole number of pods or a whole percentage, got -1");
      expect(rolling(PercentOrAbsolute.absolute(1.5))).toThrow("'strategy.maxSurge' must be a whole number of pods or a whole percentage, got 1.5");
      expect(rolling(PercentOrAbsolute.percent(0.5))).toThrow("'strategy.maxSurge' must be a whole number of pods or a whole percentage, got '0.5%'");
      expect(rolling(PercentOrAbsolute.percent(150), PercentOrAbsolute.percent(150)))
        .toThrow("'strategy.maxUnavailable' must be a whole number of pods or a whole percentage of at most 100%, got '150%'");
      expect(rolling(PercentOrAbsolute.percent(150))).not.toThrow();
    });
  });

  test('snapshot: defaults', () => {
    const { app } = server();
    expect(synthApp(app)).toMatchSnapshot();
  });

  test('snapshot: every prop', () => {
    const { app, chart, repo } = setup([{ ...RESNET50, responseCache: true, gpuMemoryPerInstance: Size.gibibytes(2) }],
      'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z@sha256:' + 'b'.repeat(64));
    new TritonServer(chart, 'triton', {
      repository: repo,
      metadata: { name: 'resnet50', labels: { team: 'vision' } },
      image: 'nvcr.io/nvidia/tritonserver:25.12-py3@sha256:' + 'a'.repeat(64),
      requireImageDigest: true,
      gpuCount: 2,
      gpu: GpuResource.NVIDIA,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A100_SXM4_80GB] }),
      resources: { cpu: { request: Cpu.units(4), limit: Cpu.units(4) }, memory: { request: Size.gibibytes(16) } },
      guaranteedQos: true,
      sharedMemorySize: Size.gibibytes(2),
      tmpSize: Size.gibibytes(2),
      modelControl: ModelControl.explicit(['resnet50']),
      restrictedApi: { header: 'admin-key', secret: Secret.fromSecretName(chart, 'admin', 'triton-admin'), secretKey: 'key', apis: [TritonApi.MODEL_REPOSITORY, TritonApi.MODEL_CONFIG] },
      strictReadiness: true,
      exitOnError: true,
      disableAutoCompleteConfig: true,
      metrics: true,
      gpuMetrics: false,
      metricsInterval: Duration.seconds(5),
      responseCacheSize: Size.mebibytes(256),
      extraArgs: ['--log-format=ISO8601'],
      exitTimeout: Duration.minutes(2),
      startupTimeout: Duration.minutes(15),
      gpuMemory: Size.gibibytes(80),
      gpuMemoryOverhead: Size.mebibytes(1536),
      podAnnotations: { 'example.com/owner': 'vision' },
      autoscaling: { minReplicas: 3, maxReplicas: 12, queueTimeTarget: Duration.millis(200), queueTimeMetric: 'triton_queue_us', cpuUtilization: 70, scaleDownStabilization: Duration.minutes(10) },
      maxUnavailable: 2,
      spreadTopologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
      spreadPolicy: SpreadPolicy.REQUIRED,
      metricsScraping: MetricsScraping.POD_MONITOR,
      monitorLabels: { release: 'kube-prometheus-stack' },
      scrapeInterval: Duration.seconds(15),
    });
    const objects = synthApp(app);
    expect(objects).toMatchSnapshot();
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': 'resnet50' } };
    // autoscaling: the replica bounds, queueTimeMetric as the Pods metric, cpuUtilization as the fallback target and
    // scaleDownStabilization as the scale-down window.
    expect(oneOf(objects, 'autoscaling/v2', 'HorizontalPodAutoscaler').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'resnet50' },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'triton_queue_us' }, target: { type: 'AverageValue', averageValue: '200k' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
    });
    // maxUnavailable: the disruption budget.
    expect(oneOf(objects, 'policy/v1', 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 2, selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    // spreadTopologyKeys with SpreadPolicy.REQUIRED: one hard constraint per key, in the given order.
    const deployment = oneOf(objects, 'apps/v1', 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    // exitTimeout: Triton's flag, and the kubelet's grace period 10 s (the preStop sleep) and 15 s longer.
    expect(deployment.spec.template.spec.containers[0].args).toContain('--exit-timeout-secs=120');
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(145);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: selector,
      matchLabelKeys: ['pod-template-hash'],
    })));
  });

  test('starts tritonserver with model control mode none and the hardening flags by default', () => {
    const { app } = server();
    expect(containerOf(app).args).toEqual([
      'tritonserver',
      '--model-repository=/models',
      '--model-control-mode=none',
      '--strict-readiness=true',
      '--exit-on-error=true',
      '--disable-auto-complete-config',
      '--allow-metrics=true',
      '--allow-gpu-metrics=true',
    ]);
    expect(containerOf(app).image).toBe('nvcr.io/nvidia/tritonserver:25.12-py3');
    expect(TritonServer.DEFAULT_IMAGE).toMatch(/^nvcr\.io\/nvidia\/tritonserver:\d{2}\.\d{2}-py3$/);
  });

  test('runs hardened as uid 1000 with a read-only root, /tmp and /dev/shm', () => {
    const { app } = server();
    const d = deploymentOf(app);
    const c = containerOf(app);
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/dev/shm', '/models', '/models/resnet50/config.pbtxt']));
    expect(c.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
  });

  test('probes /v2/health/live and /v2/health/ready, with a startup budget sized by startupTimeout', () => {
    const { app } = server({ startupTimeout: Duration.minutes(20) });
    const c = containerOf(app);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 'http' }, periodSeconds: 10, failureThreshold: 120 });
    expect(deploymentOf(app).spec.progressDeadlineSeconds).toBe(1500);
  });

  test('exposes http 8000, grpc 8001 and metrics 8002 on the container and the Service', () => {
    const { app, triton } = server();
    expect(containerOf(app).ports).toEqual([
      { name: 'http', containerPort: 8000 },
      { name: 'grpc', containerPort: 8001 },
      { name: 'metrics', containerPort: 8002 },
    ]);
    const svc = oneOf(synthApp(app), 'v1', 'Service');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([['http', 8000, 'http'], ['grpc', 8001, 'grpc'], ['metrics', 8002, 'metrics']]);
    expect(svc.spec.selector).toEqual(deploymentOf(app).spec.selector.matchLabels);
    expect(triton.url).toBe('http://resnet50.ml.svc.cluster.local:8000');
    expect(triton.grpcEndpoint).toBe('resnet50.ml.svc.cluster.local:8001');
    const bare = new Chart(Testing.app(), 'no-ns');
    const bareRepo = new TritonModelRepo(bare, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(bare, 'c', 'models')) });
    const nowhere = new TritonServer(bare, 'triton', { repository: bareRepo, metadata: { name: 'r' }, replicas: 1 });
    expect(() => nowhere.url).toThrow("'metadata.namespace' must be known at synth to form the in-cluster address, got 'none'");
    expect(() => nowhere.grpcEndpoint).toThrow("'metadata.namespace' must be known at synth to form the in-cluster address, got 'none'");
  });

  test('autoscales with autoscaling/v2 on the queue-time Pods metric with CPU as fallback, leaving replicas to the HPA', () => {
    const { app } = server({ autoscaling: { queueTimeTarget: Duration.millis(130), maxReplicas: 6 } });
    const objects = synthApp(app);
    const hpa = oneOf(objects, 'autoscaling/v2', 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'resnet50' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'avg_time_queue_us' }, target: { type: 'AverageValue', averageValue: '130k' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    // The documented default scale-down window: 5 minutes.
    expect(hpa.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 300 } });
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.replicas).toBeUndefined();
  });

  test('holds a default queue time 50 ms above the longest batching delay, which Triton counts as queue time', () => {
    const target = (app: App) => oneOf(synthApp(app), 'autoscaling/v2', 'HorizontalPodAutoscaler').spec.metrics[0].pods.target.averageValue;
    // The story's model waits up to 100 ms to form a batch.
    expect(target(server().app)).toBe('150k');
    expect(target(server({}, [{ ...RESNET50, dynamicBatching: { preferredBatchSizes: [4, 8, 16] } }]).app)).toBe('50k');
    // A model added after the server counts: the HPA is rendered at synth.
    const late = server({}, [{ ...RESNET50, dynamicBatching: undefined }]);
    expect(target(late.app)).toBe('50k');
    late.repo.addModel({ ...RESNET50, name: 'slow', dynamicBatching: { maxQueueDelay: Duration.millis(400) } });
    expect(target(late.app)).toBe('450k');
  });

  test('fails at synth on a queue-time target at or below a model\'s batching delay: an idle server would read as overloaded', () => {
    const { app } = server({ autoscaling: { queueTimeTarget: Duration.millis(100) } });
    expect(() => synthApp(app)).toThrow("'autoscaling.queueTimeTarget' must be above the longest batching delay of the repository's models " +
      "(resnet50 holds requests up to 100 ms to form a batch, which Triton counts as queue time), got '100ms': raise queueTimeTarget above 100 ms, " +
      "leave it unset (150 ms), or lower the model's maxQueueDelay");
    // The sequence batcher's delay counts too.
    const sequence = server({ autoscaling: { queueTimeTarget: Duration.millis(20) } }, [{
      ...RESNET50,
      dynamicBatching: undefined,
      sequenceBatching: { strategy: SequenceBatchingStrategy.oldest({ maxQueueDelay: Duration.millis(30) }) },
    }]);
    expect(() => synthApp(sequence.app)).toThrow(/resnet50 holds requests up to 30 ms to form a batch/);
    // Without the queue-time metric a target would be ignored: refused.
    expect(() => server({ autoscaling: { queueTime: false, queueTimeTarget: Duration.millis(10) } }))
      .toThrow("'autoscaling.queueTimeTarget' must be unset when queueTime is false (the HPA scales on CPU only), got '10ms': drop it, or scale on queue time");
    expect(() => server({ autoscaling: { queueTime: false, queueTimeMetric: 'vllm_queue_us' } }))
      .toThrow("'autoscaling.queueTimeMetric' must be unset when queueTime is false (the HPA scales on CPU only), got 'vllm_queue_us'");
    // The direct strategy's delay counts too.
    const direct = server({ autoscaling: { queueTimeTarget: Duration.millis(5) } }, [{
      ...RESNET50,
      dynamicBatching: undefined,
      sequenceBatching: { strategy: SequenceBatchingStrategy.direct({ maxQueueDelay: Duration.millis(8), minimumSlotUtilization: 0.5 }) },
    }]);
    expect(() => synthApp(direct.app)).toThrow(/resnet50 holds requests up to 8 ms to form a batch/);
  });

  test('keeps serving 10 s after the pod starts terminating, then gives Triton its exit timeout (30 s by default) and 15 s before SIGKILL', () => {
    const pod = (props: Partial<TritonServerProps>) => deploymentOf(server(props).app).spec.template.spec;
    // Triton refuses new requests once it exits: the endpoints drop the pod during the preStop sleep, before SIGTERM.
    expect(pod({}).containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(pod({}).terminationGracePeriodSeconds).toBe(55);
    expect(pod({}).containers[0].args.some((a: string) => a.startsWith('--exit-timeout-secs'))).toBe(false);
    expect(pod({ exitTimeout: Duration.seconds(90) }).terminationGracePeriodSeconds).toBe(115);
  });

  test('scales on CPU only when the queue-time metric is off', () => {
    const { app } = server({ autoscaling: { queueTime: false } });
    const hpa = oneOf(synthApp(app), 'autoscaling/v2', 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(['Resource']);
  });

  test('runs a fixed replica count without an HPA', () => {
    const { app, triton } = server({ replicas: 3 });
    const objects = synthApp(app);
    expect(ofKind(objects, 'autoscaling/v2', 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.replicas).toBe(3);
    expect(triton.autoscaler).toBeUndefined();
  });

  test('has a PodDisruptionBudget that never blocks drains on crash-looping pods', () => {
    const { app } = server();
    const pdb = oneOf(synthApp(app), 'policy/v1', 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': 'resnet50' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('spreads replicas across nodes, counting only the current rollout', () => {
    const { app } = server({ spreadTopologyKeys: ['topology.kubernetes.io/zone'], spreadPolicy: SpreadPolicy.REQUIRED });
    expect(deploymentOf(app).spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': 'resnet50' } },
      matchLabelKeys: ['pod-template-hash'],
    }]);
  });

  test('advertises metrics with scrape annotations by default and carries the config hash', () => {
    const { app, repo } = server();
    expect(deploymentOf(app).spec.template.metadata.annotations).toEqual({
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '8002',
      'prometheus.io/scrape': 'true',
      'triton.cdk8s-gpu-inference.dev/config-sha256': repo.configHash,
    });
  });

  test('creates a PodMonitor or a ServiceMonitor on request, instead of annotations', () => {
    const pod = server({ metricsScraping: MetricsScraping.POD_MONITOR, monitorLabels: { release: 'prom' } });
    const objects = synthApp(pod.app);
    const pm = oneOf(objects, 'monitoring.coreos.com/v1', 'PodMonitor');
    expect(pm.metadata.labels).toEqual({ release: 'prom' });
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics' }]);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.template.metadata.annotations['prometheus.io/scrape']).toBeUndefined();
    const svc = server({ metricsScraping: MetricsScraping.SERVICE_MONITOR, scrapeInterval: Duration.seconds(10) });
    const sm = oneOf(synthApp(svc.app), 'monitoring.coreos.com/v1', 'ServiceMonitor');
    expect(sm.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': 'resnet50' } }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '10s' }] });
  });

  test('passes the restricted-API secret by reference and loads explicit models', () => {
    const { app, chart, repo } = setup();
    new TritonServer(chart, 'triton', {
      repository: repo,
      modelControl: ModelControl.explicit(['resnet50']),
      restrictedApi: { header: 'admin-key', secret: Secret.fromSecretName(chart, 'admin', 'triton-admin'), secretKey: 'token' },
    });
    const objects = synthApp(app);
    const c = ofKind(objects, 'apps/v1', 'Deployment')[0].spec.template.spec.containers[0];
    expect(c.args).toEqual(expect.arrayContaining([
      '--model-control-mode=explicit',
      '--load-model=resnet50',
      '--http-restricted-api=model-repository,model-config,shared-memory,statistics,trace,logging:admin-key=$(TRITON_RESTRICTED_API_VALUE)',
      '--grpc-restricted-protocol=model-repository,model-config,shared-memory,statistics,trace,logging:admin-key=$(TRITON_RESTRICTED_API_VALUE)',
    ]));
    expect(c.env).toContainEqual({ name: 'TRITON_RESTRICTED_API_VALUE', valueFrom: { secretKeyRef: { name: 'triton-admin', key: 'token' } } });
  });

  test('renders poll mode, the response cache, metric flags and extra args', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const repo = new TritonModelRepo(chart, 'repo', {
      artifacts: ModelArtifactSource.fromS3Native({ endpoint: 'http://minio.minio:9000', bucket: 'models', credentials: Secret.fromSecretName(chart, 'creds', 'minio-reader') }),
      models: [RESNET50],
    });
    new TritonServer(chart, 'triton', {
      repository: repo,
      modelControl: ModelControl.poll(Duration.seconds(30)),
      responseCacheSize: Size.mebibytes(64),
      gpuMetrics: false,
      metricsInterval: Duration.millis(500),
      extraArgs: ['--log-verbose=1'],
    });
    expect(containerOf(app).args).toEqual(expect.arrayContaining([
      '--model-control-mode=poll', '--repository-poll-secs=30', '--allow-gpu-metrics=false', '--metrics-interval-ms=500',
      '--cache-config=local,size=67108864', '--log-verbose=1',
    ]));
  });

  test('fails on poll mode over artifacts copied from S3 at startup, where no poll would see a change', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'triton', { repository: repo, modelControl: ModelControl.poll(Duration.seconds(30)) }))
      .toThrow("'modelControl' must be NONE or explicit with artifacts copied from S3 at startup, which no poll would see change, got 'poll': " +
        'use ModelArtifactSource.fromS3Native to poll the store, or roll the pods to pick up new artifacts');
  });

  test('points Triton at s3:// with credentials from the Secret in native S3 mode', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const repo = new TritonModelRepo(chart, 'repo', {
      artifacts: ModelArtifactSource.fromS3Native({ endpoint: 'http://minio.minio:9000', bucket: 'models', prefix: 'triton', credentials: Secret.fromSecretName(chart, 'creds', 'minio-reader') }),
      models: [RESNET50],
    });
    new TritonServer(chart, 'triton', { repository: repo });
    const objects = synthApp(app);
    const spec = oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec;
    expect(spec.containers[0].args[1]).toBe('--model-repository=s3://minio.minio:9000/models/triton');
    expect(spec.containers[0].env.map((e: any) => e.name)).toEqual(['HOME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION', 'TRITON_AWS_MOUNT_DIRECTORY']);
    expect(JSON.stringify(spec)).not.toContain('secretAccessKey');
    expect(spec.initContainers).toBeUndefined();
  });

  test('mounts version folders from a PVC', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const claim = PersistentVolumeClaim.fromClaimName(chart, 'claim', 'model-store');
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
    new TritonServer(chart, 'triton', { repository: repo });
    const spec = oneOf(synthApp(app), 'apps/v1', 'Deployment').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'model-artifacts', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'model-artifacts', mountPath: '/models/resnet50/1', subPath: 'resnet50/1', readOnly: true });
  });

  test('accepts models that fit the GPU memory budget of a MIG slice', () => {
    const { app } = server({ gpu: GpuResource.mig('3g.40gb') }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(8) }]);
    expect(() => synthApp(app)).not.toThrow();
  });

  test('escape hatch: the Deployment takes JSON patches', () => {
    const { app, triton } = server();
    triton.deployment.addJsonPatch(JsonPatch.add('/spec/revisionHistoryLimit', 3));
    expect(deploymentOf(app).spec.revisionHistoryLimit).toBe(3);
  });

  test('escape hatch: a JSON patch may add fields newer than the Kubernetes 1.27 types (trafficDistribution, 1.30)', () => {
    const { app, triton } = server();
    triton.service.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferClose'));
    triton.disruptionBudget.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'example.com/owner': 'ml' }));
    const objects = synthApp(app);
    expect(oneOf(objects, 'v1', 'Service').spec.trafficDistribution).toBe('PreferClose');
    expect(oneOf(objects, 'policy/v1', 'PodDisruptionBudget').metadata.annotations).toEqual({ 'example.com/owner': 'ml' });
  });

  test('fails at synth on instance-group GPU indices beyond the GPUs the server gets', () => {
    const { app } = server({ gpuCount: 1 }, [{ ...RESNET50, instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 1, gpus: [0, 1] }] }]);
    expect(() => synthApp(app)).toThrow(
      "'model[resnet50].instanceGroups[0].gpus' must be GPU indices below the server's gpuCount (1); the container sees GPUs 0..0, got [0,1]: raise gpuCount to 2, or place the instances on GPUs the server gets");
  });

  test('fails at synth when the model instances outgrow the GPU memory, with the numbers', () => {
    const l4 = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const { app } = server({ nodePool: l4 }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(12) }]);
    expect(() => synthApp(app)).toThrow(
      "'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 23034Mi (NVIDIA-L4), got '2 x 12Gi (resnet50) + 1Gi overhead = 25Gi': lower instance counts, spread instances over more GPUs, or use a GPU with more memory");
    // What the driver reports, not the 24 GB on the box: 2 x 11Gi + 1Gi = 23Gi (23552Mi) does not fit an L4 either.
    const { app: tight } = server({ nodePool: l4 }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(11) }]);
    expect(() => synthApp(tight)).toThrow("'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 23034Mi (NVIDIA-L4), got '2 x 11Gi (resnet50) + 1Gi overhead = 23Gi'");
    // No overhead declared: the message shows it as 0Ki.
    const { app: bare } = server({ nodePool: l4, gpuMemoryOverhead: Size.kibibytes(0) }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(12) }]);
    expect(() => synthApp(bare)).toThrow("got '2 x 12Gi (resnet50) + 0Ki overhead = 24Gi'");
  });

  test('fails at synth when a MIG slice is too small, counting the profile in decimal gigabytes', () => {
    const { app } = server({ gpu: GpuResource.mig('1g.10gb') }, [{ ...RESNET50, gpuMemoryPerInstance: Size.mebibytes(4352) }]);
    expect(() => synthApp(app)).toThrow(/'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 9536Mi \(MIG profile 1g\.10gb\), got '2 x 4352Mi \(resnet50\) \+ 1Gi overhead = 9728Mi'/);
  });

  test('budgets a model on a GKE partition pool against the partition, not the whole GPU', () => {
    const pool = GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_TESLA_A100], gpuPartitionSize: '1g.5gb' });
    const { app } = server({ nodePool: pool }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(2) }]);
    expect(() => synthApp(app)).toThrow(/'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 4768Mi \(MIG profile 1g\.5gb\), got '2 x 2Gi \(resnet50\) \+ 1Gi overhead = 5Gi'/);
  });

  test('budgets a model on an on-prem single-strategy pool against its MIG profile, not the product', () => {
    const pool = GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '1g.5gb', products: [GpuProduct.A100_SXM4_40GB] });
    const { app } = server({ nodePool: pool }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(2) }]);
    expect(() => synthApp(app)).toThrow(/'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 4768Mi \(MIG profile 1g\.5gb\), got '2 x 2Gi \(resnet50\) \+ 1Gi overhead = 5Gi'/);
  });

  test.each([
    ['a MIG request', { gpu: GpuResource.mig('3g.40gb') }],
    ['a GKE partition pool', { nodePool: GpuNodePool.gke({ gpuPartitionSize: '3g.40gb' }) }],
    ['an on-prem single-strategy pool', { nodePool: GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '3g.40gb', products: [GpuProduct.A100_SXM4_80GB] }) }],
  ])('fails on two GPUs that are MIG slices (%s): the server process sees one', (_, props) => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'triton', { repository: repo, gpuCount: 2, ...props }))
      .toThrow("'gpuCount' must be 1 with MIG slices (3g.40gb): a CUDA process sees a single MIG device, however many the pod gets, got 2: run one server per MIG slice (more replicas), or give the server whole GPUs");
  });

  test('fails at synth on instances beyond GPU 0 of a MIG slice, with a hint to place them on GPU 0 (raising gpuCount cannot help)', () => {
    const { app } = server({ gpu: GpuResource.mig('3g.40gb') }, [{ ...RESNET50, instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 1, gpus: [1] }] }]);
    expect(() => synthApp(app)).toThrow(/'model\[resnet50\]\.instanceGroups\[0\]\.gpus' must be GPU indices below the server's gpuCount \(1\).*: place the instances on GPU 0: a MIG slice is the one GPU the server sees/);
  });

  describe('a model whose backend batches itself (vLLM, TensorRT-LLM)', () => {
    test('a vllm model needs decoupled while the config is loaded as written; the backend\'s auto-complete sets it otherwise', () => {
      const undecoupled = { ...VLLM, decoupled: undefined };
      expect(() => synthApp(server({ image: VLLM_IMAGE, autoscaling: { queueTime: false } }, [undecoupled]).app)).toThrow(
        "'model[llama].decoupled' must be true while disableAutoCompleteConfig is on: the vllm backend refuses to load a model without the decoupled " +
        "transaction policy, which only its auto-complete would otherwise set, got 'unset': set decoupled: true");
      const autoCompleted = server({ image: VLLM_IMAGE, autoscaling: { queueTime: false }, disableAutoCompleteConfig: false }, [undecoupled]);
      expect(() => synthApp(autoCompleted.app)).not.toThrow();
    });

    test("fails at synth on the default queue-time HPA: Triton's queue time stays near 0 while the backend queues", () => {
      const { app } = server({ image: VLLM_IMAGE }, [VLLM]);
      expect(() => synthApp(app)).toThrow("'autoscaling.queueTime' must be false, or a queueTimeMetric, with model 'llama': the vllm backend takes each " +
        "request at once and queues it itself, so Triton's queue time stays near 0 and the HPA would never scale out, got true: set autoscaling.queueTime: false");
    });

    test('scales on CPU, on a metric of the backend, or not at all', () => {
      const hpaOf = (props: Partial<TritonServerProps>) => ofKind(synthApp(server({ image: VLLM_IMAGE, ...props }, [VLLM]).app), 'autoscaling/v2', 'HorizontalPodAutoscaler');
      expect(hpaOf({ autoscaling: { queueTime: false } })[0].spec.metrics.map((m: any) => m.type)).toEqual(['Resource']);
      expect(hpaOf({ autoscaling: { queueTimeMetric: 'vllm_num_requests_waiting', queueTimeTarget: Duration.millis(5) } })[0].spec.metrics[0].pods.metric.name)
        .toBe('vllm_num_requests_waiting');
      expect(hpaOf({ replicas: 2 })).toEqual([]);
    });

    test('a model over several GPUs states its instance groups: Triton\'s default KIND_GPU instance per GPU fails tensor parallelism', () => {
      const defaulted: TritonModelProps = { ...VLLM, instanceGroups: undefined };
      const on = (gpuCount: number, model = defaulted) => () =>
        synthApp(server({ image: VLLM_IMAGE, gpuCount, autoscaling: { queueTime: false } }, [model]).app);
      expect(on(4)).toThrow("'model[llama].instanceGroups' must be set for a vLLM model on a server of 4 GPUs, GPU groups with their gpus: Triton puts a KIND_GPU " +
        'instance on each GPU otherwise, which the vllm backend refuses when model.json sets tensor_parallel_size or pipeline_parallel_size above 1, and which loads ' +
        "a copy of the model per GPU otherwise, got 'unset': give [{ kind: InstanceGroupKind.MODEL }] for one engine over the 4 GPUs (vllmEngineArgs.tensorParallelSize 4), " +
        'or KIND_GPU groups that list their gpus for an engine per GPU');
      // A GPU (or AUTO, or kind-less) group without gpus does the same as no group.
      for (const group of [{ count: 1 }, { kind: InstanceGroupKind.AUTO }, { kind: InstanceGroupKind.GPU, count: 2 }]) {
        expect(on(4, { ...VLLM, instanceGroups: [group] })).toThrow(/instanceGroups' must be set .*, got 'a GPU group without gpus'/);
      }
      expect(on(1)).not.toThrow();
      expect(on(4, VLLM)).not.toThrow();
      expect(on(2, { ...VLLM, instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 1, gpus: [0, 1] }] })).not.toThrow();
    });

    test('its engine health check needs explicit model control, as vllm_backend documents', () => {
      const checked = { ...VLLM, parameters: { ENABLE_VLLM_HEALTH_CHECK: 'true' } };
      const withControl = (modelControl?: ModelControl) => () => synthApp(server({
        image: VLLM_IMAGE, autoscaling: { queueTime: false }, modelControl, restrictedApi: modelControl ? { header: 'x-admin', secret: Secret.fromSecretName(Testing.chart(), 'k', 'admin-key'), secretKey: 'token' } : undefined,
      }, [checked]).app);
      expect(withControl()).toThrow("'model[llama].parameters.ENABLE_VLLM_HEALTH_CHECK' must be set only with ModelControl.explicit, which the vllm backend's health check needs, " +
        "got 'none': serve the model with modelControl: ModelControl.explicit([...]), or leave the parameter unset");
      expect(withControl(ModelControl.explicit(['llama']))).not.toThrow();
    });

    test('refuses a per-instance GPU footprint on KIND_MODEL instances, which the backend places, instead of ignoring it', () => {
      expect(() => setup([{ ...VLLM, gpuMemoryPerInstance: Size.gibibytes(40) }])).toThrow(
        "'model[llama].gpuMemoryPerInstance' must be set only on a model with KIND_GPU or KIND_AUTO instance groups, whose instances the budget counts per GPU, " +
        "got 'a model of KIND_MODEL instances': leave it unset: a KIND_MODEL backend places its instances itself (vLLM takes its share of each GPU " +
        'from gpu_memory_utilization), so size the GPUs for it');
    });
  });

  test('fails at synth when a model states its memory but the GPU memory is unknown', () => {
    const { app } = server({}, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(1) }]);
    expect(() => synthApp(app)).toThrow("'gpuMemory' must be known to check the GPU memory the models state (gpuMemoryPerInstance), got 'unknown': " +
      "set gpuMemory, request a MIG slice (GpuResource.mig), or state the node pool's GPUs (products on its GpuNodePool factory; gke() takes them from accelerators, eks() from gpuNames that each name one GPU)");
  });

  test('fails at synth on GPUs the image or a TensorRT plan cannot run on, where their compute capability is known', () => {
    const errorOf = (props: Partial<TritonServerProps>, models: TritonModelProps[] = [RESNET50]) => {
      try {
        synthApp(server(props, models).app);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    };
    // NGC images from 25.01 on support Turing (7.5) and later: not a V100.
    const v100 = GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_TESLA_V100, GkeAccelerator.NVIDIA_L4] });
    expect(errorOf({ nodePool: v100 })).toContain("'nodePool' must be GPUs of compute capability 7.5 or later: NGC Triton images from 25.01 on " +
      "(nvcr.io/nvidia/tritonserver:25.12-py3) support no older GPU, got 'Tesla-V100-SXM2-16GB (7.0)': place the pods on newer GPUs, or pin an NGC image of 2024 (24.xx) for them");
    expect(errorOf({ nodePool: v100, image: 'nvcr.io/nvidia/tritonserver:25.01-py3' })).toContain("'nodePool' must be GPUs of compute capability 7.5 or later");
    expect(errorOf({ nodePool: v100, image: 'nvcr.io/nvidia/tritonserver:24.12-py3' })).toBeUndefined();
    // A plan per compute capability but one: A100 (8.0) and L4 (8.9).
    const plan = { ...RESNET50, name: 'trt', platform: ModelPlatform.TENSORRT_PLAN };
    const mixed = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB, GpuProduct.L4, GpuProduct.L40S] });
    expect(errorOf({ nodePool: mixed }, [plan])).toContain("'model[trt].ccModelFilenames' must be a plan for each compute capability of the pool's GPUs (8.0, 8.9) " +
      "but one, which loads defaultModelFilename: a TensorRT plan runs only on the compute capability it was built for, got 'none': name a plan per capability ('8.9': 'model_sm89.plan')");
    expect(errorOf({ nodePool: mixed }, [{ ...plan, ccModelFilenames: { 8.9: 'model_l4.plan' } }])).toBeUndefined();
    expect(errorOf({ nodePool: GpuNodePool.onPrem({ products: [GpuProduct.L4, GpuProduct.L40S] }) }, [plan])).toBeUndefined();
    // Other platforms, and products of unknown capability, are not judged.
    expect(errorOf({ nodePool: mixed })).toBeUndefined();
    expect(errorOf({ nodePool: GpuNodePool.onPrem({ products: [GpuProduct.of('NVIDIA-GH200-480GB'), GpuProduct.L4] }) }, [plan])).toBeUndefined();
  });

  test('a Karpenter pool of one GPU name budgets against that GPU', () => {
    const nodePool = GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, gpuNames: ['a10g'] });
    const model = { ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(15), instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 2 }] };
    const { app } = server({ nodePool }, [model]);
    expect(() => synthApp(app)).toThrow(/'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 23028Mi \(NVIDIA-A10G\)/);
  });

  test('fails at synth on a model without inputs while auto-complete is off', () => {
    const { app } = server({}, [{ name: 'bare', platform: ModelPlatform.ONNXRUNTIME_ONNX }]);
    expect(() => synthApp(app)).toThrow(/'model\[bare\]' must be inputs and outputs while disableAutoCompleteConfig is on/);
  });

  test('fails at synth on a response cache without a server cache', () => {
    const { app } = server({}, [{ ...RESNET50, responseCache: true }]);
    expect(() => synthApp(app)).toThrow("'model[resnet50].responseCache' must be backed by a server cache, got 'no cache': set responseCacheSize on the Triton workload");
  });

  test('fails at synth on a TensorFlow model served by an NGC image from 25.03 on, which has no TensorFlow backend', () => {
    const savedModel = { ...RESNET50, name: 'tf', platform: ModelPlatform.TENSORFLOW_SAVEDMODEL };
    expect(() => synthApp(server({}, [savedModel]).app)).toThrow(
      "'model[tf].platform' must be served by an image with the TensorFlow backend (NGC Triton images no longer ship it from 25.03 on), " +
      "got 'tensorflow_savedmodel on nvcr.io/nvidia/tritonserver:25.12-py3': convert the model to ONNX (ModelPlatform.ONNXRUNTIME_ONNX), " +
      'pin nvcr.io/nvidia/tritonserver:25.02-py3, or use an image built with the TensorFlow backend (a tag variant naming it, such as 25.12-py3-tf, is taken to have it)');
    const custom = { ...savedModel, name: 'tf-backend', platform: ModelPlatform.custom('tensorflow') };
    const mirrored = server({ image: `mirror.example.com/nvidia/tritonserver:25.03-py3@sha256:${'a'.repeat(64)}` }, [custom]);
    expect(() => synthApp(mirrored.app)).toThrow(/'model\[tf-backend\]\.platform' must be served by an image with the TensorFlow backend/);
    // 25.02 still ships it; an image by digest alone, one built elsewhere or one whose tag variant names TensorFlow is not judged.
    for (const image of [
      'nvcr.io/nvidia/tritonserver:25.02-py3', `nvcr.io/nvidia/tritonserver@sha256:${'b'.repeat(64)}`, 'registry.example.com/ml/triton-tf:2.64.0',
      'registry.example.com/nvidia/tritonserver:25.12-py3-tf', 'nvcr.io/nvidia/tritonserver:25.05-tf2-python-py3',
    ]) {
      const { app } = server({ image }, [savedModel]);
      expect(() => synthApp(app)).not.toThrow();
    }
  });

  test('fails at synth on a model whose backend the NGC image does not ship: the LLM backends have images of their own, which ship nothing else', () => {
    // Auto-complete on (disableAutoCompleteConfig: false below): the vllm backend's own auto-complete sets decoupled.
    const llm = (backend: string) => ({
      ...RESNET50,
      name: backend,
      platform: ModelPlatform.custom(backend),
      inputs: undefined,
      outputs: undefined,
      maxBatchSize: undefined,
      dynamicBatching: undefined,
    });
    const errorOf = (image: string, models: any[]) => {
      try {
        synthApp(server({ image, disableAutoCompleteConfig: false, autoscaling: { queueTime: false } }, models).app);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(errorOf('nvcr.io/nvidia/tritonserver:25.12-py3', [llm('vllm')])).toContain(
      "'model[vllm].platform' must be served by an image with the vllm backend (NGC ships it only in the <yy.mm>-vllm-python-py3 images), " +
      "got 'vllm on nvcr.io/nvidia/tritonserver:25.12-py3': use nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3, or an image built with the backend");
    expect(errorOf('mirror.example.com/nvidia/tritonserver:25.10-py3', [llm('tensorrtllm')])).toContain(
      'use nvcr.io/nvidia/tritonserver:25.10-trtllm-python-py3, or an image built with the backend');
    expect(errorOf('nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3', [llm('vllm'), RESNET50])).toContain(
      "'model[resnet50].platform' must be served by an image with the pytorch backend (the vllm-python-py3 images ship only vllm and python), " +
      "got 'pytorch_libtorch on nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3': serve it from a Triton workload of its own on " +
      'nvcr.io/nvidia/tritonserver:25.12-py3, or an image built with both backends');
    expect(errorOf('nvcr.io/nvidia/tritonserver:25.12-trtllm-python-py3', [llm('vllm')])).toContain(
      "(the trtllm-python-py3 images ship only tensorrtllm and python), got 'vllm on nvcr.io/nvidia/tritonserver:25.12-trtllm-python-py3': " +
      'serve it from a Triton workload of its own on nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3');
    expect(errorOf('nvcr.io/nvidia/tritonserver:25.12-pyt-python-py3', [{ ...RESNET50, platform: ModelPlatform.ONNXRUNTIME_ONNX }])).toContain(
      'with the onnxruntime backend (the pyt-python-py3 images ship only pytorch and python)');
    // vLLM's auto-complete sets max_batch_size 0, and a config loaded as written with a batch dimension fails every request.
    expect(errorOf('nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3', [{ ...llm('vllm'), maxBatchSize: 8 }])).toContain(
      "'model[vllm].maxBatchSize' must be 0 or unset with the vllm backend: its auto-complete sets 0 and refuses more");
    // What the image ships, Python anywhere, custom backends (a model folder may carry one), and images not judged.
    const python = { ...RESNET50, name: 'pre', platform: ModelPlatform.PYTHON };
    for (const [image, models] of [
      ['nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3', [llm('vllm'), python]],
      ['nvcr.io/nvidia/tritonserver:25.12-trtllm-python-py3', [llm('tensorrtllm'), python]],
      ['nvcr.io/nvidia/tritonserver:25.12-pyt-python-py3', [RESNET50, python]],
      ['nvcr.io/nvidia/tritonserver:25.12-py3', [RESNET50, python, llm('my-backend')]],
      ['nvcr.io/nvidia/tritonserver:25.12-vllm-python-py3', [llm('my-backend')]],
      ['registry.example.com/ml/triton-all:1.0', [llm('vllm'), RESNET50]],
      [`nvcr.io/nvidia/tritonserver@sha256:${'c'.repeat(64)}`, [llm('vllm'), RESNET50]],
    ] as Array<[string, any[]]>) {
      expect(errorOf(image, models)).toBeUndefined();
    }
  });

  test('fails validation on a user mount over the repository, before any chart is written', () => {
    const outdir = tmpDir('triton-');
    const app = new App({ outdir });
    new Chart(app, 'a-first'); // written first, were the error left to the Deployment's rendering
    const chart = new Chart(app, 'z-triton', { namespace: 'ml' });
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')), models: [RESNET50] });
    new TritonServer(chart, 'triton', { repository: repo, replicas: 1, volumeMounts: [{ volume: Volume.fromEmptyDir(chart, 'cache', 'cache'), path: '/models', readOnly: false }] });
    expect(() => app.synth()).toThrow(/Validation failed[^]*\[z-triton\/triton\] 'volumeMounts\[\]\.path' must be unique within container 'tritonserver', got '\/models'/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('fails validation on a repository of another namespace, whose ConfigMap the pods cannot mount', () => {
    const { app, repo } = setup();
    new TritonServer(new Chart(app, 'serving', { namespace: 'serving' }), 'triton', { repository: repo, replicas: 1 });
    expect(() => synthApp(app)).toThrow(
      "[serving/triton] 'repository' must be a TritonModelRepo in the workload's namespace ('serving'), got 'one in ml': pods mount ConfigMaps of their own namespace only",
    );
  });

  test('takes a repository of another app, which synthesizes its ConfigMap on its own, in the same namespace', () => {
    const models = new Chart(Testing.app(), 'models', { namespace: 'ml' });
    const repo = new TritonModelRepo(models, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(models, 'c', 'models')), models: [RESNET50] });
    const serving = new Chart(Testing.app(), 'serving', { namespace: 'ml' });
    new TritonServer(serving, 'triton', { repository: repo, replicas: 1 });
    const volumes = deploymentOf(serving.node.root as App).spec.template.spec.volumes;
    expect(volumes.find((v: any) => v.configMap)?.configMap.name).toBe(repo.configMap.name);
  });

  test('fails validation on a repository of another cluster chart', () => {
    const app = Testing.app();
    const target = (name: string) => new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() });
    const onPrem = new ClusterChart(app, 'on-prem', { target: target('on-prem'), namespace: 'ml' });
    const cloud = new ClusterChart(app, 'cloud', { target: target('cloud'), namespace: 'ml' });
    const repo = new TritonModelRepo(onPrem, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(onPrem, 'c', 'models')), models: [RESNET50] });
    new TritonServer(onPrem, 'here', { repository: repo, replicas: 1 });
    new TritonServer(cloud, 'there', { repository: repo, replicas: 1 });
    expect(() => app.synth()).toThrow(/\[cloud\/there\] 'repository' must be a TritonModelRepo of the workload's cluster \(ClusterChart 'cloud'\), got 'on-prem\/repo': create the repository in the same ClusterChart: its ConfigMap must exist where the pods run/);
    expect(() => app.synth()).not.toThrow(/\[on-prem\/here\]/);
  });

  /** Three charts, each with a repository and a server: cdk8s validates the app once per chart it writes. */
  function threeServerApp() {
    const app = Testing.app();
    for (const id of ['a', 'b', 'c']) {
      const chart = new Chart(app, id, { namespace: 'ml' });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')), models: [RESNET50] });
      new TritonServer(chart, 'triton', { repository: repo, replicas: 1 });
    }
    return app;
  }

  test('renders once per repository change, not once per validation pass (cdk8s validates the app once per chart)', () => {
    const app = threeServerApp();
    const renders = jest.spyOn(TritonModelRepo.prototype, '_podParts');
    app.synth();
    expect(renders).toHaveBeenCalledTimes(3); // one render per server for the four validation passes and the synth
    renders.mockRestore();
  });

  test('checks against the server once per repository change, not once per validation pass', () => {
    const app = threeServerApp();
    const checks = jest.spyOn(TritonModelRepo.prototype, 'models', 'get');
    app.synth();
    const perServer = checks.mock.calls.length / 3;
    checks.mockRestore();
    expect(perServer).toBe(3); // what one check reads; four validation passes read it 12 times
  });

  /** A server with explicit model control (which needs a restricted model-repository API) loading `models`. */
  function explicitServer(models: string[]) {
    const { app, chart, repo } = setup();
    new TritonServer(chart, 'triton', {
      repository: repo,
      modelControl: ModelControl.explicit(models),
      restrictedApi: { header: 'k', secret: Secret.fromSecretName(chart, 's', 's'), secretKey: 'v' },
    });
    return app;
  }

  test('fails at synth on explicit loading of a model the repository lacks', () => {
    const app = explicitServer(['resnet101']);
    expect(() => synthApp(app)).toThrow(/'modelControl' must be to load models of the repository \(resnet50\), got 'resnet101'/);
  });

  test("explicit model control with ['*'] loads every model at startup (Triton's --load-model=*)", () => {
    expect(containerOf(explicitServer(['*'])).args).toContain('--load-model=*');
  });

  test("fails on '*' beside named models, which Triton refuses", () => {
    expect(() => ModelControl.explicit(['*', 'resnet50']))
      .toThrow(/'ModelControl.explicit\(models\)' must be '\*' alone \(Triton refuses --load-model=\* beside other --load-model flags\)/);
  });

  test('fails on explicit model control without a restricted model-repository API', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'triton', { repository: repo, modelControl: ModelControl.explicit(['resnet50']) }))
      .toThrow(/'restrictedApi' must be set and covering TritonApi\.MODEL_REPOSITORY with ModelControl\.explicit/);
  });

  test('fails on restricting the health API the probes need', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'triton', { repository: repo, restrictedApi: { header: 'k', secret: Secret.fromSecretName(chart, 's', 's'), secretKey: 'v', apis: [TritonApi.HEALTH] } }))
      .toThrow(/'restrictedApi\.apis' must be free of TritonApi\.HEALTH/);
  });

  test('fails on flags this construct manages, given as args or extraArgs', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'a', { repository: repo, extraArgs: ['--model-control-mode=explicit'] }))
      .toThrow("'extraArgs' must be free of --model-control-mode, which this construct sets, got '--model-control-mode=<value>': use the 'modelControl' prop instead");
    expect(() => new TritonServer(chart, 'b', { repository: repo, extraArgs: ['--http-port=9000'] })).toThrow(/use the fixed port 8000 instead/);
    // tritonserver's getopt_long takes unambiguous prefixes of its flags.
    expect(() => new TritonServer(chart, 'p', { repository: repo, extraArgs: ['--log-verbose=1', '--model-control=explicit'] })).toThrow(
      "'extraArgs' must be free of --model-control (tritonserver reads it as --model-control-mode), which this construct sets, got '--model-control=<value>': " +
      "use the 'modelControl' prop instead");
    expect(() => new TritonServer(chart, 'r', { repository: repo, extraArgs: ['--model-=x'] })).toThrow(
      "'extraArgs' must be free of --model-, a prefix of --model-repository, --model-store, --model-control-mode, which this construct sets or refuses " +
      "(and tritonserver refuses as ambiguous), got '--model-=<value>'");
    // Names of the lookup tables' prototype are no flags of theirs.
    expect(() => new TritonServer(chart, 's', { repository: repo, extraArgs: ['--constructor'] })).not.toThrow();
    expect(() => new TritonServer(chart, 'q', { repository: repo, extraArgs: ['--allow-ht=false'] }))
      .toThrow("'extraArgs' must be free of --allow-ht (tritonserver reads it as --allow-http): the probes and the Service use the HTTP endpoint");
    expect(() => new TritonServer(chart, 'd', { repository: repo, extraArgs: ['--exit-timeout-secs=60'] })).toThrow(/use the 'exitTimeout' prop instead/);
    // The value is not echoed: it may hold a secret, and errors end up in CI logs.
    expect(() => new TritonServer(chart, 'cc', { repository: repo, extraArgs: ['--cache-config=redis,password=hunter2'] }))
      .toThrow("'extraArgs' must be free of --cache-config, which this construct sets, got '--cache-config=<value>': use the 'responseCacheSize' prop instead");
    expect(() => new TritonServer(chart, 'bad', { repository: repo, extraArgs: ['-cache-config=redis,password=hunter2'] }))
      .toThrow("'extraArgs' must be flags of the form --name or --name=value, got '-cache-config=<value>'");
    // Triton's local cache allocates its whole size in the container's memory (4Gi by default).
    // /dev/shm (1Gi by default) counts against the same limit.
    expect(() => new TritonServer(chart, 'big', { repository: repo, responseCacheSize: Size.gibibytes(3) })).toThrow(
      "'responseCacheSize' must be less than the memory limit (4Gi) minus /dev/shm (sharedMemorySize): Triton's local cache allocates its whole size in the " +
      "container's memory, got '3Gi': raise resources.memory by the cache size, or shrink the cache");
    expect(() => new TritonServer(chart, 'fits', { repository: repo, responseCacheSize: Size.mebibytes(3000) })).not.toThrow();
    expect(() => new TritonServer(chart, 'no-shm', { repository: repo, sharedMemory: false, responseCacheSize: Size.gibibytes(4) }))
      .toThrow(/'responseCacheSize' must be less than the memory limit \(4Gi\): Triton's local cache/);
    // Deprecated spellings of managed flags: tritonserver refuses --response-cache-byte-size beside --cache-config.
    expect(() => new TritonServer(chart, 'rc', { repository: repo, extraArgs: ['--response-cache-byte-size=1048576'] })).toThrow(/use the 'responseCacheSize' prop instead/);
    expect(() => new TritonServer(chart, 'sm', { repository: repo, extraArgs: ['--strict-model-config=false'] })).toThrow(/use the 'disableAutoCompleteConfig' prop instead/);
    // Turning gRPC off is hardening where nothing serves it; an h2c TritonKnativeService refuses it (its tests).
    expect(() => new TritonServer(chart, 'ag', { repository: repo, extraArgs: ['--allow-grpc=false', '--grpc-address=127.0.0.1'] })).not.toThrow();
    // Still a known flag for prefixes: tritonserver refuses --allow-g as ambiguous.
    expect(() => new TritonServer(chart, 'ap', { repository: repo, extraArgs: ['--allow-g=false'] })).toThrow(/a prefix of --allow-gpu-metrics, --allow-grpc/);
    // Flags that would cut off the probes, the Service or the scrapers.
    expect(() => new TritonServer(chart, 'e', { repository: repo, extraArgs: ['--allow-http=false'] }))
      .toThrow("'extraArgs' must be free of --allow-http: the probes and the Service use the HTTP endpoint, got '--allow-http=<value>'");
    expect(() => new TritonServer(chart, 'f', { repository: repo, extraArgs: ['--http-address=127.0.0.1'] })).toThrow(/free of --http-address/);
    expect(() => new TritonServer(chart, 'g', { repository: repo, extraArgs: ['--metrics-address=127.0.0.1'] })).toThrow(/free of --metrics-address/);
    // @ts-expect-error args is no prop: typed props and extraArgs build tritonserver's flags (tsc checks it in .ci/run)
    const withArgs: TritonServerProps = { repository: repo, args: ['--foo'] };
    // A spread or a JavaScript caller is refused at runtime, not dropped.
    expect(() => new TritonServer(chart, 'h', withArgs)).toThrow("'args' must be unset: the tritonserver flags are built from typed props, got [\"--foo\"]: use extraArgs");
  });

  test('fails on replicas and autoscaling together, or a budget of zero', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'a', { repository: repo, replicas: 2, autoscaling: {} })).toThrow(/'autoscaling' must be unset when replicas is fixed/);
    expect(() => new TritonServer(chart, 'b', { repository: repo, autoscaling: { minReplicas: 4, maxReplicas: 2 } })).toThrow("'autoscaling.maxReplicas' must be at least minReplicas (4), got 2");
    expect(() => new TritonServer(chart, 'c', { repository: repo, maxUnavailable: 0 })).toThrow(/'maxUnavailable' must be an integer >= 1, got 0: a budget of 0 would block every node drain/);
  });

  test('metrics off: no metrics port on the container or the Service, as Triton listens on none', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    const repo = minioRepo(chart, [RESNET50]);
    new TritonServer(chart, 'quiet', { repository: repo, metrics: false, replicas: 1, metricsScraping: MetricsScraping.NONE, metadata: { name: 'quiet' } });
    const objects = synthApp(chart.node.root as App);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec.containers[0].ports.map((p: any) => p.name)).toEqual(['http', 'grpc']);
    expect(oneOf(objects, 'v1', 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc']);
  });

  test('fails on metrics consumers when metrics are off', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'a', { repository: repo, metrics: false })).toThrow(/'autoscaling\.queueTime' must be false when metrics is false/);
    expect(() => new TritonServer(chart, 'b', { repository: repo, metrics: false, replicas: 1, metricsScraping: MetricsScraping.POD_MONITOR })).toThrow(/'metricsScraping' must be ANNOTATIONS or NONE when metrics is false/);
    expect(() => new TritonServer(chart, 'c', { repository: repo, monitorLabels: { a: 'b' } })).toThrow(/'monitorLabels' must be unset unless metricsScraping is a PodMonitor or ServiceMonitor/);
    expect(() => new TritonServer(chart, 'd', { repository: repo, scrapeInterval: Duration.seconds(30) }))
      .toThrow("'scrapeInterval' must be unset unless metricsScraping is a PodMonitor or ServiceMonitor, got '30s'");
    expect(() => new TritonServer(chart, 'e', { repository: repo, metrics: false, replicas: 1, metricsScraping: MetricsScraping.NONE, metricsInterval: Duration.millis(2500) }))
      .toThrow("'metricsInterval' must be unset when metrics is false, got '2500ms'");
  });

  test('fails on a metrics interval tritonserver cannot read: it parses the flag as an int and exits on a larger value', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'long', { repository: repo, replicas: 1, metricsInterval: Duration.days(30) }))
      .toThrow("'metricsInterval' must be an integer between 1 and 2147483647, got 2592000000: a whole number of milliseconds, at most ~24.8 days");
    expect(() => new TritonServer(chart, 'day', { repository: repo, replicas: 1, metricsInterval: Duration.days(1) })).not.toThrow();
  });

  test('fails on an unpinned image, a bad header or a sub-second poll', () => {
    const { chart, repo } = setup();
    expect(() => new TritonServer(chart, 'a', { repository: repo, image: 'nvcr.io/nvidia/tritonserver:latest' })).toThrow(/pinned to a tag other than 'latest'/);
    expect(() => new TritonServer(chart, 'b', { repository: repo, restrictedApi: { header: 'bad header', secret: Secret.fromSecretName(chart, 's', 's'), secretKey: 'v' } })).toThrow(/'restrictedApi\.header' must be a header name in lowercase letters, digits and - \(.*\), got 'bad header'$/);
    expect(() => ModelControl.poll(Duration.millis(500))).toThrow("'ModelControl.poll(interval)' must be a whole number of seconds, at least 1s, got '500ms'");
  });
});
