import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { PersistentVolumeAccessMode, PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import { ENSEMBLE, minioRepo, PREPROCESS, RESNET50, VLLM, VLLM_IMAGE } from './_fixtures';
import {
  Broker, EventSink, EventTrigger, GpuNodePool, GpuProduct, InstanceGroupKind, KnativeFeature, KnativeFeatures, MetricsScraping,
  ModelArtifactSource, ModelControl, ModelPlatform, PingSource, ScalingMetric, ServingProtocol, TritonApi, TritonKnativeService,
  TritonKnativeServiceProps, TritonModelProps, TritonModelRepo,
} from '../../src';
import { oneOf, synthApp } from '../_helpers/manifests';

const KSVC = 'serving.knative.dev/v1';


function setup(models: TritonModelProps[] = [RESNET50], features = true) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'ml' });
  const repo = minioRepo(chart, models);
  if (features) new KnativeFeatures(chart, 'knative-features');
  return { app, chart, repo };
}

function knative(props: Partial<TritonKnativeServiceProps> = {}, models?: TritonModelProps[]) {
  const s = setup(models);
  const triton = new TritonKnativeService(s.chart, 'triton', { repository: s.repo, metadata: { name: 'resnet50' }, ...props });
  return { ...s, triton };
}

const ksvcOf = (app: App) => oneOf(synthApp(app), KSVC, 'Service');
const containerOf = (app: App) => ksvcOf(app).spec.template.spec.containers[0];

