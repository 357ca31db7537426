import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ClusterChart, ClusterTarget, DistributedTrainingJob, GkeAccelerator, GpuInferenceService, GpuNodePool, GpuNotebook, GpuProduct, KnativeFeatures,
} from '../../src';
import { ofKind, synthApp } from '../_helpers/manifests';

const onPrem = () => new ClusterTarget({ name: 'on-prem', namespace: 'ml', nodePool: GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB] }) });
const cloud = () => new ClusterTarget({
  name: 'gke',
  nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB] }),
  registryMirrors: { '*': 'us-docker.pkg.dev/ml-proj/remote' },
});

describe('a ClusterChart whose target has registry mirrors', () => {
  test('pulls every container and init container the library renders in it through its registry\'s mirror, and nothing elsewhere', () => {
    const app = Testing.app();
    const target = new ClusterTarget({
      name: 'on-prem',
      namespace: 'on-prem',
      nodePool: GpuNodePool.onPrem(),
      registryMirrors: { 'docker.io': 'harbor.dc1.example.com/dockerhub-proxy', 'registry.example.com': 'harbor.dc1.example.com' },
    });
    for (const chart of [new ClusterChart(app, 'on-prem', { target }), new Chart(app, 'plain', { namespace: 'plain' })]) {
      new KnativeFeatures(chart, 'features');
      new DistributedTrainingJob(chart, 'train', { image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime', script: 'train.py' });
      new GpuInferenceService(chart, 'svc', {
        image: 'registry.example.com/ml/svc:1.0.0',
        modelWeights: { endpoint: 'http://minio.minio.svc.cluster.local:9000', bucket: 'weights', credentials: Secret.fromSecretName(chart, 'creds', 'minio') },
      });
      new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't') });
    }
    const objects = synthApp(app);
    const imagesIn = (namespace: string) => objects.filter((o) => o.metadata.namespace === namespace && o.spec?.template?.spec)
      .flatMap((o) => [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers].map((c: any) => c.image)).sort();
    expect(imagesIn('on-prem')).toEqual([
      'harbor.dc1.example.com/dockerhub-proxy/minio/mc:RELEASE.2024-05-24T09-08-49Z',
      'harbor.dc1.example.com/dockerhub-proxy/pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
      'harbor.dc1.example.com/ml/svc:1.0.0',
      // quay.io has no mirror here.
      'quay.io/jupyter/pytorch-notebook:cuda12-2025-08-18',
    ]);
    expect(imagesIn('plain')).toEqual([
      'docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z',
      'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
      'quay.io/jupyter/pytorch-notebook:cuda12-2025-08-18',
      'registry.example.com/ml/svc:1.0.0',
    ]);
  });

  test('runs the images it mirrors, for the identical-images check, and other registries\' images are other images', () => {
    const app = Testing.app();
    const mirrors = { 'registry.example.com': 'harbor.dc1.example.com/ml-registry' };
    const dc1 = new ClusterChart(app, 'dc1', { target: new ClusterTarget({ name: 'dc1', nodePool: GpuNodePool.onPrem(), registryMirrors: mirrors }) });
    const dc2 = new ClusterChart(app, 'dc2', { target: new ClusterTarget({ name: 'dc2', nodePool: GpuNodePool.onPrem() }) });
    for (const chart of [dc1, dc2]) new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/ml/train:1.0.0', script: 'train.py' });
    // Same path on another registry: another repository, whatever its tag.
    new DistributedTrainingJob(dc2, 'ghcr', { image: 'ghcr.io/ml/train:9.0.0', script: 'train.py' });
    expect(() => synthApp(app)).not.toThrow();
    // An image named by the mirror's location stands for its registry's image too.
    new DistributedTrainingJob(dc1, 'other', { image: 'harbor.dc1.example.com/ml-registry/ml/train:1.2.0', script: 'train.py' });
    new DistributedTrainingJob(dc2, 'other', { image: 'registry.example.com/ml/train:1.1.0', script: 'train.py' });
    expect(() => synthApp(app)).toThrow("'image' must be references of registry.example.com/ml/train that one cluster target runs all of, got 'dc1: " +
      'registry.example.com/ml/train:1.0.0, registry.example.com/ml/train:1.2.0; dc2: registry.example.com/ml/train:1.0.0, registry.example.com/ml/train:1.1.0');
  });
});

