import { Testing, Size } from 'cdk8s';
import { Cpu, EnvValue, k8s, Secret, ServiceAccount, Volume } from 'cdk8s-plus-27';
import { GkeAccelerator, GpuNodePool, GpuProduct, GpuResource, GpuSharing, GpuWorkloadProps, MigStrategy } from '../../src';
import { checkOneMigSlice, migSliceOf, mountPathKey, PodSpecInput, PodTarget, quantity, renderPodSpec, resolveGpuPod } from '../../src/scheduling/_pod-spec';
import { podSpecToWire } from '../../src/scheduling/_wire';

const IMAGE = 'nvcr.io/nvidia/pytorch:24.05-py3';

describe('renderPodSpec', () => {
  test('workload target: full pod-level hardening, GPUs, scratch, placement', () => {
    const pod = resolveGpuPod({ image: IMAGE, gpuCount: 2, gpu: GpuResource.NVIDIA, security: { fsGroup: 1000 } });
    const spec = renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'trainer', restartPolicy: 'Never' });
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.restartPolicy).toBe('Never');
    const main = spec.containers.find((c) => c.name === 'trainer')!;
    expect(main.resources?.limits?.['nvidia.com/gpu'].value).toBe('2');
    expect(main.resources?.requests?.['nvidia.com/gpu'].value).toBe('2');
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('knative target: the pod-level context only when a pod-only field asks for it', () => {
    const spec = renderPodSpec(resolveGpuPod({ image: IMAGE }), { pullImage: undefined, target: PodTarget.KNATIVE, containerName: 'model' });
    expect(spec.securityContext).toBeUndefined();
    const withGroup = renderPodSpec(resolveGpuPod({ image: IMAGE, security: { fsGroup: 2000 } }), { pullImage: undefined, target: PodTarget.KNATIVE, containerName: 'model' });
    expect(withGroup.securityContext).toEqual({ fsGroup: 2000 });
    // The container keeps the hardening either way.
    expect(withGroup.containers[0].securityContext).toEqual(spec.containers[0].securityContext);
    expect(spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('user volumes: read-only by default, the same volume mounted twice is declared once', () => {
    const chart = Testing.chart();
    const data = Volume.fromPersistentVolumeClaim(chart, 'data', { name: 'datasets' } as any, { name: 'data' });
    const pod = resolveGpuPod({
      image: IMAGE,
      nodePool: GpuNodePool.custom({}),
      volumeMounts: [{ volume: data, path: '/data' }, { volume: data, path: '/labels', subPath: 'labels', readOnly: false }],
    });
    const spec = renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' });
    expect(spec.volumes?.filter((v) => v.name === 'data')).toHaveLength(1);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data', readOnly: true, subPath: undefined });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/labels', readOnly: false, subPath: 'labels' });
    expect(spec.tolerations).toBeUndefined();
  });

  test('quantities are exact binary units', () => {
    expect(quantity('x', Size.gibibytes(4))).toBe('4Gi');
    expect(quantity('x', Size.mebibytes(1536))).toBe('1536Mi');
    expect(quantity('x', Size.kibibytes(100))).toBe('100Ki');
  });

  test('a preStop hook goes on the main container of a workload; Knative refuses container lifecycles', () => {
    const pod = resolveGpuPod({ image: IMAGE });
    const preStop = { exec: { command: ['sleep', '10'] } };
    const spec = renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', preStop });
    expect(spec.containers[0].lifecycle).toEqual({ preStop });
    expect(renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' }).containers[0].lifecycle).toBeUndefined();
    expect(() => renderPodSpec(pod, { pullImage: undefined, target: PodTarget.KNATIVE, containerName: 'main', preStop })).toThrow('Knative refuses a container lifecycle');
  });

  test('fails on a mount over the scratch paths', () => {
    const volume = Volume.fromEmptyDir(Testing.chart(), 'v', 'v');
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path: '/tmp' }] }))
      .toThrow(/'volumeMounts\[\].path' must be a path other than \/tmp and \/dev\/shm, which are mounted as scratch, got '\/tmp': use tmpSize/);
  });

  test.each(['/tmp/.', '//dev/shm', '/data/../tmp'])('fails on a mount over the scratch paths spelled otherwise (%s)', (path) => {
    const volume = Volume.fromEmptyDir(Testing.chart(), 'v', 'v');
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path }] })).toThrow("'volumeMounts[].path' must be a path other than /tmp and /dev/shm");
  });

  // Clean paths are returned as they are without normalizing; every other spelling goes through path.Clean's rules.
  test.each([
    ['/data', '/data'], ['/a/...', '/a/...'], ['/.cache', '/.cache'], ['/a..', '/a..'], ['/a/b.c', '/a/b.c'],
    ['/data/', '/data'], ['/data/.', '/data'], ['//data', '/data'], ['/dev/./log', '/dev/log'], ['/a//b', '/a/b'],
    ['/a/b/..', '/a'], ['/..', '/'], ['/.', '/'], ['/', '/'], ['///', '/'],
  ])('mount path %s compares as %s', (path, key) => {
    expect(mountPathKey(path)).toBe(key);
  });

  test('fails on a relative mount path', () => {
    const volume = Volume.fromEmptyDir(Testing.chart(), 'v', 'v');
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path: 'data' }] })).toThrow(/'volumeMounts\[\].path' must be an absolute path, got 'data'/);
  });

  test.each(['/data', 'a/../../b', '..'])('fails on a subPath the apiserver refuses (absolute or leaving the volume): %s', (subPath) => {
    const volume = Volume.fromEmptyDir(Testing.chart(), 'v', 'v');
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path: '/data', subPath }] }))
      .toThrow(`'volumeMounts[].subPath' must be a relative path inside the volume (no leading '/', no '..'), got '${subPath}'`);
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path: '/data', subPath: 'team/..data/run1' }] })).not.toThrow();
  });

  test.each([PodTarget.WORKLOAD, PodTarget.KNATIVE])('fails on a user mount at a path the workload mounts already (%s)', (target) => {
    const volume = Volume.fromEmptyDir(Testing.chart(), 'cache', 'cache');
    const pod = resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume, path: '/models/' }] });
    const extraMounts = [{ name: 'model-repository', mountPath: '/models' }];
    expect(() => renderPodSpec(pod, { pullImage: undefined, target, containerName: 'main', extraMounts, extraVolumes: [{ name: 'model-repository', emptyDir: {} }] }))
      .toThrow(/'volumeMounts\[\].path' must be unique within container 'main', got '\/models\/': volume 'model-repository' is mounted there already; mount 'cache' elsewhere/);
  });

  test('fails on two mounts at one path in an init container', () => {
    const pod = resolveGpuPod({ image: IMAGE });
    const initContainers = [{ name: 'fetch', imageProp: 'fetch.image', image: IMAGE, resources: {}, volumeMounts: [{ name: 'tmp', mountPath: '/tmp/' }] }];
    expect(() => renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', initContainers }))
      .toThrow(/'volumeMounts\[\].path' must be unique within container 'fetch', got '\/tmp\/'/);
  });

  test('fails on two different volumes with one name', () => {
    const chart = Testing.chart();
    const a = Volume.fromEmptyDir(chart, 'a', 'same');
    const b = Volume.fromEmptyDir(chart, 'b', 'same', { sizeLimit: Size.gibibytes(1) });
    const pod = resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume: a, path: '/a' }, { volume: b, path: '/b' }] });
    expect(() => renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' })).toThrow(/'volumeMounts' must be volumes with unique names, got 'same'/);
  });

  test('fails on a CPU limit below the request, which the apiserver rejects; compares amounts, not their spelling', () => {
    expect(() => resolveGpuPod({ image: IMAGE, resources: { cpu: { request: Cpu.units(4), limit: Cpu.units(2) } } }))
      .toThrow("'resources.cpu.limit' must be at least the request (4), got '2'");
    expect(() => resolveGpuPod({ image: IMAGE, resources: { cpu: { request: Cpu.millis(2500), limit: Cpu.units(2) } } }))
      .toThrow("'resources.cpu.limit' must be at least the request (2500m), got '2'");
    const equal = { cpu: { request: Cpu.millis(2000), limit: Cpu.units(2) }, memory: { request: Size.gibibytes(8) } };
    expect(resolveGpuPod({ image: IMAGE, guaranteedQos: true, resources: equal }).resources.limits?.cpu.value).toBe('2');
  });

  test('guaranteedQos gives the helper containers limits equal to their requests: the kubelet counts every container', () => {
    const resources = { cpu: { request: Cpu.units(2) }, memory: { request: Size.gibibytes(8) } };
    const pod = resolveGpuPod({ image: IMAGE, guaranteedQos: true, resources });
    const fetch = {
      name: 'fetch',
      imageProp: 'fetch.image',
      image: IMAGE,
      resources: {
        requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi') },
        limits: { memory: k8s.Quantity.fromString('512Mi') },
      },
    };
    const spec = podSpecToWire(renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', initContainers: [fetch] }));
    expect(spec.initContainers[0].resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '250m', memory: '512Mi' } });
    expect(spec.containers[0].resources.requests).toEqual({ 'nvidia.com/gpu': '1', 'cpu': '2', 'memory': '8Gi', 'ephemeral-storage': '1Gi' });
    // The QoS class reads CPU and memory only: the disk request needs no limit.
    expect(spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': '1', 'cpu': '2', 'memory': '8Gi' });
    // Without guaranteedQos the helpers keep their own requests and limits.
    const burstable = podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE }), { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', initContainers: [fetch] }));
    expect(burstable.initContainers[0].resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  describe('/dev/shm is memory the container limit counts', () => {
    const shm = (pod: ReturnType<typeof resolveGpuPod>) =>
      renderPodSpec(pod, { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' }).volumes?.find((v) => v.name === 'dshm');

    test.each([
      ['as large as the default limit', {}, Size.gibibytes(4), '4Gi', '4Gi'],
      ['above a given limit', { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(8) } }, Size.gibibytes(12), '8Gi', '12Gi'],
      ['above the request, which is the limit when none is given', { memory: { request: Size.mebibytes(1536) } }, Size.gibibytes(2), '1536Mi', '2Gi'],
    ])('fails on a size %s', (_name, resources, sharedMemorySize, limit, got) => {
      expect(() => resolveGpuPod({ image: IMAGE, resources, sharedMemorySize })).toThrow(
        `'sharedMemorySize' must be less than the memory limit (${limit}), which /dev/shm counts against, got '${got}': raise resources.memory or lower sharedMemorySize`);
    });

    test('is checked against the limit, not the request', () => {
      const resources = { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(8) } };
      const pod = resolveGpuPod({ image: IMAGE, resources, sharedMemorySize: Size.gibibytes(4) });
      expect(shm(pod)).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('4Gi') } });
    });

    test('is not checked without a memory limit or without /dev/shm', () => {
      expect(shm(resolveGpuPod({ image: IMAGE, resources: { memory: {} }, sharedMemorySize: Size.gibibytes(64) }))?.emptyDir?.sizeLimit?.value).toBe('64Gi');
      expect(shm(resolveGpuPod({ image: IMAGE, resources: { memory: { request: Size.mebibytes(512) } }, sharedMemory: false }))).toBeUndefined();
    });
  });

  test('fails on user and group ids above 2^31 - 1, which the apiserver and Knative refuse', () => {
    for (const field of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
      expect(() => resolveGpuPod({ image: IMAGE, security: { [field]: 2 ** 31 } }))
        .toThrow(`'security.${field}' must be an integer between 0 and 2147483647, got 2147483648`);
      expect(resolveGpuPod({ image: IMAGE, security: { [field]: 2 ** 31 - 1 } })[field]).toBe(2 ** 31 - 1);
    }
  });

  test('requests the disk its emptyDir volumes may fill, which the scheduler does not read from their size limits', () => {
    const requests = (props: Partial<GpuWorkloadProps>, input: Partial<PodSpecInput> = {}) =>
      podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE, ...props }), { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', ...input }))
        .containers[0].resources.requests['ephemeral-storage'];
    // /tmp (1Gi by default); /dev/shm is memory and counts against the memory limit instead.
    expect(requests({})).toBe('1Gi');
    expect(requests({ tmpSize: Size.mebibytes(512), sharedMemorySize: Size.gibibytes(2) })).toBe('512Mi');
    // The workload's own volumes count too (model weights, a Triton repository); one without a limit adds nothing.
    const extraVolumes = [
      { name: 'weights', emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } },
      { name: 'cache', emptyDir: {} },
      { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Gi') } },
    ];
    expect(requests({}, { extraVolumes })).toBe('11Gi');
    // A request given is kept as given, with its limit.
    const disk = { ephemeralStorage: { request: Size.gibibytes(50), limit: Size.gibibytes(60) } };
    const given = podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE, resources: disk }),
      { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', extraVolumes })).containers[0].resources;
    expect([given.requests['ephemeral-storage'], given.limits['ephemeral-storage']]).toEqual(['50Gi', '60Gi']);
    // A limit alone is the request too (the apiserver defaults it so): no request of ours that could exceed it.
    const limitOnly = podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE, resources: { ephemeralStorage: { limit: Size.gibibytes(20) } } }),
      { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', extraVolumes })).containers[0].resources;
    expect([limitOnly.requests['ephemeral-storage'], limitOnly.limits['ephemeral-storage']]).toEqual([undefined, '20Gi']);
    // A limit below the scratch volumes on disk (1Gi of /tmp and 10Gi of weights here): the kubelet would evict the
    // pod, whose emptyDirs count against it, before they fill.
    expect(() => renderPodSpec(resolveGpuPod({ image: IMAGE, resources: { ephemeralStorage: { limit: Size.gibibytes(2) } } }),
      { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main', extraVolumes })).toThrow(
      "'resources.ephemeralStorage.limit' must be at least the size limits of the pod's scratch volumes on disk (11Gi: tmp 1Gi, weights 10Gi), " +
      "or the kubelet evicts the pod before they fill, got '2Gi': raise it, or shrink those volumes (tmpSize sizes tmp, modelWeights.sizeLimit the model weights)");
    expect(() => resolveGpuPod({ image: IMAGE, resources: { ephemeralStorage: { request: Size.gibibytes(50), limit: Size.gibibytes(10) } } }))
      .toThrow("'resources.ephemeralStorage.limit' must be at least the request (50Gi), got '10Gi'");
  });

  test('fails on a fractional KiB size', () => {
    expect(() => quantity('tmpSize', Size.kibibytes(0.5))).toThrow(/'tmpSize' must be a positive whole number of KiB/);
  });
});

