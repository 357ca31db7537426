import { Chart, Testing } from 'cdk8s';
import { PersistentVolumeClaim, Secret, Volume } from 'cdk8s-plus-27';
import { ClusterChart, ClusterTarget, GpuInferenceService, GpuNodePool, GpuProduct, KnativeFeature, KnativeFeatures } from '../../src';
import { knativeFeaturesOf } from '../../src/serving/_knative-feature-state';
import { ofKind, oneOf, synth, synthApp } from '../_helpers/manifests';

const IMAGE = 'registry.example.com/ml/model:2.0.1';
const configFeatures = (objects: any[]) => oneOf(objects, 'v1', 'ConfigMap');

describe('KnativeFeatures', () => {
  test('defaults: emits config-features enabling what the services need', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE });
    new KnativeFeatures(chart, 'features');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();
    // Every app of the cluster relies on it: a prune by Argo CD or Flux must not delete it.
    expect(configFeatures(objects).metadata.annotations)
      .toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
  });

  test('every prop', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE, nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) });
    new KnativeFeatures(chart, 'features', {
      enabled: [KnativeFeature.RUNTIME_CLASS_NAME, KnativeFeature.EMPTY_DIR], namespace: 'knative-system', emitConfigMap: true,
    });
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();
    const cm = configFeatures(objects);
    expect(cm.metadata).toEqual({
      name: 'config-features',
      namespace: 'knative-system',
      labels: { 'app.kubernetes.io/part-of': 'knative-serving' },
      annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    });
    // The service's flags (nodeSelector, tolerations) plus the extra ones, a default-enabled one (emptyDir) included.
    expect(cm.data).toEqual({
      'kubernetes.podspec-nodeselector': 'enabled',
      'kubernetes.podspec-runtimeclassname': 'enabled',
      'kubernetes.podspec-tolerations': 'enabled',
      'kubernetes.podspec-volumes-emptydir': 'enabled',
    });
  });

  test('the ConfigMap is the union over every service of the app, across charts, sorted, without default-enabled flags', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    new GpuInferenceService(a, 'one', { image: IMAGE, nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) });
    new GpuInferenceService(b, 'two', {
      image: IMAGE,
      modelWeights: { endpoint: 'http://minio:9000', bucket: 'models', credentials: Secret.fromSecretName(b, 's', 'creds') },
    });
    const features = new KnativeFeatures(b, 'features');
    expect(features.enabledFlags.map((f) => f.flag)).toEqual([
      'kubernetes.podspec-init-containers',
      'kubernetes.podspec-nodeselector',
      'kubernetes.podspec-tolerations',
    ]);
    const cm = configFeatures(synth(b));
    expect(cm.metadata).toMatchObject({ name: 'config-features', namespace: 'knative-serving' });
    expect(cm.data).toEqual({
      'kubernetes.podspec-init-containers': 'enabled',
      'kubernetes.podspec-nodeselector': 'enabled',
      'kubernetes.podspec-tolerations': 'enabled',
    });
  });

  test('a flag the library does not model, by its key, for the one writer of config-features; a known key is the same object', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE });
    const hostIpc = KnativeFeature.of('kubernetes.podspec-hostipc', 'hostIPC');
    expect(KnativeFeature.of('kubernetes.podspec-hostipc')).toBe(hostIpc);
    expect(KnativeFeature.of('kubernetes.podspec-affinity')).toBe(KnativeFeature.AFFINITY);
    new KnativeFeatures(chart, 'features', { enabled: [KnativeFeature.of('kubernetes.podspec-dnspolicy'), hostIpc] });
    // Sorted with the flags the services need.
    expect(Object.keys(configFeatures(synth(chart)).data)).toEqual(['kubernetes.podspec-dnspolicy', 'kubernetes.podspec-hostipc', 'kubernetes.podspec-tolerations']);
    expect(hostIpc.field).toBe('hostIPC');
    expect(hostIpc.enabledByDefault).toBe(false);
    for (const flag of ['', 'Kubernetes.PodSpec-HostIPC', 'a b', '-x']) {
      expect(() => KnativeFeature.of(flag)).toThrow('\'KnativeFeature.of(flag)\' must be a config-features key such as \'kubernetes.podspec-hostipc\'');
    }
  });

  test('declaration only: no ConfigMap, services checked against the declared flags', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE });
    const features = new KnativeFeatures(chart, 'features', { emitConfigMap: false, enabled: [KnativeFeature.TOLERATIONS] });
    const objects = synth(chart);
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    expect(features.configMap).toBeUndefined();
    expect(features.enabledFlags).toEqual([KnativeFeature.TOLERATIONS]);
  });

  test('an app whose services need no flag emits an empty data map, so client-side apply removes only the keys this app applied', () => {
    const chart = Testing.chart();
    new KnativeFeatures(chart, 'features');
    expect(synth(chart).find((o) => o.kind === 'ConfigMap').data).toEqual({});
  });

  test('reads every gated field from a pod spec', () => {
    const flags = knativeFeaturesOf({
      affinity: {},
      nodeSelector: { a: 'b' },
      tolerations: [{}],
      topologySpreadConstraints: [{}],
      securityContext: { fsGroup: 1 },
      runtimeClassName: 'nvidia',
      priorityClassName: 'high',
      schedulerName: 'volcano',
      initContainers: [{ name: 'i', env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
      containers: [
        { name: 'a', securityContext: { capabilities: { add: ['SYS_PTRACE'] } }, volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'b' },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c' } }, { name: 'h', hostPath: { path: '/x' } }, { name: 'c', csi: { driver: 'd' } }, { name: 't', emptyDir: {} }],
    }).map((f) => f.flag);
    expect(flags).toEqual([
      'kubernetes.containerspec-addcapabilities',
      'kubernetes.podspec-affinity',
      'kubernetes.podspec-fieldref',
      'kubernetes.podspec-init-containers',
      'kubernetes.podspec-nodeselector',
      'kubernetes.podspec-persistent-volume-claim',
      'kubernetes.podspec-persistent-volume-write',
      'kubernetes.podspec-priorityclassname',
      'kubernetes.podspec-runtimeclassname',
      'kubernetes.podspec-schedulername',
      'kubernetes.podspec-securitycontext',
      'kubernetes.podspec-tolerations',
      'kubernetes.podspec-topologyspreadconstraints',
      'kubernetes.podspec-volumes-csi',
      'kubernetes.podspec-volumes-emptydir',
      'kubernetes.podspec-volumes-hostpath',
      'multi-container',
    ]);
    expect(knativeFeaturesOf({ containers: [{ name: 'a', volumeMounts: [{ name: 'd', readOnly: true }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c', readOnly: true } }] }))
      .toEqual([KnativeFeature.PERSISTENT_VOLUME_CLAIM]);
  });

  test('a claim not marked readOnly needs the write flag even when every mount of it is read-only, as the webhook judges it', () => {
    const chart = Testing.chart();
    const claim = PersistentVolumeClaim.fromClaimName(chart, 'claim', 'weights');
    const svc = new GpuInferenceService(chart, 'svc', { image: IMAGE, volumeMounts: [{ volume: Volume.fromPersistentVolumeClaim(chart, 'v', claim), path: '/data' }] });
    const readOnlyClaim = new GpuInferenceService(chart, 'ro', {
      image: IMAGE, volumeMounts: [{ volume: Volume.fromPersistentVolumeClaim(chart, 'w', claim, { name: 'ro', readOnly: true }), path: '/data' }],
    });
    new KnativeFeatures(chart, 'features');
    expect(svc.requiredKnativeFeatures).toContain(KnativeFeature.PERSISTENT_VOLUME_WRITE);
    expect(readOnlyClaim.requiredKnativeFeatures).not.toContain(KnativeFeature.PERSISTENT_VOLUME_WRITE);
    const objects = synth(chart);
    const mounted = oneOf(objects.filter((o) => o.metadata.name === svc.name), 'serving.knative.dev/v1', 'Service').spec.template.spec;
    expect(mounted.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.readOnly).toBe(false);
    expect(mounted.containers[0].volumeMounts.find((m: any) => m.mountPath === '/data').readOnly).toBe(true);
    expect(configFeatures(objects).data['kubernetes.podspec-persistent-volume-write']).toBe('enabled');
  });

  test('fails on a namespace that is not a DNS label', () => {
    expect(() => new KnativeFeatures(Testing.chart(), 'features', { namespace: 'Bad NS' }))
      .toThrow("'namespace' must be a DNS label (at most 63 lowercase letters, digits and -), got 'Bad NS'");
  });

  test('fails when a second KnativeFeatures in the app would emit config-features again', () => {
    const chart = Testing.chart();
    new KnativeFeatures(chart, 'one');
    expect(() => new KnativeFeatures(chart, 'two')).toThrow(
      "'emitConfigMap' must be true on one KnativeFeatures per cluster (one per ClusterChart, or one per app without cluster charts), got 'true on a second one': " +
      "'test/two' would emit a second config-features ConfigMap to the same cluster: set emitConfigMap to false on it, or remove it",
    );
  });
});

describe('KnativeFeatures per cluster (ClusterChart)', () => {
  const onPrem = new ClusterTarget({ name: 'on-prem', nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) });
  const cloud = new ClusterTarget({ name: 'cloud', nodePool: GpuNodePool.nvidia() });
  const clusters = () => {
    const app = Testing.app();
    return { app, a: new ClusterChart(app, 'on-prem', { target: onPrem }), b: new ClusterChart(app, 'cloud', { target: cloud }) };
  };

  test('each cluster chart emits its own config-features, enabling what its own services need', () => {
    const { app, a, b } = clusters();
    new GpuInferenceService(a, 'svc', { image: IMAGE, nodePool: onPrem.nodePool, metadata: { name: 'svc' } });
    new GpuInferenceService(b, 'svc', { image: IMAGE, nodePool: cloud.nodePool, metadata: { name: 'svc' } });
    const fa = new KnativeFeatures(a, 'features');
    const fb = new KnativeFeatures(b, 'features');
    expect(ofKind(synthApp(app), 'v1', 'ConfigMap')).toHaveLength(2); // the whole app passes the schema gate
    expect(configFeatures(Testing.synth(a)).data).toEqual({ 'kubernetes.podspec-nodeselector': 'enabled', 'kubernetes.podspec-tolerations': 'enabled' });
    expect(configFeatures(Testing.synth(b)).data).toEqual({ 'kubernetes.podspec-tolerations': 'enabled' });
    expect(fa.enabledFlags).toEqual([KnativeFeature.NODE_SELECTOR, KnativeFeature.TOLERATIONS]);
    expect(fb.enabledFlags).toEqual([KnativeFeature.TOLERATIONS]);
  });

  test("one cluster chart's KnativeFeatures does not vouch for another cluster's services", () => {
    const { app, a, b } = clusters();
    new GpuInferenceService(a, 'svc', { image: IMAGE, nodePool: onPrem.nodePool, metadata: { name: 'svc' } });
    new GpuInferenceService(b, 'svc', { image: IMAGE, nodePool: cloud.nodePool, metadata: { name: 'svc' } });
    new KnativeFeatures(a, 'features');
    expect(() => app.synth()).toThrow(
      /\[cloud\/svc\] 'svc' needs Knative feature flags that a default install rejects: kubernetes.podspec-tolerations \(tolerations\); add `new KnativeFeatures\(chart, 'knative-features'\)` in the ClusterChart 'cloud' \(each cluster reads its own config-features\)/,
    );
  });

  test('a KnativeFeatures outside the cluster charts counts for none of them', () => {
    const { app, a } = clusters();
    new GpuInferenceService(a, 'svc', { image: IMAGE, nodePool: onPrem.nodePool, metadata: { name: 'svc' } });
    new KnativeFeatures(new Chart(app, 'knative'), 'features');
    expect(() => app.synth()).toThrow(/\[on-prem\/svc\] 'svc' needs Knative feature flags .* in the ClusterChart 'on-prem'/);
  });

  test('a second emitting KnativeFeatures in the same cluster chart fails; a declaration beside it does not', () => {
    const { a } = clusters();
    new KnativeFeatures(a, 'one');
    new KnativeFeatures(a, 'declared', { emitConfigMap: false, enabled: [KnativeFeature.AFFINITY] });
    expect(() => new KnativeFeatures(a, 'two')).toThrow(/one KnativeFeatures per cluster .*'on-prem\/two' would emit a second config-features ConfigMap to the same cluster/);
  });
});
