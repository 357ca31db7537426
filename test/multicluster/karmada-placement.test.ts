import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import { k8s, PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import {
  ClusterTarget, DistributedTrainingJob, GkeAccelerator, GpuInferenceService, GpuNodePool, GpuNotebook, GpuProduct, GpuResource, KarmadaPlacement,
  KarmadaPlacementMode, KnativeFeature, KnativeFeatures, MigStrategy, ModelArtifactSource, ModelPlatform, PlaceableWorkload, TensorDataType,
  TritonKnativeService, TritonModelRepo, TritonServer,
} from '../../src';
import { renderNodePlacement } from '../../src/scheduling/_placement';
import { ofKind, oneOf, synth, synthApp } from '../_helpers/manifests';

const POLICY = 'policy.karmada.io/v1alpha1';
const IMAGE = 'registry.example.com/ml/train:2.4.1';
const onPremPool = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB] });
const onPrem = new ClusterTarget({ name: 'on-prem', nodePool: onPremPool, registryMirrors: { 'registry.example.com': 'harbor.dc1.example.com/ml-registry' } });
const gke = new ClusterTarget({ name: 'gke-burst', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB, GkeAccelerator.NVIDIA_A100_80GB] }) });
const aks = new ClusterTarget({ name: 'aks', nodePool: GpuNodePool.aks() });
/** A TensorRT plan whose instances take `gib` GiB of GPU memory each. */
const trtPlan = (gib: number) => ({
  name: 'llm',
  platform: ModelPlatform.TENSORRT_PLAN,
  maxBatchSize: 8,
  gpuMemoryPerInstance: Size.gibibytes(gib),
  inputs: [{ name: 'in', dataType: TensorDataType.FP32, dims: [3] }],
  outputs: [{ name: 'out', dataType: TensorDataType.FP32, dims: [3] }],
});

function trainingChart() {
  const chart = Testing.chart();
  const job = new DistributedTrainingJob(chart, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image: IMAGE, script: 'train.py', nodes: 4, gpuCount: 4, nodePool: onPremPool });
  return { chart, job };
}

const L4_POOL = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
const mirrored = (name: string) => new ClusterTarget({ name, nodePool: L4_POOL, registryMirrors: { '*': `harbor.${name}.example.com` } });

/**
 * What the member clusters enable for the placed services (an L4 pool's nodeSelector and tolerations, the weights
 * download's init container), declared without a ConfigMap: one written here would stay on the control plane.
 */
function memberFeatures(chart: Chart): KnativeFeatures {
  return new KnativeFeatures(chart, 'features', {
    emitConfigMap: false, enabled: [KnativeFeature.NODE_SELECTOR, KnativeFeature.TOLERATIONS, KnativeFeature.INIT_CONTAINERS],
  });
}

/** A Knative Service with an init container (the model-weights download) and the KnativeFeatures it needs. */
function serviceWithWeights(chart: Chart): GpuInferenceService {
  memberFeatures(chart);
  return new GpuInferenceService(chart, 'svc', {
    metadata: { name: 'classifier' },
    image: 'registry.example.com/svc:1.0.0',
    nodePool: L4_POOL,
    modelWeights: { endpoint: 'http://minio.minio.svc.cluster.local:9000', bucket: 'weights', credentials: Secret.fromSecretName(chart, 'minio', 'minio-reader') },
  });
}

