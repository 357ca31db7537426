import { Chart, Size, Testing } from 'cdk8s';
import { Cpu, EnvValue, ImagePullPolicy, PersistentVolumeClaim, Secret, ServiceAccount, Volume } from 'cdk8s-plus-27';
import { GpuNodePool, GpuNotebook, GpuNotebookProps, GpuProduct, GpuResource, NotebookServiceType } from '../../src';
import { ofKind, oneOf, synth } from '../_helpers/manifests';

function build(props: Partial<GpuNotebookProps> = {}) {
  const chart = Testing.chart();
  const notebook = new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 'token', 'jupyter-token'), ...props });
  const objects = synth(chart);
  const deployment = oneOf(objects, 'apps/v1', 'Deployment');
  const pod = deployment.spec.template.spec;
  return { chart, notebook, objects, deployment, pod, container: pod.containers[0], service: oneOf(objects, 'v1', 'Service') };
}

describe('GpuNotebook', () => {
  test('defaults', () => {
    const { objects } = build();
    expect(objects).toMatchSnapshot();
    // The workspace outlives a prune by Argo CD or Flux (a renamed notebook): it holds the user's work.
    expect(oneOf(objects, 'v1', 'PersistentVolumeClaim').metadata.annotations)
      .toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
  });

  test('devices beside the GPUs reach the notebook container', () => {
    const { container } = build({ extendedResources: { 'rdma/hca_shared_devices_a': 1 } });
    expect([container.resources.requests['rdma/hca_shared_devices_a'], container.resources.limits['rdma/hca_shared_devices_a']]).toEqual(['1', '1']);
  });

  test('stopped: no pod, so no GPU held; the workspace claim, the Service and the pod template stay', () => {
    const running = build();
    const stopped = build({ stopped: true });
    expect(running.deployment.spec.replicas).toBe(1);
    expect(stopped.deployment.spec.replicas).toBe(0);
    expect(stopped.deployment.spec.template).toEqual(running.deployment.spec.template);
    expect(ofKind(stopped.objects, 'v1', 'PersistentVolumeClaim')).toEqual(ofKind(running.objects, 'v1', 'PersistentVolumeClaim'));
    expect(stopped.service).toEqual(running.service);
  });

  test('every prop', () => {
    const chart = Testing.chart();
    new GpuNotebook(chart, 'lab', {
      metadata: { name: 'dev-lab', labels: { team: 'vision' } },
      baseUrl: '/user/dev/',
      image: 'quay.io/jupyter/pytorch-notebook:cuda12-2024-09-30',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      tokenSecret: Secret.fromSecretName(chart, 'token', 'lab-secret'),
      tokenKey: 'jupyter-token',
      port: 9999,
      serviceType: NotebookServiceType.NODE_PORT,
      nodePort: 30888,
      workspace: PersistentVolumeClaim.fromClaimName(chart, 'ws', 'team-workspace'),
      homePath: '/home/dev',
      workspacePath: '/workspace',
      homeSize: Size.gibibytes(10),
      gpu: GpuResource.NVIDIA_SHARED,
      gpuCount: 1,
      nodePool: GpuNodePool.onPrem({ products: [GpuProduct.L4] }),
      resources: { cpu: { request: Cpu.units(4) }, memory: { request: Size.gibibytes(16) } },
      env: { PIP_INDEX_URL: EnvValue.fromValue('https://pypi.example.com/simple') },
      sharedMemorySize: Size.gibibytes(2),
      security: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 },
      serviceAccount: ServiceAccount.fromServiceAccountName(chart, 'sa', 'notebook'),
      imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')],
      priorityClassName: 'interactive',
    });
    expect(synth(chart)).toMatchSnapshot();
  });

  test('ClusterIP by default; NodePort only on request', () => {
    expect(build().service.spec.type).toBe('ClusterIP');
    expect(build().service.spec.ports[0].nodePort).toBeUndefined();
    const nodePort = build({ serviceType: NotebookServiceType.NODE_PORT, nodePort: 31000 }).service.spec;
    expect(nodePort.type).toBe('NodePort');
    expect(nodePort.ports[0].nodePort).toBe(31000);
  });

  test('the token is a Secret reference, never a literal', () => {
    const { container } = build({ tokenKey: 'tok' });
    const token = container.env.find((e: any) => e.name === 'JUPYTER_TOKEN');
    expect(token).toEqual({ name: 'JUPYTER_TOKEN', valueFrom: { secretKeyRef: { name: 'jupyter-token', key: 'tok' } } });
  });

  test('a 20Gi ReadWriteOnce workspace claim, mounted read-write at ~/work', () => {
    const { objects, container, pod, notebook } = build();
    const pvc = oneOf(objects, 'v1', 'PersistentVolumeClaim');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(notebook.workspaceClaim?.name).toBe(pvc.metadata.name);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'workspace', mountPath: '/home/jovyan/work', readOnly: false }]));
    expect(pod.volumes.find((v: any) => v.name === 'workspace').persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
  });

  test('JupyterLab serves the workspace as its root (its working directory), so what the file browser saves persists', () => {
    expect(build().container.workingDir).toBe('/home/jovyan/work');
    expect(build({ workspacePath: '/workspace' }).container.workingDir).toBe('/workspace');
  });

  test('the workspace is re-owned for fsGroup only when its root does not match, not on every start', () => {
    expect(build().pod.securityContext).toMatchObject({ fsGroup: 100, fsGroupChangePolicy: 'OnRootMismatch' });
  });

  test('another uid gets USER and LOGNAME, which getpass reads when /etc/passwd has no entry for it', () => {
    const env = (props: Partial<GpuNotebookProps>) =>
      Object.fromEntries(build(props).container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env({})).not.toHaveProperty('USER');
    expect(env({})).not.toHaveProperty('LOGNAME');
    expect(env({ security: { runAsUser: 1001 } })).toMatchObject({ USER: 'jovyan', LOGNAME: 'jovyan' });
    expect(env({ security: { runAsUser: 1001 }, env: { USER: EnvValue.fromValue('dev') } })).toMatchObject({ USER: 'dev', LOGNAME: 'jovyan' });
  });

  test("fails on a workspace claim of the app in another namespace: a pod mounts its own namespace's claims only", () => {
    const chart = Testing.chart();
    const workspace = new PersistentVolumeClaim(chart, 'ws', { metadata: { name: 'ws', namespace: 'shared' } });
    expect(() => new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't'), metadata: { namespace: 'lab' }, workspace }))
      .toThrow("'workspace' must be a claim in the pods' namespace ('lab'): a pod mounts claims of its own namespace only, got 'claim 'ws' in shared'");
  });

  test('a given workspace claim: no claim created', () => {
    const chart = Testing.chart();
    new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't'), workspace: PersistentVolumeClaim.fromClaimName(chart, 'ws', 'mine') });
    expect(ofKind(synth(chart), 'v1', 'PersistentVolumeClaim')).toHaveLength(0);
  });

  test('a dataset mounted beside the workspace, and pod annotations; mounts on the workspace or home fail', () => {
    const chart = Testing.chart();
    const datasets = Volume.fromPersistentVolumeClaim(chart, 'data', PersistentVolumeClaim.fromClaimName(chart, 'd', 'datasets'));
    new GpuNotebook(chart, 'lab', {
      tokenSecret: Secret.fromSecretName(chart, 't', 't'),
      volumeMounts: [{ volume: datasets, path: '/data', readOnly: true }],
      podAnnotations: { 'example.com/owner': 'research' },
    });
    const template = oneOf(synth(chart), 'apps/v1', 'Deployment').spec.template;
    expect(template.spec.containers[0].volumeMounts).toContainEqual({ name: 'pvc-datasets', mountPath: '/data', readOnly: true });
    expect(template.spec.volumes).toContainEqual({ name: 'pvc-datasets', persistentVolumeClaim: { claimName: 'datasets', readOnly: false } });
    expect(template.metadata.annotations).toEqual({ 'example.com/owner': 'research' });
    expect(build().deployment.spec.template.metadata.annotations).toBeUndefined();
    // /tmp is scratch of its own size, which the /tmp refusal's fix names.
    expect(build({ tmpSize: Size.gibibytes(4) }).pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '4Gi' } });
    for (const [path, holder] of [['/home/jovyan/work', 'workspace'], ['/home/jovyan', 'home']]) {
      const c = Testing.chart();
      const volume = Volume.fromPersistentVolumeClaim(c, 'data', PersistentVolumeClaim.fromClaimName(c, 'd', 'datasets'));
      expect(() => new GpuNotebook(c, 'lab', { tokenSecret: Secret.fromSecretName(c, 't', 't'), volumeMounts: [{ volume, path, readOnly: true }] }))
        .toThrow(`'volumeMounts[].path' must be unique within container 'notebook', got '${path}': volume '${holder}' is mounted there already`);
    }
  });

  test('one pod, replaced with Recreate: the GPU and the RWO claim are never held twice', () => {
    expect(build().deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  test('hardened as jovyan: uid 1000, gid 100, fsGroup 100, read-only root, home on scratch', () => {
    const { container, pod } = build();
    expect(container.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 100, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext.fsGroup).toBe(100);
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'home', emptyDir: { sizeLimit: '5Gi' } }]));
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'HOME', value: '/home/jovyan' }, { name: 'JUPYTER_PORT', value: '8888' }]));
  });

  test('a pinned image by default', () => {
    expect(build().container.image).toBe(GpuNotebook.DEFAULT_IMAGE);
    expect(GpuNotebook.DEFAULT_IMAGE).toMatch(/:cuda12-\d{4}-\d{2}-\d{2}$/);
  });

  test('probes on /api, which answers without the token', () => {
    const { container } = build();
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/api', port: 'http' });
    }
  });

  test('8Gi of memory unless resources.memory says otherwise, also when only the CPU is given', () => {
    expect(build().container.resources).toMatchObject({ requests: { cpu: '1', memory: '8Gi' }, limits: { memory: '8Gi' } });
    expect(build({ resources: { cpu: { request: Cpu.units(4) } } }).container.resources).toMatchObject({ requests: { cpu: '4', memory: '8Gi' }, limits: { memory: '8Gi' } });
  });

  test('one GPU on the node pool', () => {
    const { container, pod } = build({ nodePool: GpuNodePool.aks() });
    expect(container.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.azure.com/accelerator': 'nvidia' });
  });

  test('url and Karmada placement', () => {
    const { notebook } = build({ metadata: { name: 'lab' } });
    expect(build({ metadata: { name: 'lab', namespace: 'research' } }).notebook.url).toBe('http://lab.research.svc.cluster.local:8888/lab');
    // Applied without a namespace, it lands wherever it is applied: no address is guessed.
    expect(() => notebook.url).toThrow("'metadata.namespace' must be known at synth to form the in-cluster address, got 'none': " +
      'set the namespace on the chart or in metadata: the address is lab.<namespace>.svc.cluster.local');
    expect(notebook.workloadPlacement.workload).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'lab', namespace: undefined });
    expect(notebook.workloadPlacement.companions).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'lab', namespace: undefined }]);
  });

  test.each([
    ['a chart without a namespace', undefined],
    ['a chart in another namespace', 'default-ns'],
  ])('metadata.namespace places the claim and the Service next to the pod (%s)', (_, chartNamespace) => {
    const chart = new Chart(Testing.app(), 'notebooks', { namespace: chartNamespace });
    new GpuNotebook(chart, 'lab', { metadata: { name: 'lab', namespace: 'research' }, tokenSecret: Secret.fromSecretName(chart, 'token', 'jupyter-token') });
    const objects = synth(chart);
    expect(objects.map((o: any) => `${o.kind}/${o.metadata.namespace}`).sort())
      .toEqual(['Deployment/research', 'PersistentVolumeClaim/research', 'Service/research']);
  });

  test('pull secrets and a priority class reach the pod, through the shared renderer\'s checks', () => {
    const chart = Testing.chart();
    const { pod } = build({ imagePullSecrets: [Secret.fromSecretName(chart, 'pull', 'registry-creds')], priorityClassName: 'interactive' });
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(pod.priorityClassName).toBe('interactive');
    expect(() => build({ priorityClassName: 'Interactive' })).toThrow("'priorityClassName' must be an object name: a DNS subdomain");
  });

  test('a base URL goes to the server and the probes; the user\'s NOTEBOOK_ARGS follow it', () => {
    const { container } = build({ baseUrl: '/user/alice', env: { NOTEBOOK_ARGS: EnvValue.fromValue('--ServerApp.root_dir=/workspace') } });
    expect(container.env.find((e: any) => e.name === 'NOTEBOOK_ARGS').value).toBe('--ServerApp.base_url=/user/alice/ --ServerApp.root_dir=/workspace');
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) expect(probe.httpGet.path).toBe('/user/alice/api');
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ml' });
    const lab = new GpuNotebook(chart, 'lab', { metadata: { name: 'alice' }, tokenSecret: Secret.fromSecretName(chart, 't', 't'), baseUrl: '/user/alice' });
    expect(lab.url).toBe('http://alice.ml.svc.cluster.local:8888/user/alice/lab');
    expect(build().container.startupProbe.httpGet.path).toBe('/api');
  });

  describe('validation', () => {
    test('fails on a workspace size cdk8s-plus cannot write in whole GiB, and on a storage class name the apiserver refuses', () => {
      expect(() => build({ workspaceSize: Size.mebibytes(512) })).toThrow("'workspaceSize' must be a whole number of GiB (the claim is written in Gi), got '512Mi': use Size.gibibytes(1)");
      expect(() => build({ workspaceStorageClass: 'Fast SSD' })).toThrow("'workspaceStorageClass' must be an object name: a DNS subdomain");
    });

    const fails = (props: Partial<GpuNotebookProps>, message: string) => {
      const chart = Testing.chart();
      expect(() => new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't'), ...props })).toThrow(message);
    };
    test('fails on root, which the image needs only to sudo to jovyan, and which the hardening stops', () => fails(
      { security: { allowRoot: true, runAsUser: 0 } },
      "'security.runAsUser' must be a non-zero uid: the notebook image starts as root only to switch to jovyan with sudo, which the hardening stops, got 0"));
    test('fails on what would move the server off the probes\' URL: a base_url in NOTEBOOK_ARGS, TLS by GEN_CERT, a bad base URL', () => {
      fails({ env: { NOTEBOOK_ARGS: EnvValue.fromValue('--ServerApp.base_url=/alice/') } },
        "'env' must be a NOTEBOOK_ARGS literal that leaves the server where the probes ask (no base_url, port, ip, sock, certfile or keyfile), " +
        "got '--ServerApp.base_url=/alice/': set baseUrl or port instead; terminate TLS at the ingress or a mesh");
      for (const args of ['--port=9999', '--ServerApp.port 9999', '--collaborative --certfile=/etc/tls/tls.crt', '--ServerApp.sock=/tmp/s']) {
        fails({ env: { NOTEBOOK_ARGS: EnvValue.fromValue(args) } }, "'env' must be a NOTEBOOK_ARGS literal that leaves the server where the probes ask");
      }
      expect(() => build({ env: { NOTEBOOK_ARGS: EnvValue.fromValue('--ServerApp.port_retries=0 --LabApp.collaborative=True') } })).not.toThrow();
      fails({ baseUrl: '/..' }, "'baseUrl' must be a URL path of plain segments, starting with '/', got '/..'");
      fails({ env: { GEN_CERT: EnvValue.fromValue('yes') } }, "'env' must be free of GEN_CERT: the probes speak HTTP to the server, got 'GEN_CERT'");
      fails({ baseUrl: 'user/alice' }, "'baseUrl' must be a URL path of plain segments, starting with '/', got 'user/alice'");
    });
    test('fails on a node port without NodePort', () => fails({ nodePort: 30001 }, "'nodePort' must be unset unless serviceType is NotebookServiceType.NODE_PORT"));
    test('fails on a node port out of range', () => fails({ serviceType: NotebookServiceType.NODE_PORT, nodePort: 8080 }, "'nodePort' must be an integer between 30000 and 32767, got 8080"));
    test('fails on a privileged port', () => fails({ port: 80 }, "'port' must be an integer between 1024 and 65535, got 80: the notebook runs as non-root"));
    test('fails on a size for a given workspace', () => {
      const chart = Testing.chart();
      expect(() => new GpuNotebook(chart, 'lab', {
        tokenSecret: Secret.fromSecretName(chart, 't', 't'), workspace: PersistentVolumeClaim.fromClaimName(chart, 'ws', 'mine'), workspaceSize: Size.gibibytes(5),
      })).toThrow("'workspaceSize' must be unset when workspace is given (it sizes the claim this construct creates), got '5Gi'");
      expect(() => new GpuNotebook(chart, 'lab2', {
        tokenSecret: Secret.fromSecretName(chart, 't2', 't'), workspace: PersistentVolumeClaim.fromClaimName(chart, 'ws2', 'mine'), workspaceStorageClass: 'fast',
      })).toThrow("'workspaceStorageClass' must be unset when workspace is given (it is the class of the claim this construct creates), got 'fast'");
    });
    test('fails on an empty workspace, which the apiserver refuses to claim', () => fails({ workspaceSize: Size.gibibytes(0) }, "'workspaceSize' must be a positive whole number of KiB, got '0Ki'"));
    test('fails on a Secret key the apiserver refuses', () => fails({ tokenKey: 'bad key!' },
      "'tokenKey' must be a Secret key (at most 253 letters, digits, '-', '_' and '.', not '.' or starting with '..'), got 'bad key!'"));
    test('fails on a port above 65535, without the hint for low ports', () => {
      const chart = Testing.chart();
      expect(() => new GpuNotebook(chart, 'lab', { tokenSecret: Secret.fromSecretName(chart, 't', 't'), port: 70000 }))
        .toThrow(/^'port' must be an integer between 1024 and 65535, got 70000$/);
    });
    test('fails on a token in env', () => fails({ env: { JUPYTER_TOKEN: EnvValue.fromValue('secret') } }, "'env' must be free of JUPYTER_TOKEN, JUPYTER_PORT and HOME"));
    test('fails on a workspace at home', () => fails({ homePath: '/home/me', workspacePath: '/home/me' }, "'workspacePath' must be a path other than homePath"));
    test('fails on a relative home', () => fails({ homePath: 'home' }, "'homePath' must be an absolute path other than /, /tmp and /dev/shm, got 'home'"));
    test('fails on a name that cannot be a Service', () => fails({ metadata: { name: '9lab' } }, "'metadata.name' must be a DNS-1035 label"));
    test('fails on an unpinned image', () => fails({ image: 'quay.io/jupyter/pytorch-notebook:latest' }, "'image' must be pinned to a tag other than 'latest'"));
  });
});
