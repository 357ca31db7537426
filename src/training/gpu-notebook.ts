import { ApiObject, ApiObjectMetadata, Names, Size, SizeRoundingBehavior } from 'cdk8s';
import {
  ContainerResources, EnvValue, ImagePullPolicy, IPersistentVolumeClaim, IServiceAccount, ISecret, k8s,
  PersistentVolumeAccessMode, PersistentVolumeClaim, Volume,
} from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imagePullerOf } from '../_cluster-scope';
import { checkInteger, propError } from '../_errors';
import { checkAnnotations, checkDns1035Name, clusterLocalHost, checkDnsSubdomain, checkMetadata, checkSecretKey } from '../_names';
import { KEEP_ON_PRUNE } from '../_prune';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { IPlaceableWorkload, PlaceableWorkload, WorkloadPlacement } from '../multicluster/karmada-placement';
import { claimNamespaceError, PodTarget, quantity, renderPodSpec, resolveGpuPod, ResolvedPod } from '../scheduling/_pod-spec';
import { toWire, wireApiObject } from '../scheduling/_wire';
import { GpuNodePool } from '../scheduling/gpu-node-pool';
import { GpuResource } from '../scheduling/gpu-resource';
import { WorkloadSecurityOptions, WorkloadVolumeMount } from '../scheduling/gpu-workload';

/** How the notebook is reached. */
export enum NotebookServiceType {
  /** Inside the cluster only; reach it with `kubectl port-forward svc/<name> 8888`. */
  CLUSTER_IP = 'ClusterIP',
  /** On a port of every node: anyone who reaches a node reaches the notebook (the token still guards it). */
  NODE_PORT = 'NodePort',
}