describe('ClusterTarget', () => {
  test('keeps its name, pool, namespace and mirrors', () => {
    const target = cloud();
    expect(target.name).toBe('gke');
    expect(target.nodePool.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb' });
    expect(target.registryMirrors).toEqual({ '*': 'us-docker.pkg.dev/ml-proj/remote' });
    expect(target.namespace).toBeUndefined();
  });

  test('fails on a name that is not a DNS label', () => {
    expect(() => new ClusterTarget({ name: 'On_Prem', nodePool: GpuNodePool.nvidia() })).toThrow("'name' must be a DNS label (lowercase letters, digits, -; at most 63 characters), got 'On_Prem'");
  });

  test('fails on a mirror location with a scheme, a bad path or a host a runtime would read as a Docker Hub path, and on a bad key', () => {
    const target = (registryMirrors: Record<string, string>) => new ClusterTarget({ name: 'a', nodePool: GpuNodePool.nvidia(), registryMirrors });
    expect(() => target({ 'docker.io': 'https://harbor.example.com/hub' })).toThrow("'registryMirrors['docker.io']' must be a mirror location host[:port][/path]");
    expect(() => target({ 'docker.io': 'harbor/hub' }))
      .toThrow("(a host without a '.' or a port is read as a Docker Hub path), got 'harbor/hub': leave out the scheme; spell out the domain or the port");
    expect(() => target({ 'docker.io': 'harbor.example.com/Hub' })).toThrow("got 'harbor.example.com/Hub'");
    expect(() => target({ 'Docker Hub': 'harbor.example.com' })).toThrow("'registryMirrors' must be keyed by registry hosts as images name them");
    // A host is DNS labels joined by single dots, with or without a port.
    for (const host of ['a..b:5000', '.harbor:5000', 'harbor.-dc1.example.com', 'harbor.:5000']) {
      expect(() => target({ 'docker.io': `${host}/hub` })).toThrow(`got '${host}/hub'`);
      expect(() => target({ [host]: 'harbor.example.com/hub' })).toThrow(`'registryMirrors' must be keyed by registry hosts as images name them ('docker.io', 'nvcr.io', 'registry.example.com:5000') or '*', got '${host}'`);
    }
    // Docker Hub is one key whatever name an image gives it, and a location serves one registry.
    expect(() => target({ 'index.docker.io': 'harbor.example.com/hub' })).toThrow("'registryMirrors' must be keyed by 'docker.io' for Docker Hub, whichever of its names an image uses, got 'index.docker.io'");
    expect(() => target({ 'quay.io': 'harbor.example.com/proxy', '*': 'harbor.example.com/proxy' }))
      .toThrow("'registryMirrors['*']' must be a location of its own (registry 'quay.io' is mirrored there too), got 'harbor.example.com/proxy'");
    for (const mirror of ['harbor:5000', 'localhost:5000', 'harbor.dc1.example.com', 'harbor.dc1.example.com:8443/proxy', '123456789012.dkr.ecr.us-east-1.amazonaws.com/nvcr']) {
      expect(target({ 'nvcr.io': mirror }).registryMirrors).toEqual({ 'nvcr.io': mirror });
    }
    expect(target({}).registryMirrors).toBeUndefined();
  });

  test('fails on an invalid namespace', () => {
    expect(() => new ClusterTarget({ name: 'a', nodePool: GpuNodePool.nvidia(), namespace: 'ML' })).toThrow("'namespace' must be a DNS label, got 'ML'");
  });
});

describe('ClusterChart', () => {
  test('one chart per cluster, each with its own pool and the target\'s namespace', () => {
    const app = Testing.app();
    for (const target of [onPrem(), cloud()]) {
      const chart = new ClusterChart(app, target.name, { target });
      new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py', nodePool: target.nodePool });
    }
    const objects = synthApp(app);
    const jobs = ofKind(objects, 'batch/v1', 'Job');
    expect(jobs.map((j) => j.spec.template.spec.nodeSelector)).toEqual([
      { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' },
      { 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb' },
    ]);
    expect(jobs.map((j) => j.metadata.namespace)).toEqual(['ml', undefined]);
    expect(app.charts.map((c) => c.node.id)).toEqual(['on-prem', 'gke']);
  });

  test('an explicit namespace wins over the target\'s', () => {
    const chart = new ClusterChart(Testing.app(), 'c', { target: onPrem(), namespace: 'other' });
    expect(chart.namespace).toBe('other');
  });

  test('ClusterChart.enclosing finds the enclosing chart', () => {
    const app = Testing.app();
    const chart = new ClusterChart(app, 'c', { target: onPrem() });
    const job = new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    expect(ClusterChart.enclosing(job).target.name).toBe('on-prem');
  });

  test('isClusterChart tells cluster charts from plain ones (instanceof cannot)', () => {
    const app = Testing.app();
    expect(ClusterChart.isClusterChart(new ClusterChart(app, 'c', { target: onPrem() }))).toBe(true);
    expect(ClusterChart.isClusterChart(new Chart(app, 'plain'))).toBe(false);
  });

  test('fails to find a cluster chart around a plain chart', () => {
    const chart = new Chart(Testing.app(), 'plain');
    expect(() => ClusterChart.enclosing(chart)).toThrow("'plain' must be inside a ClusterChart, got none");
  });

  test('identical images everywhere synthesize', () => {
    const app = Testing.app();
    for (const target of [onPrem(), cloud()]) {
      const chart = new ClusterChart(app, target.name, { target });
      new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py', nodePool: target.nodePool });
      new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't'), nodePool: target.nodePool });
    }
    expect(() => synthApp(app)).not.toThrow();
  });

  test('fails at synth when the clusters run different tags of one image', () => {
    const app = Testing.app();
    const tags = ['1.0.0', '1.1.0'];
    [onPrem(), cloud()].forEach((target, i) => {
      const chart = new ClusterChart(app, target.name, { target });
      new DistributedTrainingJob(chart, 'train', { image: `registry.example.com/train:${tags[i]}`, script: 'train.py' });
    });
    expect(() => app.synth()).toThrow(
      "'image' must be references of registry.example.com/train that one cluster target runs all of, got 'on-prem: registry.example.com/train:1.0.0; gke: registry.example.com/train:1.1.0'");
  });

  test('one cluster may run two tags of a repository, and another one of them or both, but not a third', () => {
    const twoTags = (app: App, target: ClusterTarget, tags: string[]) => {
      const chart = new ClusterChart(app, target.name, { target });
      tags.forEach((tag, i) => new DistributedTrainingJob(chart, `train-${i}`, { image: `registry.example.com/train:${tag}`, script: 'train.py', nodePool: target.nodePool }));
    };
    const alone = Testing.app();
    twoTags(alone, onPrem(), ['1.0.0', '2.0.0']);
    expect(() => synthApp(alone)).not.toThrow();
    const both = Testing.app();
    twoTags(both, onPrem(), ['1.0.0', '2.0.0']);
    twoTags(both, cloud(), ['2.0.0', '1.0.0']);
    expect(() => synthApp(both)).not.toThrow();
    const part = Testing.app();
    twoTags(part, onPrem(), ['1.0.0', '2.0.0']);
    twoTags(part, cloud(), ['2.0.0']);
    expect(() => synthApp(part)).not.toThrow();
    const drift = Testing.app();
    twoTags(drift, onPrem(), ['1.0.0', '2.0.0']);
    twoTags(drift, cloud(), ['1.0.0', '3.0.0']);
    expect(() => drift.synth()).toThrow(
      "got 'on-prem: registry.example.com/train:1.0.0, registry.example.com/train:2.0.0; gke: registry.example.com/train:1.0.0, registry.example.com/train:3.0.0'");
  });

  test('a cluster chart taken out of the app neither runs nor counts in the check', () => {
    const app = Testing.app();
    new DistributedTrainingJob(new ClusterChart(app, 'gone', { target: onPrem() }), 'train', { image: 'registry.example.com/train:9.0.0', script: 'train.py' });
    new DistributedTrainingJob(new ClusterChart(app, 'a', { target: onPrem() }), 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    new DistributedTrainingJob(new ClusterChart(app, 'b', { target: cloud() }), 'train', { image: 'registry.example.com/train:2.0.0', script: 'train.py' });
    app.node.tryRemoveChild('gone');
    // The first chart made is gone: the check must still run, in the first chart left, over the charts left.
    expect(() => app.synth()).toThrow("got 'on-prem: registry.example.com/train:1.0.0; gke: registry.example.com/train:2.0.0'");
  });

  test('the check reads each object once per synth, however many charts cdk8s writes (and so validates the app again)', () => {
    const readsPerJob = (charts: number) => {
      const app = Testing.app();
      const jobs = Array.from({ length: charts }, (_, i) => {
        const target = i % 2 ? cloud() : onPrem();
        return new DistributedTrainingJob(new ClusterChart(app, `c${i}`, { target }), 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py', nodePool: target.nodePool });
      });
      const reads = jest.spyOn(ApiObject.prototype, 'toJson');
      app.synth();
      const calls = reads.mock.contexts.filter((o) => jobs.some((j) => j.job === o)).length;
      reads.mockRestore();
      return calls / charts;
    };
    // Once by the check, once when cdk8s writes the job's chart.
    expect(readsPerJob(3)).toBe(2);
    expect(readsPerJob(12)).toBe(2);
  });

  test('a construct added between two synths of one app is checked by the second', () => {
    const app = Testing.app();
    const a = new ClusterChart(app, 'a', { target: onPrem() });
    new DistributedTrainingJob(a, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    new DistributedTrainingJob(new ClusterChart(app, 'b', { target: cloud() }), 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    expect(() => app.synth()).not.toThrow();
    new DistributedTrainingJob(a, 'eval', { image: 'registry.example.com/train:2.0.0', script: 'eval.py' });
    new DistributedTrainingJob(new ClusterChart(app, 'c', { target: cloud() }), 'train', { image: 'registry.example.com/train:3.0.0', script: 'train.py' });
    expect(() => app.synth()).toThrow('references of registry.example.com/train that one cluster target runs all of');
  });

  test('a workload added deeper in a cluster chart between two synths is checked by the second', () => {
    const app = Testing.app();
    const teams = [onPrem(), cloud()].map((target) => new Construct(new ClusterChart(app, target.name, { target }), 'team'));
    for (const team of teams) new DistributedTrainingJob(team, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    expect(() => app.synth()).not.toThrow();
    teams.forEach((team, i) => new DistributedTrainingJob(team, 'eval', { image: `registry.example.com/train:${i + 2}.0.0`, script: 'eval.py' }));
    expect(() => app.synth()).toThrow('references of registry.example.com/train that one cluster target runs all of');
  });

  test('a chart can opt out of the check', () => {
    const app = Testing.app();
    new DistributedTrainingJob(new ClusterChart(app, 'a', { target: onPrem() }), 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py' });
    new DistributedTrainingJob(new ClusterChart(app, 'b', { target: cloud(), requireIdenticalImages: false }), 'train', { image: 'registry.example.com/train:2.0.0', script: 'train.py' });
    expect(() => synthApp(app)).not.toThrow();
  });
});