describe('pull secrets, priority class and runtime class', () => {
  test('go into the pod spec of every target; unset, they are left out', () => {
    const chart = Testing.chart();
    const pod = resolveGpuPod({
      image: IMAGE,
      imagePullSecrets: [Secret.fromSecretName(chart, 'a', 'registry-creds'), Secret.fromSecretName(chart, 'b', 'ngc-creds')],
      priorityClassName: 'online-inference',
      nodePool: GpuNodePool.onPrem({ runtimeClassName: 'nvidia' }),
    });
    for (const target of [PodTarget.WORKLOAD, PodTarget.KNATIVE]) {
      const wire = podSpecToWire(renderPodSpec(pod, { pullImage: undefined, target, containerName: 'main' }));
      expect(wire.imagePullSecrets).toEqual([{ name: 'registry-creds' }, { name: 'ngc-creds' }]);
      expect(wire.priorityClassName).toBe('online-inference');
      expect(wire.runtimeClassName).toBe('nvidia');
    }
    const plain = podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE, imagePullSecrets: [] }), { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' }));
    expect(Object.keys(plain)).not.toEqual(expect.arrayContaining(['imagePullSecrets']));
    expect(plain).not.toHaveProperty('priorityClassName');
    expect(plain).not.toHaveProperty('runtimeClassName');
  });

  test('fails on names the apiserver refuses, a reserved priority class and a pull secret listed twice', () => {
    const chart = Testing.chart();
    expect(() => resolveGpuPod({ image: IMAGE, priorityClassName: 'High_Priority' }))
      .toThrow("'priorityClassName' must be an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got 'High_Priority'");
    expect(() => resolveGpuPod({ image: IMAGE, imagePullSecrets: [Secret.fromSecretName(chart, 'a', 'Registry')] }))
      .toThrow("'imagePullSecrets[].name' must be an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got 'Registry'");
    expect(() => resolveGpuPod({ image: IMAGE, priorityClassName: 'system-node-critical' })).toThrow(
      "'priorityClassName' must be a PriorityClass of the cluster's users, not one with the reserved 'system-' prefix, got 'system-node-critical': " +
      'create a PriorityClass of your own (value at most 1000000000) and name it here');
    const creds = Secret.fromSecretName(chart, 'b', 'registry-creds');
    expect(() => resolveGpuPod({ image: IMAGE, imagePullSecrets: [creds, creds] }))
      .toThrow("'imagePullSecrets' must be a list naming each Secret once, got 'registry-creds, listed twice': list it once");
  });
});