describe('KarmadaPlacement', () => {
  test('defaults: a training job, on-prem first, then the cloud', () => {
    const { chart, job } = trainingChart();
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [onPrem, gke] });
    expect(ofKind(synth(chart), POLICY, 'PropagationPolicy').concat(ofKind(synth(chart), POLICY, 'OverridePolicy'))).toMatchSnapshot();
  });

  test('every prop: a notebook duplicated everywhere, no overrides', () => {
    const chart = Testing.chart();
    const notebook = new GpuNotebook(chart, 'lab', { metadata: { name: 'lab' }, tokenSecret: Secret.fromSecretName(chart, 't', 't') });
    new KarmadaPlacement(chart, 'placement', {
      workload: notebook, targets: [onPrem, gke, aks], mode: KarmadaPlacementMode.DUPLICATED, overridePlacement: false, propagateDeps: false, name: 'lab-everywhere',
    });
    expect(ofKind(synth(chart), POLICY, 'PropagationPolicy')).toMatchSnapshot();
    expect(ofKind(synth(chart), POLICY, 'OverridePolicy')).toHaveLength(0);
  });

  test('FIRST_AVAILABLE: one affinity group per target, in order, all replicas on the first with room for them', () => {
    const { chart, job } = trainingChart();
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [onPrem, gke] });
    const policy = ofKind(synth(chart), POLICY, 'PropagationPolicy').find((p) => p.metadata.name === 'burst');
    expect(policy.metadata.namespace).toBe('ml');
    expect(policy.spec.resourceSelectors).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'burst' }]);
    expect(policy.spec.placement).toEqual({
      clusterAffinities: [{ affinityName: 'on-prem', clusterNames: ['on-prem'] }, { affinityName: 'gke-burst', clusterNames: ['gke-burst'] }],
      // Divided: Karmada weighs each group's free resources (GPUs included) and falls back when they fall short;
      // with Duplicated it ignores them and never bursts for lack of GPUs.
      replicaScheduling: { replicaSchedulingType: 'Divided', replicaDivisionPreference: 'Aggregated' },
    });
    expect(policy.spec.propagateDeps).toBe(true);
  });

  test('the headless Service goes to every target the Job may land on', () => {
    const { chart, job } = trainingChart();
    const placement = new KarmadaPlacement(chart, 'placement', { workload: job, targets: [onPrem, gke] });
    const companions = ofKind(synth(chart), POLICY, 'PropagationPolicy').find((p) => p.metadata.name === 'burst-companions');
    expect(companions.spec).toEqual({
      resourceSelectors: [{ apiVersion: 'v1', kind: 'Service', name: 'burst-0' }],
      placement: { clusterAffinity: { clusterNames: ['on-prem', 'gke-burst'] }, replicaScheduling: { replicaSchedulingType: 'Duplicated' } },
    });
    expect(placement.companionPolicy?.name).toBe('burst-companions');
  });

  test('overrides: the registry mirror where the placement matches, the placement where it differs', () => {
    const { chart, job } = trainingChart();
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [onPrem, gke] });
    const rules = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
    expect(rules).toEqual([
      {
        targetCluster: { clusterNames: ['on-prem'] },
        // The registry, then the repository path under the mirror's project: registry.example.com/ml/train is
        // harbor.dc1.example.com/ml-registry/ml/train there.
        overriders: {
          imageOverrider: [
            { predicate: { path: '/spec/template/spec/containers/0/image' }, component: 'Registry', operator: 'replace', value: 'harbor.dc1.example.com' },
            { predicate: { path: '/spec/template/spec/containers/0/image' }, component: 'Repository', operator: 'replace', value: 'ml-registry/ml/train' },
          ],
        },
      },
      {
        targetCluster: { clusterNames: ['gke-burst'] },
        overriders: {
          plaintext: [
            { path: '/spec/template/spec/nodeSelector', operator: 'remove' },
            {
              // The node affinity only, beside the training pods' anti-affinity.
              path: '/spec/template/spec/affinity/nodeAffinity',
              operator: 'add',
              value: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cloud.google.com/gke-accelerator', operator: 'In', values: ['nvidia-h100-80gb', 'nvidia-a100-80gb'] }] }] } },
            },
          ],
        },
      },
    ]);
  });

  test('pods with an anti-affinity of their own keep it: the overrides replace or remove their node affinity alone', () => {
    const chart = Testing.chart();
    const twoProducts = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB, GpuProduct.A100_SXM4_80GB] });
    const job = new DistributedTrainingJob(chart, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image: IMAGE, script: 'train.py', nodes: 2, nodePool: twoProducts });
    const onePool = new ClusterTarget({ name: 'one', nodePool: GpuNodePool.onPrem({ products: [GpuProduct.L4] }) });
    const gkePool = new ClusterTarget({ name: 'gke', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB, GkeAccelerator.NVIDIA_A100_80GB] }) });
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [new ClusterTarget({ name: 'home', nodePool: twoProducts }), onePool, gkePool] });
    const rules = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
    const plaintext = (cluster: string) => rules.find((r: any) => r.targetCluster.clusterNames[0] === cluster).overriders.plaintext;
    expect(plaintext('one')).toContainEqual({ path: '/spec/template/spec/affinity/nodeAffinity', operator: 'remove' });
    expect(plaintext('gke').find((p: any) => p.path.includes('affinity'))).toMatchObject({ path: '/spec/template/spec/affinity/nodeAffinity', operator: 'replace' });
  });

  test("a Deployment of the app with an HPA companion: the template states the HPA's minReplicas, unless it states replicas of its own", () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.onPrem({ products: [GpuProduct.L4] });
    const placed = renderNodePlacement(pool);
    const deployment = (name: string, replicas?: number) => new ApiObject(chart, name, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'ml' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: IMAGE }], nodeSelector: placed.nodeSelector, tolerations: placed.tolerations!.map((t) => k8s.toJson_Toleration(t)) } },
      },
    });
    const hpa = (name: string, minReplicas?: number) => new ApiObject(chart, `${name}-hpa`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: 'ml' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas, maxReplicas: 6 },
    });
    const target = new ClusterTarget({ name: 'home', nodePool: pool });
    for (const [name, replicas, minReplicas] of [['five', undefined, 5], ['unset', undefined, undefined], ['own', 3, 2]] as const) {
      new KarmadaPlacement(chart, `p-${name}`, { workload: PlaceableWorkload.fromApiObject(deployment(name, replicas), pool, { companions: [hpa(name, minReplicas)] }), targets: [target] });
    }
    const replicasOf = (name: string) => ofKind(synth(chart), 'apps/v1', 'Deployment').find((d) => d.metadata.name === name).spec.replicas;
    // The HPA's minReplicas defaults to 1; a template that states replicas keeps them.
    expect([replicasOf('five'), replicasOf('unset'), replicasOf('own')]).toEqual([5, 1, 3]);
  });

  test('an object made elsewhere with a pod anti-affinity of its own is placeable: its node affinity is compared and patched alone', () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB, GpuProduct.A100_SXM4_80GB] });
    const placed = renderNodePlacement(pool);
    const antiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] };
    const deployment = new ApiObject(chart, 'd', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', namespace: 'ml' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'x' } },
          spec: {
            containers: [{ name: 'c', image: IMAGE }],
            affinity: { ...k8s.toJson_Affinity(placed.affinity!), podAntiAffinity: antiAffinity },
            tolerations: placed.tolerations!.map((t) => k8s.toJson_Toleration(t)),
          },
        },
      },
    });
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(deployment, pool), targets: [new ClusterTarget({ name: 'home', nodePool: pool }), gke] });
    const rule = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules[0];
    expect(rule.overriders.plaintext.find((p: any) => p.path.includes('affinity')).path).toBe('/spec/template/spec/affinity/nodeAffinity');
  });

  test('the override values are what the renderer gives a workload on that pool', () => {
    const { chart, job } = trainingChart();
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [aks] });
    const patches = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules[0].overriders.plaintext;
    const direct = Testing.chart();
    new DistributedTrainingJob(direct, 'train', { image: IMAGE, script: 'train.py', nodePool: aks.nodePool });
    const spec = oneOf(synth(direct), 'batch/v1', 'Job').spec.template.spec;
    expect(patches).toEqual([
      { path: '/spec/template/spec/nodeSelector', operator: 'replace', value: spec.nodeSelector },
      { path: '/spec/template/spec/tolerations', operator: 'replace', value: spec.tolerations },
    ]);
  });

  test('the runtime class is placement: removed where the target\'s nodes run the NVIDIA runtime by default, added or replaced where they need one', () => {
    const k3s = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB], runtimeClassName: 'nvidia' });
    const chart = Testing.chart();
    const job = new DistributedTrainingJob(chart, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image: IMAGE, script: 'train.py', nodePool: k3s });
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [new ClusterTarget({ name: 'k3s', nodePool: k3s }), new ClusterTarget({ name: 'dc', nodePool: onPremPool })] });
    const rules = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
    expect(rules).toEqual([{ targetCluster: { clusterNames: ['dc'] }, overriders: { plaintext: [{ path: '/spec/template/spec/runtimeClassName', operator: 'remove' }] } }]);

    const back = Testing.chart();
    const onDc = new DistributedTrainingJob(back, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image: IMAGE, script: 'train.py', nodePool: onPremPool });
    new KarmadaPlacement(back, 'placement', { workload: onDc, targets: [new ClusterTarget({ name: 'k3s', nodePool: k3s })] });
    expect(oneOf(synth(back), POLICY, 'OverridePolicy').spec.overrideRules[0].overriders.plaintext)
      .toEqual([{ path: '/spec/template/spec/runtimeClassName', operator: 'add', value: 'nvidia' }]);

    const cdi = Testing.chart();
    const onK3s = new DistributedTrainingJob(cdi, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image: IMAGE, script: 'train.py', nodePool: k3s });
    const cdiPool = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB], runtimeClassName: 'nvidia-cdi' });
    new KarmadaPlacement(cdi, 'placement', { workload: onK3s, targets: [new ClusterTarget({ name: 'cdi', nodePool: cdiPool })] });
    expect(oneOf(synth(cdi), POLICY, 'OverridePolicy').spec.overrideRules[0].overriders.plaintext)
      .toEqual([{ path: '/spec/template/spec/runtimeClassName', operator: 'replace', value: 'nvidia-cdi' }]);
  });

  test('an override that adds a runtime class to a Knative Service needs the member clusters\' flag', () => {
    const k3s = new ClusterTarget({ name: 'k3s', nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' }) });
    const chart = Testing.chart();
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: L4_POOL });
    memberFeatures(chart);
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, L4_POOL), targets: [k3s] });
    expect(() => synth(chart)).toThrow("got 'k3s adds runtimeClassName': list kubernetes.podspec-runtimeclassname in `enabled`");

    const declared = Testing.chart();
    const declaredService = new GpuInferenceService(declared, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: L4_POOL });
    new KnativeFeatures(declared, 'features', {
      emitConfigMap: false, enabled: [KnativeFeature.NODE_SELECTOR, KnativeFeature.TOLERATIONS, KnativeFeature.RUNTIME_CLASS_NAME],
    });
    new KarmadaPlacement(declared, 'placement', { workload: PlaceableWorkload.fromApiObject(declaredService.apiObject, L4_POOL), targets: [k3s] });
    expect(oneOf(synth(declared), POLICY, 'OverridePolicy').spec.overrideRules[0].overriders.plaintext)
      .toEqual([{ path: '/spec/template/spec/runtimeClassName', operator: 'add', value: 'nvidia' }]);
  });

  test('no OverridePolicy when every target matches and has no mirror', () => {
    const { chart, job } = trainingChart();
    const placement = new KarmadaPlacement(chart, 'placement', { workload: job, targets: [new ClusterTarget({ name: 'dc2', nodePool: onPremPool })] });
    expect(ofKind(synth(chart), POLICY, 'OverridePolicy')).toHaveLength(0);
    expect(placement.overridePolicy).toBeUndefined();
  });

  test('any ApiObject is placeable, e.g. a GpuInferenceService', () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    memberFeatures(chart);
    new KarmadaPlacement(chart, 'placement', {
      workload: PlaceableWorkload.fromApiObject(service.apiObject, pool),
      targets: [onPrem, gke],
      mode: KarmadaPlacementMode.DUPLICATED,
      overridePlacement: false,
    });
    const policy = ofKind(synth(chart), POLICY, 'PropagationPolicy')[0];
    expect(policy.spec.resourceSelectors).toEqual([{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'classifier' }]);
    expect(policy.spec.placement.clusterAffinity).toEqual({ clusterNames: ['on-prem', 'gke-burst'] });
  });

  test('fails when an override would add a Knative-gated field to a Knative Service in a member cluster', () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.nvidia({ products: [GpuProduct.L4] }); // nodeSelector and tolerations, no affinity
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    memberFeatures(chart);
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, pool), targets: [onPrem, gke] });
    expect(() => synth(chart)).toThrow(
      "[test/placement] 'targets' must be node pools whose overrides add only Knative-gated fields the member clusters enable to the Knative Service 'classifier', " +
      "got 'gke-burst adds affinity': list kubernetes.podspec-affinity in `enabled` of a KnativeFeatures with emitConfigMap: false once the member clusters enable it",
    );
  });

  test('fails when the member clusters are not declared to enable the placed service\'s own gated fields', () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    // Enough for the service where this app is applied, but that ConfigMap stays on the Karmada control plane.
    new KnativeFeatures(chart, 'features');
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, pool), targets: [onPrem], overridePlacement: false });
    expect(() => synth(chart)).toThrow(
      "[test/placement] 'workload' must be a Knative Service whose gated fields the member clusters enable, declared in `enabled` of a KnativeFeatures beside this " +
      'placement (a config-features this app writes stays on the Karmada control plane, which no member cluster reads), got \'classifier needs nodeSelector, tolerations\': ' +
      'list kubernetes.podspec-nodeselector, kubernetes.podspec-tolerations in `enabled` of a KnativeFeatures with emitConfigMap: false once the member clusters enable them',
    );
    // Listing them in a KnativeFeatures that writes its ConfigMap does not help: that one stays here too.
    const listed = Testing.chart();
    const svc = new GpuInferenceService(listed, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    new KnativeFeatures(listed, 'features', { enabled: [KnativeFeature.NODE_SELECTOR, KnativeFeature.TOLERATIONS] });
    new KarmadaPlacement(listed, 'placement', { workload: PlaceableWorkload.fromApiObject(svc.apiObject, pool), targets: [onPrem], overridePlacement: false });
    expect(() => synth(listed)).toThrow("got 'classifier needs nodeSelector, tolerations'");
  });

  test('reads the gated fields of a Knative Service made without this library from its object', () => {
    const chart = Testing.chart();
    const ksvc = new ApiObject(chart, 'plain', {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'plain' },
      spec: { template: { spec: { containers: [{ image: 'registry.example.com/svc:1.0.0' }], runtimeClassName: 'nvidia' } } },
    });
    // A runtime class is placement: the pool the pods were rendered with names it.
    expect(() => PlaceableWorkload.fromApiObject(ksvc, GpuNodePool.custom({}))).toThrow(
      "'nodePool' must be the node pool the pods of Service 'plain' were rendered with (the overrides patch their placement), got 'one that renders another runtimeClassName (the pods' nvidia, the pool's none)': " +
      'pass the nodePool given to the workload; a runtime class is the pool\'s runtimeClassName');
    const pool = GpuNodePool.custom({ runtimeClassName: 'nvidia' });
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(ksvc, pool), targets: [onPrem], overridePlacement: false });
    expect(() => synth(chart)).toThrow("got 'plain needs runtimeClassName'");
  });

  test.each([['before', true], ['after', false]])('an override may add a Knative-gated field that a KnativeFeatures of the app lists as enabled, declared %s the placement', (_, before) => {
    const chart = Testing.chart();
    const pool = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    memberFeatures(chart);
    const declare = () => new KnativeFeatures(chart, 'members', { emitConfigMap: false, enabled: [KnativeFeature.AFFINITY] });
    if (before) declare();
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, pool), targets: [onPrem, gke] });
    if (!before) declare();
    const rules = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
    const gkeRule = rules.find((r: any) => r.targetCluster.clusterNames[0] === 'gke-burst');
    expect(gkeRule.overriders.plaintext.map((p: any) => `${p.operator} ${p.path}`)).toContain('add /spec/template/spec/affinity');
  });

  test("an override that only changes a Knative Service's gated fields, not adds them, is written", () => {
    const chart = Testing.chart();
    const pool = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
    const service = new GpuInferenceService(chart, 'svc', { metadata: { name: 'classifier' }, image: 'registry.example.com/svc:1.0.0', nodePool: pool });
    memberFeatures(chart);
    const other = new ClusterTarget({ name: 'other', nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A100_SXM4_40GB] }) });
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, pool), targets: [other] });
    const [rule] = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
    expect(rule.overriders.plaintext.map((p: any) => `${p.operator} ${p.path}`)).toEqual(['replace /spec/template/spec/nodeSelector']);
  });

  test('a registry mirror names every image by its path: init containers, and kinds Karmada does not know (a Knative Service)', () => {
    const chart = Testing.chart();
    const service = serviceWithWeights(chart);
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, L4_POOL), targets: [mirrored('dc1')] });
    const objects = synth(chart);
    const [rule] = oneOf(objects, POLICY, 'OverridePolicy').spec.overrideRules;
    // Each path names an image of the object as applied: what Karmada's obtainImageValue reads.
    const ksvc = oneOf(objects, 'serving.knative.dev/v1', 'Service');
    expect(ksvc.spec.template.spec.initContainers[0].image).toMatch(/^docker\.io\/minio\/mc:/);
    expect(rule.overriders.imageOverrider.map((o: any) => [o.predicate.path.split('/').slice(-3, -1).join('/'), o.component, o.operator, o.value])).toEqual([
      ['containers/0', 'Registry', 'replace', 'harbor.dc1.example.com'],
      ['containers/0', 'Repository', 'replace', 'svc'],
      ['initContainers/0', 'Registry', 'replace', 'harbor.dc1.example.com'],
      ['initContainers/0', 'Repository', 'replace', 'minio/mc'],
    ]);
  });

  test('the placement in another chart than the workload (the hybrid layout) reads its images at synth', () => {
    const app = Testing.app();
    const workloads = new Chart(app, 'workloads', { namespace: 'ml' });
    const control = new Chart(app, 'karmada', { namespace: 'ml' });
    const service = serviceWithWeights(workloads);
    new KarmadaPlacement(control, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, L4_POOL), targets: [mirrored('dc1')] });
    const [rule] = oneOf(synthApp(app), POLICY, 'OverridePolicy').spec.overrideRules;
    expect(new Set(rule.overriders.imageOverrider.map((o: any) => o.predicate.path))).toEqual(new Set(['/spec/template/spec/containers/0/image', '/spec/template/spec/initContainers/0/image']));
  });

  test('targets with mirrors share the reads of the workload: as many for two targets as for one', () => {
    const readsWith = (targets: ClusterTarget[]) => {
      const chart = Testing.chart();
      const service = serviceWithWeights(chart);
      new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(service.apiObject, L4_POOL), targets });
      const reads = jest.spyOn(service.apiObject, 'toJson');
      const rules = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
      expect(rules.map((r: any) => r.overriders.imageOverrider.length)).toEqual(targets.map(() => 4));
      return reads.mock.calls.length;
    };
    // The Service's own synth, the mirror check once (kept over cdk8s's validation passes, two for one chart), one
    // read for the rules.
    expect(readsWith([mirrored('dc1')])).toBe(3);
    expect(readsWith([mirrored('dc1'), mirrored('dc2')])).toBe(3);
  });

  describe('validation', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    /** The image the on-prem member cluster gets: the overriders applied the way Karmada does, one after the other. */
    const karmadaApplies = (image: string, overriders: any[]) => overriders.reduce((img: string, o: any) => {
      const at = img.indexOf('@');
      const name = at < 0 ? img : img.slice(0, at);
      const tagged = name.lastIndexOf(':') > name.lastIndexOf('/');
      const repository = tagged ? name.slice(0, name.lastIndexOf(':')) : name;
      const tail = tagged ? name.slice(name.lastIndexOf(':')) : img.slice(name.length);
      const slash = repository.indexOf('/');
      const [host, rest] = slash < 0 ? ['', repository] : [repository.slice(0, slash), repository.slice(slash + 1)];
      return o.component === 'Registry' ? `${o.value}/${rest}${tail}` : `${host ? `${host}/` : ''}${o.value}${tail}`;
    }, image);

    test.each([
      ["Docker Hub's short form", 'pytorch/pytorch:2.4.1', 'harbor.dc1.example.com/dockerhub/pytorch/pytorch:2.4.1'],
      ['a library image', 'python:3.12.7-slim', 'harbor.dc1.example.com/dockerhub/library/python:3.12.7-slim'],
      ['a library image on docker.io', 'docker.io/python:3.12.7-slim', 'harbor.dc1.example.com/dockerhub/library/python:3.12.7-slim'],
      ['a digest', `docker.io/pytorch/pytorch@${digest}`, `harbor.dc1.example.com/dockerhub/pytorch/pytorch@${digest}`],
    ])("rewrites %s into the mirror's copy, registry and repository", (_, image, pulled) => {
      const chart = Testing.chart();
      const job = new DistributedTrainingJob(chart, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image, script: 'train.py', nodePool: onPremPool });
      const hub = new ClusterTarget({ name: 'on-prem', nodePool: onPremPool, registryMirrors: { 'docker.io': 'harbor.dc1.example.com/dockerhub' } });
      new KarmadaPlacement(chart, 'job', { workload: job, targets: [hub, gke] });
      const [rule] = oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules;
      expect(karmadaApplies(image, rule.overriders.imageOverrider)).toBe(pulled);
    });

    test('fails at synth on an image with a tag and a digest that a mirror rewrites: Karmada writes it back with its tag only', () => {
      const chart = Testing.chart();
      const image = `registry.example.com/ml/train:2.4.1@${digest}`;
      const job = new DistributedTrainingJob(chart, 'train', { metadata: { name: 'burst', namespace: 'ml' }, image, script: 'train.py', nodePool: onPremPool });
      new KarmadaPlacement(chart, 'job', { workload: job, targets: [onPrem, gke] });
      expect(() => synth(chart)).toThrow("'workload' must be images a registry mirror rewrites pinned by a tag or a digest alone: Karmada writes an image back " +
        `with its tag only (for on-prem), got '${image}': pin it by digest alone, registry.example.com/ml/train@${digest}`);
      // Without a mirror for its registry nothing rewrites it.
      const other = Testing.chart();
      const kept = new DistributedTrainingJob(other, 'train', { image: `ghcr.io/ml/train:2.4.1@${digest}`, script: 'train.py', nodePool: onPremPool });
      new KarmadaPlacement(other, 'job', { workload: kept, targets: [onPrem, gke] });
      expect(() => synth(other)).not.toThrow();
    });

    test('a target whose mirrors serve none of the workload\'s registries gets no rule', () => {
      const { chart, job } = trainingChart();
      const quayOnly = new ClusterTarget({ name: 'quay-only', nodePool: onPremPool, registryMirrors: { 'quay.io': 'harbor.dc1.example.com/quay-proxy' } });
      new KarmadaPlacement(chart, 'placement', { workload: job, targets: [quayOnly, gke] });
      expect(oneOf(synth(chart), POLICY, 'OverridePolicy').spec.overrideRules.map((r: any) => r.targetCluster.clusterNames)).toEqual([['gke-burst']]);
    });

    test('a registry mirror for a workload whose object is unknown is refused: each image is rewritten by its path', () => {
      const { chart, job } = trainingChart();
      const { apiObject, ...withoutObject } = job.workloadPlacement;
      expect(apiObject).toBe(job.job);
      expect(() => new KarmadaPlacement(chart, 'job', { workload: { workloadPlacement: withoutObject }, targets: [onPrem] })).toThrow(
        "'targets[].registryMirrors' must be set only for a workload whose object is known (WorkloadPlacement.apiObject), whose images are rewritten by their paths, " +
        "got 'on-prem for a Job without its object': place it with PlaceableWorkload.fromApiObject");
      expect(() => new KarmadaPlacement(chart, 'plain', { workload: { workloadPlacement: withoutObject }, targets: [gke] })).not.toThrow();
    });

    test('fails on a pod spec path that names no pod spec', () => {
      const { job } = trainingChart();
      expect(() => PlaceableWorkload.fromApiObject(job.job, onPremPool, { podSpecPath: '/spec/template' }))
        .toThrow("'podSpecPath' must be the path of the pod spec in Job 'burst', got '/spec/template'");
    });

    test('fails on a node pool other than the one the pods were rendered with: the override patches would miss their fields', () => {
      const { job } = trainingChart();
      expect(() => PlaceableWorkload.fromApiObject(job.job, gke.nodePool))
        .toThrow("'nodePool' must be the node pool the pods of Job 'burst' were rendered with (the overrides patch their placement), got 'one that renders another nodeSelector, affinity': pass the nodePool given to the workload");
      expect(() => PlaceableWorkload.fromApiObject(job.job, onPremPool)).not.toThrow();
    });

    test('fails on companions in another namespace and on policy names Karmada refuses', () => {
      const { chart, job } = trainingChart();
      const shared = new ApiObject(new Chart(chart, 'platform', { namespace: 'platform' }), 'shared', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } });
      const workload = PlaceableWorkload.fromApiObject(job.job, onPremPool, { companions: [shared] });
      expect(() => new KarmadaPlacement(chart, 'p', { workload, targets: [onPrem] }))
        .toThrow("'companions' must be objects in the workload's namespace (ml): a PropagationPolicy selects objects of its own namespace, got 'ConfigMap platform/shared'");
      const local = new ApiObject(chart, 'local', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'local' } });
      const withCompanion = PlaceableWorkload.fromApiObject(job.job, onPremPool, { companions: [local] });
      expect(() => new KarmadaPlacement(chart, 'q', { workload: withCompanion, targets: [onPrem], name: 'n'.repeat(53) }))
        .toThrow(`'name' must be a policy name of at most 63 characters with '-companions' added for the companions' policy, got '${'n'.repeat(53)}'`);
      expect(() => new KarmadaPlacement(chart, 'r', { workload: withCompanion, targets: [onPrem], name: 'n'.repeat(52) })).not.toThrow();
    });

    test('fails without targets', () => {
      const { chart, job } = trainingChart();
      expect(() => new KarmadaPlacement(chart, 'p', { workload: job, targets: [] })).toThrow("'targets' must be at least one cluster target, got '[]'");
    });

    test('fails on duplicate targets', () => {
      const { chart, job } = trainingChart();
      expect(() => new KarmadaPlacement(chart, 'p', { workload: job, targets: [gke, gke] })).toThrow("'targets' must be clusters with unique names, got 'gke-burst,gke-burst'");
    });

    test('fails on a policy name the apiserver refuses', () => {
      const { chart, job } = trainingChart();
      expect(() => new KarmadaPlacement(chart, 'p', { workload: job, targets: [gke], name: 'Burst_Policy' })).toThrow("'name' must be an object name: a DNS subdomain");
    });

    test('fails on a target name too long for a Karmada affinity group', () => {
      const { chart, job } = trainingChart();
      const long = new ClusterTarget({ name: 'a-very-long-cluster-name-in-europe-west4', nodePool: onPremPool });
      expect(() => new KarmadaPlacement(chart, 'p', { workload: job, targets: [long] })).toThrow("'targets[].name' must be at most 32 characters, the limit of a Karmada affinityName");
    });

    test('fails on a pod spec path that is not a JSON pointer', () => {
      const { chart, job } = trainingChart();
      expect(() => PlaceableWorkload.fromApiObject(job.job, onPremPool, { podSpecPath: 'spec.template.spec' }))
        .toThrow("'podSpecPath' must be a JSON pointer such as '/spec/template/spec', got 'spec.template.spec'");
      expect(chart.node.findAll().filter((c) => c instanceof KarmadaPlacement)).toEqual([]);
    });
  });

  test("every workload's GPU resource is checked against each target's nodes: the override moves the pods, not their resources", () => {
    const chart = Testing.chart();
    const mixed = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], migStrategy: MigStrategy.MIXED });
    const job = new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', nodePool: mixed, gpu: GpuResource.mig('3g.40gb') });
    const partitions = new ClusterTarget({ name: 'gke-mig', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_A100_80GB], gpuPartitionSize: '3g.40gb' }) });
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [new ClusterTarget({ name: 'on-prem', nodePool: mixed }), partitions] });
    expect(() => synth(chart)).toThrow("on target 'gke-mig', whose node pool the override puts it on: 'gpu' must be nvidia.com/gpu on a node pool that advertises " +
      'its MIG slices as nvidia.com/gpu (GKE, the single MIG strategy)');
    // The same job placed on targets whose nodes advertise its slices is written.
    const ok = Testing.chart();
    const job2 = new DistributedTrainingJob(ok, 'train', { image: IMAGE, script: 'train.py', nodePool: mixed, gpu: GpuResource.mig('3g.40gb') });
    const other = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB], migStrategy: MigStrategy.MIXED });
    new KarmadaPlacement(ok, 'placement', { workload: job2, targets: [new ClusterTarget({ name: 'a', nodePool: mixed }), new ClusterTarget({ name: 'b', nodePool: other })] });
    expect(() => synth(ok)).not.toThrow();
  });

  test.each(['1g.10gb+me', '1g.10gb+me.all', '1g.10gb+gfx', '1g.10gb-me'])('a %s slice, whose resource name the device plugin rewrites, is checked too', (profile) => {
    const chart = Testing.chart();
    const mixed = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], migStrategy: MigStrategy.MIXED });
    const job = new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', nodePool: mixed, gpu: GpuResource.mig(profile) });
    const migTarget = new ClusterTarget({ name: 'gke-mig', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_A100_80GB], gpuPartitionSize: '1g.10gb' }) });
    new KarmadaPlacement(chart, 'placement', { workload: job, targets: [new ClusterTarget({ name: 'on-prem', nodePool: mixed }), migTarget] });
    expect(() => synth(chart)).toThrow("on target 'gke-mig', whose node pool the override puts it on: 'gpu' must be nvidia.com/gpu on a node pool");
  });

  test('a Triton workload is checked against every target\'s GPUs, not only the pool it was rendered with', () => {
    const chart = new Chart(Testing.app(), 'triton', { namespace: 'ml' });
    const repo = new TritonModelRepo(chart, 'repo', {
      artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')),
      models: [trtPlan(30)],
    });
    // Fits the on-prem A100 40GB it is rendered for.
    const server = new TritonServer(chart, 'triton', { repository: repo, nodePool: onPremPool, replicas: 1, metadata: { name: 'llm' } });
    const l4 = new ClusterTarget({ name: 'gke-l4', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4] }) });
    new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(server.deployment, onPremPool), targets: [onPrem, l4] });
    expect(() => synth(chart)).toThrow(/on target 'gke-l4', whose node pool the override puts it on: 'gpuMemoryPerInstance' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 23034Mi \(NVIDIA-L4\)/);
    // One TensorRT plan for A100 (8.0) and L4 (8.9): the same pod spec lands on both.
    expect(() => synth(chart)).toThrow("across the targets (on-prem, gke-l4), which run the same pod spec: 'model[llm].ccModelFilenames' must be a plan for each " +
      "compute capability of the pool's GPUs (8.0, 8.9) but one");
    // A target with GPUs it fits passes.
    const ok = new Chart(Testing.app(), 'ok', { namespace: 'ml' });
    const okRepo = new TritonModelRepo(ok, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(ok, 'c', 'models')) });
    okRepo.addModel(trtPlan(30));
    const okServer = new TritonServer(ok, 'triton', { repository: okRepo, nodePool: onPremPool, replicas: 1, metadata: { name: 'llm' } });
    const a100 = new ClusterTarget({ name: 'gke-a100', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_TESLA_A100] }) });
    new KarmadaPlacement(ok, 'placement', { workload: PlaceableWorkload.fromApiObject(okServer.deployment, onPremPool), targets: [onPrem, a100] });
    expect(() => synth(ok)).not.toThrow();
  });

  describe('a Triton workload on the targets\' pools', () => {
    const model = trtPlan(12);
    const errorsOf = (build: (chart: Chart, repo: TritonModelRepo) => void) => {
      const chart = new Chart(Testing.app(), 't', { namespace: 'ml' });
      const repo = new TritonModelRepo(chart, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')), models: [model] });
      build(chart, repo);
      try {
        synth(chart);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const server = (chart: Chart, repo: TritonModelRepo, extra: object = {}) =>
      new TritonServer(chart, 'triton', { repository: repo, nodePool: onPremPool, replicas: 1, metadata: { name: 'llm' }, ...extra });

    test('a TritonKnativeService too, and a target of unknown GPUs needs its products, not the workload\'s gpuMemory', () => {
      const colo = new ClusterTarget({ name: 'colo', nodePool: GpuNodePool.onPrem({ products: [GpuProduct.of('NVIDIA-A100X')] }) });
      const message = errorsOf((chart, repo) => {
        const tks = new TritonKnativeService(chart, 'triton', { repository: repo, nodePool: onPremPool, gpuMemory: Size.gibibytes(40), metadata: { name: 'llm' } });
        new KnativeFeatures(chart, 'members', { emitConfigMap: false, enabled: [KnativeFeature.AFFINITY, KnativeFeature.TOLERATIONS, KnativeFeature.NODE_SELECTOR, KnativeFeature.PERSISTENT_VOLUME_CLAIM] });
        new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(tks.service.apiObject, onPremPool), targets: [onPrem, colo] });
      });
      expect(message).toContain("on target 'colo', whose node pool the override puts it on: 'nodePool' must be a pool whose GPUs are known (products with their memory, " +
        "or MIG slices), to check the GPU memory the models state (gpuMemoryPerInstance), got 'unknown': state the target pool's products");
    });

    test('the image\'s compute capability and MIG slices are checked on each target', () => {
      const v100 = new ClusterTarget({ name: 'v100', nodePool: GpuNodePool.onPrem({ products: [GpuProduct.V100_SXM2_16GB] }) });
      expect(errorsOf((chart, repo) => {
        new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(server(chart, repo).deployment, onPremPool), targets: [onPrem, v100] });
      })).toContain("on target 'v100', whose node pool the override puts it on: 'nodePool' must be GPUs of compute capability 7.5 or later");
      const mig = new ClusterTarget({ name: 'mig', nodePool: GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '3g.40gb', products: [GpuProduct.A100_SXM4_80GB] }) });
      expect(errorsOf((chart, repo) => {
        new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(server(chart, repo, { gpuCount: 2 }).deployment, onPremPool), targets: [onPrem, mig] });
      })).toContain("on target 'mig', whose node pool the override puts it on: 'gpuCount' must be 1 on a pool of MIG slices (3g.40gb)");
    });

    test('one TensorRT plan across the targets\' pools only, and no pool checks when the placement is not overridden', () => {
      const l4 = new ClusterTarget({ name: 'gke-l4', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4] }) });
      // Rendered for on-prem A100 but placed on L4 only: one compute capability where it runs.
      expect(errorsOf((chart, repo) => {
        new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(server(chart, repo).deployment, onPremPool), targets: [l4] });
      })).toBe('');
      expect(errorsOf((chart, repo) => {
        new KarmadaPlacement(chart, 'placement', { workload: PlaceableWorkload.fromApiObject(server(chart, repo).deployment, onPremPool), targets: [onPrem, l4], overridePlacement: false });
      })).toBe('');
    });
  });

  test('a GpuInferenceService, a TritonServer and a TritonKnativeService are placeable as they are, with their companions', () => {
    const chart = new Chart(Testing.app(), 'direct', { namespace: 'ml' });
    const repo = new TritonModelRepo(chart, 'repo', {
      metadata: { name: 'models' },
      artifacts: ModelArtifactSource.fromPersistentVolumeClaim(PersistentVolumeClaim.fromClaimName(chart, 'c', 'models')),
      models: [{ name: 'm', platform: ModelPlatform.ONNXRUNTIME_ONNX, maxBatchSize: 8, inputs: [{ name: 'in', dataType: TensorDataType.FP32, dims: [3] }], outputs: [{ name: 'out', dataType: TensorDataType.FP32, dims: [3] }] }],
    });
    const server = new TritonServer(chart, 'server', { repository: repo, nodePool: onPremPool, metadata: { name: 'triton' } });
    const tks = new TritonKnativeService(chart, 'tks', { repository: repo, nodePool: onPremPool, metadata: { name: 'triton-burst' } });
    const gis = new GpuInferenceService(chart, 'gis', { image: IMAGE, nodePool: onPremPool, metadata: { name: 'classifier' } });
    new KnativeFeatures(chart, 'members', {
      emitConfigMap: false,
      enabled: [KnativeFeature.NODE_SELECTOR, KnativeFeature.AFFINITY, KnativeFeature.TOLERATIONS, KnativeFeature.PERSISTENT_VOLUME_CLAIM],
    });
    new KarmadaPlacement(chart, 'p-server', { workload: server, targets: [onPrem, gke] });
    // The repository's ConfigMap is shared: allowed for placements on the same targets.
    new KarmadaPlacement(chart, 'p-tks', { workload: tks, targets: [gke, onPrem] });
    new KarmadaPlacement(chart, 'p-gis', { workload: gis, targets: [onPrem] });
    // Karmada keeps an object with the first policy that claims it: a workload placed twice, or a companion shared with
    // other targets, is refused.
    expect(() => new KarmadaPlacement(chart, 'p-tks-2', { workload: tks, name: 'triton-burst-2', targets: [gke, onPrem] })).toThrow(
      "'workload' must be a workload no other KarmadaPlacement places: Karmada keeps an object with the first policy that claims it, " +
      "got 'Service 'triton-burst', placed by 'direct/p-tks' already': place it once, with every target in one KarmadaPlacement");
    const other = new TritonServer(chart, 'other', { repository: repo, nodePool: onPremPool, replicas: 1, metadata: { name: 'triton-other' } });
    expect(() => new KarmadaPlacement(chart, 'p-other', { workload: other, targets: [onPrem] })).toThrow(
      "'workload' must be companions no other KarmadaPlacement propagates to other targets: Karmada keeps an object with the first policy that claims it, " +
      "so ConfigMap 'models' would reach the targets of one placement only, got 'ConfigMap 'models', also a companion of 'direct/p-server' (targets gke-burst, on-prem; " +
      "here on-prem)'");
    const policies = ofKind(synth(chart), POLICY, 'PropagationPolicy');
    const selectors = (name: string) => policies.find((p) => p.metadata.name === name).spec.resourceSelectors.map((r: any) => `${r.kind}/${r.name}`);
    expect(selectors('triton')).toEqual(['Deployment/triton']);
    expect(selectors('triton-companions')).toEqual(['Service/triton', 'PodDisruptionBudget/triton', 'HorizontalPodAutoscaler/triton', 'ConfigMap/models']);
    // Its HPA scales it in the member cluster: Karmada keeps those replicas only with this label.
    expect(server.deployment.metadata.getLabel('resourcetemplate.karmada.io/retain-replicas')).toBe('true');
    expect(tks.service.apiObject.metadata.getLabel('resourcetemplate.karmada.io/retain-replicas')).toBeUndefined();
    // Karmada places a Deployment for the replicas its template states (1 without any): the HPA's fewest, 2 by default.
    const deployments = ofKind(synth(chart), 'apps/v1', 'Deployment');
    expect(deployments.find((d) => d.metadata.name === 'triton').spec.replicas).toBe(2);
    expect(deployments.find((d) => d.metadata.name === 'triton-other').spec.replicas).toBe(1);
    expect(selectors('triton-burst')).toEqual(['Service/triton-burst']);
    expect(selectors('triton-burst-companions')).toEqual(['ConfigMap/models']);
    expect(selectors('classifier')).toEqual(['Service/classifier']);
    expect(policies.map((p) => p.metadata.name)).not.toContain('classifier-companions');
    // Triton reads a native repository from the store: no ConfigMap to carry.
    const native = new Chart(Testing.app(), 'native', { namespace: 'ml' });
    const nativeRepo = new TritonModelRepo(native, 'repo', { artifacts: ModelArtifactSource.fromGcs({ bucket: 'acme-models' }) });
    nativeRepo.addModel({ name: 'm', platform: ModelPlatform.ONNXRUNTIME_ONNX, maxBatchSize: 8, inputs: [{ name: 'in', dataType: TensorDataType.FP32, dims: [3] }], outputs: [{ name: 'out', dataType: TensorDataType.FP32, dims: [3] }] });
    expect(new TritonKnativeService(native, 'tks', { repository: nativeRepo, nodePool: onPremPool }).workloadPlacement.companions).toBeUndefined();
    expect(new TritonServer(native, 'server', { repository: nativeRepo, nodePool: onPremPool }).workloadPlacement.companions?.map((c) => c.kind))
      .toEqual(['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
  });
});
