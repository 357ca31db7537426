import { buildApp, TRAINING_IMAGE } from '../../examples/distributed-training/main';
import { ofKind, oneOf, synthApp } from '../_helpers/manifests';
import { tmpDir } from '../_helpers/tmp';

describe('examples/distributed-training', () => {
  const outdir = tmpDir('distributed-training-');
  const objects = synthApp(buildApp({ outdir }));
  const jobs = ofKind(objects, 'batch/v1', 'Job');
  const job = (name: string) => jobs.find((j) => j.metadata.name === name);
  const trainer = (name: string) => job(name).spec.template.spec.containers[0];

  test('today: one pod with two GPUs, torchrun --standalone', () => {
    expect(job('resnet50-1x2').spec).toMatchObject({ completions: 1, parallelism: 1 });
    expect(trainer('resnet50-1x2').args.slice(0, 3)).toEqual(['--standalone', '--nnodes=1', '--nproc-per-node=2']);
    expect(trainer('resnet50-1x2').resources.limits['nvidia.com/gpu']).toBe('2');
  });

  test('tomorrow: 4 pods × 4 GPUs with c10d rendezvous on pod 0, reached through its headless Service', () => {
    const ddp = job('resnet50-4x4');
    expect(ddp.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 8 });
    expect(trainer('resnet50-4x4').args).toEqual(expect.arrayContaining([
      '--nnodes=4', '--nproc-per-node=4', '--rdzv-backend=c10d', '--rdzv-endpoint=resnet50-4x4-0:29500', '--max-restarts=8',
    ]));
    const service = ofKind(objects, 'v1', 'Service').find((s) => s.metadata.name === 'resnet50-4x4-0');
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'batch.kubernetes.io/job-completion-index': '0' } });
    expect(ofKind(objects, 'v1', 'Service').find((s) => s.metadata.name === 'resnet50-1x2')).toBeUndefined();
  });

  test('both runs use the same pinned image, dataset and checkpoints', () => {
    for (const name of ['resnet50-1x2', 'resnet50-4x4']) {
      expect(trainer(name).image).toBe(TRAINING_IMAGE);
      expect(job(name).spec.template.spec.volumes).toEqual(expect.arrayContaining([
        { name: 'dataset', persistentVolumeClaim: { claimName: 'imagenet-readonly', readOnly: true } },
        { name: 'checkpoints', persistentVolumeClaim: { claimName: 'resnet50-checkpoints', readOnly: false } },
      ]));
    }
    const pvc = ofKind(objects, 'v1', 'PersistentVolumeClaim').find((p) => p.metadata.name === 'resnet50-checkpoints');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  test('multi-node: a lost node is retried without counting, a dead GPU fails the pod', () => {
    const rules = job('resnet50-4x4').spec.podFailurePolicy.rules;
    expect(rules).toEqual([{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
    expect(trainer('resnet50-4x4').livenessProbe.exec.command).toEqual(['sh', '-c', 'PATH="$PATH:/usr/local/nvidia/bin" exec nvidia-smi']);
    expect(job('resnet50-4x4').spec.activeDeadlineSeconds).toBe(172800);
  });

  test('the A100 pool: whole GPUs, four per node for the 4×4 run', () => {
    const spec = job('resnet50-4x4').spec.template.spec;
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.sharing-strategy': 'none' });
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['3'] },
    ]);
  });

  test('a notebook beside the runs: ClusterIP, token from a Secret', () => {
    const lab = ofKind(objects, 'v1', 'Service').find((s) => s.metadata.name === 'resnet50-lab');
    expect(lab.spec.type).toBe('ClusterIP');
    const notebook = oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec.containers[0];
    expect(notebook.env.find((e: any) => e.name === 'JUPYTER_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'resnet50-lab-token', key: 'token' });
  });

  test('everything lands in ml-training', () => {
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['ml-training']));
  });
});
