import { Testing } from 'cdk8s';
import { PersistentVolumeClaim, Volume, Secret } from 'cdk8s-plus-27';
import { GpuInferenceService } from '../../src';
import { checkKnativePodSpec } from '../../src/serving/_knative-pod-rules';

const IMAGE = 'registry.example.com/model:1.0.0';
const c = (extra: any = {}) => ({ name: 'model', image: IMAGE, ...extra });

describe('checkKnativePodSpec', () => {
  test('accepts one port, writable emptyDir and read-only secret mounts', () => {
    expect(() => checkKnativePodSpec({
      containers: [c({ ports: [{ containerPort: 8080, name: 'http1' }], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 's', mountPath: '/etc/s', readOnly: true }] }), c({ name: 'sidecar', env: [{ name: 'PORT', value: '9000' }] })],
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 's', secret: { secretName: 's' } }],
    })).not.toThrow();
  });

  test('fails on ports in two containers', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ ports: [{ containerPort: 8080 }] }), c({ name: 'metrics', ports: [{ containerPort: 8002 }] })] }))
      .toThrow(/'ports' must be a single port across all containers \(Knative routes to exactly one\), got 'model:8080, metrics:8002'/);
  });

  test('fails on a port name other than http1 or h2c', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ ports: [{ containerPort: 8080, name: 'http' }] })] })).toThrow(/'ports\[0\].name' must be 'http1' or 'h2c', got 'http'/);
  });

  test('fails on a reserved port in an init container', () => {
    expect(() => checkKnativePodSpec({ containers: [c()], initContainers: [c({ name: 'init', ports: [{ containerPort: 9090 }] })] })).toThrow(/'port' must be a port Knative does not reserve .* got 9090/);
  });

  test('fails on K_REVISION in a sidecar', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ ports: [{ containerPort: 8080 }] }), c({ name: 'side', env: [{ name: 'K_REVISION', value: 'x' }] })] }))
      .toThrow(/'env' must be free of the variables Knative sets .* got 'K_REVISION'/);
  });

  test('fails on the reserved container name queue-proxy', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ name: 'queue-proxy' })] })).toThrow(/'containers\[\].name' must be a name other than 'queue-proxy'/);
  });

  test('fails on a mount at a reserved path', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ volumeMounts: [{ name: 'v', mountPath: '/dev/' }] })], volumes: [{ name: 'v', emptyDir: {} }] }))
      .toThrow(/'volumeMounts\[\].path' must be a path Knative does not reserve \(not \/, \/dev, \/dev\/log\), got '\/dev\/'/);
  });

  test.each(['/dev/./log', '//dev', '/var/../dev/log/', '/dev/log/x/..'])('fails on a reserved path spelled otherwise (%s), as Knative cleans paths', (mountPath) => {
    expect(() => checkKnativePodSpec({ containers: [c({ volumeMounts: [{ name: 'v', mountPath }] })], volumes: [{ name: 'v', emptyDir: {} }] }))
      .toThrow("'volumeMounts[].path' must be a path Knative does not reserve");
  });

  test.each(['/var', '/var/log', '/var/cache', '/tmp/models'])('takes a mount at %s, which Knative does not reserve', (mountPath) => {
    expect(() => checkKnativePodSpec({ containers: [c({ volumeMounts: [{ name: 'v', mountPath }] })], volumes: [{ name: 'v', emptyDir: {} }] })).not.toThrow();
  });

  test('fails on a writable secret mount, through the construct', () => {
    const chart = Testing.chart();
    const volume = Volume.fromSecret(chart, 'v', Secret.fromSecretName(chart, 's', 'tls'));
    expect(() => new GpuInferenceService(chart, 'svc', { image: IMAGE, volumeMounts: [{ volume, path: '/etc/tls', readOnly: false }] }))
      .toThrow(/'volumeMounts\[\].readOnly' must be true for the secret volume 'secret-tls' \(Knative only allows writable emptyDir and PVC mounts\), got false/);
  });

  test('fails on a volume type a revision may not use (nfs), through the construct', () => {
    const chart = Testing.chart();
    const volume = Volume.fromNfs(chart, 'v', 'datasets', { server: 'nas.example.com', path: '/exports/datasets' });
    // Pod Security's restricted profile first; its fix does not lead to a type Knative refuses anyway.
    expect(() => new GpuInferenceService(chart, 'pss', { image: IMAGE, volumeMounts: [{ volume, path: '/data' }] }))
      .toThrow(/got 'nfs volume datasets': .*allowUnrestrictedVolumes to true if the namespace allows it \(not on Knative, which takes hostPath only\)$/);
    expect(() => new GpuInferenceService(chart, 'svc', { image: IMAGE, volumeMounts: [{ volume, path: '/data' }], security: { allowUnrestrictedVolumes: true } }))
      .toThrow("'volumeMounts[].volume' must be a volume type a Knative revision may use (secret, configMap, projected, emptyDir, persistentVolumeClaim, hostPath, csi), got 'nfs volume 'datasets''");
    const claim = Volume.fromPersistentVolumeClaim(chart, 'c', PersistentVolumeClaim.fromClaimName(chart, 'pvc', 'datasets'));
    expect(() => new GpuInferenceService(chart, 'svc2', { image: IMAGE, volumeMounts: [{ volume: claim, path: '/data' }] })).not.toThrow();
  });

  test('fails on a writable mount of a read-only claim', () => {
    expect(() => checkKnativePodSpec({ containers: [c({ volumeMounts: [{ name: 'd', mountPath: '/data' }] })], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'x', readOnly: true } }] }))
      .toThrow(/'volumeMounts\[\].readOnly' must be true for 'd', whose claim is mounted read-only, got false/);
  });
});
