/**
 * Hybrid cloud: the same pinned PyTorch-CUDA image trains on-prem on a few A100s and bursts to GKE for a
 * 16-GPU run, then gives the cloud GPUs back.
 *
 * - one chart per cluster (`on-prem.k8s.yaml`, `gke-burst.k8s.yaml`), each with its own GPU node pool, for
 *   GitOps per cluster; the app fails to synthesize if the charts' images drift apart;
 * - optionally (`karmada: true`, the default) a third chart for the Karmada control plane: the 16-GPU job once,
 *   a PropagationPolicy that prefers on-prem and falls back to GKE when on-prem lacks the GPUs for it, and an
 *   OverridePolicy that swaps the placement (and the registry mirror) per cluster. Karmada counts the GPUs of
 *   nodes that exist: the fallback needs GKE's GPU nodes up (a minimum node count on the pool); with a pool that
 *   scales from zero, apply `gke-burst.k8s.yaml` instead. Apply either this chart or the burst Job of
 *   `gke-burst.k8s.yaml`, not both: both would own the same Job on GKE.
 *
 * The cloud GPUs are released when the Job finishes: its pods end, nothing else requests GPUs there, and the
 * node autoscaler removes the nodes. `activeDeadline` caps the spend of a run that hangs.
 */
import { App, AppProps, Chart, Duration, Size } from 'cdk8s';
import { Cpu, PersistentVolumeAccessMode, PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ClusterChart, ClusterTarget, DistributedTrainingJob, DistributedTrainingJobProps, GkeAccelerator, GpuNodePool, GpuNotebook,
  GpuProduct, GpuSharing, KarmadaPlacement, NcclDebugLevel,
} from '../../src';

/** The one image every cluster runs. */
export const TRAINING_IMAGE = 'registry.example.com/ml/resnet50-train:2.4.1-cuda12.4';
const NAMESPACE = 'ml-training';

export const ON_PREM = new ClusterTarget({
  name: 'on-prem',
  namespace: NAMESPACE,
  nodePool: GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB], sharing: GpuSharing.NONE }),
  // The data center pulls through its Harbor: a replication project for the team's registry, proxy-cache projects
  // for the public ones.
  registryMirrors: {
    'registry.example.com': 'harbor.dc1.example.com/ml-registry',
    'quay.io': 'harbor.dc1.example.com/quay-proxy',
    'docker.io': 'harbor.dc1.example.com/dockerhub-proxy',
  },
});

export const GKE_BURST = new ClusterTarget({
  name: 'gke-burst',
  namespace: NAMESPACE,
  // A3 nodes: 8 × H100 80GB; GKE taints them nvidia.com/gpu=present:NoSchedule.
  nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB], sharing: GpuSharing.NONE }),
});

/** The ReadWriteMany claim every run checkpoints to; each cluster chart creates its own, on its own storage class. */
export const CHECKPOINT_CLAIM = 'resnet50-checkpoints';

function checkpointClaim(scope: Construct, storageClassName: string): PersistentVolumeClaim {
  return new PersistentVolumeClaim(scope, 'checkpoints', {
    metadata: { name: CHECKPOINT_CLAIM },
    accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY],
    storage: Size.gibibytes(500),
    storageClassName,
  });
}

/**
 * What every run shares: the image, the script, NCCL over the pod network, and the ReadWriteMany checkpoint
 * claim of the same name in every cluster (each cluster keeps its own copy). The Karmada chart only refers to it:
 * the member clusters' charts create it.
 */
function trainingProps(scope: Construct, overrides: Partial<DistributedTrainingJobProps> & { nodePool: GpuNodePool }): DistributedTrainingJobProps {
  return {
    image: TRAINING_IMAGE,
    script: '/workspace/train.py',
    scriptArgs: ['--arch', 'resnet50', '--epochs', '90', '--checkpoint-dir', '/checkpoints/resnet50'],
    checkpoints: { claim: (scope.node.tryFindChild('checkpoints') as PersistentVolumeClaim | undefined) ?? PersistentVolumeClaim.fromClaimName(scope, `${overrides.metadata?.name}-checkpoints`, CHECKPOINT_CLAIM) },
    resources: { cpu: { request: Cpu.units(12) }, memory: { request: Size.gibibytes(64) } },
    sharedMemorySize: Size.gibibytes(16),
    nccl: { debug: NcclDebugLevel.WARN, socketIfname: 'eth0', ibDisable: true },
    gpuHealthCheck: {},
    ...overrides,
  };
}

/** The 16-GPU run: 4 pods × 4 GPUs, capped at 12 hours of cloud GPUs. */
function burstProps(scope: Construct, nodePool: GpuNodePool): DistributedTrainingJobProps {
  return trainingProps(scope, {
    metadata: { name: 'resnet50-burst' },
    nodePool,
    nodes: 4,
    gpuCount: 4,
    rendezvousTimeout: Duration.minutes(20),
    activeDeadline: Duration.hours(12),
  });
}

export interface HybridCloudProps extends AppProps {
  /**
   * Also synthesize the Karmada control-plane chart.
   * @default true
   */
  readonly karmada?: boolean;
}

export function buildApp(props: HybridCloudProps = {}): App {
  const { karmada, ...appProps } = props;
  const app = new App(appProps);

  // On-prem: the everyday 1 × 4 A100 run and the team's notebook.
  const onPrem = new ClusterChart(app, ON_PREM.name, { target: ON_PREM });
  checkpointClaim(onPrem, 'cephfs');
  new DistributedTrainingJob(onPrem, 'daily', trainingProps(onPrem, { metadata: { name: 'resnet50-daily' }, nodePool: ON_PREM.nodePool, gpuCount: 4 }));
  new GpuNotebook(onPrem, 'notebook', {
    metadata: { name: 'resnet50-lab' },
    tokenSecret: Secret.fromSecretName(onPrem, 'jupyter-token', 'resnet50-lab-token'),
    nodePool: ON_PREM.nodePool,
  });

  // GKE: the 16-GPU burst, applied only when it is needed (and removed after).
  const cloud = new ClusterChart(app, GKE_BURST.name, { target: GKE_BURST });
  // GKE's Filestore CSI driver provides ReadWriteMany through its standard-rwx class.
  checkpointClaim(cloud, 'standard-rwx');
  new DistributedTrainingJob(cloud, 'burst', burstProps(cloud, GKE_BURST.nodePool));

  if (karmada ?? true) {
    // Karmada: the same run declared once; on-prem first, GKE when on-prem lacks the GPUs.
    const control = new Chart(app, 'karmada', { namespace: NAMESPACE });
    const job = new DistributedTrainingJob(control, 'burst', burstProps(control, ON_PREM.nodePool));
    new KarmadaPlacement(control, 'burst-placement', { workload: job, targets: [ON_PREM, GKE_BURST] });
  }
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
