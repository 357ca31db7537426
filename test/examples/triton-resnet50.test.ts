import * as fs from 'fs';
import { buildApp } from '../../examples/triton-resnet50/main';
import { ofKind, oneOf, synthApp } from '../_helpers/manifests';
import { canonicalModelConfig, checkAllPbtxt } from '../_helpers/protoc';
import { tmpDir } from '../_helpers/tmp';

describe('examples/triton-resnet50', () => {
  const outdir = tmpDir('triton-resnet50-');
  const app = buildApp({ outdir });
  const objects = synthApp(app);
  const deployment = oneOf(objects, 'apps/v1', 'Deployment');
  const ksvc = oneOf(objects, 'serving.knative.dev/v1', 'Service');

  test('renders the story\'s config.pbtxt, which protoc accepts', () => {
    expect(checkAllPbtxt(objects)).toBe(1);
    const cm = ofKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'resnet50-models');
    expect(canonicalModelConfig(cm.data['resnet50.pbtxt'])).toBe(canonicalModelConfig(`
      name: "resnet50"
      platform: "pytorch_libtorch"
      max_batch_size: 32
      input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
      output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 1000 ] } ]
      instance_group [ { count: 2 kind: KIND_GPU gpus: [ 0 ] } ]
      dynamic_batching { preferred_batch_size: [ 4, 8, 16 ] max_queue_delay_microseconds: 100000 }`));
  });

  test('always on: Triton in a Deployment on L4 GPUs, HTTP, gRPC and metrics behind one Service', () => {
    const c = deployment.spec.template.spec.containers[0];
    expect(c.image).toBe('nvcr.io/nvidia/tritonserver:25.12-py3');
    expect(c.args).toEqual(expect.arrayContaining(['--model-repository=/models', '--model-control-mode=none']));
    expect(deployment.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    const svc = oneOf(objects, 'v1', 'Service');
    expect(svc.metadata.name).toBe('resnet50');
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([8000, 8001, 8002]);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe('8002');
  });

  test('always on: 2 to 8 replicas on queue time, a disruption budget and spread across nodes', () => {
    const hpa = oneOf(objects, 'autoscaling/v2', 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 8]);
    expect(hpa.spec.metrics[0].pods).toEqual({ metric: { name: 'avg_time_queue_us' }, target: { type: 'AverageValue', averageValue: '150k' } });
    expect(oneOf(objects, 'policy/v1', 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(deployment.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  test('the TorchScript file is copied from MinIO into the repository before Triton starts', () => {
    const init = deployment.spec.template.spec.initContainers;
    expect(init.map((c: any) => c.args.slice(2))).toEqual([['mirror', '--quiet', 'models/models/triton/resnet50/1/', '/models/resnet50/1']]);
    expect(JSON.stringify(objects)).not.toMatch(/secretAccessKey|password/i);
  });

  test('scale to zero: Knative with one h2c port and concurrency derived from 2 instances x batch 32', () => {
    const spec = ksvc.spec.template.spec;
    expect(spec.containers[0].ports).toEqual([{ containerPort: 8001, name: 'h2c' }]);
    expect(spec.containerConcurrency).toBe(64);
    expect(ksvc.spec.template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '4',
      'autoscaling.knative.dev/target': '32',
      'prometheus.io/scrape': 'true',
    });
    expect(ksvc.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
    const features = ofKind(objects, 'v1', 'ConfigMap').find((c) => c.metadata.name === 'config-features');
    expect(features.data).toMatchObject({ 'kubernetes.podspec-init-containers': 'enabled' });
  });

  test('is deterministic: two builds give the same YAML', () => {
    const again = (dir: string) => buildApp({ outdir: tmpDir(dir) }).synthYaml();
    expect(again('triton-a-')).toBe(again('triton-b-'));
  });

  test('synthesizes to its outdir', () => {
    app.synth();
    expect(fs.readdirSync(outdir)).toEqual(['triton-resnet50.k8s.yaml']);
  });
});