/** Props of GpuNotebook. */
export interface GpuNotebookProps {
  /**
   * Metadata of the Deployment (name, namespace, labels and annotations) and the Service (name, namespace and
   * labels). Labels are copied to the pod.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * JupyterLab image; must be pinned. The default is Jupyter Docker Stacks' CUDA 12 PyTorch image, whose
   * user is `jovyan` (uid 1000, gid 100) with HOME `/home/jovyan`.
   * @default GpuNotebook.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * When the kubelet pulls the image.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Secret holding the Jupyter token, read by reference into `JUPYTER_TOKEN`.
   */
  readonly tokenSecret: ISecret;
  /**
   * Key of the token in `tokenSecret`.
   * @default 'token'
   */
  readonly tokenKey?: string;
  /**
   * Port JupyterLab listens on (`JUPYTER_PORT`).
   * @default 8888
   */
  readonly port?: number;
  /**
   * The URL path JupyterLab serves under (`--ServerApp.base_url`, passed in `NOTEBOOK_ARGS`), e.g. `/user/alice/`
   * behind an ingress shared by several notebooks; the probes follow it.
   * @default '/'
   */
  readonly baseUrl?: string;
  /**
   * Whether the notebook is stopped: the Deployment keeps no pod (`replicas: 0`), which frees its GPU, while the
   * workspace claim and the Service stay; set it back to false to start it again on the same workspace. A running
   * notebook holds its GPU whether or not a kernel uses it (Jupyter's idle culling, in `NOTEBOOK_ARGS`, frees
   * a kernel's GPU memory, not the GPU).
   * @default false
   */
  readonly stopped?: boolean;
  /**
   * How the notebook is reached.
   * @default NotebookServiceType.CLUSTER_IP
   */
  readonly serviceType?: NotebookServiceType;
  /**
   * Fixed node port, 30000-32767; only with `NotebookServiceType.NODE_PORT`.
   * @default - the cluster picks one
   */
  readonly nodePort?: number;
  /**
   * The workspace claim, mounted at `workspacePath`. A ReadWriteOnce claim is enough: the Deployment runs one
   * pod and replaces it with the Recreate strategy.
   * @default - a 20Gi ReadWriteOnce PersistentVolumeClaim of the default storage class
   */
  readonly workspace?: IPersistentVolumeClaim;
  /**
   * Size of the workspace claim this construct creates. Once the claim exists it can only grow, and only on a storage
   * class that allows volume expansion: the apiserver refuses a smaller size.
   * @default Size.gibibytes(20)
   */
  readonly workspaceSize?: Size;
  /**
   * Storage class of the workspace claim this construct creates. Fixed once the claim exists: the apiserver refuses
   * a change, which needs a new claim (a new notebook name) and a copy of the data.
   * @default - the cluster's default storage class
   */
  readonly workspaceStorageClass?: string;
  /**
   * Home directory of the image's user: a writable scratch volume, so the root filesystem stays read-only.
   * @default '/home/jovyan'
   */
  readonly homePath?: string;
  /**
   * Where the workspace is mounted. JupyterLab serves it as its root (the container's working directory), so every
   * notebook saved from the file browser lands on the claim, not in the scratch home.
   * @default - `<homePath>/work`
   */
  readonly workspacePath?: string;
  /**
   * Size limit of the home scratch volume (pip --user installs, caches, kernel runtime files); lost on restart.
   * @default Size.gibibytes(5)
   */
  readonly homeSize?: Size;
  /**
   * The GPU resource to request.
   * @default GpuResource.NVIDIA
   */
  readonly gpu?: GpuResource;
  /**
   * GPUs of the notebook.
   * @default 1
   */
  readonly gpuCount?: number;
  /**
   * Where the pod may run.
   * @default GpuNodePool.nvidia()
   */
  readonly nodePool?: GpuNodePool;
  /**
   * CPU and memory; each one left out takes its default.
   * @default - cpu request 1, memory 8Gi (request = limit)
   */
  readonly resources?: ContainerResources;
  /**
   * Devices the notebook needs beside its GPUs, as extended resources by name and count, each a request equal to its
   * limit (see GpuPodProps.extendedResources).
   * @default - none
   */
  readonly extendedResources?: Record<string, number>;
  /**
   * Extra environment variables (literals or references).
   * @default - none
   */
  readonly env?: Record<string, EnvValue>;
  /**
   * Size of the memory-backed `/dev/shm` (PyTorch data loaders). It must be less than the memory limit, which
   * it counts against.
   * @default Size.gibibytes(1)
   */
  readonly sharedMemorySize?: Size;
  /**
   * Size limit of the writable `/tmp` scratch volume.
   * @default Size.gibibytes(1)
   */
  readonly tmpSize?: Size;
  /**
   * Container hardening. Opt out of the read-only root filesystem (`readOnlyRootFilesystem: false`) only to
   * `pip install` into the image's conda environment; `pip install --user` works with the default.
   * @default - uid 1000, gid 100, fsGroup 100 (Docker Stacks' jovyan/users), read-only root filesystem
   */
  readonly security?: WorkloadSecurityOptions;
  /**
   * Extra volumes mounted into the notebook: a dataset claim (read-only), shared code, a CSI volume. The
   * workspace and the scratch home are mounted already; a mount on their paths, or `/tmp` and `/dev/shm`, fails.
   * @default - none
   */
  readonly volumeMounts?: WorkloadVolumeMount[];
  /**
   * Annotations on the pod, beside the ones this construct sets.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Service account of the pod.
   * @default - the namespace's default service account, without a mounted token
   */
  readonly serviceAccount?: IServiceAccount;
  /**
   * Secrets with the credentials of the private registry of `image`, by reference. They replace, not add to, the
   * service account's `imagePullSecrets`.
   * @default - none: the nodes' credentials, or the service account's `imagePullSecrets`
   */
  readonly imagePullSecrets?: ISecret[];
  /**
   * The PriorityClass of the pod (a notebook usually ranks below serving and above batch training).
   * @default - the cluster's global default PriorityClass, or priority 0
   */
  readonly priorityClassName?: string;
}

/** The image's user, jovyan, in Docker Stacks images. */
const NOTEBOOK_UID = 1000;
const CONTAINER = 'notebook';

