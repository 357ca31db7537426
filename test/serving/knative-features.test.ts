import { Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { GpuInferenceService, GpuNodePool, GpuProduct, KnativeFeature, KnativeFeatures } from '../../src';
import { knativeFeaturesOf } from '../../src/serving/knative-features';
import { oneOf, synth } from '../_helpers/manifests';

const IMAGE = 'registry.example.com/ml/model:2.0.1';
const configFeatures = (objects: any[]) => oneOf(objects, 'v1', 'ConfigMap');

describe('KnativeFeatures', () => {
  test('defaults: emits config-features enabling what the services need', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE });
    new KnativeFeatures(chart, 'features');
    expect(synth(chart)).toMatchSnapshot();
  });

  test('every prop', () => {
    const chart = Testing.chart();
    new GpuInferenceService(chart, 'svc', { image: IMAGE, nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) });
    new KnativeFeatures(chart, 'features', { enabled: [KnativeFeature.RUNTIME_CLASS_NAME, KnativeFeature.EMPTY_DIR], namespace: 'knative-system', emitConfigMap: true });
    expect(synth(chart)).toMatchSnapshot();
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
    const cm = configFeatures(Testing.synth(b));
    expect(cm.metadata).toMatchObject({ name: 'config-features', namespace: 'knative-serving' });
    expect(cm.data).toEqual({
      'kubernetes.podspec-init-containers': 'enabled',
      'kubernetes.podspec-nodeselector': 'enabled',
      'kubernetes.podspec-tolerations': 'enabled',
    });
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

  test('fails when a second KnativeFeatures in the app would emit config-features again', () => {
    const chart = Testing.chart();
    new KnativeFeatures(chart, 'one');
    expect(() => new KnativeFeatures(chart, 'two')).toThrow(/'KnativeFeatures' must be declared once per app with emitConfigMap, got 'a second one': 'test\/two' would emit a second config-features ConfigMap/);
  });
});
