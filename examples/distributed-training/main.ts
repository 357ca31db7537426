/**
 * ResNet-50 on ImageNet with PyTorch DDP: today `python train.py` on 2 GPUs of one node, tomorrow the same
 * image across 4 nodes × 4 A100s. Both read the dataset from a shared read-only claim and write checkpoints
 * to a ReadWriteMany claim, so a retried run resumes where it stopped. A JupyterLab on one GPU sits beside
 * them for development.
 */
import { App, AppProps, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Cpu, PersistentVolumeAccessMode, PersistentVolumeClaim, Secret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DistributedTrainingJob, GpuNodePool, GpuNotebook, GpuProduct, GpuSharing, NcclDebugLevel } from '../../src';

/** The one training image, pinned: the single-node and the multi-node run execute the same bits. */
export const TRAINING_IMAGE = 'registry.example.com/ml/resnet50-train:2.4.1-cuda12.4';

export class DistributedTrainingChart extends Chart {
  public readonly singleNode: DistributedTrainingJob;
  public readonly multiNode: DistributedTrainingJob;
  public readonly notebook: GpuNotebook;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'ml-training', ...props });

    // The A100 nodes of the data center, labelled by GPU Feature Discovery; whole GPUs only.
    const a100 = GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], sharing: GpuSharing.NONE });
    const imagenet = PersistentVolumeClaim.fromClaimName(this, 'imagenet', 'imagenet-readonly');
    const checkpoints = new PersistentVolumeClaim(this, 'checkpoints', {
      metadata: { name: 'resnet50-checkpoints' },
      accessModes: [PersistentVolumeAccessMode.READ_WRITE_MANY],
      storage: Size.gibibytes(200),
      storageClassName: 'nfs-csi',
    });
    const scriptArgs = ['--arch', 'resnet50', '--epochs', '90', '--data', '/data/imagenet', '--checkpoint-dir', '/checkpoints/resnet50'];
    const resources = { cpu: { request: Cpu.units(16) }, memory: { request: Size.gibibytes(96) } };

    // Today: one pod, two GPUs (torchrun --standalone).
    this.singleNode = new DistributedTrainingJob(this, 'single-node', {
      metadata: { name: 'resnet50-1x2', labels: { 'app.kubernetes.io/name': 'resnet50-train' } },
      image: TRAINING_IMAGE,
      script: '/workspace/train.py',
      scriptArgs,
      gpuCount: 2,
      nodePool: a100,
      resources,
      sharedMemorySize: Size.gibibytes(16),
      dataset: { claim: imagenet },
      checkpoints: { claim: checkpoints },
    });

    // Tomorrow: DDP over 4 pods × 4 GPUs = 16 workers.
    this.multiNode = new DistributedTrainingJob(this, 'multi-node', {
      metadata: { name: 'resnet50-4x4', labels: { 'app.kubernetes.io/name': 'resnet50-train' } },
      image: TRAINING_IMAGE,
      script: '/workspace/train.py',
      scriptArgs,
      nodes: 4,
      gpuCount: 4,
      nodePool: GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], sharing: GpuSharing.NONE, minGpuCount: 4 }),
      resources,
      sharedMemorySize: Size.gibibytes(16),
      nccl: { debug: NcclDebugLevel.WARN, socketIfname: 'eth0', ibDisable: true },
      rendezvousTimeout: Duration.minutes(15),
      dataset: { claim: imagenet },
      checkpoints: { claim: checkpoints },
      // Two losses of pod 0 (each fails all 4 pods), or up to 8 of the others; the rest restart in place.
      backoffLimit: 8,
      activeDeadline: Duration.days(2),
      gpuHealthCheck: { period: Duration.minutes(2) },
    });

    this.notebook = new GpuNotebook(this, 'notebook', {
      metadata: { name: 'resnet50-lab' },
      tokenSecret: Secret.fromSecretName(this, 'jupyter-token', 'resnet50-lab-token'),
      nodePool: a100,
      resources: { cpu: { request: Cpu.units(4) }, memory: { request: Size.gibibytes(32) } },
      sharedMemorySize: Size.gibibytes(4),
      workspaceSize: Size.gibibytes(50),
    });
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new DistributedTrainingChart(app, 'distributed-training');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