/**
 * A JupyterLab on a GPU for development, the same on every cluster.
 *
 * Creates: a Deployment with one pod (Recreate strategy: the GPU and the ReadWriteOnce workspace are never
 * held by two pods), a Service (ClusterIP unless NodePort is asked for), and a workspace
 * PersistentVolumeClaim unless one is given, annotated so that Argo CD and Flux never prune or delete it (a renamed
 * notebook leaves its old workspace behind, to delete by hand). The token comes from a Secret by reference
 * (`JUPYTER_TOKEN`), never from the manifest. The pod runs non-root with a read-only root filesystem; its home
 * directory is a scratch volume and the workspace persists.
 *
 * Prerequisites: the NVIDIA device plugin, a default storage class (or `workspace`), the token Secret.
 *
 * @example
 * new GpuNotebook(chart, 'lab', {
 *   tokenSecret: Secret.fromSecretName(chart, 'token', 'jupyter-token'),
 *   nodePool: GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB] }),
 * });
 */
export class GpuNotebook extends Construct implements IPlaceableWorkload {
  /** Jupyter Docker Stacks' CUDA 12 PyTorch notebook, pinned. */
  public static readonly DEFAULT_IMAGE = 'quay.io/jupyter/pytorch-notebook:cuda12-2025-08-18';

  /** The Deployment (escape hatch). */
  public readonly deployment: ApiObject;
  /** The Service. */
  public readonly service: ApiObject;
  /** The workspace claim this construct created, if any. */
  public readonly workspaceClaim?: PersistentVolumeClaim;
  /** Name of the Deployment and Service. */
  public readonly name: string;
  /** Port JupyterLab listens on. */
  public readonly port: number;
  /** The URL path JupyterLab serves under, with its trailing `/`. */
  public readonly baseUrl: string;

  private readonly pod: ResolvedPod;