describe('TritonKnativeService', () => {
  test('pull secrets, a priority class and the pool\'s runtime class reach the revision, with their Knative flags', () => {
    const s = setup();
    new TritonKnativeService(s.chart, 'triton', {
      repository: s.repo,
      image: 'registry.example.com/nvidia/tritonserver:25.01-py3',
      imagePullSecrets: [Secret.fromSecretName(s.chart, 'pull', 'registry-creds')],
      priorityClassName: 'online-inference',
      nodePool: GpuNodePool.onPrem({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' }),
    });
    const objects = synthApp(s.app);
    const pod = oneOf(objects, KSVC, 'Service').spec.template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(pod.priorityClassName).toBe('online-inference');
    expect(pod.runtimeClassName).toBe('nvidia');
    const flags = objects.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'config-features').data;
    expect(flags).toMatchObject({ 'kubernetes.podspec-priorityclassname': 'enabled', 'kubernetes.podspec-runtimeclassname': 'enabled' });
  });

  test('fails on a repository on a ReadWriteOnce claim, even with maxScale 1: each revision starts beside the old one', () => {
    const onClaim = (props: Partial<TritonKnativeServiceProps>) => {
      const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
      const accessModes = [PersistentVolumeAccessMode.READ_WRITE_ONCE];
      const claim = new PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'model-store' }, accessModes, storage: Size.gibibytes(50) });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
      return () => new TritonKnativeService(chart, 'triton', { repository: repo, ...props });
    };
    const message = "'repository' must be artifacts on a claim several nodes can mount (ReadOnlyMany or ReadWriteMany): Knative starts each new " +
      "revision's pods beside the old ones, and scales out, and a pod on another node would hang on the volume, got 'claim 'model-store' with ReadWriteOnce'";
    expect(onClaim({})).toThrow(message);
    expect(onClaim({ maxScale: 1 })).toThrow(message);
  });

  test("fails on a repository claim of the app in another namespace than the service's: a pod mounts its own namespace's claims only", () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'ml' });
    const claim = new PersistentVolumeClaim(chart, 'claim', { metadata: { name: 'model-store', namespace: 'models' }, accessModes: [PersistentVolumeAccessMode.READ_ONLY_MANY] });
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
    new TritonKnativeService(chart, 'triton', { repository: repo });
    new KnativeFeatures(chart, 'features');
    expect(() => synthApp(chart.node.root as App)).toThrow("'repository' must be a claim in the pods' namespace ('ml')");
  });

  test('snapshot: defaults', () => {
    const { app } = knative();
    expect(synthApp(app)).toMatchSnapshot();
  });

  test('only reachable inside the cluster unless clusterLocal is false: Triton serves its admin APIs on the same port', () => {
    expect(ksvcOf(knative().app).metadata.labels).toEqual({ 'networking.knative.dev/visibility': 'cluster-local' });
    expect(ksvcOf(knative({ clusterLocal: false }).app).metadata.labels).toBeUndefined();
  });

  test('snapshot: every prop', () => {
    const { app } = knative({
      metadata: { name: 'resnet50-grpc', labels: { team: 'vision' } },
      protocol: ServingProtocol.H2C,
      clusterLocal: true,
      minScale: 1,
      maxScale: 8,
      initialScale: 2,
      activationScale: 2,
      scaleDownDelay: Duration.minutes(5),
      window: Duration.seconds(120),
      containerConcurrency: 48,
      metric: ScalingMetric.RPS,
      target: 24,
      targetUtilizationPercentage: 80,
      timeout: Duration.seconds(60),
      progressDeadline: Duration.minutes(20),
      metricsScraping: MetricsScraping.NONE,
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A10G] }),
      gpuMemoryOverhead: Size.mebibytes(512),
      startupTimeout: Duration.minutes(8),
      podAnnotations: { 'example.com/owner': 'vision' },
    }, [{ ...RESNET50, gpuMemoryPerInstance: Size.gibibytes(2) }]);
    expect(synthApp(app)).toMatchSnapshot();
  });

  test('a repository in GCS, read by Triton with a key file: a read-only Secret mount Knative accepts without a flag', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'gcs', { namespace: 'ml' });
    const repo = new TritonModelRepo(chart, 'repo', {
      artifacts: ModelArtifactSource.fromGcs({ bucket: 'acme-models', prefix: 'triton', credentials: Secret.fromSecretName(chart, 'sa', 'gcs-reader') }),
      models: [RESNET50],
    });
    new TritonKnativeService(chart, 'triton', { repository: repo, metadata: { name: 'resnet50' } });
    new KnativeFeatures(chart, 'features');
    const objects = synthApp(app);
    const pod = oneOf(objects, KSVC, 'Service').spec.template.spec;
    expect(pod.containers[0].args).toContain('--model-repository=gs://acme-models/triton');
    expect(pod.volumes).toContainEqual({ name: 'gcs-key', secret: { secretName: 'gcs-reader', items: [{ key: 'key.json', path: 'key.json' }] } });
    const features = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'config-features');
    expect(Object.keys(features.data)).not.toContain('kubernetes.podspec-persistent-volume-claim');
  });

  test('response-start and idle timeouts reach the revision: an idle open stream would keep a replica from scaling to zero', () => {
    const timeouts = { timeout: Duration.minutes(10), responseStartTimeout: Duration.minutes(8), idleTimeout: Duration.minutes(2) };
    const spec = ksvcOf(knative(timeouts).app).spec.template.spec;
    expect(spec).toMatchObject({ timeoutSeconds: 600, responseStartTimeoutSeconds: 480, idleTimeoutSeconds: 120 });
    expect(() => knative({ timeout: Duration.minutes(5), idleTimeout: Duration.minutes(6) })).toThrow(/'idleTimeout' must be between 0s and the request timeout \(300s\)/);
  });

  test('serves exactly one port: 8000 http1 by default', () => {
    const { app, triton } = knative();
    expect(containerOf(app).ports).toEqual([{ containerPort: 8000, name: 'http1' }]);
    expect(triton.port).toBe(8000);
    expect(triton.url).toBe('http://resnet50.ml.svc.cluster.local');
  });

  test('serves gRPC on 8001 h2c, probed with the standard gRPC health check (liveness: the port), with the startup budget', () => {
    const { app } = knative({ protocol: ServingProtocol.H2C, startupTimeout: Duration.minutes(10) });
    const c = containerOf(app);
    expect(c.ports).toEqual([{ containerPort: 8001, name: 'h2c' }]);
    // Readiness without a period: Knative's own probing, every 50 ms until ready.
    expect(c.readinessProbe).toEqual({ grpc: { port: 8001 } });
    // The gRPC check answers readiness: liveness on it would restart a server whose model goes unready, dropping its streams.
    expect(c.livenessProbe).toEqual({ tcpSocket: {}, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    // Each second, for startupTimeout: a cold start waits at most a second for the probe after Triton is ready.
    expect(c.startupProbe).toEqual({ grpc: { port: 8001 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 600 });
    expect(JSON.stringify(c)).not.toContain('httpGet');
    // Models loaded after startup make the server unready while they load: the port check keeps it alive meanwhile.
    const restricted = { header: 'x-admin', secret: Secret.fromSecretName(Testing.chart(), 'k', 'admin-key'), secretKey: 'key', apis: [TritonApi.MODEL_REPOSITORY] };
    const explicit = containerOf(knative({ protocol: ServingProtocol.H2C, modelControl: ModelControl.explicit(['resnet50']), restrictedApi: restricted }).app);
    expect(explicit.livenessProbe.tcpSocket).toEqual({});
    expect(explicit.readinessProbe.grpc).toEqual({ port: 8001 });
    expect(containerOf(knative({ modelControl: ModelControl.explicit(['resnet50']), restrictedApi: restricted }).app).livenessProbe.httpGet).toEqual({ path: '/v2/health/live' });
  });

  test('probes Triton\'s health endpoints over HTTP/1, with the startup budget', () => {
    const { app } = knative({ startupTimeout: Duration.minutes(10) });
    const c = containerOf(app);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live' });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/v2/health/ready' } });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready' }, periodSeconds: 1, failureThreshold: 600 });
    expect(ksvcOf(app).spec.template.metadata.annotations['serving.knative.dev/progress-deadline']).toBe('900s');
  });

  test('is no event sink: Triton answers with a body that is no CloudEvent, which Knative counts as a failed delivery', () => {
    const { chart, triton } = knative();
    const dead = EventSink.fromUri('http://dead.ml.svc.cluster.local');
    const refused = "resnet50': it is Triton (a TritonKnativeService), which answers every request with a JSON body that is no CloudEvent";
    expect(() => new EventTrigger(chart, 'direct', { broker: Broker.fromBrokerName('events'), subscriber: triton.service, delivery: { deadLetterSink: dead } }))
      .toThrow(`'subscriber' must be a sink that takes CloudEvents, got '${refused}`);
    expect(() => new PingSource(chart, 'ping', { schedule: '0 * * * *', sink: triton.service })).toThrow(`'sink' must be a sink that takes CloudEvents, got '${refused}`);
    expect(() => new Broker(chart, 'broker', { delivery: { deadLetterSink: triton.service } }))
      .toThrow(`'delivery.deadLetterSink' must be a sink that takes CloudEvents, got '${refused}`);
    expect(() => new EventTrigger(chart, 'fixed', { broker: Broker.fromBrokerName('events'), subscriber: triton.service, delivery: { deadLetterSink: dead } }))
      .toThrow(/put a service in between that takes the event, calls it and answers with nothing or a CloudEvent/);
    // Its cold start is still known, for the clients that call it.
    expect([triton.minScale, triton.coldStartBudget.toSeconds()]).toEqual([0, 600]);
  });

  test('derives containerConcurrency and target from max_batch_size x instances', () => {
    const { app, triton } = knative();
    // 2 instances x max_batch_size 32; target: 2 instances x the largest preferred batch (16).
    expect([triton.containerConcurrency, triton.target]).toEqual([64, 32]);
    const ksvc = ksvcOf(app);
    expect(ksvc.spec.template.spec.containerConcurrency).toBe(64);
    expect(ksvc.spec.template.metadata.annotations['autoscaling.knative.dev/target']).toBe('32');
  });

  test('passes the activator and panic settings and the raised cluster limits on to the Knative service', () => {
    const { app } = knative({
      targetBurstCapacity: 0,
      scaleToZeroPodRetention: Duration.minutes(2),
      panicWindowPercentage: 20,
      panicThresholdPercentage: 300,
      timeout: Duration.minutes(15),
      maxRevisionTimeout: Duration.minutes(20),
    });
    const ksvc = ksvcOf(app);
    expect(ksvc.spec.template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/target-burst-capacity': '0',
      'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '120s',
      'autoscaling.knative.dev/panic-window-percentage': '20',
      'autoscaling.knative.dev/panic-threshold-percentage': '300',
    });
    expect(ksvc.spec.template.spec.timeoutSeconds).toBe(900);
  });

  test('adds up the models, counts non-batching models once per instance and skips ensembles', () => {
    const plain: TritonModelProps = { name: 'plain', platform: ModelPlatform.ONNXRUNTIME_ONNX, maxBatchSize: 8, inputs: RESNET50.inputs, outputs: RESNET50.outputs };
    const { triton } = knative({ gpuCount: 2 }, [RESNET50, plain]);
    // resnet50: 2 instances on GPU 0 -> 64 / 32; plain: 1 instance on each of 2 GPUs, no dynamic batching -> 2 / 2.
    expect([triton.containerConcurrency, triton.target]).toEqual([66, 34]);
  });

  describe('models whose concurrency Triton\'s batch settings do not tell', () => {
    test.each([
      ['a vLLM model', VLLM, "'llama' (the vllm backend batches requests itself, and vllmEngineArgs.maxNumSeqs is unset)"],
      ['a TensorRT-LLM model', { ...VLLM, name: 'trtllm', platform: ModelPlatform.custom('tensorrtllm'), decoupled: false, maxBatchSize: 64 },
        "'trtllm' (the tensorrtllm backend batches requests itself)"],
      ['a decoupled Python model', { ...VLLM, name: 'stream', platform: ModelPlatform.PYTHON }, "'stream' (decoupled: the backend decides how many requests it serves at once)"],
    ])('fails without containerConcurrency and target with %s, which would get one request per instance', (_, model, which) => {
      const { chart, repo } = setup([RESNET50, model as TritonModelProps]);
      expect(() => new TritonKnativeService(chart, 'triton', { repository: repo })).toThrow(
        `'containerConcurrency' must be set with model ${which}, whose concurrency Triton's batch settings do not tell, got 'unset': ` +
        "set containerConcurrency to the requests one replica serves at once (vLLM's max_num_seqs, TensorRT-LLM's max_batch_size, " +
        "an ensemble's slowest step), and target to what the autoscaler aims for per replica");
      expect(() => new TritonKnativeService(chart, 'target', { repository: repo, containerConcurrency: 256 })).toThrow("'target' must be set with model");
      const set = new TritonKnativeService(chart, 'set', { repository: repo, containerConcurrency: 256, target: 128 });
      expect([set.containerConcurrency, set.target]).toEqual([256, 128]);
    });

    test('fails without them with an ensemble, whose requests pass through every step: the steps\' capacities do not add up', () => {
      // Four instances of the first step: a sum over the steps would overstate what a replica serves.
      const preprocess: TritonModelProps = { ...PREPROCESS, instanceGroups: [{ kind: InstanceGroupKind.CPU, count: 4 }] };
      const { chart, repo } = setup([RESNET50, preprocess, ENSEMBLE]);
      expect(() => new TritonKnativeService(chart, 'triton', { repository: repo })).toThrow(
        "'containerConcurrency' must be set with model 'classify' (an ensemble: each request passes through every step, so a replica serves what its slowest step does)");
      expect(new TritonKnativeService(chart, 'set', { repository: repo, containerConcurrency: 64, target: 32 }).target).toBe(32);
    });

    test('fails at synth when such a model is added after the service derived its concurrency', () => {
      const { app, chart, repo } = setup();
      new TritonKnativeService(chart, 'triton', { repository: repo });
      repo.addModel(VLLM);
      expect(() => synthApp(app)).toThrow(/'containerConcurrency' must be set with model 'llama' \(the vllm backend batches requests itself, and vllmEngineArgs.maxNumSeqs is unset\)/);
    });

    test('derives them from a vLLM model\'s typed maxNumSeqs: each engine runs that many sequences at once', () => {
      const engines = (count: number): TritonModelProps => ({
        ...VLLM, instanceGroups: [{ kind: InstanceGroupKind.MODEL, count }], vllmEngineArgs: { model: 'gpt2', maxNumSeqs: 48, gpuMemoryUtilization: 0.4 },
      });
      const one = setup([engines(1)]);
      const triton = new TritonKnativeService(one.chart, 'triton', { repository: one.repo, image: VLLM_IMAGE });
      expect([triton.containerConcurrency, triton.target]).toEqual([48, 48]);
      const spec = ksvcOf(one.app).spec.template;
      expect(spec.spec.containerConcurrency).toBe(48);
      expect(spec.metadata.annotations['autoscaling.knative.dev/target']).toBe('48');
      // Summed with the other models': two engines of 48, and a Python model without a batcher, one request at a time.
      const mixed = setup([engines(2), PREPROCESS]);
      const both = new TritonKnativeService(mixed.chart, 'triton', { repository: mixed.repo, image: VLLM_IMAGE });
      expect([both.containerConcurrency, both.target]).toEqual([97, 97]);
      // Each data-parallel rank schedules max_num_seqs of its own.
      const ranks = setup([{ ...engines(1), vllmEngineArgs: { model: 'gpt2', maxNumSeqs: 32, additionalArgs: { data_parallel_size: 2 } } }]);
      const dp = new TritonKnativeService(ranks.chart, 'triton', { repository: ranks.repo, image: VLLM_IMAGE, gpuCount: 2 });
      expect([dp.containerConcurrency, dp.target]).toEqual([64, 64]);
    });

    test('fails over h2c without them: Knative counts gRPC streams, each carrying any number of requests', () => {
      const { chart, repo } = setup([{ ...VLLM, vllmEngineArgs: { model: 'gpt2', maxNumSeqs: 48 } }]);
      expect(() => new TritonKnativeService(chart, 'triton', { repository: repo, image: VLLM_IMAGE, protocol: ServingProtocol.H2C })).toThrow(
        "'containerConcurrency' must be set with model 'llama' (the vllm backend batches requests itself, and over h2c Knative counts gRPC streams, each carrying " +
        "any number of requests), whose concurrency Triton's batch settings do not tell, got 'unset'");
    });
  });

  test('keeps containerConcurrency and target when set', () => {
    const { triton } = knative({ containerConcurrency: 10, target: 5 });
    expect([triton.containerConcurrency, triton.target]).toEqual([10, 5]);
  });

  test('keeps metrics scrapeable through annotations, and rolls a new revision on config changes', () => {
    const { app, repo } = knative();
    expect(ksvcOf(app).spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8002',
      'prometheus.io/path': '/metrics',
      'triton.cdk8s-gpu-inference.dev/config-sha256': repo.configHash,
    });
  });

  test('the config hash follows models added after the service, so their config changes roll a new revision', () => {
    const hashes = [16, 32].map((maxBatchSize) => {
      const { app, repo } = knative({ containerConcurrency: 8, target: 4 });
      const before = repo.configHash;
      repo.addModel({ ...RESNET50, name: 'late', maxBatchSize });
      const annotations = ksvcOf(app).spec.template.metadata.annotations;
      expect(annotations['triton.cdk8s-gpu-inference.dev/config-sha256']).toBe(repo.configHash);
      expect(repo.configHash).not.toBe(before);
      return repo.configHash;
    });
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  test("fails validation on a repository of another namespace, whose ConfigMap the revision's pods cannot mount", () => {
    const { app, repo } = setup();
    new TritonKnativeService(new Chart(app, 'serving', { namespace: 'serving' }), 'triton', { repository: repo, metadata: { name: 'resnet50' } });
    expect(() => synthApp(app)).toThrow("[serving/triton] 'repository' must be a TritonModelRepo in the workload's namespace ('serving'), got 'one in ml'");
  });

  test('renders the pod spec once per repository change, not once per validation pass', () => {
    const app = Testing.app();
    for (const id of ['a', 'b', 'c']) {
      const chart = new Chart(app, id, { namespace: 'ml' });
      if (id === 'a') new KnativeFeatures(chart, 'knative-features');
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')), models: [RESNET50] });
      new TritonKnativeService(chart, 'triton', { repository: repo, metadata: { name: `resnet50-${id}` } });
    }
    const renders = jest.spyOn(TritonModelRepo.prototype, '_podParts');
    app.synth();
    expect(renders).toHaveBeenCalledTimes(3); // one render per server for the four validation passes and the synth
    renders.mockRestore();
  });

  test('a model added after the pod spec was first rendered is mounted all the same', () => {
    const { app, repo, triton } = knative({ containerConcurrency: 8, target: 4 });
    expect(triton.service.requiredKnativeFeatures).toContain(KnativeFeature.INIT_CONTAINERS); // renders the pod spec
    repo.addModel({ ...RESNET50, name: 'late' });
    const spec = ksvcOf(app).spec.template.spec;
    expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toContain('/models/late/config.pbtxt');
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['fetch-late-v1', 'fetch-resnet50-v1']);
  });

  test('lays the repository out through the shared renderer: hardened init containers, config mounts', () => {
    const { app, triton } = knative();
    const spec = ksvcOf(app).spec.template.spec;
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['fetch-resnet50-v1']);
    expect(spec.initContainers[0].securityContext)
      .toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'model-configs', mountPath: '/models/resnet50/config.pbtxt', subPath: 'resnet50.pbtxt', readOnly: true });
    expect(spec.containers[0].securityContext).toMatchObject({ runAsUser: 1000, readOnlyRootFilesystem: true });
    expect(triton.service.requiredKnativeFeatures).toContain(KnativeFeature.INIT_CONTAINERS);
  });

  test('asks for the PVC feature flag when artifacts come from a claim', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const claim = PersistentVolumeClaim.fromClaimName(chart, 'claim', 'model-store');
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [RESNET50] });
    const triton = new TritonKnativeService(chart, 'triton', { repository: repo });
    expect(triton.service.requiredKnativeFeatures).toContain(KnativeFeature.PERSISTENT_VOLUME_CLAIM);
    expect(triton.service.requiredKnativeFeatures).not.toContain(KnativeFeature.PERSISTENT_VOLUME_WRITE);
  });

  test('fails at synth without the Knative feature flags its pod needs', () => {
    const s = setup([RESNET50], false);
    new TritonKnativeService(s.chart, 'triton', { repository: s.repo });
    expect(() => synthApp(s.app)).toThrow(/needs Knative feature flags that a default install rejects: kubernetes\.podspec-init-containers/);
  });

  test('passes exitTimeout to Triton within the request timeout, which Knative gives the pods as their grace period', () => {
    expect(containerOf(knative({ exitTimeout: Duration.seconds(120) }).app).args).toContain('--exit-timeout-secs=120');
    const { chart, repo } = setup();
    expect(() => new TritonKnativeService(chart, 'a', { repository: repo, exitTimeout: Duration.minutes(6) }))
      .toThrow("'exitTimeout' must be at most the request timeout (300s), which Knative gives the pods as their termination grace period, got '360s': raise timeout or lower exitTimeout");
    expect(() => new TritonKnativeService(chart, 'b', { repository: repo, exitTimeout: Duration.minutes(6), timeout: Duration.minutes(8) })).not.toThrow();
    // Fractions of a second are named after their own prop.
    expect(() => new TritonKnativeService(chart, 'c', { repository: repo, exitTimeout: Duration.seconds(2), timeout: Duration.millis(1500) }))
      .toThrow("'timeout' must be a whole number of seconds, got '1500ms'");
    expect(() => new TritonKnativeService(chart, 'd', { repository: repo, exitTimeout: Duration.millis(2500) }))
      .toThrow("'exitTimeout' must be a whole number of seconds, got '2500ms'");
  });

  test('a request timeout under Triton\'s 30s exit timeout becomes the exit timeout, so the kubelet never kills the server first', () => {
    expect(containerOf(knative({ timeout: Duration.seconds(20) }).app).args).toContain('--exit-timeout-secs=20');
    // Triton's own default fits in Knative's: nothing to pass.
    expect(containerOf(knative({}).app).args.filter((a: string) => a.startsWith('--exit-timeout-secs'))).toEqual([]);
    expect(containerOf(knative({ timeout: Duration.seconds(45) }).app).args.filter((a: string) => a.startsWith('--exit-timeout-secs'))).toEqual([]);
  });

  test('a PodMonitor keeps each pod\'s serving-container target (Knative names its port user-port) and scrapes 8002 on its host', () => {
    const { app } = knative({ metricsScraping: MetricsScraping.POD_MONITOR, monitorLabels: { release: 'kube-prometheus-stack' }, scrapeInterval: Duration.seconds(15) });
    const objects = synthApp(app);
    expect(oneOf(objects, 'monitoring.coreos.com/v1', 'PodMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'resnet50', namespace: 'ml', labels: { release: 'kube-prometheus-stack' } },
      spec: {
        selector: { matchLabels: { 'serving.knative.dev/service': 'resnet50' } },
        podMetricsEndpoints: [{
          port: 'user-port',
          path: '/metrics',
          interval: '15s',
          relabelings: [{ sourceLabels: ['__address__'], regex: '(.+):\\d+', targetLabel: '__address__', replacement: '${1}:8002' }],
        }],
      },
    });
    // No scrape annotations beside the monitor.
    expect(oneOf(objects, KSVC, 'Service').spec.template.metadata.annotations['prometheus.io/scrape']).toBeUndefined();
    // The relabeling keeps an IPv6 host's brackets and swaps the port.
    const [rule] = oneOf(objects, 'monitoring.coreos.com/v1', 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    const swap = (address: string) => address.replace(new RegExp(`^(?:${rule.regex})$`), rule.replacement.replace('${1}', '$1'));
    expect(swap('10.1.2.3:8000')).toBe('10.1.2.3:8002');
    expect(swap('[fd00::12:3]:8001')).toBe('[fd00::12:3]:8002');
  });

  test('fails on a ServiceMonitor, which Knative\'s Services cannot serve, and on monitor props without a monitor', () => {
    const { chart, repo } = setup();
    expect(() => new TritonKnativeService(chart, 'triton', { repository: repo, metricsScraping: MetricsScraping.SERVICE_MONITOR })).toThrow(
      "'metricsScraping' must be other than a ServiceMonitor on Knative, whose Services route the serving port only (Triton's metrics port is 8002), " +
      "got 'service-monitor': use MetricsScraping.POD_MONITOR, which scrapes the pods themselves");
    expect(() => new TritonKnativeService(chart, 'labels', { repository: repo, monitorLabels: { release: 'x' } }))
      .toThrow("'monitorLabels' must be unset unless metricsScraping is a PodMonitor or ServiceMonitor");
  });

  test('scales on requests per second with the target given; KPA metrics only', () => {
    const annotations = ksvcOf(knative({ metric: ScalingMetric.RPS, target: 40 }).app).spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'autoscaling.knative.dev/metric': 'rps', 'autoscaling.knative.dev/target': '40' });
    const { chart, repo } = setup();
    expect(() => new TritonKnativeService(chart, 'a', { repository: repo, metric: ScalingMetric.RPS })).toThrow(
      "'target' must be set with ScalingMetric.RPS: the requests per second one replica serves, which the models' batching does not tell, got 'none'");
    expect(() => new TritonKnativeService(chart, 'b', { repository: repo, metric: ScalingMetric.custom('avg_time_queue_us'), target: 100 })).toThrow(
      "'metric' must be ScalingMetric.CONCURRENCY or RPS: a TritonKnativeService scales to zero with Knative's KPA, got 'avg_time_queue_us'");
  });

  test('requireImageDigest reaches the repository\'s copy images, reported by validation with the path', () => {
    const { app, chart, repo } = setup();
    new TritonKnativeService(chart, 'triton', { repository: repo, image: 'nvcr.io/nvidia/tritonserver:25.12-py3@sha256:' + 'a'.repeat(64), requireImageDigest: true });
    expect(() => synthApp(app)).toThrow(/\[test\/triton\] 'ModelArtifactSource.fromS3: image' must be pinned by digest because requireImageDigest is set/);
  });

  test('an h2c service refuses flags that turn gRPC off or bind it to one address; over http1 they are hardening', () => {
    const { chart, repo } = setup();
    expect(() => new TritonKnativeService(chart, 'a', { repository: repo, protocol: ServingProtocol.H2C, extraArgs: ['--allow-grpc=false'] }))
      .toThrow("'extraArgs' must be free of --allow-grpc: an h2c TritonKnativeService serves and probes gRPC on 8001, got '--allow-grpc=<value>'");
    expect(() => new TritonKnativeService(chart, 'b', { repository: repo, protocol: ServingProtocol.H2C, extraArgs: ['--grpc-address=127.0.0.1'] }))
      .toThrow(/free of --grpc-address: Knative and the probes of an h2c TritonKnativeService reach gRPC on every address/);
    expect(() => new TritonKnativeService(chart, 'c', { repository: repo, extraArgs: ['--allow-grpc=false'] })).not.toThrow();
    // The kubelet's gRPC probe and Knative's queue-proxy speak plaintext h2c: TLS on gRPC would keep the revision unready.
    expect(() => new TritonKnativeService(chart, 'd', { repository: repo, protocol: ServingProtocol.H2C, extraArgs: ['--grpc-use-ssl=true'] }))
      .toThrow("'extraArgs' must be free of --grpc-use-ssl: Knative and the gRPC probes of an h2c TritonKnativeService speak plaintext h2c, got '--grpc-use-ssl=<value>'");
    expect(() => new TritonKnativeService(chart, 'e', { repository: repo, protocol: ServingProtocol.H2C, extraArgs: ['--grpc-use-ssl-mutual=true'] }))
      .toThrow(/free of --grpc-use-ssl-mutual/);
    expect(() => new TritonKnativeService(chart, 'f', { repository: repo, extraArgs: ['--grpc-use-ssl=true'] })).not.toThrow();
    expect(() => new TritonKnativeService(chart, 'g', { repository: repo, protocol: ServingProtocol.H2C, extraArgs: ['--grpc-use-ssl=false'] })).not.toThrow();
    // Turning TLS off in any spelling keeps plaintext h2c; a bare flag (no value) is refused, not guessed at.
    const h2c = (id: string, arg: string) => () =>
      new TritonKnativeService(chart, id, { repository: repo, protocol: ServingProtocol.H2C, extraArgs: [arg] });
    expect(h2c('h', '--grpc-use-ssl=0')).not.toThrow();
    expect(h2c('i', '--grpc-use-ssl-mutual=false')).not.toThrow();
    expect(h2c('j', '--grpc-use-ssl-m=false')).not.toThrow();
    expect(h2c('k', '--grpc-use-ssl')).toThrow(/^'extraArgs' must be free of --grpc-use-ssl: Knative and the gRPC probes .* got '--grpc-use-ssl'$/);
    expect(h2c('l', '--grpc-use-ssl-m=true')).toThrow(/free of --grpc-use-ssl-m \(tritonserver reads it as --grpc-use-ssl-mutual\): .*plaintext h2c/);
  });

  test('fails when the derived containerConcurrency exceeds Knative\'s limit', () => {
    const { chart, repo } = setup([{ ...RESNET50, maxBatchSize: 512, instanceGroups: [{ count: 4 }] }]);
    expect(() => new TritonKnativeService(chart, 'triton', { repository: repo }))
      .toThrow("'containerConcurrency' must be at most 1000 (the cluster's container-concurrency-max-limit), got '2048 (derived from the models' batch sizes x instances)': set containerConcurrency explicitly, or declare a raised limit with containerConcurrencyMaxLimit");
    // A cluster that raised the limit says so, and the derived value stands.
    const raised = new TritonKnativeService(chart, 'raised', { repository: repo, containerConcurrencyMaxLimit: 4096 });
    expect(raised.containerConcurrency).toBe(2048);
    expect(() => new TritonKnativeService(chart, 'zero', { repository: repo, containerConcurrencyMaxLimit: 0 }))
      .toThrow("'containerConcurrencyMaxLimit' must be an integer >= 1, got 0");
  });

  test('fails at synth when models are added after the service derived its concurrency', () => {
    const { app, chart, repo } = setup();
    new TritonKnativeService(chart, 'triton', { repository: repo });
    repo.addModel({ ...RESNET50, name: 'resnet101' });
    expect(() => synthApp(app)).toThrow(/'repository' must be complete when the TritonKnativeService is created/);
  });

  test('fails when no models exist yet to derive from', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromS3({ endpoint: 'http://m:9000', bucket: 'models', credentials: Secret.fromSecretName(chart, 'c', 'c') }) });
    expect(() => new TritonKnativeService(chart, 'triton', { repository: repo })).toThrow(/'repository' must be models added before the TritonKnativeService is created/);
  });

  test('fails on a progress deadline shorter than the model loading budget', () => {
    const { chart, repo } = setup();
    expect(() => new TritonKnativeService(chart, 'triton', { repository: repo, startupTimeout: Duration.minutes(15), progressDeadline: Duration.minutes(10) }))
      .toThrow("'progressDeadline' must be longer than startupTimeout (900s), or Knative gives up while the models still load, got '600s'");
  });

  test('fails at synth on GPU indices beyond the GPUs the service gets', () => {
    const { app } = knative({}, [{ ...RESNET50, instanceGroups: [{ gpus: [1] }] }]);
    expect(() => synthApp(app)).toThrow(/instanceGroups\[0\]\.gpus' must be GPU indices below the server's gpuCount \(1\)/);
  });
});
