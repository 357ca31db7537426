import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { buildApp, CHECKPOINT_CLAIM, GKE_BURST, ON_PREM, TRAINING_IMAGE } from '../../examples/hybrid-cloud/main';
import { ofKind, synthApp, validateManifests } from '../_helpers/manifests';
import { tmpDir } from '../_helpers/tmp';

const POLICY = 'policy.karmada.io/v1alpha1';

/** Synthesizes to files: one per chart, as each cluster's GitOps repo gets it. */
function synthFiles(karmada?: boolean): Record<string, any[]> {
  const outdir = tmpDir('hybrid-cloud-');
  buildApp({ outdir, karmada }).synth();
  const files: Record<string, any[]> = {};
  for (const file of fs.readdirSync(outdir).sort()) {
    files[file] = YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map((d) => d.toJS()).filter((o) => o);
    validateManifests(files[file]);
  }
  return files;
}

describe('examples/hybrid-cloud', () => {
  const files = synthFiles();
  const trainer = (job: any) => job.spec.template.spec.containers[0];

  test('one chart per cluster, plus the Karmada control plane', () => {
    expect(Object.keys(files)).toEqual(['gke-burst.k8s.yaml', 'karmada.k8s.yaml', 'on-prem.k8s.yaml']);
    expect(Object.keys(synthFiles(false))).toEqual(['gke-burst.k8s.yaml', 'on-prem.k8s.yaml']);
  });

  test('the schema gate accepts the whole app', () => {
    expect(synthApp(buildApp({ outdir: tmpDir('hybrid-cloud-') })).length).toBeGreaterThan(0);
  });

  test('each cluster chart creates the ReadWriteMany checkpoint claim its jobs mount, on its own storage class', () => {
    for (const [file, storageClassName] of [['on-prem.k8s.yaml', 'cephfs'], ['gke-burst.k8s.yaml', 'standard-rwx']]) {
      const [claim] = ofKind(files[file], 'v1', 'PersistentVolumeClaim');
      expect(claim.metadata.name).toBe(CHECKPOINT_CLAIM);
      expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName });
      const mounted = ofKind(files[file], 'batch/v1', 'Job').flatMap((j) => j.spec.template.spec.volumes ?? [])
        .filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName);
      expect(mounted).toContain(CHECKPOINT_CLAIM);
    }
    expect(ofKind(files['karmada.k8s.yaml'], 'v1', 'PersistentVolumeClaim')).toEqual([]);
  });

  test('identical images on every cluster: on-prem pulls them through its registry mirror', () => {
    const imagesOf = (file: string) => new Set(files[file].filter((o) => o.kind === 'Job').map((j) => trainer(j).image));
    expect(imagesOf('gke-burst.k8s.yaml')).toEqual(new Set([TRAINING_IMAGE]));
    expect(imagesOf('karmada.k8s.yaml')).toEqual(new Set([TRAINING_IMAGE]));
    // Each registry through its own Harbor project.
    expect(ON_PREM.registryMirrors!['registry.example.com']).toBe('harbor.dc1.example.com/ml-registry');
    expect(imagesOf('on-prem.k8s.yaml')).toEqual(new Set(['harbor.dc1.example.com/ml-registry/ml/resnet50-train:2.4.1-cuda12.4']));
    const [notebook] = ofKind(files['on-prem.k8s.yaml'], 'apps/v1', 'Deployment');
    expect(notebook.spec.template.spec.containers[0].image).toBe('harbor.dc1.example.com/quay-proxy/jupyter/pytorch-notebook:cuda12-2025-08-18');
  });

  test('on-prem: a 4-GPU A100 run and the notebook, on the GFD-labelled pool', () => {
    const [daily] = ofKind(files['on-prem.k8s.yaml'], 'batch/v1', 'Job');
    expect(trainer(daily).args.slice(0, 3)).toEqual(['--standalone', '--nnodes=1', '--nproc-per-node=4']);
    expect(daily.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB', 'nvidia.com/gpu.sharing-strategy': 'none' });
    expect(ofKind(files['on-prem.k8s.yaml'], 'apps/v1', 'Deployment')).toHaveLength(1);
  });

  test('GKE: 16 GPUs (4 × 4 H100), tolerating GKE\'s GPU taint, capped at 12 hours', () => {
    const [burst] = ofKind(files['gke-burst.k8s.yaml'], 'batch/v1', 'Job');
    expect(burst.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, activeDeadlineSeconds: 43200 });
    expect(trainer(burst).resources.limits['nvidia.com/gpu']).toBe('4');
    const spec = burst.spec.template.spec;
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb' });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    // No TTL: GitOps re-applies a deleted Job; the GPUs are released when the pods end.
    expect(burst.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(ofKind(files['gke-burst.k8s.yaml'], 'v1', 'Service')).toHaveLength(1);
  });

  test('Karmada: on-prem first, GKE when on-prem cannot take the job', () => {
    const policies = ofKind(files['karmada.k8s.yaml'], POLICY, 'PropagationPolicy');
    const job = policies.find((p) => p.metadata.name === 'resnet50-burst');
    expect(job.spec.placement.clusterAffinities.map((a: any) => a.clusterNames)).toEqual([[ON_PREM.name], [GKE_BURST.name]]);
    const companions = policies.find((p) => p.metadata.name === 'resnet50-burst-companions');
    expect(companions.spec.placement.clusterAffinity.clusterNames).toEqual([ON_PREM.name, GKE_BURST.name]);
  });

  test('Karmada: GKE gets GKE\'s placement, on-prem its registry mirror', () => {
    const [override] = ofKind(files['karmada.k8s.yaml'], POLICY, 'OverridePolicy');
    const rule = (cluster: string) => override.spec.overrideRules.find((r: any) => r.targetCluster.clusterNames[0] === cluster);
    // The image as the on-prem chart pulls it: registry, then the repository path under the Harbor project.
    const predicate = { path: '/spec/template/spec/containers/0/image' };
    expect(rule(ON_PREM.name).overriders).toEqual({
      imageOverrider: [
        { predicate, component: 'Registry', operator: 'replace', value: 'harbor.dc1.example.com' },
        { predicate, component: 'Repository', operator: 'replace', value: 'ml-registry/ml/resnet50-train' },
      ],
    });
    const gkeJob = ofKind(files['gke-burst.k8s.yaml'], 'batch/v1', 'Job')[0].spec.template.spec;
    expect(rule(GKE_BURST.name).overriders.plaintext).toEqual([
      { path: '/spec/template/spec/nodeSelector', operator: 'replace', value: gkeJob.nodeSelector },
      // The node affinity only: the Job's pods keep their anti-affinity (one pod per node).
      { path: '/spec/template/spec/affinity/nodeAffinity', operator: 'add', value: gkeJob.affinity.nodeAffinity },
    ]);
    expect(gkeJob.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });
});