  public constructor(scope: Construct, id: string, props: GpuNotebookProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    checkAnnotations('podAnnotations', props.podAnnotations);
    this.port = props.port ?? 8888;
    checkInteger('port', this.port, 1024, 65535, this.port < 1024 ? 'the notebook runs as non-root and cannot bind ports below 1024' : undefined);
    const serviceType = props.serviceType ?? NotebookServiceType.CLUSTER_IP;
    if (props.nodePort !== undefined) {
      if (serviceType !== NotebookServiceType.NODE_PORT) {
        throw propError('nodePort', 'unset unless serviceType is NotebookServiceType.NODE_PORT', props.nodePort, 'the notebook is ClusterIP by default; ask for NodePort explicitly');
      }
      checkInteger('nodePort', props.nodePort, 30000, 32767, "the apiserver's default service-node-port-range");
    }
    const workspaceSize = quantity('workspaceSize', props.workspaceSize);
    if (props.workspace && workspaceSize !== undefined) {
      throw propError('workspaceSize', 'unset when workspace is given (it sizes the claim this construct creates)', workspaceSize);
    }
    // cdk8s-plus writes a claim's size in whole GiB.
    if (props.workspaceSize && !Number.isInteger(props.workspaceSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE }))) {
      throw propError('workspaceSize', 'a whole number of GiB (the claim is written in Gi)', workspaceSize, `use Size.gibibytes(${Math.max(1, Math.ceil(props.workspaceSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE })))})`);
    }
    checkDnsSubdomain('workspaceStorageClass', props.workspaceStorageClass);
    if (props.workspace && props.workspaceStorageClass !== undefined) {
      throw propError('workspaceStorageClass', 'unset when workspace is given (it is the class of the claim this construct creates)', props.workspaceStorageClass);
    }
    const homePath = props.homePath ?? '/home/jovyan';
    const workspacePath = props.workspacePath ?? `${homePath}/work`;
    for (const [prop, path] of [['homePath', homePath], ['workspacePath', workspacePath]] as const) {
      if (!path.startsWith('/') || ['/', '/tmp', '/dev/shm'].includes(path)) throw propError(prop, 'an absolute path other than /, /tmp and /dev/shm', path);
    }
    if (workspacePath === homePath) throw propError('workspacePath', 'a path other than homePath, which is scratch', workspacePath);
    const tokenKey = props.tokenKey ?? 'token';
    checkSecretKey('tokenKey', tokenKey);
    for (const name of Object.keys(props.env ?? {})) {
      if (['JUPYTER_TOKEN', 'JUPYTER_PORT', 'HOME'].includes(name)) {
        throw propError('env', 'free of JUPYTER_TOKEN, JUPYTER_PORT and HOME, which typed props set', name, 'use tokenSecret, port and homePath');
      }
    }
    // The probes ask http://<pod>:<port><baseUrl>api: a server on another path, or on TLS (the Docker Stacks' GEN_CERT),
    // would fail them and restart forever.
    if (props.env?.GEN_CERT !== undefined) {
      throw propError('env', 'free of GEN_CERT: the probes speak HTTP to the server', 'GEN_CERT', 'terminate TLS at the Service\'s ingress or a mesh');
    }
    const notebookArgs = props.env?.NOTEBOOK_ARGS;
    // jupyter_server's aliases (--port, --certfile ...) and their ServerApp forms.
    const moved = /(^|\s)--(ServerApp\.)?(base_url|port|ip|sock|certfile|keyfile)(=|\s|$)/i;
    if (notebookArgs !== undefined && (notebookArgs.valueFrom !== undefined || moved.test(notebookArgs.value ?? ''))) {
      throw propError('env', 'a NOTEBOOK_ARGS literal that leaves the server where the probes ask (no base_url, port, ip, sock, certfile or keyfile)',
        notebookArgs.value ?? 'a reference', 'set baseUrl or port instead; terminate TLS at the ingress or a mesh');
    }
    const baseUrl = props.baseUrl ?? '/';
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    if (!/^\/([A-Za-z0-9_~-][A-Za-z0-9._~-]*\/)*$/.test(base) || base.split('/').some((seg) => seg === '.' || seg === '..')) {
      throw propError('baseUrl', "a URL path of plain segments, starting with '/'", baseUrl, "e.g. '/user/alice/'");
    }
    this.baseUrl = base;
    const args = [base === '/' ? undefined : `--ServerApp.base_url=${base}`, notebookArgs?.value].filter((a) => a !== undefined).join(' ');

    this.name = props.metadata?.name ?? Names.toDnsLabel(this);
    checkDns1035Name('metadata.name', this.name, props.metadata?.name !== undefined, 63, ', as the Service name needs');

    let claim = props.workspace;
    if (!claim) {
      this.workspaceClaim = new PersistentVolumeClaim(this, 'Workspace', {
        // Next to the notebook's pod: a pod mounts claims of its own namespace only.
        // Kept when a GitOps tool prunes it (a renamed notebook): the workspace holds the user's work.
        metadata: { name: `${this.name}-workspace`, namespace: props.metadata?.namespace, annotations: { ...KEEP_ON_PRUNE } },
        accessModes: [PersistentVolumeAccessMode.READ_WRITE_ONCE],
        storage: props.workspaceSize ?? Size.gibibytes(20),
        storageClassName: props.workspaceStorageClass,
      });
      claim = this.workspaceClaim;
    }
    const workspace = Volume.fromPersistentVolumeClaim(this, 'WorkspaceVolume', claim, { name: 'workspace' });

    const security = props.security ?? {};
    if (security.runAsUser === 0) {
      // Docker Stacks' start.sh, as root, writes /etc/sudoers.d and re-executes as jovyan with sudo: the read-only
      // root filesystem and the dropped capabilities (SETUID, SETGID) stop both, and the pod crash-loops.
      throw propError('security.runAsUser', 'a non-zero uid: the notebook image starts as root only to switch to jovyan with sudo, which the hardening stops', 0,
        'leave it unset to run as jovyan (1000), or set the uid of the image\'s own user');
    }
    const uid = security.runAsUser ?? (security.allowRoot ? undefined : NOTEBOOK_UID);
    // Another uid has no /etc/passwd entry (start.sh cannot add one on the read-only root): tools that ask for the
    // user name (getpass.getuser(), torch's compile caches) find it in USER and LOGNAME instead of failing.
    const userName: Record<string, EnvValue> = uid !== undefined && uid !== NOTEBOOK_UID ? { USER: EnvValue.fromValue('jovyan'), LOGNAME: EnvValue.fromValue('jovyan') } : {};
    this.pod = resolveGpuPod({
      image: props.image ?? GpuNotebook.DEFAULT_IMAGE,
      imagePullPolicy: props.imagePullPolicy,
      env: {
        HOME: EnvValue.fromValue(homePath),
        JUPYTER_PORT: EnvValue.fromValue(String(this.port)),
        JUPYTER_TOKEN: EnvValue.fromSecretValue({ secret: props.tokenSecret, key: tokenKey }),
        ...userName,
        ...(props.env ?? {}),
        ...(args ? { NOTEBOOK_ARGS: EnvValue.fromValue(args) } : {}),
      },
      gpu: props.gpu,
      gpuCount: props.gpuCount,
      nodePool: props.nodePool,
      // 8Gi unless resources.memory says otherwise, also when only resources.cpu is given.
      resources: { ...props.resources, memory: props.resources?.memory ?? { request: Size.gibibytes(8) } },
      extendedResources: props.extendedResources,
      sharedMemorySize: props.sharedMemorySize,
      tmpSize: props.tmpSize,
      security: {
        ...security,
        runAsUser: uid,
        runAsGroup: security.runAsGroup ?? (security.allowRoot ? undefined : 100),
        fsGroup: security.fsGroup ?? 100,
      },
      volumeMounts: [{ volume: workspace, path: workspacePath, readOnly: false }, ...(props.volumeMounts ?? [])],
      serviceAccount: props.serviceAccount,
      imagePullSecrets: props.imagePullSecrets,
      priorityClassName: props.priorityClassName,
    });

    const http = (probe: Partial<k8s.Probe>): k8s.Probe => ({
      httpGet: { path: `${base}api`, port: k8s.IntOrString.fromString('http') },
      ...probe,
    });
    const spec = renderPodSpec(this.pod, {
      target: PodTarget.WORKLOAD,
      pullImage: imagePullerOf(this),
      containerName: CONTAINER,
      ports: [{ containerPort: this.port, name: 'http' }],
      // /api answers without the token; a cold CUDA image takes a while to start the server.
      startupProbe: http({ periodSeconds: 5, failureThreshold: 60 }),
      readinessProbe: http({ periodSeconds: 10 }),
      livenessProbe: http({ periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
      extraMounts: [{ name: 'home', mountPath: homePath }],
      extraVolumes: [{ name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString(quantity('homeSize', props.homeSize ?? Size.gibibytes(5))!) } }],
      // jupyter_server's root directory is its working directory: the workspace, not the scratch home.
      workingDir: workspacePath,
      // A workspace that grows: re-owned for fsGroup only when its root does not match yet, not on every start.
      fsGroupChangePolicy: 'OnRootMismatch',
    });

    const selector = { 'app.kubernetes.io/name': 'gpu-notebook', 'app.kubernetes.io/instance': this.name };
    const labels = { ...(props.metadata?.labels ?? {}), ...selector };
    this.deployment = wireApiObject(this, 'Resource', k8s.KubeDeployment, {
      metadata: { ...props.metadata, name: this.name },
      spec: {
        replicas: props.stopped ? 0 : 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: { metadata: { labels, annotations: nonEmptyRecord(props.podAnnotations) }, spec },
      },
    }, toWire);
    const elsewhere = claimNamespaceError('workspace', props.workspace, this.deployment.metadata.namespace);
    if (elsewhere) throw elsewhere;
    this.service = wireApiObject(this, 'Service', k8s.KubeService, {
      metadata: { name: this.name, namespace: props.metadata?.namespace, labels: props.metadata?.labels },
      spec: {
        type: serviceType,
        selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http'), nodePort: props.nodePort }],
      },
    }, k8s.toJson_KubeServiceProps);
  }

  /** The in-cluster URL of the notebook; needs the namespace (the chart's, or metadata's). */
  public get url(): string {
    return `http://${clusterLocalHost(this.name, this.deployment.metadata.namespace)}:${this.port}${this.baseUrl}lab`;
  }

  /** The Deployment for Karmada, with its Service as a companion. */
  public get workloadPlacement(): WorkloadPlacement {
    return PlaceableWorkload.fromApiObject(this.deployment, this.pod.nodePool, { companions: [this.service] }).workloadPlacement;
  }
}

/** A copy of `record`, or undefined when it has no keys. */
function nonEmptyRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  return record && Object.keys(record).length > 0 ? { ...record } : undefined;
}