describe('pools of shared GPUs', () => {
  const gkeTimeSharing = GpuNodePool.gke({ sharing: GpuSharing.TIME_SLICING, maxSharedClientsPerGpu: 4 });

  test.each([
    ['GKE time-sharing', gkeTimeSharing, 'GKE refuses'],
    ['GKE MPS', GpuNodePool.gke({ sharing: GpuSharing.MPS }), 'GKE refuses'],
    ['time-slicing', GpuNodePool.onPrem({ sharing: GpuSharing.TIME_SLICING }), 'the device plugin (MPS, or failRequestsGreaterThanOne) refuses'],
    ['MPS', GpuNodePool.onPrem({ sharing: GpuSharing.MPS }), 'the device plugin (MPS, or failRequestsGreaterThanOne) refuses'],
  ])('fails on several GPUs per pod on a %s pool, where each is a share of one GPU', (how, nodePool, who) => {
    expect(() => resolveGpuPod({ image: IMAGE, nodePool, gpuCount: 2 })).toThrow(
      `'gpuCount' must be 1 on a pool of shared GPUs (${how}), where each GPU resource is a share of one GPU, got 2: ${who} several shares per container`);
    expect(resolveGpuPod({ image: IMAGE, nodePool }).gpuCount).toBe(1);
  });

  test("no /dev/shm volume on NVIDIA's MPS nodes, where the device plugin mounts the MPS daemon's shared memory there", () => {
    const mps = GpuNodePool.onPrem({ sharing: GpuSharing.MPS });
    const spec = podSpecToWire(renderPodSpec(resolveGpuPod({ image: IMAGE, nodePool: mps }), { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' }));
    expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp']);
    expect(spec.volumes.map((v: any) => v.name)).not.toContain('dshm');
    expect(() => resolveGpuPod({ image: IMAGE, nodePool: mps, sharedMemorySize: Size.gibibytes(2) })).toThrow(
      "'sharedMemorySize' must be unset on a pool of MPS-shared GPUs: NVIDIA's device plugin mounts the MPS daemon's shared memory at /dev/shm, " +
      "which a volume of the pod would hide, got '2Gi': leave it unset: the pod uses the MPS shared memory of its node");
    expect(() => resolveGpuPod({ image: IMAGE, nodePool: mps, sharedMemory: true })).toThrow(/'sharedMemory' must be unset on a pool of MPS-shared GPUs/);
    // GKE runs MPS its own way and time-slicing mounts nothing: /dev/shm stays.
    for (const nodePool of [GpuNodePool.gke({ sharing: GpuSharing.MPS }), GpuNodePool.onPrem({ sharing: GpuSharing.TIME_SLICING })]) {
      expect(resolveGpuPod({ image: IMAGE, nodePool }).sharedMemorySize).toBeDefined();
    }
  });

  test('fails on a renamed shared resource on GKE, which advertises shared GPUs as nvidia.com/gpu', () => {
    expect(() => resolveGpuPod({ image: IMAGE, nodePool: gkeTimeSharing, gpu: GpuResource.NVIDIA_SHARED })).toThrow(
      "'gpu' must be GpuResource.NVIDIA on a GKE pool: GKE's device plugin advertises every GPU, GPU partition and GPU share as nvidia.com/gpu, got 'nvidia.com/gpu.shared'");
    // The NVIDIA device plugin renames shares on request (renameByDefault): on-prem, nvidia.com/gpu.shared is one.
    expect(resolveGpuPod({ image: IMAGE, nodePool: GpuNodePool.onPrem({ sharing: GpuSharing.TIME_SLICING }), gpu: GpuResource.NVIDIA_SHARED }).gpu)
      .toBe(GpuResource.NVIDIA_SHARED);
  });

  test('fails on a resource the pool\'s nodes never advertise: shares on exclusive GPUs, MIG slices on GKE', () => {
    expect(() => resolveGpuPod({ image: IMAGE, nodePool: GpuNodePool.onPrem({ sharing: GpuSharing.NONE }), gpu: GpuResource.NVIDIA_SHARED })).toThrow(
      "'gpu' must be a resource the pool's nodes advertise: nodes labelled nvidia.com/gpu.sharing-strategy=none share no GPU, and advertise no nvidia.com/gpu.shared, " +
      "got 'nvidia.com/gpu.shared': select the shared nodes (sharing: GpuSharing.TIME_SLICING or MPS), or ask for GpuResource.NVIDIA");
    // GKE's device plugin advertises partitions as nvidia.com/gpu, with or without the partition label in the selector.
    expect(() => resolveGpuPod({ image: IMAGE, nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_A100_80GB] }), gpu: GpuResource.mig('1g.10gb') }))
      .toThrow(/^'gpu' must be nvidia.com\/gpu on a node pool that advertises its MIG slices as nvidia.com\/gpu \(GKE, the single MIG strategy\), got 'nvidia.com\/mig-1g.10gb'/);
  });

  test('exclusive pools take several GPUs', () => {
    expect(resolveGpuPod({ image: IMAGE, nodePool: GpuNodePool.gke({ sharing: GpuSharing.NONE }), gpuCount: 4 }).gpuCount).toBe(4);
    expect(resolveGpuPod({ image: IMAGE, nodePool: GpuNodePool.onPrem({ sharing: GpuSharing.NONE }), gpuCount: 4 }).gpuCount).toBe(4);
  });
});

