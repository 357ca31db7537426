import { Size, Testing } from 'cdk8s';
import { k8s, NodeLabelQuery, NodeTaintQuery, TaintEffect } from 'cdk8s-plus-27';
import { DistributedTrainingJob, EksNodePoolOptions, EksNodeProvisioner, GkeAccelerator, GkeGpuDriverVersion, GkeNodePoolOptions, GpuInferenceService, GpuNodePool, GpuProduct, GpuSharing, MigStrategy } from '../../src';
import { renderNodePlacement } from '../../src/scheduling/_placement';
import { oneOf, synth } from '../_helpers/manifests';

/** The pod-spec fields a pool renders, as wire JSON. */
function placement(pool: GpuNodePool) {
  const p = renderNodePlacement(pool);
  return JSON.parse(JSON.stringify({
    nodeSelector: p.nodeSelector,
    affinity: p.affinity && k8s.toJson_Affinity(p.affinity),
    tolerations: p.tolerations?.map((t) => k8s.toJson_Toleration(t)),
  }));
}

const expressions = (pool: GpuNodePool) =>
  placement(pool).affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions;
const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
/** A required node affinity of one term with these expressions, as wire JSON. */
const requiredAffinity = (...matchExpressions: object[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } },
});

describe('GpuNodePool', () => {
  test('fails on a list given empty, which would match any node where the caller meant some', () => {
    const cases: Array<[string, () => GpuNodePool]> = [
      ['nvidia.products', () => GpuNodePool.nvidia({ products: [] })],
      ['onPrem.products', () => GpuNodePool.onPrem({ products: [] })],
      ['eks.instanceTypes', () => GpuNodePool.eks({ instanceTypes: [] })],
      ['eks.gpuNames', () => GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, gpuNames: [] })],
      ['eks.products', () => GpuNodePool.eks({ products: [] })],
      ['gke.accelerators', () => GpuNodePool.gke({ accelerators: [] })],
      ['aks.vmSizes', () => GpuNodePool.aks({ vmSizes: [] })],
      ['aks.products', () => GpuNodePool.aks({ products: [] })],
      ['custom.products', () => GpuNodePool.custom({ products: [] })],
    ];
    for (const [prop, make] of cases) expect(make).toThrow(`'${prop}' must be at least one entry, or unset to match any, got 'none'`);
  });

  describe('nvidia()', () => {
    test('defaults: any node, tolerating the nvidia.com/gpu taint', () => {
      expect(placement(GpuNodePool.nvidia())).toEqual({ tolerations: [GPU_TOLERATION] });
    });

    test('one product is a node selector, several an In affinity', () => {
      expect(placement(GpuNodePool.nvidia({ products: [GpuProduct.L4] })).nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
      expect(expressions(GpuNodePool.nvidia({ products: [GpuProduct.L4, GpuProduct.T4] }))).toEqual([
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4', 'Tesla-T4'] },
      ]);
      expect(GpuNodePool.nvidia({ products: [GpuProduct.L4, GpuProduct.T4] }).products).toEqual([GpuProduct.L4, GpuProduct.T4]);
    });

    test('custom tolerations replace the default', () => {
      const pool = GpuNodePool.nvidia({ tolerations: [NodeTaintQuery.is('dedicated', 'ml', { effect: TaintEffect.NO_SCHEDULE })] });
      expect(placement(pool).tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }]);
    });
  });

  describe('onPrem()', () => {
    test('defaults: the nvidia.com/gpu toleration only', () => {
      expect(placement(GpuNodePool.onPrem())).toEqual({ tolerations: [GPU_TOLERATION] });
    });

    test('every option', () => {
      const pool = GpuNodePool.onPrem({
        products: [GpuProduct.A100_SXM4_80GB, GpuProduct.H100_80GB_HBM3],
        minGpuMemory: Size.gibibytes(40),
        minGpuCount: 4,
        migStrategy: MigStrategy.MIXED,
        sharing: GpuSharing.NONE,
        tolerations: [NodeTaintQuery.exists('nvidia.com/gpu', { effect: TaintEffect.NO_SCHEDULE }), NodeTaintQuery.is('dc', 'lab1')],
      });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: { 'nvidia.com/mig.strategy': 'mixed', 'nvidia.com/gpu.sharing-strategy': 'none' },
        affinity: requiredAffinity(
          { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-H100-80GB-HBM3'] },
          { key: 'nvidia.com/gpu.memory', operator: 'Gt', values: ['40959'] },
          { key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['3'] },
        ),
        tolerations: [GPU_TOLERATION, { key: 'dc', operator: 'Equal', value: 'lab1' }],
      });
    });

    test('GPU memory is a Gt on the MiB label: at least 40Gi is more than 40959', () => {
      expect(expressions(GpuNodePool.onPrem({ minGpuMemory: Size.gibibytes(40) }))).toEqual([
        { key: 'nvidia.com/gpu.memory', operator: 'Gt', values: ['40959'] },
      ]);
    });

    test('GPU count is a Gt on nvidia.com/gpu.count; a minimum of 1 adds nothing', () => {
      expect(expressions(GpuNodePool.onPrem({ minGpuCount: 8 }))).toEqual([{ key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['7'] }]);
      expect(placement(GpuNodePool.onPrem({ minGpuCount: 1 })).affinity).toBeUndefined();
    });

    test('MIG strategy and sharing select on the GFD labels', () => {
      expect(placement(GpuNodePool.onPrem({ migStrategy: MigStrategy.SINGLE, sharing: GpuSharing.TIME_SLICING })).nodeSelector).toEqual({
        'nvidia.com/mig.strategy': 'single',
        'nvidia.com/gpu.sharing-strategy': 'time-slicing',
      });
    });

    test('products with MigStrategy.SINGLE and no partition size match the nodes with MIG disabled (the GPU Operator labels every node single)', () => {
      const pool = GpuNodePool.onPrem({ products: [GpuProduct.L4], migStrategy: MigStrategy.SINGLE });
      expect(pool.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4', 'nvidia.com/mig.strategy': 'single' });
      expect(pool.gpuPartitionSize).toBeUndefined();
      // Whole GPUs: no MIG resource is advertised under the single strategy.
      expect(pool.advertisesMigAsGpu).toBe(true);
    });

    describe('gpuPartitionSize (the single MIG strategy)', () => {
      const single = { migStrategy: MigStrategy.SINGLE, gpuPartitionSize: '1g.10gb' };

      test("matches GFD's product label for slices, '<product>-MIG-<profile>'; the pool knows its slices", () => {
        const pool = GpuNodePool.onPrem({ ...single, products: [GpuProduct.A100_SXM4_80GB] });
        expect(placement(pool)).toEqual({
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB-MIG-1g.10gb', 'nvidia.com/mig.strategy': 'single' },
          tolerations: [GPU_TOLERATION],
        });
        expect(pool.gpuPartitionSize).toBe('1g.10gb');
        expect(pool.advertisesMigAsGpu).toBe(true);
        expect(pool.products).toEqual([GpuProduct.A100_SXM4_80GB]);
      });

      test('several products are an In expression over their slice labels', () => {
        const pool = GpuNodePool.onPrem({ ...single, products: [GpuProduct.A100_SXM4_80GB, GpuProduct.H100_80GB_HBM3] });
        expect(expressions(pool)).toEqual([
          { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB-MIG-1g.10gb', 'NVIDIA-H100-80GB-HBM3-MIG-1g.10gb'] },
        ]);
      });

      test('fails without MigStrategy.SINGLE, the strategy that advertises slices as nvidia.com/gpu', () => {
        expect(() => GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], gpuPartitionSize: '1g.10gb' }))
          .toThrow("'onPrem.gpuPartitionSize' must be set only with MigStrategy.SINGLE, which advertises each slice as nvidia.com/gpu, got '1g.10gb': set migStrategy");
        expect(() => GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_80GB], gpuPartitionSize: '1g.10gb', migStrategy: MigStrategy.MIXED }))
          .toThrow("got '1g.10gb': request the slice with GpuResource.mig(profile) on mixed-strategy nodes");
      });

      test('fails on a profile with attributes, which no label value can carry, or on no profile at all', () => {
        expect(() => GpuNodePool.onPrem({ ...single, gpuPartitionSize: '1g.10gb+me', products: [GpuProduct.A100_SXM4_80GB] }))
          .toThrow("'onPrem.gpuPartitionSize' must be a MIG profile without attributes such as '1g.10gb' or '3g.40gb' (GFD's product label carries it), got '1g.10gb+me'");
        expect(() => GpuNodePool.onPrem({ ...single, gpuPartitionSize: '10gb', products: [GpuProduct.A100_SXM4_80GB] }))
          .toThrow("'onPrem.gpuPartitionSize' must be a MIG profile without attributes");
      });

      test('fails without products: GFD names the profile only in the product label', () => {
        expect(() => GpuNodePool.onPrem(single))
          .toThrow("'onPrem.products' must be set with gpuPartitionSize: GFD names the MIG profile only in nvidia.com/gpu.product ('<product>-MIG-<profile>'), got 'none'");
      });
    });

    test('fails when products meet a shared GPU strategy', () => {
      expect(() => GpuNodePool.onPrem({ products: [GpuProduct.L4], sharing: GpuSharing.MPS }))
        .toThrow("'onPrem.products' must be unset with GpuSharing.MPS, got 'NVIDIA-L4': GFD appends '-SHARED'");
    });

    test('fails on a GPU memory that is not whole MiB', () => {
      expect(() => GpuNodePool.onPrem({ minGpuMemory: Size.kibibytes(1536) })).toThrow("'onPrem.minGpuMemory' must be a positive whole number of MiB");
    });

    test('fails on a GPU count below 1', () => {
      expect(() => GpuNodePool.onPrem({ minGpuCount: 0 })).toThrow("'onPrem.minGpuCount' must be an integer >= 1, got 0");
    });
  });

  describe('eks()', () => {
    test('defaults: managed node groups, the nvidia.com/gpu toleration', () => {
      expect(placement(GpuNodePool.eks())).toEqual({ tolerations: [GPU_TOLERATION] });
    });

    test('a pod asks for at most the GPUs of the largest instance type the pool selects: more stays Pending', () => {
      const train = (gpuCount: number, instanceTypes: string[]) => () =>
        new DistributedTrainingJob(Testing.chart(), 'train', { image: 'registry.example.com/train:1', script: 'train.py', gpuCount, nodePool: GpuNodePool.eks({ instanceTypes }) });
      expect(train(16, ['p5.48xlarge'])).toThrow("'gpuCount' must be at most 8, the GPUs of the largest instance type the pool selects (p5.48xlarge): " +
        "a pod's GPUs come from one node, got 16: select larger instance types, or spread the work over several pods (DistributedTrainingJob nodes, Triton replicas)");
      expect(train(4, ['g5.2xlarge', 'g6.xlarge'])).toThrow(/'gpuCount' must be at most 1, the GPUs of the largest instance type the pool selects \(g5\.2xlarge\)/);
      expect(train(8, ['g5.12xlarge', 'g5.48xlarge'])).not.toThrow();
      expect(train(4, ['g4dn.12xlarge'])).not.toThrow();
      // An instance type the table does not know bounds nothing.
      expect(train(16, ['p5.48xlarge', 'p6-b200.48xlarge'])).not.toThrow();
    });

    test('managed node group: instance types, node group, accelerator label', () => {
      const pool = GpuNodePool.eks({ instanceTypes: ['g5.12xlarge', 'g5.48xlarge'], nodeGroup: 'gpu-a10g', accelerator: 'nvidia-a10g', products: [GpuProduct.A10G] });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: { 'eks.amazonaws.com/nodegroup': 'gpu-a10g', 'k8s.amazonaws.com/accelerator': 'nvidia-a10g' },
        affinity: requiredAffinity({ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.12xlarge', 'g5.48xlarge'] }),
        tolerations: [GPU_TOLERATION],
      });
      expect(placement(GpuNodePool.eks({ instanceTypes: ['g5.12xlarge'] })).nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'g5.12xlarge' });
      expect(pool.products).toEqual([GpuProduct.A10G]);
    });

    test('Karpenter: GPU names on karpenter.k8s.aws/instance-gpu-name, the NodePool', () => {
      const pool = GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, gpuNames: ['h100'], karpenterNodePool: 'gpu' });
      expect(placement(pool).nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'h100', 'karpenter.sh/nodepool': 'gpu' });
    });

    test('Auto Mode: eks.amazonaws.com labels and compute-type auto', () => {
      const pool = GpuNodePool.eks({ provisioner: EksNodeProvisioner.AUTO_MODE, gpuNames: ['l4', 'a10g'], instanceTypes: ['g6.12xlarge'] });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: { 'eks.amazonaws.com/compute-type': 'auto', 'node.kubernetes.io/instance-type': 'g6.12xlarge' },
        affinity: requiredAffinity({ key: 'eks.amazonaws.com/instance-gpu-name', operator: 'In', values: ['l4', 'a10g'] }),
        tolerations: [GPU_TOLERATION],
      });
      // One GPU name is a selector on Auto Mode's own label, never Karpenter's.
      expect(placement(GpuNodePool.eks({ provisioner: EksNodeProvisioner.AUTO_MODE, gpuNames: ['h100'] })).nodeSelector)
        .toEqual({ 'eks.amazonaws.com/compute-type': 'auto', 'eks.amazonaws.com/instance-gpu-name': 'h100' });
    });

    test('products follow from GPU names that each stand for one product, and must be GPUs the names select', () => {
      const karpenter = (options: Partial<EksNodePoolOptions>) => GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, ...options });
      expect(karpenter({ gpuNames: ['a10g', 'l4'] }).products).toEqual([GpuProduct.A10G, GpuProduct.L4]);
      expect(karpenter({ gpuNames: ['h100'] }).products).toEqual([GpuProduct.H100_80GB_HBM3]);
      // a100 is 40 or 80 GB (p4d, p4de): unknown unless stated; so is a name the library does not know.
      expect(karpenter({ gpuNames: ['a10g', 'a100'] }).products).toBeUndefined();
      expect(karpenter({ gpuNames: ['b200'] }).products).toBeUndefined();
      expect(karpenter({ gpuNames: ['a100'], products: [GpuProduct.A100_SXM4_80GB] }).products).toEqual([GpuProduct.A100_SXM4_80GB]);
      expect(karpenter({ gpuNames: ['a10g'], products: [GpuProduct.of('NVIDIA-A10G-custom', Size.gibibytes(24))] }).products).toHaveLength(1);
      expect(() => karpenter({ gpuNames: ['a10g'], products: [GpuProduct.H100_80GB_HBM3] })).toThrow(
        "'eks.products' must be GPUs that gpuNames (a10g) select: products size the GPU memory budget, got 'NVIDIA-H100-80GB-HBM3': " +
        "list products of those GPUs, or add 'h100' to gpuNames");
    });

    test('without GPU names, products follow from instance families that have one GPU model each', () => {
      const families: Array<[string, GpuProduct]> = [
        ['g4dn.xlarge', GpuProduct.T4], ['g5.12xlarge', GpuProduct.A10G], ['g6.2xlarge', GpuProduct.L4], ['gr6.4xlarge', GpuProduct.L4],
        ['g6e.xlarge', GpuProduct.L40S], ['p3.8xlarge', GpuProduct.V100_SXM2_16GB], ['p4d.24xlarge', GpuProduct.A100_SXM4_40GB],
        ['p4de.24xlarge', GpuProduct.A100_SXM4_80GB], ['p5.48xlarge', GpuProduct.H100_80GB_HBM3],
      ];
      for (const [type, product] of families) expect(GpuNodePool.eks({ instanceTypes: [type] }).products).toEqual([product]);
      expect(GpuNodePool.eks({ instanceTypes: ['g5.2xlarge', 'g6.2xlarge', 'g5.4xlarge'] }).products).toEqual([GpuProduct.A10G, GpuProduct.L4]);
      expect(GpuNodePool.eks({ instanceTypes: ['p4de.24xlarge', 'p5.48xlarge'] }).products).toEqual([GpuProduct.A100_SXM4_80GB, GpuProduct.H100_80GB_HBM3]);
      // p3dn (V100 32 GB) and families the library does not know leave the products unknown.
      expect(GpuNodePool.eks({ instanceTypes: ['g5.2xlarge', 'p3dn.24xlarge'] }).products).toBeUndefined();
      expect(GpuNodePool.eks({ instanceTypes: ['p6-b200.48xlarge'] }).products).toBeUndefined();
      // Names and families together: what both select; the family settles an ambiguous name (a100 is 40 or 80 GB).
      const karpenter = (options: Partial<EksNodePoolOptions>) => GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, ...options });
      expect(karpenter({ gpuNames: ['a100'], instanceTypes: ['p4de.24xlarge'] }).products).toEqual([GpuProduct.A100_SXM4_80GB]);
      expect(karpenter({ gpuNames: ['l4', 'a10g'], instanceTypes: ['g6.xlarge'] }).products).toEqual([GpuProduct.L4]);
      expect(() => karpenter({ gpuNames: ['l4'], instanceTypes: ['g5.xlarge'] })).toThrow(
        "'eks.gpuNames' must be GPUs the instanceTypes have (NVIDIA-A10G): a node matches both selectors, got 'l4': drop gpuNames or instanceTypes, or make them agree");
      // Stated products must be GPUs of the instance types.
      expect(() => GpuNodePool.eks({ instanceTypes: ['g5.xlarge'], products: [GpuProduct.H100_80GB_HBM3] })).toThrow(
        "'eks.products' must be GPUs of the instanceTypes (NVIDIA-A10G): products size the GPU memory budget, got 'NVIDIA-H100-80GB-HBM3'");
      expect(GpuNodePool.eks({ instanceTypes: ['p6-b200.48xlarge'], products: [GpuProduct.H100_80GB_HBM3] }).products).toEqual([GpuProduct.H100_80GB_HBM3]);
      // Stated products list every GPU the instance types have: a memory budget is the smallest's.
      expect(() => GpuNodePool.eks({ instanceTypes: ['g5.xlarge', 'g6.xlarge'], products: [GpuProduct.L4] })).toThrow(
        "'eks.products' must be every GPU the pool's nodes may have (NVIDIA-A10G, NVIDIA-L4, from gpuNames and instanceTypes): a memory budget is the smallest's, " +
        "got 'NVIDIA-L4': add NVIDIA-A10G, or leave products unset to take them from gpuNames and instanceTypes");
      expect(GpuNodePool.eks({ instanceTypes: ['g5.xlarge', 'g6.xlarge'], products: [GpuProduct.L4, GpuProduct.A10G] }).products).toEqual([GpuProduct.L4, GpuProduct.A10G]);
      const olderT4 = GpuProduct.of('Tesla-T4', Size.mebibytes(15109), '7.5');
      expect(GpuNodePool.eks({ instanceTypes: ['g4dn.xlarge'], products: [olderT4] }).products).toEqual([olderT4]);
    });

    test('spot capacity by the label of the provisioner', () => {
      expect(GpuNodePool.eks({ spot: true }).nodeSelector).toEqual({ 'eks.amazonaws.com/capacityType': 'SPOT' });
      expect(GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, spot: true }).nodeSelector).toEqual({ 'karpenter.sh/capacity-type': 'spot' });
      expect(GpuNodePool.eks({ provisioner: EksNodeProvisioner.AUTO_MODE, spot: true }).nodeSelector).toMatchObject({ 'karpenter.sh/capacity-type': 'spot' });
      expect(GpuNodePool.eks({ spot: false }).nodeSelector).toBeUndefined();
    });

    test('a Karpenter NodePool without the Karpenter provisioner fails, naming the provisioner', () => {
      expect(() => GpuNodePool.eks({ karpenterNodePool: 'gpu-inference' })).toThrow(
        "'eks.karpenterNodePool' must be unset with EksNodeProvisioner.MANAGED_NODE_GROUP (the default provisioner), got 'gpu-inference': " +
        'set provisioner to EksNodeProvisioner.KARPENTER, or pick a managed node group with nodeGroup');
    });

    test('fails on GPU names with managed node groups, which have no such label', () => {
      expect(() => GpuNodePool.eks({ gpuNames: ['a10g'] })).toThrow("'eks.gpuNames' must be unset with EksNodeProvisioner.MANAGED_NODE_GROUP");
    });

    test('fails on a node group with Karpenter', () => {
      expect(() => GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, nodeGroup: 'gpu' })).toThrow("'eks.nodeGroup' must be unset unless provisioner is");
    });

    test('fails on a Karpenter NodePool with managed node groups', () => {
      expect(() => GpuNodePool.eks({ karpenterNodePool: 'gpu' })).toThrow("'eks.karpenterNodePool' must be unset with EksNodeProvisioner.MANAGED_NODE_GROUP");
    });

    test('fails on upper-case GPU names', () => {
      expect(() => GpuNodePool.eks({ provisioner: EksNodeProvisioner.KARPENTER, gpuNames: ['A10G'] })).toThrow("'eks.gpuNames' must be lowercase GPU names");
    });

    test('fails on duplicate instance types', () => {
      expect(() => GpuNodePool.eks({ instanceTypes: ['g5.xlarge', 'g5.xlarge'] })).toThrow("'eks.instanceTypes' must be free of duplicates");
    });
  });

  test('the platform factories name the prop of a node-pool name that is no label value', () => {
    expect(() => GpuNodePool.gke({ nodePoolName: 'gpu pool' })).toThrow("'gke.nodePoolName' must be a label value (the node label cloud.google.com/gke-nodepool holds it");
    expect(() => GpuNodePool.eks({ nodeGroup: 'gpu nodes' })).toThrow("'eks.nodeGroup' must be a label value");
    expect(() => GpuNodePool.aks({ agentPool: 'gpu pool' })).toThrow("'aks.agentPool' must be a label value");
  });

  describe('gke()', () => {
    test('defaults: the nvidia.com/gpu toleration GKE\'s nvidia.com/gpu=present taint needs', () => {
      expect(placement(GpuNodePool.gke())).toEqual({ tolerations: [GPU_TOLERATION] });
    });

    test('a ComputeClass (Autopilot\'s Accelerator), Spot VMs and the driver version are node selectors', () => {
      const pool = GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], computeClass: 'Accelerator', spot: true, driverVersion: GkeGpuDriverVersion.LATEST });
      expect(placement(pool).nodeSelector).toEqual({
        'cloud.google.com/gke-accelerator': 'nvidia-l4',
        'cloud.google.com/compute-class': 'Accelerator',
        'cloud.google.com/gke-spot': 'true',
        'cloud.google.com/gke-gpu-driver-version': 'latest',
      });
      expect(placement(GpuNodePool.gke({ spot: false })).nodeSelector).toBeUndefined();
      expect(() => GpuNodePool.gke({ computeClass: 'my class' })).toThrow("'gke.computeClass' must be a label value (the node label cloud.google.com/compute-class holds it");
    });

    test('one accelerator is a node selector and gives the pool its product', () => {
      const pool = GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4] });
      expect(placement(pool).nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
      expect(pool.products).toEqual([GpuProduct.L4]);
    });

    test('every option: accelerators, MIG partition, time-sharing, node pool', () => {
      const pool = GpuNodePool.gke({
        accelerators: [GkeAccelerator.NVIDIA_A100_80GB, GkeAccelerator.NVIDIA_H100_80GB],
        gpuPartitionSize: '1g.10gb',
        sharing: GpuSharing.TIME_SLICING,
        maxSharedClientsPerGpu: 4,
        nodePoolName: 'a100-mig',
        tolerations: [NodeTaintQuery.exists('nvidia.com/gpu')],
      });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: {
          'cloud.google.com/gke-gpu-partition-size': '1g.10gb',
          'cloud.google.com/gke-gpu-sharing-strategy': 'time-sharing',
          'cloud.google.com/gke-max-shared-clients-per-gpu': '4',
          'cloud.google.com/gke-nodepool': 'a100-mig',
        },
        affinity: requiredAffinity({ key: 'cloud.google.com/gke-accelerator', operator: 'In', values: ['nvidia-a100-80gb', 'nvidia-h100-80gb'] }),
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }],
      });
      expect(pool.gpuPartitionSize).toBe('1g.10gb');
    });

    test('GpuSharing.MPS is mps; GpuSharing.NONE requires the sharing label to be absent', () => {
      expect(placement(GpuNodePool.gke({ sharing: GpuSharing.MPS })).nodeSelector).toEqual({ 'cloud.google.com/gke-gpu-sharing-strategy': 'mps' });
      expect(expressions(GpuNodePool.gke({ sharing: GpuSharing.NONE }))).toEqual([{ key: 'cloud.google.com/gke-gpu-sharing-strategy', operator: 'DoesNotExist' }]);
    });

    test('an accelerator without a known product leaves the products unknown', () => {
      expect(GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4, GkeAccelerator.of('nvidia-b200')] }).products).toBeUndefined();
      expect(GkeAccelerator.of('nvidia-b200', GpuProduct.of('NVIDIA-B200', Size.gibibytes(180))).product?.label).toBe('NVIDIA-B200');
    });

    test('fails on a partition size that is not a MIG profile', () => {
      expect(() => GpuNodePool.gke({ gpuPartitionSize: '10gb' })).toThrow("'gke.gpuPartitionSize' must be a MIG partition size such as '1g.10gb'");
      // A node label value allows no '+': a media-extension profile can never be a GKE partition label.
      expect(() => GpuNodePool.gke({ gpuPartitionSize: '1g.10gb+me' })).toThrow("'gke.gpuPartitionSize' must be a MIG partition size such as '1g.10gb'");
    });

    test('fails on shared clients without a sharing strategy', () => {
      expect(() => GpuNodePool.gke({ maxSharedClientsPerGpu: 2 })).toThrow("'gke.maxSharedClientsPerGpu' must be unset unless sharing is");
    });

    test('fails on fewer than two shared clients', () => {
      expect(() => GpuNodePool.gke({ sharing: GpuSharing.TIME_SLICING, maxSharedClientsPerGpu: 1 })).toThrow("'gke.maxSharedClientsPerGpu' must be an integer >= 2, got 1");
    });

    test('fails on an accelerator that is not a label value', () => {
      expect(() => GkeAccelerator.of('NVIDIA L4')).toThrow("'GkeAccelerator.of(value)' must be valid label values");
    });

    test('machine types: one is a node selector, several a node affinity, beside the accelerators', () => {
      expect(placement(GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], machineTypes: ['g2-standard-24'] })).nodeSelector)
        .toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'node.kubernetes.io/instance-type': 'g2-standard-24' });
      expect(expressions(GpuNodePool.gke({ machineTypes: ['a3-highgpu-8g', 'a3-megagpu-8g'] })))
        .toEqual([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['a3-highgpu-8g', 'a3-megagpu-8g'] }]);
      expect(() => GpuNodePool.gke({ machineTypes: [] })).toThrow("'gke.machineTypes' must be at least one entry, or unset to match any, got 'none'");
    });

    test('a pod asks for at most the GPUs of the largest machine type the pool selects: more stays Pending', () => {
      const train = (gpuCount: number, options: GkeNodePoolOptions) => () =>
        new DistributedTrainingJob(Testing.chart(), 'train', { image: 'registry.example.com/train:1', script: 'train.py', gpuCount, nodePool: GpuNodePool.gke(options) });
      expect(train(4, { machineTypes: ['g2-standard-24'] })).toThrow("'gpuCount' must be at most 2, the GPUs of the largest instance type the pool selects " +
        "(g2-standard-24): a pod's GPUs come from one node, got 4");
      expect(train(16, { machineTypes: ['a2-highgpu-8g', 'a2-megagpu-16g'] })).not.toThrow();
      expect(train(16, { machineTypes: ['a3-highgpu-4g', 'a3-highgpu-8g'] })).toThrow(/must be at most 8, .* \(a3-highgpu-8g\)/);
      // Partitions may outnumber the GPUs; a machine type the table does not know bounds nothing.
      const serve = (options: GkeNodePoolOptions) => () =>
        new GpuInferenceService(Testing.chart(), 'serve', { image: 'registry.example.com/serve:1', gpuCount: 4, nodePool: GpuNodePool.gke(options) });
      expect(serve({ machineTypes: ['a2-highgpu-1g'], gpuPartitionSize: '1g.5gb' })).not.toThrow();
      expect(serve({ machineTypes: ['a2-highgpu-1g'] })).toThrow(/must be at most 1, .* \(a2-highgpu-1g\)/);
      expect(train(16, { machineTypes: ['a3-highgpu-8g', 'x9-hypergpu-16g'] })).not.toThrow();
      // Variants without Local SSD or with less memory have the GPUs of their type.
      expect(train(16, { machineTypes: ['a3-ultragpu-8g-nolssd', 'a4-highgpu-8g-lowmem'] })).toThrow(/must be at most 8, .* \(a3-ultragpu-8g-nolssd\)/);
      expect(train(8, { machineTypes: ['a4x-highgpu-4g'] })).toThrow(/must be at most 4, .* \(a4x-highgpu-4g\)/);
    });

    test('machine types must carry one of the accelerators, and give the products without them', () => {
      expect(() => GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], machineTypes: ['g2-standard-8', 'a2-highgpu-8g'] })).toThrow(
        "'gke.machineTypes' must be machine types whose GPUs the accelerators select (nvidia-l4): a node matches both selectors, " +
        "got 'a2-highgpu-8g, whose GPUs are nvidia-tesla-a100': drop a2-highgpu-8g, or add GkeAccelerator.NVIDIA_TESLA_A100 to accelerators");
      expect(() => GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB], machineTypes: ['a3-megagpu-8g'] })).toThrow(/nvidia-h100-mega-80gb/);
      expect(GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB], machineTypes: ['a3-edgegpu-8g', 'custom-8-30720'] }).products)
        .toEqual([GpuProduct.H100_80GB_HBM3]);
      expect(GpuNodePool.gke({ machineTypes: ['a2-ultragpu-8g', 'g2-standard-96'] }).products).toEqual([GpuProduct.A100_SXM4_80GB, GpuProduct.L4]);
      expect(GpuNodePool.gke({ machineTypes: ['a3-ultragpu-8g'] }).products).toBeUndefined();
      // A node matches both selectors: the accelerators' products that the machine types have.
      expect(GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4, GkeAccelerator.NVIDIA_TESLA_A100], machineTypes: ['a2-highgpu-8g'] }).products)
        .toEqual([GpuProduct.A100_SXM4_40GB]);
      // Products that no machine type has: no node matches both selectors.
      expect(() => GpuNodePool.gke({ accelerators: [GkeAccelerator.of('nvidia-tesla-a100', GpuProduct.A100_SXM4_80GB)], machineTypes: ['a2-highgpu-1g'] })).toThrow(
        "'gke.accelerators' must be GPUs the machineTypes have (NVIDIA-A100-SXM4-40GB): a node matches both selectors, got 'NVIDIA-A100-SXM4-80GB': " +
        'drop accelerators or machineTypes, or make them agree');
      // A3 Edge carries nvidia-h100-80gb.
      expect(() => GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], machineTypes: ['a3-edgegpu-8g'] })).toThrow(/got 'a3-edgegpu-8g, whose GPUs are nvidia-h100-80gb'/);
      // An accelerator without a product: the machine types still know the GPU.
      expect(GpuNodePool.gke({ accelerators: [GkeAccelerator.of('nvidia-tesla-a100')], machineTypes: ['a2-highgpu-8g'] }).products).toEqual([GpuProduct.A100_SXM4_40GB]);
      // An accelerator the library has no constant for is named by its value.
      expect(() => GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_H100_80GB], machineTypes: ['a3-ultragpu-8g'] }))
        .toThrow("drop a3-ultragpu-8g, or add GkeAccelerator.of('nvidia-h200-141gb') to accelerators");
    });
  });

  describe('aks()', () => {
    test('defaults: NVIDIA VM sizes, tolerating sku=gpu:NoSchedule', () => {
      expect(placement(GpuNodePool.aks())).toEqual({
        nodeSelector: { 'kubernetes.azure.com/accelerator': 'nvidia' },
        tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      });
    });

    test('VM sizes and the agent pool', () => {
      const pool = GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4'], agentPool: 'gpunp', products: [GpuProduct.A100_PCIE_80GB] });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: { 'kubernetes.azure.com/accelerator': 'nvidia', 'kubernetes.azure.com/agentpool': 'gpunp' },
        affinity: requiredAffinity({ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4'] }),
        tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      });
      expect(placement(GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'] })).nodeSelector)
        .toEqual({ 'kubernetes.azure.com/accelerator': 'nvidia', 'node.kubernetes.io/instance-type': 'Standard_NC24ads_A100_v4' });
      expect(pool.products).toEqual([GpuProduct.A100_PCIE_80GB]);
    });

    test('fails on a VM size that is not a label value', () => {
      expect(() => GpuNodePool.aks({ vmSizes: ['Standard NC24'] })).toThrow("'aks.vmSizes' must be valid label values");
    });

    test('a pod asks for at most the GPUs of the largest VM size the pool selects: more stays Pending', () => {
      const train = (gpuCount: number, vmSizes: string[]) => () =>
        new DistributedTrainingJob(Testing.chart(), 'train', { image: 'registry.example.com/train:1', script: 'train.py', gpuCount, nodePool: GpuNodePool.aks({ vmSizes }) });
      expect(train(2, ['Standard_NC24ads_A100_v4'])).toThrow("'gpuCount' must be at most 1, the GPUs of the largest instance type the pool selects " +
        "(Standard_NC24ads_A100_v4): a pod's GPUs come from one node, got 2");
      expect(train(8, ['Standard_NC4as_T4_v3', 'Standard_NC64as_T4_v3'])).toThrow(/must be at most 4, .* \(Standard_NC64as_T4_v3\)/);
      expect(train(4, ['Standard_NC48ads_A100_v4', 'Standard_NC96ads_A100_v4'])).not.toThrow();
      expect(train(2, ['Standard_NC80adis_H100_v5'])).not.toThrow();
      expect(train(3, ['Standard_NC80adis_H100_v5'])).toThrow(/must be at most 2/);
      // Looked up regardless of case; the selector keeps the size as written.
      expect(train(16, ['standard_nd96isr_h100_v5'])).toThrow(/must be at most 8, .* \(standard_nd96isr_h100_v5\)/);
      // A VM size the table does not know bounds nothing.
      expect(train(16, ['Standard_ND96isr_H100_v5', 'Standard_ND128isr_NDR_GB200_v6'])).not.toThrow();
    });

    test('products follow from VM sizes whose GPU the library knows, and must agree with them', () => {
      expect(GpuNodePool.aks({ vmSizes: ['Standard_NC4as_T4_v3', 'Standard_NC64as_T4_v3'] }).products).toEqual([GpuProduct.T4]);
      expect(GpuNodePool.aks({ vmSizes: ['Standard_ND96asr_v4', 'Standard_ND96amsr_A100_v4'] }).products)
        .toEqual([GpuProduct.A100_SXM4_40GB, GpuProduct.A100_SXM4_80GB]);
      expect(GpuNodePool.aks({ vmSizes: ['Standard_ND96isr_H100_v5'] }).products).toEqual([GpuProduct.H100_80GB_HBM3]);
      expect(GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5'] }).products).toEqual([GpuProduct.A100_PCIE_80GB, GpuProduct.H100_NVL]);
      expect(() => GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'], products: [GpuProduct.A100_PCIE_40GB] })).toThrow(
        "'aks.products' must be GPUs of the vmSizes (NVIDIA-A100-80GB-PCIe)");
      // One size of an unknown GPU (H200) leaves the products unknown.
      expect(GpuNodePool.aks({ vmSizes: ['Standard_ND96isr_H100_v5', 'Standard_ND96isr_H200_v5'] }).products).toBeUndefined();
      expect(() => GpuNodePool.aks({ vmSizes: ['Standard_NC4as_T4_v3'], products: [GpuProduct.L4] })).toThrow(
        "'aks.products' must be GPUs of the vmSizes (Tesla-T4): products size the GPU memory budget, got 'NVIDIA-L4': " +
        'list the products of those VM sizes, or leave products unset to take them from the VM sizes');
      expect(GpuNodePool.aks({ vmSizes: ['Standard_ND96isr_H200_v5'], products: [GpuProduct.H100_80GB_HBM3] }).products).toEqual([GpuProduct.H100_80GB_HBM3]);
      // Every GPU the sizes have: a memory budget is the smallest listed product's, and pods may land on a T4.
      expect(() => GpuNodePool.aks({ vmSizes: ['Standard_NC4as_T4_v3', 'Standard_NC24ads_A100_v4'], products: [GpuProduct.A100_PCIE_80GB] })).toThrow(
        "'aks.products' must be every GPU the pool's nodes may have (Tesla-T4, NVIDIA-A100-80GB-PCIe, from vmSizes): a memory budget is the smallest's, " +
        "got 'NVIDIA-A100-80GB-PCIe': add Tesla-T4, or leave products unset to take them from vmSizes");
      // A product stated with of() is the GPU its label names: another driver's memory, the same GPU.
      const olderDriver = GpuProduct.of('NVIDIA-A100-80GB-PCIe', Size.mebibytes(81251), '8.0');
      expect(GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'], products: [olderDriver] }).products).toEqual([olderDriver]);
      // What of() leaves out comes from the known product; more memory than the GPU has fails.
      const [bare] = GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'], products: [GpuProduct.of('NVIDIA-A100-80GB-PCIe')] }).products!;
      expect([bare.label, bare.memory?.toMebibytes(), bare.computeCapability]).toEqual(['NVIDIA-A100-80GB-PCIe', 81920, '8.0']);
      expect(() => GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'], products: [GpuProduct.of('NVIDIA-A100-80GB-PCIe', Size.gibibytes(200))] })).toThrow(
        "'aks.products' must be GPU memory at most what NVIDIA-A100-80GB-PCIe has (81920 MiB, as current drivers report it), got '204800 MiB': " +
        "give the node's nvidia.com/gpu.memory, or leave the memory out to take the known one");
    });

    test('any pool that selects a known VM size by its label is bounded the same way', () => {
      const pool = GpuNodePool.custom({ nodeSelector: { 'node.kubernetes.io/instance-type': 'Standard_NC24ads_A100_v4' } });
      expect(() => new GpuInferenceService(Testing.chart(), 'serve', { image: 'registry.example.com/serve:1', gpuCount: 2, nodePool: pool }))
        .toThrow(/'gpuCount' must be at most 1, the GPUs of the largest instance type the pool selects \(Standard_NC24ads_A100_v4\)/);
    });
  });

  describe('custom()', () => {
    test('renders what it is given', () => {
      const pool = GpuNodePool.custom({
        nodeSelector: { 'example.com/gpu': 'true' },
        requiredNodeAffinity: [NodeLabelQuery.in('example.com/zone', ['a', 'b'])],
        tolerations: [NodeTaintQuery.any()],
      });
      expect(placement(pool)).toMatchSnapshot();
      expect(placement(pool)).toEqual({
        nodeSelector: { 'example.com/gpu': 'true' },
        affinity: requiredAffinity({ key: 'example.com/zone', operator: 'In', values: ['a', 'b'] }),
        tolerations: [{ operator: 'Exists' }],
      });
    });

    test('fails on tolerations and node label expressions the apiserver refuses or no node label matches', () => {
      expect(() => GpuNodePool.custom({ tolerations: [NodeTaintQuery.exists('gpu vendor')] })).toThrow(
        "'custom.tolerations' must be tolerations of taint keys, which are label keys ([prefix/]name: a DNS subdomain prefix, a name of 63 characters of [A-Za-z0-9-_.]), got 'gpu vendor Exists'");
      expect(() => GpuNodePool.nvidia({ tolerations: [NodeTaintQuery.is('nvidia.com/gpu', 'yes please')] })).toThrow(
        "'nvidia.tolerations' must be tolerations of taint values, which are label values (at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric), " +
        "got 'nvidia.com/gpu Equal yes please'");
      expect(() => GpuNodePool.custom({ requiredNodeAffinity: [NodeLabelQuery.in('example.com/zone', [])] })).toThrow(
        "'custom.requiredNodeAffinity' must be expressions whose In lists one value or more, got 'example.com/zone In []'");
      expect(() => GpuNodePool.custom({ requiredNodeAffinity: [NodeLabelQuery.in('example.com/zone', ['eu west'])] })).toThrow(
        "'custom.requiredNodeAffinity' must be expressions whose In lists label values");
      expect(() => GpuNodePool.custom({ requiredNodeAffinity: [NodeLabelQuery.gt('nvidia.com/gpu.memory', ['40GB'])] })).toThrow(
        "'custom.requiredNodeAffinity' must be expressions whose Gt compares with one integer (the label is read as a number), got 'nvidia.com/gpu.memory Gt [\"40GB\"]'");
      expect(() => GpuNodePool.custom({ requiredNodeAffinity: [NodeLabelQuery.exists('-zone')] })).toThrow("'custom.requiredNodeAffinity' must be expressions on label keys");
      // What the factories write themselves passes, and so do the usual user expressions: an empty role label, NotIn,
      // a toleration of any taint, a signed number.
      expect(() => GpuNodePool.onPrem({ minGpuMemory: Size.gibibytes(40), minGpuCount: 2 })).not.toThrow();
      const usual = GpuNodePool.custom({
        requiredNodeAffinity: [NodeLabelQuery.is('node-role.kubernetes.io/gpu', ''), NodeLabelQuery.notIn('example.com/pool', ['cpu only']),
          NodeLabelQuery.gt('example.com/gpus', ['+3'])],
        tolerations: [NodeTaintQuery.any(), NodeTaintQuery.is('dedicated', 'gpu', { effect: TaintEffect.NO_SCHEDULE })],
      });
      expect(usual.requiredNodeAffinity).toHaveLength(3);
    });

    test('fails on an invalid node selector key', () => {
      expect(() => GpuNodePool.custom({ nodeSelector: { 'bad key': 'x' } })).toThrow("'nodeSelector' must be keyed by label keys ([prefix/]name: a DNS subdomain prefix, a name of 63 characters of [A-Za-z0-9-_.]), got 'bad key'");
    });
  });

  describe('runtimeClassName', () => {
    test('every factory names the runtime class of its nodes; placement carries it', () => {
      for (const pool of [
        GpuNodePool.nvidia({ runtimeClassName: 'nvidia' }),
        GpuNodePool.nvidia({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' }),
        GpuNodePool.onPrem({ products: [GpuProduct.L4], runtimeClassName: 'nvidia' }),
        GpuNodePool.custom({ runtimeClassName: 'nvidia' }),
        GpuNodePool.eks({ runtimeClassName: 'nvidia' }),
        GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], runtimeClassName: 'nvidia' }),
        GpuNodePool.aks({ runtimeClassName: 'nvidia' }),
      ]) {
        expect(pool.runtimeClassName).toBe('nvidia');
        expect(renderNodePlacement(pool).runtimeClassName).toBe('nvidia');
      }
      expect(renderNodePlacement(GpuNodePool.onPrem()).runtimeClassName).toBeUndefined();
      const chart = Testing.chart();
      new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py', nodePool: GpuNodePool.onPrem({ runtimeClassName: 'nvidia' }) });
      expect(oneOf(synth(chart), 'batch/v1', 'Job').spec.template.spec.runtimeClassName).toBe('nvidia');
    });

    test('fails on a name the apiserver refuses, named by the factory', () => {
      expect(() => GpuNodePool.nvidia({ runtimeClassName: 'NVIDIA' })).toThrow("'nvidia.runtimeClassName' must be an object name: a DNS subdomain");
      expect(() => GpuNodePool.onPrem({ runtimeClassName: 'nvidia runtime' })).toThrow("'onPrem.runtimeClassName' must be an object name: a DNS subdomain");
      expect(() => GpuNodePool.eks({ runtimeClassName: 'nvidia_cdi' })).toThrow("'eks.runtimeClassName' must be an object name: a DNS subdomain");
      expect(() => GpuNodePool.gke({ runtimeClassName: 'gVisor' })).toThrow("'gke.runtimeClassName' must be an object name: a DNS subdomain");
      expect(() => GpuNodePool.aks({ runtimeClassName: 'kata-' })).toThrow("'aks.runtimeClassName' must be an object name: a DNS subdomain");
      expect(() => GpuNodePool.custom({ runtimeClassName: '' })).toThrow("'custom.runtimeClassName' must be an object name: a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got ''");
    });
  });

  test('every factory places a workload the apiserver accepts', () => {
    const pools = [
      GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
      GpuNodePool.onPrem({ minGpuMemory: Size.gibibytes(40), minGpuCount: 2, sharing: GpuSharing.NONE }),
      GpuNodePool.eks({ provisioner: EksNodeProvisioner.AUTO_MODE, gpuNames: ['l4', 'a10g'] }),
      GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4], sharing: GpuSharing.NONE }),
      GpuNodePool.aks({ vmSizes: ['Standard_NC24ads_A100_v4'] }),
    ];
    for (const pool of pools) {
      const chart = Testing.chart();
      new DistributedTrainingJob(chart, 'train', { image: 'registry.example.com/train:1.0.0', script: 'train.py', nodePool: pool });
      const spec = oneOf(synth(chart), 'batch/v1', 'Job').spec.template.spec;
      const expected = placement(pool);
      expect({ nodeSelector: spec.nodeSelector, affinity: spec.affinity, tolerations: spec.tolerations }).toEqual(
        { nodeSelector: expected.nodeSelector, affinity: expected.affinity, tolerations: expected.tolerations });
    }
  });
});
