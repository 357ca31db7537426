import { JsonPatch, Size, Testing } from 'cdk8s';
import { k8s, Secret, Volume, EnvValue } from 'cdk8s-plus-27';
import { GpuNodePool, GpuProduct, GpuResource } from '../../src';
import { PodTarget, renderPodSpec, resolveGpuPod } from '../../src/scheduling/_pod-spec';
import { podSpecToWire, toWire, wireApiObject } from '../../src/scheduling/_wire';

/** Sorts keys so that key order, which YAML output sorts anyway, does not count. */
const canonical = (x: any): any => JSON.parse(JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)));

describe('podSpecToWire', () => {
  test('equals the generated k8s.toJson_PodSpec on a pod spec using every part the renderer emits', () => {
    const chart = Testing.chart();
    const secret = Secret.fromSecretName(chart, 's', 'creds');
    const pod = resolveGpuPod({
      image: 'nvcr.io/nvidia/pytorch:24.05-py3',
      gpu: GpuResource.mig('3g.40gb'),
      gpuCount: 2,
      env: { A: EnvValue.fromValue('1'), B: EnvValue.fromSecretValue({ secret, key: 'k' }) },
      nodePool: GpuNodePool.nvidia({ products: [GpuProduct.A100_SXM4_80GB, GpuProduct.H100_80GB_HBM3] }),
      security: { fsGroup: 2000 },
      tmpSize: Size.mebibytes(512),
      volumeMounts: [{ volume: Volume.fromSecret(chart, 'v', secret), path: '/etc/creds' }],
    });
    const spec = renderPodSpec(pod, {
      target: PodTarget.WORKLOAD,
      pullImage: undefined,
      containerName: 'main',
      ports: [{ containerPort: 8000, name: 'http' }],
      readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5 },
      livenessProbe: { httpGet: { path: '/live', port: k8s.IntOrString.fromNumber(8000) } },
      initContainers: [{ name: 'init', imageProp: 'init.image', image: 'busybox:1.36', resources: { limits: { memory: k8s.Quantity.fromString('64Mi') } } }],
      restartPolicy: 'Never',
    });
    const wire = podSpecToWire(spec);
    expect(canonical(wire)).toEqual(canonical(k8s.toJson_PodSpec(spec)));
    expect(wire.containers[0].resources.limits['nvidia.com/mig-3g.40gb']).toBe('2');
    expect(wire.containers[0].readinessProbe.httpGet.port).toBe('http');
  });

  test('keeps own properties only, drops undefined ones, and unwraps quantities and ports anywhere', () => {
    const spec = Object.assign(Object.create({ inherited: 'not output' }), {
      a: undefined,
      b: [k8s.Quantity.fromString('1Gi'), null, { port: k8s.IntOrString.fromNumber(8080) }],
    });
    expect(toWire(spec)).toEqual({ b: ['1Gi', null, { port: 8080 }] });
    expect(Object.keys(toWire(spec))).toEqual(['b']);
  });
});

describe('wireApiObject', () => {
  const props: k8s.KubeServiceProps = {
    metadata: { name: 'web', namespace: 'ml', labels: { app: 'web' } },
    spec: { clusterIp: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] },
  };

  test('emits what the generated class emits', () => {
    const generated = Testing.chart();
    new k8s.KubeService(generated, 'svc', props);
    const wire = Testing.chart();
    wireApiObject(wire, 'svc', k8s.KubeService, props, k8s.toJson_KubeServiceProps);
    expect(Testing.synth(wire)).toEqual(Testing.synth(generated));
    expect(Testing.synth(wire)[0].spec.clusterIP).toBe('None');
  });

  test('keeps a JSON patch that adds a field the generated Kubernetes 1.27 types lack, which the generated class drops', () => {
    const generated = Testing.chart();
    new k8s.KubeService(generated, 'svc', props).addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferClose'));
    expect(Testing.synth(generated)[0].spec.trafficDistribution).toBeUndefined();
    const wire = Testing.chart();
    wireApiObject(wire, 'svc', k8s.KubeService, props, k8s.toJson_KubeServiceProps).addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferClose'));
    expect(Testing.synth(wire)[0].spec.trafficDistribution).toBe('PreferClose');
  });
});