describe('MIG slices', () => {
  const partitioned = GpuNodePool.gke({ gpuPartitionSize: '1g.10gb' });

  test('a pool knows when its GPUs are partitions, or MIG slices advertised as nvidia.com/gpu', () => {
    expect(partitioned.gpuPartitionSize).toBe('1g.10gb');
    expect(partitioned.advertisesMigAsGpu).toBe(true);
    expect(GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE }).advertisesMigAsGpu).toBe(true);
    expect(GpuNodePool.onPrem({ migStrategy: MigStrategy.MIXED }).advertisesMigAsGpu).toBe(false);
    expect(GpuNodePool.nvidia().gpuPartitionSize).toBeUndefined();
    expect(GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE }).gpuPartitionSize).toBeUndefined();
    expect(GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '2g.20gb', products: [GpuProduct.A100_SXM4_40GB] }).gpuPartitionSize)
      .toBe('2g.20gb');
    // A custom pool's label that is no partition size: still MIG as nvidia.com/gpu, but no size to budget with.
    const custom = GpuNodePool.custom({ nodeSelector: { 'cloud.google.com/gke-gpu-partition-size': 'mig-1g' } });
    expect(custom.gpuPartitionSize).toBeUndefined();
    expect(custom.advertisesMigAsGpu).toBe(true);
    // GFD's product label under the single MIG strategy names the profile; a plain product names none.
    const gfd = GpuNodePool.custom({ nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB-MIG-1g.10gb' } });
    expect(gfd.gpuPartitionSize).toBe('1g.10gb');
    expect(gfd.advertisesMigAsGpu).toBe(true);
    expect(migSliceOf(resolveGpuPod({ image: IMAGE, nodePool: gfd }))).toBe('1g.10gb');
    const whole = GpuNodePool.custom({ nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } });
    expect(whole.gpuPartitionSize).toBeUndefined();
    expect(whole.advertisesMigAsGpu).toBe(false);
  });

  test('the slice of a pod: a MIG request, or nvidia.com/gpu on a partitioned pool', () => {
    expect(migSliceOf(resolveGpuPod({ image: IMAGE, gpu: GpuResource.mig('3g.40gb') }))).toBe('3g.40gb');
    expect(migSliceOf(resolveGpuPod({ image: IMAGE, nodePool: partitioned }))).toBe('1g.10gb');
    expect(migSliceOf(resolveGpuPod({ image: IMAGE }))).toBeUndefined();
  });

  test.each([
    ['a GKE partition pool', partitioned],
    ['a single-strategy pool', GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE })],
  ])('fails on a nvidia.com/mig-* request on %s, which never advertises one', (_, nodePool) => {
    expect(() => resolveGpuPod({ image: IMAGE, gpu: GpuResource.mig('1g.10gb'), nodePool }))
      .toThrow(/'gpu' must be nvidia.com\/gpu on a node pool that advertises its MIG slices as nvidia.com\/gpu .*, got 'nvidia.com\/mig-1g.10gb': keep GpuResource.NVIDIA/);
  });

  test('fails on a MIG slice on a pool selected by the whole-GPU sharing label, which says nothing of the slices', () => {
    const nodePool = GpuNodePool.onPrem({ migStrategy: MigStrategy.MIXED, sharing: GpuSharing.NONE });
    expect(() => resolveGpuPod({ image: IMAGE, gpu: GpuResource.mig('1g.10gb'), nodePool })).toThrow(
      "'gpu' must be a whole-GPU resource on a pool selected by nvidia.com/gpu.sharing-strategy, which labels whole GPUs only, got 'nvidia.com/mig-1g.10gb': " +
      "drop sharing from the pool and select the slices' own label, e.g. GpuNodePool.custom({ nodeSelector: { 'nvidia.com/mig-1g.10gb.sharing-strategy': 'none' } })");
    // Whole GPUs on that pool are what the label describes.
    expect(resolveGpuPod({ image: IMAGE, nodePool }).gpu).toBe(GpuResource.NVIDIA);
  });

  test('one process per GPU cannot use a second MIG slice', () => {
    expect(() => checkOneMigSlice(resolveGpuPod({ image: IMAGE, gpu: GpuResource.mig('1g.10gb'), gpuCount: 2 }), 'fix it'))
      .toThrow("'gpuCount' must be 1 with MIG slices (1g.10gb): a CUDA process sees a single MIG device, however many the pod gets, got 2: fix it");
    expect(() => checkOneMigSlice(resolveGpuPod({ image: IMAGE, nodePool: partitioned, gpuCount: 4 }), 'fix it')).toThrow(/MIG slices \(1g.10gb\)/);
    expect(() => checkOneMigSlice(resolveGpuPod({ image: IMAGE, gpuCount: 4 }), 'fix it')).not.toThrow();
  });
});

