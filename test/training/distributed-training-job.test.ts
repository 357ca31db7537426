import { ApiObject, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { Cpu, EnvValue, PersistentVolumeAccessMode, PersistentVolumeClaim, Secret, Volume } from 'cdk8s-plus-27';
import {
  DistributedTrainingJob, DistributedTrainingJobProps, EksNodeProvisioner, GpuNodePool, GpuProduct, GpuResource, GpuSharing, MigStrategy,
  NcclDebugLevel,
} from '../../src';
import { ofKind, oneOf, synth } from '../_helpers/manifests';

const IMAGE = 'registry.example.com/ml/train:2.4.1-cuda12.4';

function build(props: Partial<DistributedTrainingJobProps> = {}) {
  const chart = Testing.chart();
  const job = new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: '/workspace/train.py', ...props });
  const objects = synth(chart);
  const manifest = oneOf(objects, 'batch/v1', 'Job');
  const pod = manifest.spec.template.spec;
  const trainer = pod.containers.find((c: any) => c.name === 'trainer');
  return { chart, job, objects, manifest, pod, trainer };
}

const envOf = (trainer: any) => Object.fromEntries(trainer.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('DistributedTrainingJob', () => {
  test('a lower priority class and pull secrets reach the workers\' pods', () => {
    const { pod } = build({ priorityClassName: 'batch-training', imagePullSecrets: [Secret.fromSecretName(Testing.chart(), 'pull', 'registry-creds')] });
    expect(pod.priorityClassName).toBe('batch-training');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
  });

  test('EFA interfaces on EKS p5: the trainer requests the device plugin\'s resource beside its GPUs', () => {
    const { trainer } = build({
      nodes: 2, gpuCount: 8, nodePool: GpuNodePool.eks({ instanceTypes: ['p5.48xlarge'] }), extendedResources: { 'vpc.amazonaws.com/efa': 32 },
    });
    expect(trainer.resources.limits).toMatchObject({ 'nvidia.com/gpu': '8', 'vpc.amazonaws.com/efa': '32' });
    expect(trainer.resources.requests).toMatchObject({ 'nvidia.com/gpu': '8', 'vpc.amazonaws.com/efa': '32' });
  });

  test('defaults: one pod, one GPU, torchrun --standalone', () => {
    const { objects } = build();
    expect(objects).toMatchSnapshot();
  });

  test('every prop', () => {
    const chart = Testing.chart();
    const checkpoints = new PersistentVolumeClaim(chart, 'ckpt', {
      metadata: { name: 'ckpt' }, accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.gibibytes(100),
    });
    new DistributedTrainingJob(chart, 'train', {
      metadata: { name: 'resnet', labels: { team: 'vision' }, annotations: { owner: 'ml' } },
      podAnnotations: { 'example.com/trace': 'on' },
      image: IMAGE,
      script: 'mypkg.train',
      module: true,
      scriptArgs: ['--epochs', '90'],
      launcher: ['python', '-m', 'torch.distributed.run'],
      nodes: 3,
      gpuCount: 8,
      rendezvousPort: 23456,
      rendezvousTimeout: Duration.minutes(15),
      nccl: { debug: NcclDebugLevel.INFO, debugSubsystems: ['INIT', 'NET'], socketIfname: '^lo,docker', ibDisable: true, p2pDisable: true, extraEnv: { NCCL_NET_GDR_LEVEL: 'PHB' } },
      dataset: { volume: Volume.fromNfs(chart, 'imagenet', 'imagenet', { server: 'nfs.example.com', path: '/exports/imagenet' }), mountPath: '/datasets', subPath: 'train' },
      checkpoints: { claim: checkpoints, mountPath: '/ckpt' },
      backoffLimit: 6,
      workerRestarts: 3,
      retryOnDisruption: true,
      failFastExitCodes: [42, 3],
      activeDeadline: Duration.hours(48),
      ttlAfterFinished: Duration.days(1),
      gpuHealthCheck: { period: Duration.minutes(2), timeout: Duration.seconds(20), failureThreshold: 2 },
      nodePool: GpuNodePool.onPrem({ products: [GpuProduct.H100_80GB_HBM3], sharing: GpuSharing.NONE, runtimeClassName: 'nvidia' }),
      imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')],
      priorityClassName: 'batch-training',
      resources: { memory: { request: Size.gibibytes(256) } },
      sharedMemorySize: Size.gibibytes(64),
      tmpSize: Size.gibibytes(20),
      env: { WANDB_MODE: EnvValue.fromValue('offline'), HOME: EnvValue.fromValue('/scratch') },
      security: { runAsUser: 2000, runAsGroup: 2000, allowUnrestrictedVolumes: true },
    });
    expect(synth(chart)).toMatchSnapshot();
  });

  describe('Indexed Job and headless Service', () => {
    const { objects, manifest, pod, job } = build({ metadata: { name: 'resnet' }, nodes: 4, gpuCount: 4 });

    test('one index per pod, all at once', () => {
      expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
      expect(job.nodes).toBe(4);
      expect(job.gpusPerNode).toBe(4);
      expect(job.worldSize).toBe(16);
    });

    test('restartPolicy Never, which podFailurePolicy requires', () => {
      expect(pod.restartPolicy).toBe('Never');
    });

    test("a headless Service named after pod 0's hostname selects pod 0 and publishes it while it starts", () => {
      const service = oneOf(objects, 'v1', 'Service');
      // The Job controller sets each pod's hostname to <job>-<index>: pod 0 is 'resnet-0', the endpoint host.
      expect(pod.subdomain).toBeUndefined();
      expect(pod.hostname).toBeUndefined();
      expect(service.metadata.name).toBe('resnet-0');
      expect(service.spec).toEqual({
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { 'batch.kubernetes.io/job-name': 'resnet', 'batch.kubernetes.io/job-completion-index': '0' },
        ports: [{ name: 'rendezvous', port: 29500, targetPort: 29500 }],
      });
      expect(job.rendezvousEndpoint).toBe('resnet-0:29500');
    });

    test("metadata.namespace places the headless Service in the Job's namespace, where the pods resolve its short name", () => {
      const { objects: placed, job: inNamespace } = build({ metadata: { name: 'resnet', namespace: 'training' }, nodes: 2 });
      expect(placed.map((o: any) => `${o.kind}/${o.metadata.namespace}`).sort()).toEqual(['Job/training', 'Service/training']);
      expect(inNamespace.workloadPlacement.companions).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'resnet-0', namespace: 'training' }]);
    });

    test('the escape hatch reaches the Job', () => {
      const chart = Testing.chart();
      const j = new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py' });
      ApiObject.of(j.job).addJsonPatch(JsonPatch.add('/spec/suspend', true));
      expect(oneOf(synth(chart), 'batch/v1', 'Job').spec.suspend).toBe(true);
    });
  });

  describe('torchrun', () => {
    test('multi-node: c10d rendezvous on pod 0, waiting 10 minutes for the store and the round, restarts = backoffLimit', () => {
      const { trainer } = build({ metadata: { name: 'resnet' }, nodes: 2, gpuCount: 4, scriptArgs: ['--lr', '0.1'] });
      expect(trainer.command).toEqual(['torchrun']);
      expect(trainer.args).toEqual([
        '--nnodes=2', '--nproc-per-node=4', '--rdzv-backend=c10d', '--rdzv-endpoint=resnet-0:29500', '--rdzv-id=resnet',
        '--rdzv-conf=join_timeout=600,read_timeout=600', '--max-restarts=2', '/workspace/train.py', '--lr', '0.1',
      ]);
      // Node ranks come from the rendezvous, not from the completion index.
      expect(envOf(trainer).NODE_RANK).toBeUndefined();
      // The workers get a store of their own on pod 0, not the shared rendezvous store of torch 2.4+.
      expect(envOf(trainer).TORCH_DISABLE_SHARE_RDZV_TCP_STORE).toBe('1');
      expect(trainer.ports).toEqual([{ containerPort: 29500, name: 'rendezvous' }]);
    });

    test('multi-node: the worker restarts follow backoffLimit unless set', () => {
      expect(build({ nodes: 3, backoffLimit: 5 }).trainer.args).toContain('--max-restarts=5');
      expect(build({ nodes: 3, backoffLimit: 5, workerRestarts: 1 }).trainer.args).toContain('--max-restarts=1');
      expect(build({ nodes: 3, workerRestarts: 0 }).trainer.args).toContain('--max-restarts=0');
    });

    test('single node: --standalone, no Service, no subdomain, no node rank', () => {
      const { objects, pod, trainer, job } = build({ gpuCount: 2 });
      expect(trainer.args).toEqual(['--standalone', '--nnodes=1', '--nproc-per-node=2', '/workspace/train.py']);
      expect(ofKind(objects, 'v1', 'Service')).toHaveLength(0);
      expect(pod.subdomain).toBeUndefined();
      expect(envOf(trainer).NODE_RANK).toBeUndefined();
      expect(envOf(trainer).TORCH_DISABLE_SHARE_RDZV_TCP_STORE).toBeUndefined();
      expect(job.rendezvousEndpoint).toBeUndefined();
    });

    test('launcher, module, port and rendezvous timeout', () => {
      const { trainer } = build({ metadata: { name: 'lm' }, nodes: 2, launcher: ['python', '-m', 'torch.distributed.run'], module: true, script: 'lm.train', rendezvousPort: 23456, rendezvousTimeout: Duration.minutes(20) });
      expect(trainer.command).toEqual(['python', '-m', 'torch.distributed.run']);
      expect(trainer.args).toEqual([
        '--nnodes=2', '--nproc-per-node=1', '--rdzv-backend=c10d', '--rdzv-endpoint=lm-0:23456', '--rdzv-id=lm',
        '--rdzv-conf=join_timeout=1200,read_timeout=1200', '--max-restarts=2', '--module', 'lm.train',
      ]);
    });
  });

  describe('failure handling', () => {
    test('one pod: disruptions retried, no FailJob on exit 1 (torchrun also exits 1 on SIGTERM and GPU errors), backoffLimit 1', () => {
      const { manifest } = build({ gpuHealthCheck: {} });
      expect(manifest.spec.backoffLimit).toBe(1);
      expect(manifest.spec.podFailurePolicy.rules).toEqual([{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
      expect(manifest.spec.podReplacementPolicy).toBeUndefined();
    });

    test('several pods: no FailJob on 1, which a lost peer also causes; backoffLimit = nodes (a crash of pod 0 fails every pod)', () => {
      const { manifest } = build({ nodes: 4 });
      expect(manifest.spec.backoffLimit).toBe(4);
      expect(manifest.spec.podFailurePolicy.rules).toEqual([{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
    });

    test('several pods: a replacement starts only once the pod it replaces has failed, with or without a podFailurePolicy', () => {
      const { manifest } = build({ nodes: 2, retryOnDisruption: false });
      expect(manifest.spec.podFailurePolicy).toBeUndefined();
      expect(manifest.spec.podReplacementPolicy).toBe('Failed');
      expect(build({ nodes: 2 }).manifest.spec.podReplacementPolicy).toBe('Failed');
    });

    test('fail-fast exit codes are sorted, as the apiserver requires', () => {
      const { manifest } = build({ nodes: 2, failFastExitCodes: [42, 3] });
      expect(manifest.spec.podFailurePolicy.rules[1].onExitCodes.values).toEqual([3, 42]);
    });

    test('no rules, no podFailurePolicy', () => {
      const { manifest } = build({ retryOnDisruption: false, failFastExitCodes: [] });
      expect(manifest.spec.podFailurePolicy).toBeUndefined();
    });

    test('deadline and TTL', () => {
      const { manifest } = build({ activeDeadline: Duration.hours(12), ttlAfterFinished: Duration.hours(1) });
      expect(manifest.spec.activeDeadlineSeconds).toBe(43200);
      expect(manifest.spec.ttlSecondsAfterFinished).toBe(3600);
    });

    test('a Kueue queue labels the Job only, which Kueue suspends and admits whole; the Job sets no suspend of its own', () => {
      const { manifest, objects } = build({ nodes: 4, queueName: 'gpu-team-a', metadata: { labels: { team: 'vision' } } });
      expect(manifest.metadata.labels).toEqual({ 'team': 'vision', 'kueue.x-k8s.io/queue-name': 'gpu-team-a' });
      expect(manifest.spec.template.metadata.labels).toEqual({ team: 'vision' });
      expect(oneOf(objects, 'v1', 'Service').metadata.labels).toEqual({ team: 'vision' });
      expect(manifest.spec.suspend).toBeUndefined();
      expect(build().manifest.metadata.labels).toBeUndefined();
    });

    test('no TTL by default: a GitOps tool would re-create the deleted Job', () => {
      expect(build().manifest.spec.ttlSecondsAfterFinished).toBeUndefined();
    });

    test('the nvidia-smi liveness probe', () => {
      // Through sh: an image without nvidia-smi fails the probe (127) instead of erroring, which the kubelet ignores.
      expect(build({ gpuHealthCheck: {} }).trainer.livenessProbe).toEqual({
        exec: { command: ['sh', '-c', 'PATH="$PATH:/usr/local/nvidia/bin" exec nvidia-smi'] }, periodSeconds: 60, timeoutSeconds: 30, failureThreshold: 3,
      });
      expect(build().trainer.livenessProbe).toBeUndefined();
      // MIG slices and shares are NVIDIA GPUs too.
      expect(build({ gpu: GpuResource.mig('1g.10gb'), nodePool: GpuNodePool.onPrem({ migStrategy: MigStrategy.MIXED }), gpuHealthCheck: {} }).trainer.livenessProbe).toBeDefined();
    });

    test('no nvidia-smi probe on other GPUs, whose containers have no nvidia-smi', () => {
      expect(() => build({ gpu: GpuResource.AMD, nodePool: GpuNodePool.custom({}), gpuHealthCheck: {} })).toThrow(
        "'gpuHealthCheck' must be unset with GPUs other than NVIDIA's: it runs nvidia-smi, which their containers do not have, got 'amd.com/gpu': " +
        "leave it unset, or add a liveness probe that runs the vendor's tool (amd-smi, xpu-smi) with a JSON patch on job");
    });
  });

  describe('pod', () => {
    test('hardened: non-root, read-only root, no capabilities, seccomp', () => {
      const { trainer, pod } = build();
      expect(trainer.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    test('torch\'s writable directories live on /tmp, and several pods give the workers a store of their own, unless env sets them', () => {
      expect(envOf(build({ nodes: 2, env: { TORCH_DISABLE_SHARE_RDZV_TCP_STORE: EnvValue.fromValue('0') } }).trainer).TORCH_DISABLE_SHARE_RDZV_TCP_STORE).toBe('0');
      const env = envOf(build({ env: { HOME: EnvValue.fromValue('/scratch') } }).trainer);
      expect(env).toMatchObject({ HOME: '/scratch', XDG_CACHE_HOME: '/tmp/.cache', TRITON_CACHE_DIR: '/tmp/.triton', TORCHINDUCTOR_CACHE_DIR: '/tmp/torchinductor' });
    });

    test('one CPU and 4Gi (request = limit) per worker unless resources say otherwise', () => {
      expect(build({}).trainer.resources).toMatchObject({ requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } });
      expect(build({ gpuCount: 4 }).trainer.resources).toMatchObject({ requests: { cpu: '4', memory: '16Gi' }, limits: { memory: '16Gi' } });
      const given = build({ gpuCount: 4, resources: { cpu: { request: Cpu.units(2) }, memory: { request: Size.gibibytes(24) } } }).trainer.resources;
      expect(given).toMatchObject({ requests: { cpu: '2', memory: '24Gi' }, limits: { memory: '24Gi' } });
      // /dev/shm is checked against the limit the pod gets: 6Gi fits two workers' 8Gi, not one worker's 4Gi.
      expect(() => build({ gpuCount: 2, sharedMemorySize: Size.gibibytes(6) })).not.toThrow();
      expect(() => build({ sharedMemorySize: Size.gibibytes(6) })).toThrow("'sharedMemorySize' must be less than the memory limit (4Gi), which /dev/shm counts against, got '6Gi'");
    });

    test('several pods take a node each (NCCL counts pods on one node as hosts apart, and talks over sockets); one pod has no anti-affinity', () => {
      const { pod } = build({ metadata: { name: 'resnet' }, nodes: 2 });
      expect(pod.affinity.podAntiAffinity).toEqual({
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'resnet' } } }],
      });
      expect(build({}).pod.affinity).toBeUndefined();
      // MIG slices and shared GPUs: one node holds several pods' worth, so no rule unless asked; and an opt-out.
      const mixed = GpuNodePool.onPrem({ migStrategy: MigStrategy.MIXED });
      expect(build({ nodes: 2, gpu: GpuResource.mig('1g.10gb'), nodePool: mixed }).pod.affinity).toBeUndefined();
      expect(build({ nodes: 2, nodePool: GpuNodePool.onPrem({ sharing: GpuSharing.TIME_SLICING }) }).pod.affinity).toBeUndefined();
      expect(build({ metadata: { name: 'resnet' }, nodes: 2, gpu: GpuResource.mig('1g.10gb'), nodePool: mixed, onePodPerNode: true }).pod.affinity.podAntiAffinity).toEqual({
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'resnet' } } }],
      });
      expect(build({ nodes: 2, onePodPerNode: false }).pod.affinity).toBeUndefined();
    });

    test('scratch grows with the workers: 1Gi of /tmp and of /dev/shm per worker, /dev/shm at most half a given memory limit', () => {
      const sizes = (props: Partial<DistributedTrainingJobProps>) => {
        const volumes = build(props).pod.volumes;
        return [volumes.find((v: any) => v.name === 'tmp')?.emptyDir.sizeLimit, volumes.find((v: any) => v.name === 'dshm')?.emptyDir.sizeLimit];
      };
      expect(sizes({})).toEqual(['1Gi', '1Gi']);
      expect(sizes({ gpuCount: 8 })).toEqual(['8Gi', '8Gi']);
      // /dev/shm counts against the memory limit: at most half of a given one; more memory keeps it per worker.
      expect(sizes({ gpuCount: 8, resources: { memory: { request: Size.gibibytes(6) } } })).toEqual(['8Gi', '3Gi']);
      expect(sizes({ gpuCount: 8, resources: { memory: { request: Size.gibibytes(256) } } })).toEqual(['8Gi', '8Gi']);
      expect(sizes({ gpuCount: 8, resources: { memory: { request: Size.gibibytes(4), limit: Size.mebibytes(5000) } } })).toEqual(['8Gi', '2500Mi']);
      expect(sizes({ resources: { memory: { request: Size.mebibytes(1) } } })).toEqual(['1Gi', '512Ki']);
      // Given sizes stay as given.
      expect(sizes({ gpuCount: 8, tmpSize: Size.gibibytes(2), sharedMemorySize: Size.gibibytes(4) })).toEqual(['2Gi', '4Gi']);
      expect(sizes({ gpuCount: 8, sharedMemory: false })).toEqual(['8Gi', undefined]);
    });

    test('memory-backed /dev/shm', () => {
      const { pod } = build({ resources: { memory: { request: Size.gibibytes(32) } }, sharedMemorySize: Size.gibibytes(8) });
      expect(pod.volumes.find((v: any) => v.name === 'dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    });

    test('NCCL knobs become NCCL_* variables', () => {
      const env = envOf(build({ nccl: { debug: NcclDebugLevel.INFO, debugSubsystems: ['INIT', 'NET'], socketIfname: 'eth0', ibDisable: true, p2pDisable: true, extraEnv: { NCCL_ALGO: 'Ring' } } }).trainer);
      expect(env).toMatchObject({ NCCL_DEBUG: 'INFO', NCCL_DEBUG_SUBSYS: 'INIT,NET', NCCL_SOCKET_IFNAME: 'eth0', NCCL_IB_DISABLE: '1', NCCL_P2P_DISABLE: '1', NCCL_ALGO: 'Ring' });
      // Only the host-buffer default is set without knobs.
      expect(Object.keys(envOf(build().trainer)).filter((n) => n.startsWith('NCCL_'))).toEqual(['NCCL_CUMEM_HOST_ENABLE']);
    });

    test('NCCL keeps its host buffers in /dev/shm (the NUMA calls of cuMem host buffers need CAP_SYS_NICE) unless told otherwise', () => {
      expect(envOf(build().trainer).NCCL_CUMEM_HOST_ENABLE).toBe('0');
      expect(envOf(build({ nccl: { extraEnv: { NCCL_CUMEM_HOST_ENABLE: '1' } } }).trainer).NCCL_CUMEM_HOST_ENABLE).toBe('1');
      expect(envOf(build({ env: { NCCL_CUMEM_HOST_ENABLE: EnvValue.fromValue('1') } }).trainer).NCCL_CUMEM_HOST_ENABLE).toBe('1');
    });

    test('the node pool decides placement (any factory)', () => {
      const { pod } = build({ nodePool: GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, gpuNames: ['h100'] }) });
      expect(pod.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'h100' });
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    });

    test('pod labels and annotations', () => {
      const { manifest } = build({ metadata: { labels: { team: 'vision' } }, podAnnotations: { a: 'b' } });
      expect(manifest.spec.template.metadata).toEqual({ labels: { team: 'vision' }, annotations: { a: 'b' } });
      expect(build().manifest.spec.template.metadata).toBeUndefined();
    });
  });

  describe('volumes', () => {
    test("no /dev/shm of its own on NVIDIA's MPS nodes, whose device plugin mounts the MPS daemon's there", () => {
      const { pod } = build({ nodePool: GpuNodePool.onPrem({ sharing: GpuSharing.MPS }) });
      expect(pod.volumes.map((v: any) => v.name)).not.toContain('dshm');
      expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).not.toContain('/dev/shm');
    });

    test("fails on a claim of the app in another namespace: a pod mounts its own namespace's claims only", () => {
      const chart = Testing.chart();
      const data = new PersistentVolumeClaim(chart, 'data', { metadata: { name: 'data', namespace: 'datasets' }, accessModes: [PersistentVolumeAccessMode.READ_ONLY_MANY] });
      expect(() => new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', metadata: { namespace: 'ml' }, dataset: { claim: data } })).toThrow(
        "'dataset.claim' must be a claim in the pods' namespace ('ml'): a pod mounts claims of its own namespace only, got 'claim 'data' in datasets': " +
        "create the claim in the workload's chart or namespace");
      const ckpt = new PersistentVolumeClaim(chart, 'ckpt', { metadata: { name: 'ckpt', namespace: 'datasets' }, accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY] });
      expect(() => new DistributedTrainingJob(chart, 'ck', { image: IMAGE, script: 'train.py', metadata: { namespace: 'ml' }, checkpoints: { claim: ckpt } }))
        .toThrow(/'checkpoints.claim' must be a claim in the pods' namespace \('ml'\)/);
      // Where one of the two namespaces is unknown at synth, nothing is compared.
      expect(() => new DistributedTrainingJob(chart, 'other', { image: IMAGE, script: 'train.py', dataset: { claim: data } })).not.toThrow();
    });

    test('dataset read-only at /data, checkpoints read-write at /checkpoints, no hostPath', () => {
      const chart = Testing.chart();
      const data = new PersistentVolumeClaim(chart, 'data', { metadata: { name: 'data' }, accessModes: [PersistentVolumeAccessMode.READ_ONLY_MANY], storage: Size.tebibytes(1) });
      const ckpt = PersistentVolumeClaim.fromClaimName(chart, 'ckpt', 'ckpt');
      new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', nodes: 2, dataset: { claim: data }, checkpoints: { claim: ckpt } });
      const pod = oneOf(synth(chart), 'batch/v1', 'Job').spec.template.spec;
      expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
        { name: 'dataset', mountPath: '/data', readOnly: true },
        { name: 'checkpoints', mountPath: '/checkpoints', readOnly: false },
      ]));
      expect(pod.volumes).toEqual(expect.arrayContaining([
        { name: 'dataset', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
        { name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt', readOnly: false } },
      ]));
      expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
      // fsGroup makes the checkpoint volume writable by the non-root group; a replacement pod, which the others wait
      // for, re-owns it only when its root does not match yet.
      expect(pod.securityContext.fsGroup).toBe(1000);
      expect(pod.securityContext.fsGroupChangePolicy).toBe('OnRootMismatch');
    });

    test('a CSI volume as dataset', () => {
      const chart = Testing.chart();
      const csi = Volume.fromCsi(chart, 'csi', 'fuse.csi.example.com', { name: 'bucket', readOnly: true });
      new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', dataset: { volume: csi } });
      const pod = oneOf(synth(chart), 'batch/v1', 'Job').spec.template.spec;
      expect(pod.volumes.find((v: any) => v.name === 'bucket').csi.driver).toBe('fuse.csi.example.com');
      expect(pod.securityContext.fsGroup).toBeUndefined();
      expect(pod.securityContext.fsGroupChangePolicy).toBeUndefined();
    });

    test('hostPath only when allowed', () => {
      const chart = Testing.chart();
      const host = Volume.fromHostPath(chart, 'host', 'local-data', { path: '/mnt/data' });
      new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', dataset: { volume: host }, security: { allowUnrestrictedVolumes: true } });
      expect(oneOf(synth(chart), 'batch/v1', 'Job').spec.template.spec.volumes.find((v: any) => v.name === 'local-data').hostPath.path).toBe('/mnt/data');
    });
  });

  describe('validation', () => {
    const fails = (props: Partial<DistributedTrainingJobProps>, message: string | RegExp) => {
      const chart = Testing.chart();
      expect(() => new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', ...props })).toThrow(message);
    };

    test('takes no command or args: torchrun is the entrypoint (launcher), the script its argument (scriptArgs)', () => {
      // @ts-expect-error command is no prop of a training job
      const command: DistributedTrainingJobProps = { image: IMAGE, script: 'train.py', command: ['python'] };
      // @ts-expect-error args is no prop of a training job
      const args: DistributedTrainingJobProps = { image: IMAGE, script: 'train.py', args: ['--x'] };
      // The type checks above hold under tsc (.ci/run); the same objects, from a spread or a JavaScript caller, are refused at runtime.
      fails(command, "'command' must be unset: the command is the torchrun launcher, got [\"python\"]: use launcher");
      fails(args, "'args' must be unset: the arguments are built from nodes, gpuCount, script and scriptArgs, got [\"--x\"]");
    });
    test('fails on a script with arguments in it', () => fails({ script: 'train.py --lr 1' }, "'script' must be a script path or module name without whitespace"));
    test('fails on zero nodes', () => fails({ nodes: 0 }, "'nodes' must be an integer between 1 and 1000, got 0"));
    test('fails on a queue name that cannot be a label value', () => {
      fails({ queueName: 'Team_A' }, "'queueName' must be a LocalQueue name usable as a label value: a DNS subdomain of at most 63 lowercase letters, digits, '-' and '.', got 'Team_A'");
      fails({ queueName: 'q'.repeat(64) }, /'queueName' must be a LocalQueue name .* got 'q{64}'/);
    });
    test('fails on a queue set twice', () => fails({ queueName: 'a', metadata: { labels: { 'kueue.x-k8s.io/queue-name': 'b' } } },
      "'metadata.labels' must be free of kueue.x-k8s.io/queue-name when queueName is set, got 'b': set the queue once, with queueName"));
    test('fails on an empty launcher', () => fails({ launcher: [] }, "'launcher' must be a non-empty command"));
    test('fails on variables torchrun sets for its workers', () => {
      fails({ env: { WORLD_SIZE: EnvValue.fromValue('8') } }, "'env' must be free of the variables torchrun sets for its workers (LOCAL_RANK, RANK, GROUP_RANK, ROLE_RANK");
      fails({ env: { GROUP_WORLD_SIZE: EnvValue.fromValue('2') } }, "got 'GROUP_WORLD_SIZE'");
      fails({ env: { TORCHELASTIC_RUN_ID: EnvValue.fromValue('x') } }, "got 'TORCHELASTIC_RUN_ID'");
    });
    test('takes variables torchrun reads from the pod and passes on (NODE_RANK is none of torchrun\'s, OMP_NUM_THREADS passes through)', () => {
      const { trainer } = build({ env: { OMP_NUM_THREADS: EnvValue.fromValue('4'), NODE_RANK: EnvValue.fromValue('0') } });
      expect(envOf(trainer)).toMatchObject({ OMP_NUM_THREADS: '4', NODE_RANK: '0' });
    });
    test('fails on PET_ variables of the options it passes; takes torch elastic\'s inputs and other PET_ options', () => {
      fails({ env: { PET_NNODES: EnvValue.fromValue('2') } }, "got 'PET_NNODES'");
      const inputs = { TORCHELASTIC_ENABLE_FILE_TIMER: '1', TORCHELASTIC_LOG_LINE_PREFIX_TEMPLATE: '[${rank}]', PET_TEE: '3' };
      const { trainer } = build({ env: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, EnvValue.fromValue(v)])) });
      expect(envOf(trainer)).toMatchObject(inputs);
    });
    test('fails on an NCCL variable set twice', () => fails({ nccl: { debug: NcclDebugLevel.INFO }, env: { NCCL_DEBUG: EnvValue.fromValue('WARN') } }, "'env' must be free of NCCL_DEBUG, which the nccl prop sets"));
    test('fails on non-NCCL extra variables', () => fails({ nccl: { extraEnv: { FOO: 'x' } } }, "'nccl.extraEnv' must be keyed by NCCL_* variables, got 'FOO'"));
    test('fails on an invalid socket interface', () => fails({ nccl: { socketIfname: 'eth0; rm' } }, "'nccl.socketIfname' must be interface names or prefixes"));
    test("takes NCCL's ^= (exclude exactly)", () => {
      expect(envOf(build({ nccl: { socketIfname: '^=docker0' } }).trainer).NCCL_SOCKET_IFNAME).toBe('^=docker0');
      fails({ nccl: { socketIfname: '=^eth0' } }, "'nccl.socketIfname' must be interface names or prefixes");
    });
    test('fails on a privileged rendezvous port', () => fails({ nodes: 2, rendezvousPort: 80 }, "'rendezvousPort' must be an integer between 1024 and 65535, got 80: the workers run as non-root"));
    test.each([
      ['a MIG request', { gpu: GpuResource.mig('3g.40gb') }],
      ['a GKE partition pool', { nodePool: GpuNodePool.gke({ gpuPartitionSize: '3g.40gb' }) }],
      ['an on-prem single-strategy pool', { nodePool: GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '3g.40gb', products: [GpuProduct.A100_SXM4_80GB] }) }],
    ])('fails on several MIG slices per pod (%s): each worker process sees only the first', (_, props) => fails({ ...props, gpuCount: 2 },
      "'gpuCount' must be 1 with MIG slices (3g.40gb): a CUDA process sees a single MIG device, however many the pod gets, got 2: run one worker per pod (gpuCount: 1, more nodes), or request whole GPUs"));
    test('fails on a dataset subPath outside the volume', () => {
      const chart = Testing.chart();
      const claim = PersistentVolumeClaim.fromClaimName(chart, 'c', 'c');
      expect(() => new DistributedTrainingJob(chart, 'a', { image: IMAGE, script: 'train.py', dataset: { claim, subPath: '../other-team' } }))
        .toThrow("'dataset.subPath' must be a relative path inside the volume (no leading '/', no '..'), got '../other-team'");
    });
    test('fails on exit code 0', () => fails({ failFastExitCodes: [0] }, "'failFastExitCodes' must be an integer between 1 and 255, got 0: exit code 0 is success"));
    test('fails on duplicate exit codes', () => fails({ failFastExitCodes: [3, 3] }, "'failFastExitCodes' must be free of duplicates"));
    // A hole a JavaScript caller left would be written as null, which the apiserver refuses.
    test('fails on a hole in the exit codes', () => fails({ failFastExitCodes: [42, undefined as any] },
      /^'failFastExitCodes' must be an integer between 1 and 255, got undefined$/));
    test('fails on exit code 256, without the hint for 0', () => fails({ failFastExitCodes: [256] }, /^'failFastExitCodes' must be an integer between 1 and 255, got 256$/));
    test('fails on exit code 1, which torchrun exits with for every failure and would end the Job on the first', () => fails({ failFastExitCodes: [42, 1] },
      "'failFastExitCodes' must be codes other than 1, which torchrun exits with for every failure, retryable ones included, got 1: " +
      'have the launcher pass an unrecoverable error of the script on as a code of its own, and list that'));
    test('fails on a file with module, which python -m cannot run', () => {
      for (const script of ['/workspace/train.py', 'train.py', 'mypkg/train', 'my-pkg.train']) {
        fails({ module: true, script }, `'script' must be a dotted Python module name with module: true, e.g. mypkg.train, got '${script}'`);
      }
    });
    test('fails on several time-sliced GPUs per pod', () => fails({ gpu: GpuResource.NVIDIA_SHARED, gpuCount: 2 }, "'gpuCount' must be 1 with GpuResource.NVIDIA_SHARED, got 2: time-sliced replicas"));
    test('fails on a rendezvous timeout with one pod', () => {
      fails({ rendezvousTimeout: Duration.minutes(5) }, "'rendezvousTimeout' must be unset with one pod, which runs torchrun --standalone, got '300s'");
      fails({ rendezvousTimeout: Duration.millis(1500) }, "'rendezvousTimeout' must be a whole number of seconds, got '1500ms'");
    });
    test('fails on durations in fractions of a second, naming the prop (the Job and torchrun take whole seconds)', () => {
      fails({ activeDeadline: Duration.millis(1500) }, "'activeDeadline' must be a whole number of seconds, got '1500ms'");
      fails({ nodes: 2, rendezvousTimeout: Duration.millis(90500) }, "'rendezvousTimeout' must be a whole number of seconds, got '90500ms'");
      fails({ gpuHealthCheck: { period: Duration.millis(2500) } }, "'gpuHealthCheck.period' must be a whole number of seconds, got '2500ms'");
    });
    test('fails on a bad gpuCount with the gpuCount error, not one about the memory derived from it', () => {
      fails({ gpuCount: 0 }, "'gpuCount' must be an integer");
      fails({ gpuCount: -1 }, "'gpuCount' must be an integer");
    });

    test('worker restarts in place with one pod too, when asked; a negative count fails', () => {
      expect(build({ workerRestarts: 2 }).trainer.args).toEqual(['--standalone', '--nnodes=1', '--nproc-per-node=1', '--max-restarts=2', '/workspace/train.py']);
      expect(build({}).trainer.args.some((a: string) => a.startsWith('--max-restarts'))).toBe(false);
      fails({ nodes: 2, workerRestarts: -1 }, "'workerRestarts' must be an integer");
    });
    test('fails on /dev/shm as large as the memory limit', () => fails({ sharedMemorySize: Size.gibibytes(4) }, "'sharedMemorySize' must be less than the memory limit (4Gi), which /dev/shm counts against, got '4Gi'"));
    test('fails on a name that cannot be a Service', () => fails({ metadata: { name: '1st-run' } }, "'metadata.name' must be a DNS-1035 label"));
    test('fails on a name too long for the pod hostnames', () => fails({ metadata: { name: 'a'.repeat(62) }, nodes: 10 },
      "'metadata.name' must be a DNS-1035 label of at most 61 characters (lowercase letters, digits, -; starting with a letter), so that the pod hostname '<name>-9' fits 63"));
    test('fails on an unpinned image', () => fails({ image: 'pytorch/pytorch:latest' }, "'image' must be pinned to a tag other than 'latest'"));

    test('fails on a ReadWriteOnce checkpoint claim mounted by several pods', () => {
      const chart = Testing.chart();
      const rwo = new PersistentVolumeClaim(chart, 'rwo', { accessModes: [PersistentVolumeAccessMode.READ_WRITE_ONCE], storage: Size.gibibytes(10) });
      expect(() => new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', nodes: 2, checkpoints: { claim: rwo } }))
        .toThrow("'checkpoints.claim' must be a claim with access mode ReadWriteMany when 2 pods on different nodes mount it, got 'ReadWriteOnce'");
    });

    test('fails on a hostPath dataset by default', () => {
      const chart = Testing.chart();
      const host = Volume.fromHostPath(chart, 'host', 'local-data', { path: '/mnt/data' });
      expect(() => new DistributedTrainingJob(chart, 'train', { image: IMAGE, script: 'train.py', dataset: { volume: host } }))
        .toThrow(/^'dataset.volume' must be a volume type Pod Security's restricted profile allows \(configMap, .*\), got 'hostPath volume local-data': .*set security.allowUnrestrictedVolumes to true/);
    });

    test('fails on a volume that is both or neither claim and volume', () => {
      const chart = Testing.chart();
      const claim = PersistentVolumeClaim.fromClaimName(chart, 'c', 'c');
      const volume = Volume.fromEmptyDir(chart, 'e', 'e');
      expect(() => new DistributedTrainingJob(chart, 'a', { image: IMAGE, script: 'train.py', dataset: { claim, volume } })).toThrow("'dataset' must be exactly one of claim and volume, got 'both'");
      expect(() => new DistributedTrainingJob(chart, 'b', { image: IMAGE, script: 'train.py', checkpoints: {} })).toThrow("'checkpoints' must be exactly one of claim and volume, got 'neither'");
    });

    test('fails on dataset and checkpoints at one path', () => {
      const chart = Testing.chart();
      const claim = PersistentVolumeClaim.fromClaimName(chart, 'c', 'c');
      expect(() => new DistributedTrainingJob(chart, 'a', { image: IMAGE, script: 'train.py', dataset: { claim, mountPath: '/x' }, checkpoints: { claim, mountPath: '/x' } }))
        .toThrow("'checkpoints.mountPath' must be a path other than the dataset mount path, got '/x'");
    });
  });
});
