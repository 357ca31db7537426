import * as fs from 'fs';
import * as path from 'path';
import { buildApp } from '../../examples/gpu-classifier/main';
import { oneOf, synthApp } from '../_helpers/manifests';
import { tmpDir } from '../_helpers/tmp';

const tmp = () => tmpDir('gpu-classifier-');

describe('examples/gpu-classifier', () => {
  const objects = synthApp(buildApp({ outdir: tmp() }));
  const svc = oneOf(objects, 'serving.knative.dev/v1', 'Service');
  const model = svc.spec.template.spec.containers.find((c: any) => c.name === 'model');

  test('output passes the schema gate and matches the seed scenario', () => {
    expect(svc.metadata.name).toBe('resnet50-classifier');
    expect(model.ports).toEqual([{ containerPort: 8080, name: 'http1' }]);
    expect(model.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(svc.spec.template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '50',
    });
  });

  test('emits the config-features the service needs', () => {
    expect(oneOf(objects, 'v1', 'ConfigMap').data).toEqual({
      'kubernetes.podspec-affinity': 'enabled',
      'kubernetes.podspec-init-containers': 'enabled',
      'kubernetes.podspec-tolerations': 'enabled',
    });
  });

  test('synthesizes byte-identical YAML every time', () => {
    const a = tmp();
    const b = tmp();
    buildApp({ outdir: a }).synth();
    buildApp({ outdir: b }).synth();
    const files = fs.readdirSync(a).sort();
    expect(files).toEqual(['gpu-classifier.k8s.yaml']);
    expect(fs.readdirSync(b).sort()).toEqual(files);
    for (const f of files) expect(fs.readFileSync(path.join(b, f))).toEqual(fs.readFileSync(path.join(a, f)));
  });
});