describe('what the pod references, checked as the apiserver checks it', () => {
  test('fails on Secret and ConfigMap references, a service account and a volume the apiserver refuses', () => {
    const chart = Testing.chart();
    const render = (env: Record<string, EnvValue>) => renderPodSpec(resolveGpuPod({ image: IMAGE, env }), { pullImage: undefined, target: PodTarget.WORKLOAD, containerName: 'main' });
    const secret = Secret.fromSecretName(chart, 's', 'HF_Token');
    expect(() => render({ HF_TOKEN: EnvValue.fromSecretValue({ secret, key: 'token' }) }))
      .toThrow("'env['HF_TOKEN'].name' must be an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got 'HF_Token'");
    const good = Secret.fromSecretName(chart, 'g', 'hf-token');
    expect(() => render({ HF_TOKEN: EnvValue.fromSecretValue({ secret: good, key: 'the token' }) })).toThrow("'env['HF_TOKEN'].key' must be a Secret key");
    expect(render({ HF_TOKEN: EnvValue.fromSecretValue({ secret: good, key: 'token' }) }).containers[0].env)
      .toContainEqual({ name: 'HF_TOKEN', value: undefined, valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } });
    expect(() => resolveGpuPod({ image: IMAGE, serviceAccount: ServiceAccount.fromServiceAccountName(chart, 'sa', 'Inference') }))
      .toThrow("'serviceAccount' must be an object name: a DNS subdomain");
    const scratch = Volume.fromEmptyDir(chart, 'v', 'Scratch_Data');
    expect(() => resolveGpuPod({ image: IMAGE, volumeMounts: [{ volume: scratch, path: '/scratch' }] }))
      .toThrow("'volumeMounts[].volume' must be a volume named by a DNS label (at most 63 lowercase letters, digits and -), got 'Scratch_Data'");
  });

  test('extended resources: each a request equal to its limit; fails on native resources, GPUs and counts the apiserver refuses', () => {
    const limits = (extendedResources: Record<string, number>) => resolveGpuPod({ image: IMAGE, extendedResources }).resources.limits!;
    const both = limits({ 'vpc.amazonaws.com/efa': 4, 'rdma/hca_shared_devices_a': 1 });
    expect([both['vpc.amazonaws.com/efa'].value, both['rdma/hca_shared_devices_a'].value]).toEqual(['4', '1']);
    expect(resolveGpuPod({ image: IMAGE, extendedResources: { 'vpc.amazonaws.com/efa': 4 } }).resources.requests!['vpc.amazonaws.com/efa'].value).toBe('4');
    expect(() => limits({ memory: 1 })).toThrow("'extendedResources' must be extended resource names: qualified names with a domain outside kubernetes.io, " +
      "not starting with 'requests.', such as 'vpc.amazonaws.com/efa', got 'memory': CPU, memory and ephemeral storage go in resources");
    expect(() => limits({ 'example.kubernetes.io/widget': 1 })).toThrow(/'extendedResources' must be extended resource names/);
    // Quota names an extended resource 'requests.<name>' (IsExtendedResourceName): no such prefix, and a domain that fits behind it.
    expect(() => limits({ 'requests.example.com/widget': 1 })).toThrow(
      "got 'requests.example.com/widget': name the resource as its device plugin advertises it (the node's status.allocatable)");
    const domain = (length: number) => `${'a'.repeat(length - 4)}.com/widget`;
    expect(limits({ [domain(244)]: 1 })[domain(244)].value).toBe('1');
    expect(() => limits({ [domain(245)]: 1 })).toThrow(/'extendedResources' must be extended resource names/);
    expect(() => GpuResource.custom('requests.example.com/gpu')).toThrow("'GpuResource.custom(name)' must be");
    expect(() => limits({ 'nvidia.com/gpu': 1 })).toThrow("'extendedResources' must be devices beside the GPUs, got 'nvidia.com/gpu': ask for GPUs and MIG slices with gpu and gpuCount");
    expect(() => limits({ 'nvidia.com/mig-1g.10gb': 1 })).toThrow(/must be devices beside the GPUs, got 'nvidia.com\/mig-1g.10gb'/);
    expect(() => resolveGpuPod({ image: IMAGE, gpu: GpuResource.custom('amd.com/gpu'), extendedResources: { 'amd.com/gpu': 1 } }))
      .toThrow(/must be devices beside the GPUs, got 'amd.com\/gpu'/);
    expect(() => limits({ 'vpc.amazonaws.com/efa': 0 })).toThrow("'extendedResources['vpc.amazonaws.com/efa']' must be an integer >= 1, got 0");
    expect(() => limits({ 'vpc.amazonaws.com/efa': 1.5 })).toThrow("'extendedResources['vpc.amazonaws.com/efa']' must be an integer >= 1, got 1.5");
    // A key a JavaScript caller left without a count would be written as the quantity 'undefined'.
    expect(() => limits({ 'vpc.amazonaws.com/efa': undefined as any })).toThrow(/^'extendedResources\['vpc\.amazonaws\.com\/efa'\]' must be an integer >= 1, got undefined$/);
  });

  test('fails on more GPUs than a node has', () => {
    expect(() => resolveGpuPod({ image: IMAGE, gpuCount: 1025 }))
      .toThrow("'gpuCount' must be at most 1024: a pod's GPUs come from one node, and no node has more, got 1025: spread the work over several pods");
    // 128 NeuronCores of a trn2.48xlarge pass.
    expect(resolveGpuPod({ image: IMAGE, gpu: GpuResource.custom('aws.amazon.com/neuroncore'), gpuCount: 128 }).gpuCount).toBe(128);
  });

  test('fails on a negative CPU amount and on a size too large to write as a quantity', () => {
    expect(() => resolveGpuPod({ image: IMAGE, resources: { cpu: { request: Cpu.units(-1) } } }))
      .toThrow("'resources.cpu.request' must be a CPU amount of 0 or more, in plain decimal cores or millicores (2, 0.5, 250m), got '-1'");
    expect(() => quantity('tmpSize', Size.gibibytes(1e21))).toThrow("'tmpSize' must be at most 2^53 - 1 KiB");
  });
});
