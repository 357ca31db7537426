import { Duration } from 'cdk8s';
import { RESNET50 } from './_fixtures';
import {
  EnsembleStep, InputFormat, InstanceGroupKind, ModelPlatform, ModelPriority, ModelVersionPolicy, QueueTimeoutAction,
  SequenceBatchingStrategy, SequenceControlKind, TensorDataType, TritonModelConfig, TritonModelConfigProps, VllmTensors, WarmupData,
} from '../../src';
import { canonicalModelConfig, expectValidPbtxt } from '../_helpers/protoc';


const render = (props: TritonModelConfigProps) => {
  const text = new TritonModelConfig(props).toPbtxt();
  expectValidPbtxt(text);
  return text;
};

const simple = (extra: Partial<TritonModelConfigProps> = {}): TritonModelConfigProps => ({
  name: 'm',
  platform: ModelPlatform.ONNXRUNTIME_ONNX,
  maxBatchSize: 8,
  inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [4] }],
  outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2] }],
  ...extra,
});

describe('TritonModelConfig', () => {
  test('renders the ResNet50 story as Triton documents it', () => {
    expect(render(RESNET50)).toBe([
      'name: "resnet50"',
      'platform: "pytorch_libtorch"',
      'max_batch_size: 32',
      'input [',
      '  {',
      '    name: "INPUT__0"',
      '    data_type: TYPE_FP32',
      '    dims: [ 3, 224, 224 ]',
      '  }',
      ']',
      'output [',
      '  {',
      '    name: "OUTPUT__0"',
      '    data_type: TYPE_FP32',
      '    dims: [ 1000 ]',
      '  }',
      ']',
      'instance_group [',
      '  {',
      '    kind: KIND_GPU',
      '    count: 2',
      '    gpus: [ 0 ]',
      '  }',
      ']',
      'dynamic_batching {',
      '  preferred_batch_size: [ 4, 8, 16 ]',
      '  max_queue_delay_microseconds: 100000',
      '}',
      '',
    ].join('\n'));
  });

  test('means to protoc exactly what the hand-written Triton config means', () => {
    const handWritten = `
      name: "resnet50"
      platform: "pytorch_libtorch"
      max_batch_size : 32
      input [ { name: "INPUT__0", data_type: TYPE_FP32, dims: [ 3, 224, 224 ] } ]
      output [ { name: "OUTPUT__0", data_type: TYPE_FP32, dims: [ 1000 ] } ]
      instance_group [ { count: 2, kind: KIND_GPU, gpus: [ 0 ] } ]
      dynamic_batching { preferred_batch_size: [ 4, 8, 16 ], max_queue_delay_microseconds: 100000 }`;
    expect(canonicalModelConfig(new TritonModelConfig(RESNET50).toPbtxt())).toBe(canonicalModelConfig(handWritten));
  });

  test('snapshot: defaults', () => {
    expect(render({ name: 'minimal', platform: ModelPlatform.TENSORRT_PLAN })).toMatchSnapshot();
  });

  test('snapshot: every field', () => {
    // Every warmup request carries the inputs the model requires (mask is optional).
    const SHAPE = { dataType: TensorDataType.INT32, dims: [2] };
    const text = render({
      name: 'everything',
      platform: ModelPlatform.TENSORRT_PLAN, // shape tensors are TensorRT's only
      maxBatchSize: 64,
      inputs: [
        { name: 'image', dataType: TensorDataType.UINT8, dims: [-1, -1, 3], format: InputFormat.NHWC, allowRaggedBatch: true },
        { name: 'mask', dataType: TensorDataType.BOOL, dims: [1], reshape: [], optional: true },
        { name: 'shape', dataType: TensorDataType.INT32, dims: [2], isShapeTensor: true },
      ],
      outputs: [
        { name: 'scores', dataType: TensorDataType.FP16, dims: [1000], labels: ['cat', 'dog'] },
        { name: 'boxes', dataType: TensorDataType.FP32, dims: [-1, 4], reshape: [-1, 2, 2], labelFilename: 'boxes.txt' },
      ],
      instanceGroups: [
        {
          name: 'gpu',
          kind: InstanceGroupKind.GPU,
          count: 2,
          gpus: [0, 1],
          rateLimiter: { resources: [{ name: 'R1', count: 2 }, { name: 'shared', count: 1, global: true }], priority: 2 },
          profiles: ['0'],
          passive: false,
          hostPolicy: 'numa0',
        },
        { kind: InstanceGroupKind.AUTO, count: 1 },
      ],
      dynamicBatching: {
        preferredBatchSizes: [16, 32],
        maxQueueDelay: Duration.millis(5),
        priorityLevels: 3,
        defaultPriorityLevel: 2,
        defaultQueuePolicy: {
          timeoutAction: QueueTimeoutAction.DELAY, defaultTimeout: Duration.seconds(1), allowTimeoutOverride: true, maxQueueSize: 128,
        },
        priorityQueuePolicies: [
          { priorityLevel: 3, policy: { maxQueueSize: 16 } },
          { priorityLevel: 1, policy: { timeoutAction: QueueTimeoutAction.REJECT, defaultTimeout: Duration.millis(200) } },
        ],
      },
      optimization: {
        cudaGraphs: true,
        cudaBusyWaitEvents: true,
        cudaOutputCopyStream: true,
        graphLevel: 1,
        priority: ModelPriority.MAX,
        gpuExecutionAccelerators: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } }],
        cpuExecutionAccelerators: [{ name: 'openvino' }],
        inputPinnedMemory: false,
        outputPinnedMemory: true,
        gatherKernelBufferThreshold: 1024,
        eagerBatching: true,
      },
      warmup: [
        { name: 'zeros', batchSize: 8, inputs: { image: { dataType: TensorDataType.UINT8, dims: [224, 224, 3] }, shape: SHAPE }, count: 2 },
        { name: 'random', inputs: { image: { dataType: TensorDataType.UINT8, dims: [224, 224, 3], data: WarmupData.RANDOM }, shape: SHAPE } },
        { name: 'file', inputs: { image: { dataType: TensorDataType.UINT8, dims: [224, 224, 3], data: WarmupData.fromFile('cat.raw') }, shape: SHAPE } },
      ],
      versionPolicy: ModelVersionPolicy.specific([3, 1]),
      parameters: { intra_op_thread_count: '4', cudnn_conv_algo_search: 'HEURISTIC' },
      defaultModelFilename: 'detector.onnx',
      decoupled: true,
    });
    expect(text).toMatchSnapshot();
  });

  test('renders preserve_ordering and the response cache, which Triton refuses with priorities and with decoupled models', () => {
    const text = render(simple({ dynamicBatching: { preserveOrdering: true }, responseCache: true }));
    expect(text).toContain('dynamic_batching {\n  preserve_ordering: true\n}');
    expect(text).toContain('response_cache {\n  enable: true\n}');
  });

  test('gives priorities the lowest level as default, which Triton requires', () => {
    expect(render(simple({ dynamicBatching: { priorityLevels: 3 } }))).toContain('priority_levels: 3\n  default_priority_level: 3');
    expect(render(simple({ dynamicBatching: { priorityLevels: 3, defaultPriorityLevel: 1 } }))).toContain('default_priority_level: 1');
  });

  test('renders durations in microseconds', () => {
    const text = render(simple({
      dynamicBatching: {
        maxQueueDelay: Duration.millis(100),
        defaultQueuePolicy: { defaultTimeout: Duration.seconds(2), timeoutAction: QueueTimeoutAction.REJECT },
      },
    }));
    expect(text).toContain('max_queue_delay_microseconds: 100000');
    expect(text).toContain('default_timeout_microseconds: 2000000');
    expect(render(simple({ dynamicBatching: { maxQueueDelay: Duration.millis(0.1) } }))).toContain('max_queue_delay_microseconds: 100');
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { maxQueueDelay: Duration.millis(0.0005) } })))
      .toThrow("'model[m].dynamicBatching.maxQueueDelay' must be a whole number of microseconds, got '0.5us'");
  });

  test('renders parameters as a map of ModelParameter, sorted by key', () => {
    const text = render(simple({ parameters: { b: '2', a: 'x "quoted"' } }));
    expect(text).toContain('parameters {\n  key: "a"\n  value {\n    string_value: "x \\"quoted\\""\n  }\n}\nparameters {\n  key: "b"');
  });

  test('renders platforms as platform and backends as backend', () => {
    // The vllm backend batches itself: maxBatchSize 0.
    const llm = (extra: Partial<TritonModelConfigProps>) => simple({ maxBatchSize: 0, ...extra });
    expect(render(simple({ platform: ModelPlatform.PYTHON }))).toContain('backend: "python"');
    expect(render(llm({ platform: ModelPlatform.custom('vllm'), decoupled: true }))).toContain('backend: "vllm"');
    expect(render(llm({ platform: ModelPlatform.VLLM, decoupled: true }))).toBe(render(llm({ platform: ModelPlatform.custom('vllm'), decoupled: true })));
    expect(() => new TritonModelConfig(llm({ platform: ModelPlatform.VLLM, decoupled: false }))).toThrow(/'model\[m\].decoupled' must be true or unset with the vllm backend/);
    expect(render(simple({ platform: ModelPlatform.TENSORRT_LLM }))).toContain('backend: "tensorrtllm"');
    // vllm_backend asserts the decoupled policy when it loads the model; its auto-complete sets it when unset.
    expect(() => new TritonModelConfig(llm({ platform: ModelPlatform.custom('vllm'), decoupled: false }))).toThrow(
      "'model[m].decoupled' must be true or unset with the vllm backend, which refuses to load a model without the decoupled transaction policy, got false: set decoupled: true");
    expect(() => new TritonModelConfig(llm({ platform: ModelPlatform.custom('vllm') }))).not.toThrow();
    // Decoupled either way, so no response cache.
    expect(() => new TritonModelConfig(llm({ platform: ModelPlatform.custom('vllm'), responseCache: true }))).toThrow("'model[m].responseCache' must be unset with decoupled");
    const trt = render(simple({ platform: ModelPlatform.TENSORRT_PLAN }));
    expect(trt).toContain('platform: "tensorrt_plan"');
    expect(trt).not.toContain('backend:');
    expect(ModelPlatform.TENSORFLOW_SAVEDMODEL.defaultModelFilename).toBe('model.savedmodel');
  });

  test('renders each version policy (a oneof)', () => {
    expect(render(simple({ versionPolicy: ModelVersionPolicy.latest(2) }))).toContain('version_policy {\n  latest {\n    num_versions: 2\n  }\n}');
    expect(render(simple({ versionPolicy: ModelVersionPolicy.all() }))).toContain('version_policy {\n  all { }\n}');
    expect(render(simple({ versionPolicy: ModelVersionPolicy.specific([2, 1]) }))).toContain('specific {\n    versions: [ 1, 2 ]');
    // Versions are int64: timestamp-named version folders pass, beyond int32.
    expect(render(simple({ versionPolicy: ModelVersionPolicy.specific([20240101120000]) }))).toContain('versions: [ 20240101120000 ]');
  });

  test('version policies select the served versions', () => {
    expect(ModelVersionPolicy.latest(2).select([1, 3, 2])).toEqual([2, 3]);
    expect(ModelVersionPolicy.latest().select([5, 4])).toEqual([5]);
    expect(ModelVersionPolicy.all().select([2, 1])).toEqual([1, 2]);
    expect(ModelVersionPolicy.specific([1, 3]).select([1, 2, 3])).toEqual([1, 3]);
  });

  test('renders the sequence batcher with each strategy and control inputs', () => {
    const controls = [
      { name: 'START', controls: [{ kind: SequenceControlKind.START, int32FalseTrue: [0, 1] }] },
      { name: 'READY', controls: [{ kind: SequenceControlKind.READY, boolFalseTrue: [false, true] }] },
      { name: 'END', controls: [{ kind: SequenceControlKind.END, fp32FalseTrue: [0, 1] }] },
      { name: 'CORRID', controls: [{ kind: SequenceControlKind.CORRID, dataType: TensorDataType.UINT64 }] },
    ];
    const direct = render(simple({
      sequenceBatching: {
        strategy: SequenceBatchingStrategy.direct({ maxQueueDelay: Duration.millis(1), minimumSlotUtilization: 0.5 }),
        maxSequenceIdle: Duration.seconds(5),
        controlInputs: controls,
      },
    }));
    expect(direct).toContain('direct {\n    max_queue_delay_microseconds: 1000\n    minimum_slot_utilization: 0.5\n  }');
    expect(direct).toContain('max_sequence_idle_microseconds: 5000000');
    expect(direct).toContain('data_type: TYPE_UINT64');
    const oldest = render(simple({
      sequenceBatching: {
        strategy: SequenceBatchingStrategy.oldest({ maxCandidateSequences: 4, preferredBatchSizes: [2, 4], preserveOrdering: true }),
        iterativeSequence: true,
      },
    }));
    expect(oldest).toContain('oldest {\n    max_candidate_sequences: 4\n    preferred_batch_size: [ 2, 4 ]\n    preserve_ordering: true\n  }');
    expect(oldest).toContain('iterative_sequence: true');
  });

  test('renders an ensemble with its steps and maps', () => {
    const text = render({
      name: 'pipeline',
      platform: ModelPlatform.ENSEMBLE,
      maxBatchSize: 8,
      inputs: [{ name: 'RAW', dataType: TensorDataType.UINT8, dims: [-1] }],
      outputs: [{ name: 'SCORES', dataType: TensorDataType.FP32, dims: [1000] }],
      ensembleSteps: [
        { modelName: 'preprocess', inputMap: { INPUT: 'RAW' }, outputMap: { OUTPUT: 'image' } },
        { modelName: 'resnet50', modelVersion: 1, inputMap: { INPUT__0: 'image' }, outputMap: { OUTPUT__0: 'SCORES' } },
      ],
    });
    expect(text).toContain('ensemble_scheduling {\n  step [\n    {\n      model_name: "preprocess"\n      model_version: -1\n      input_map {\n        key: "INPUT"\n        value: "RAW"\n      }');
    expect(text).toContain('model_version: 1');
    expect(new TritonModelConfig({ ...RESNET50, name: 'x' }).instanceGroups).toHaveLength(1);
  });

  test('is deterministic: the same text whatever order its maps were built in', () => {
    const pipeline = (order: 1 | -1) => {
      const map = (entries: Array<[string, string]>) => Object.fromEntries(order === 1 ? entries : [...entries].reverse());
      return new TritonModelConfig({
        name: 'pipeline',
        platform: ModelPlatform.ENSEMBLE,
        maxBatchSize: 8,
        inputs: [{ name: 'RAW', dataType: TensorDataType.UINT8, dims: [-1] }, { name: 'META', dataType: TensorDataType.INT32, dims: [2] }],
        outputs: [{ name: 'SCORES', dataType: TensorDataType.FP32, dims: [1000] }],
        parameters: map([['b', '2'], ['a', '1'], ['c', '3']]),
        ensembleSteps: [{ modelName: 'classify', inputMap: map([['INPUT', 'RAW'], ['SIZE', 'META']]), outputMap: { OUTPUT: 'SCORES' } }],
      }).toPbtxt();
    };
    const text = pipeline(1);
    expectValidPbtxt(text);
    expect(pipeline(-1)).toBe(text);
    expect(text.indexOf('key: "INPUT"')).toBeLessThan(text.indexOf('key: "SIZE"'));
    expect(text.indexOf('key: "a"')).toBeLessThan(text.indexOf('key: "b"'));
  });

  test('fills in Triton\'s default instance group and lists label files', () => {
    const c = new TritonModelConfig(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2], labels: ['a', 'b'] }] }));
    expect(c.instanceGroups).toEqual([{ kind: InstanceGroupKind.GPU, count: 1 }]);
    expect(c.labelFiles).toEqual([{ fileName: 'labels.txt', labels: ['a', 'b'] }]);
    expect(render(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2], labels: ['a', 'b'] }] }))).toContain('label_filename: "labels.txt"');
  });

  test('fails on a preferred batch size above maxBatchSize', () => {
    expect(() => new TritonModelConfig({ ...RESNET50, dynamicBatching: { preferredBatchSizes: [4, 8, 64] } }))
      .toThrow("'model[resnet50].dynamicBatching.preferredBatchSizes' must be batch sizes within 1..maxBatchSize (32), got [4,8,64]: drop 64 or raise maxBatchSize to at least 64");
  });

  test('fails on a preferred batch size of 0 or a repeated one', () => {
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { preferredBatchSizes: [0] } }))).toThrow(/within 1\.\.maxBatchSize \(8\), got \[0\]/);
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { preferredBatchSizes: [2, 2] } }))).toThrow(/must be distinct batch sizes/);
  });

  test('takes dynamic batching without a batch dimension, for its queue (Triton batches one request at a time then)', () => {
    const config = new TritonModelConfig({
      ...RESNET50, maxBatchSize: 0, dynamicBatching: { priorityLevels: 2, defaultPriorityLevel: 1, defaultQueuePolicy: { maxQueueSize: 0 } },
    });
    expectValidPbtxt(config.toPbtxt());
    expect(config.toPbtxt()).toContain('dynamic_batching {');
    // Nothing waits to fill a batch of one.
    expect(config._batchingDelayMicros).toBe(0);
    const delayed = new TritonModelConfig({ ...RESNET50, maxBatchSize: 0, dynamicBatching: { maxQueueDelay: Duration.millis(100) } });
    expect(delayed._batchingDelayMicros).toBe(0);
    expect(() => new TritonModelConfig({ ...RESNET50, maxBatchSize: 0, dynamicBatching: { preferredBatchSizes: [4] } }))
      .toThrow(/'model\[resnet50\]\.dynamicBatching\.preferredBatchSizes' must be batch sizes within 1\.\.maxBatchSize \(0\)/);
  });

  test('fails on more than one scheduling kind', () => {
    expect(() => new TritonModelConfig(simple({ dynamicBatching: {}, sequenceBatching: {} })))
      .toThrow("'model[m].scheduling' must be at most one of dynamicBatching, sequenceBatching and ensembleSteps (a oneof in model_config.proto), got 'dynamicBatching and sequenceBatching'");
  });

  test('fails on ensemble steps without the ensemble platform, and the reverse', () => {
    const step = { modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'y' } };
    expect(() => new TritonModelConfig(simple({ ensembleSteps: [step] }))).toThrow(/ensembleSteps' must be only set with ModelPlatform.ENSEMBLE, got 'onnxruntime_onnx'/);
    expect(() => new TritonModelConfig(simple({ platform: ModelPlatform.ENSEMBLE }))).toThrow(/ensembleSteps' must be at least one step for ModelPlatform.ENSEMBLE/);
    expect(() => new TritonModelConfig(simple({ platform: ModelPlatform.ENSEMBLE, ensembleSteps: [{ modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'y' } }], instanceGroups: [{}] })))
      .toThrow(/instanceGroups' must be unset for an ensemble/);
  });

  test('fails on an ensemble whose tensors do not connect', () => {
    const base = simple({ platform: ModelPlatform.ENSEMBLE });
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: [{ modelName: 'a', inputMap: { i: 'nowhere' }, outputMap: { o: 'y' } }] }))
      .toThrow(/must be tensors that are ensemble inputs or some step's output, got 'nowhere': add an input 'nowhere'/);
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: [{ modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'z' } }] }))
      .toThrow(/'model\[m\]\.outputs\[y\]' must be written by a step's outputMap/);
    expect(() => new TritonModelConfig({ ...base, inputs: [...base.inputs!, { name: 'extra', dataType: TensorDataType.FP32, dims: [1] }], ensembleSteps: [{ modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'y' } }] }))
      .toThrow(/'model\[m\]\.inputs\[extra\]' must be read by a step's inputMap/);
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: [{ modelName: 'm', inputMap: { i: 'x' }, outputMap: { o: 'y' } }] }))
      .toThrow(/modelName' must be another model than the ensemble itself/);
  });

  test('fails on ensemble tensors Triton finds unused or never ready (ValidateEnsembleSchedulingConfig)', () => {
    const base = simple({ platform: ModelPlatform.ENSEMBLE });
    // A step output nothing reads and no ensemble output names.
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: [{ modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'y', extra: 'UNUSED' } }] }))
      .toThrow("'model[m].ensembleSteps outputMap' must be tensors a later step reads, or ensemble outputs (Triton rejects unused ensemble tensors), got 'UNUSED'");
    // Two steps that wait for each other: every tensor is written and read, none becomes ready.
    const cycle: EnsembleStep[] = [
      { modelName: 'a', inputMap: { i: 'x', j: 'T2' }, outputMap: { o: 'T1' } },
      { modelName: 'b', inputMap: { i: 'T1' }, outputMap: { o: 'T2', p: 'y' } },
    ];
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: cycle }))
      .toThrow("'model[m].ensembleSteps' must be steps whose inputs the ensemble inputs and earlier steps provide (no cycle), got 'a (waits for T2); b (waits for T1)'");
    // Steps listed out of order are fine: Triton runs them by data flow.
    const reversed: EnsembleStep[] = [
      { modelName: 'b', inputMap: { i: 'T1' }, outputMap: { o: 'y' } },
      { modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'T1' } },
    ];
    expect(() => new TritonModelConfig({ ...base, ensembleSteps: reversed })).not.toThrow();
  });

  test('fails on optimization or warmup for an ensemble, which Triton refuses there', () => {
    const ensemble = simple({ platform: ModelPlatform.ENSEMBLE, ensembleSteps: [{ modelName: 'a', inputMap: { i: 'x' }, outputMap: { o: 'y' } }] });
    expect(() => new TritonModelConfig({ ...ensemble, optimization: { cudaGraphs: true } }))
      .toThrow('\'model[m].optimization\' must be unset for an ensemble (Triton refuses it there), got {"cudaGraphs":true}: set optimization on the models the steps run');
    expect(() => new TritonModelConfig({ ...ensemble, warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [4] } } }] }))
      .toThrow("'model[m].warmup' must be unset for an ensemble (Triton refuses it there), got 'w': warm up the models the steps run");
  });

  test('fails on the response cache with the sequence batcher or a decoupled model', () => {
    expect(() => new TritonModelConfig(simple({ responseCache: true, sequenceBatching: {} })))
      .toThrow("'model[m].responseCache' must be unset with sequenceBatching: Triton's response cache serves the default and dynamic batchers of non-decoupled models only, got true");
    expect(() => new TritonModelConfig(simple({ responseCache: true, decoupled: true }))).toThrow(/'model\[m\]\.responseCache' must be unset with decoupled/);
  });

  test('fails on TensorRT profiles outside TensorRT or that are no profile index', () => {
    expect(() => new TritonModelConfig(simple({ instanceGroups: [{ profiles: ['0'] }] })))
      .toThrow("'model[m].instanceGroups[0].profiles' must be only set on a TensorRT model (optimization profiles are TensorRT's), got 'onnxruntime_onnx'");
    expect(() => new TritonModelConfig(simple({ platform: ModelPlatform.TENSORRT_PLAN, instanceGroups: [{ profiles: ['fast'] }] })))
      .toThrow("'model[m].instanceGroups[0].profiles' must be profile indices (non-negative integers, as strings), got 'fast'");
  });

  test('fails on CPU or MODEL instances of a TensorRT model, which the TensorRT backend refuses to load', () => {
    const trt = (kind: InstanceGroupKind) => () =>
      new TritonModelConfig(simple({ platform: ModelPlatform.TENSORRT_PLAN, instanceGroups: [{ kind }] }));
    expect(trt(InstanceGroupKind.CPU)).toThrow("'model[m].instanceGroups[0].kind' must be InstanceGroupKind.GPU or AUTO on a TensorRT model " +
      "(the TensorRT backend runs on GPUs only), got 'KIND_CPU': use InstanceGroupKind.GPU, or serve a CPU copy from an ONNX or PyTorch artifact");
    expect(trt(InstanceGroupKind.MODEL)).toThrow(/instanceGroups\[0\]\.kind' must be InstanceGroupKind.GPU or AUTO on a TensorRT model.*got 'KIND_MODEL'/);
    expect(trt(InstanceGroupKind.GPU)).not.toThrow();
    expect(trt(InstanceGroupKind.AUTO)).not.toThrow();
    // Other backends run CPU instances.
    expect(render(simple({ instanceGroups: [{ kind: InstanceGroupKind.CPU, count: 2 }] })))
      .toContain('instance_group [\n  {\n    kind: KIND_CPU\n    count: 2\n  }\n]');
  });

  test('a plan per compute capability: cc_model_filenames, sorted; keys and names checked', () => {
    const text = render(simple({ platform: ModelPlatform.TENSORRT_PLAN, ccModelFilenames: { '8.9': 'model_l4.plan', '8.0': 'model_a100.plan' } }));
    expect(text).toContain('cc_model_filenames {\n  key: "8.0"\n  value: "model_a100.plan"\n}\ncc_model_filenames {\n  key: "8.9"\n  value: "model_l4.plan"\n}');
    expect(() => new TritonModelConfig(simple({ ccModelFilenames: { sm89: 'x.plan' } }))).toThrow("'model[m].ccModelFilenames' must be keyed by CUDA compute capabilities such as '8.9', got 'sm89'");
    expect(() => new TritonModelConfig(simple({ ccModelFilenames: { 8.9: '../x.plan' } }))).toThrow("'model[m].ccModelFilenames['8.9']' must be a plain file or folder name, got '../x.plan'");
  });

  test('fails on dims Triton refuses', () => {
    expect(() => new TritonModelConfig(simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [3, 0] }] })))
      .toThrow("'model[m].inputs[x].dims' must be integers from 1 to 9007199254740991, or -1 for a variable-size dimension, got [3,0]");
    // int64 fields beyond what a JavaScript number holds exactly fail naming the prop, not the pbtxt field.
    expect(() => new TritonModelConfig(simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [1e20] }] })))
      .toThrow("'model[m].inputs[x].dims' must be integers from 1 to 9007199254740991, or -1 for a variable-size dimension, got [100000000000000000000]");
    expect(() => new TritonModelConfig(simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [-1], reshape: [1e20] }] })))
      .toThrow("'model[m].inputs[x].reshape' must be integers from 1 to 9007199254740991, or -1, got [100000000000000000000]");
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { maxQueueDelay: Duration.days(2e8) } })))
      .toThrow("'model[m].dynamicBatching.maxQueueDelay' must be at most 9007199254740991us (about 285 years), got '17280000000000000000us'");
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { defaultQueuePolicy: { defaultTimeout: Duration.days(1e9) } } })))
      .toThrow("'model[m].dynamicBatching.defaultQueuePolicy.defaultTimeout' must be at most 9007199254740991us");
    expect(() => new TritonModelConfig(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [] }] })))
      .toThrow(/outputs\[y\]\.dims' must be at least one dimension/);
    expect(() => new TritonModelConfig(simple({ maxBatchSize: 0, inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [1], reshape: [] }] })))
      .toThrow(/reshape' must be non-empty for a model that does not batch/);
  });

  describe('the shape rules of Triton\'s model loader (ValidateModelInput/Output)', () => {
    const input = (extra: object) => simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [4], ...extra }] });
    test.each([
      ['the same count', [2, 3, 4], [6, 4]],
      ['one element to a scalar', [1], []],
      ['the same stretches around -1', [2, 4, -1, 6], [8, -1, 1, 6]],
    ])('takes a reshape to %s', (_name, dims, reshape) => {
      expect(() => new TritonModelConfig(input({ dims, reshape }))).not.toThrow();
    });
    test.each([
      ['another count', [4], [3], "'model[m].inputs[x].reshape' must be as many elements as dims [4], got [3]"],
      ['a scalar from several elements', [2], [], "'model[m].inputs[x].reshape' must be as many elements as dims [2], got []"],
      ['a -1 that dims lack', [4], [-1, 4], 'must be as many elements as dims [4], got [-1,4]'],
      ['other stretches around -1', [2, -1, 6], [4, -1, 3], 'must be as many elements as dims [2, -1, 6] between and around each -1, with as many -1, got [4,-1,3]'],
    ])('fails on a reshape to %s', (_name, dims, reshape, message) => {
      expect(() => new TritonModelConfig(input({ dims, reshape }))).toThrow(message);
    });
    test('fails on an image format without 3 dims', () => {
      expect(() => new TritonModelConfig(input({ dims: [3, 224], format: InputFormat.NCHW })))
        .toThrow("'model[m].inputs[x].dims' must be 3 dimensions with format FORMAT_NCHW (an image without the batch dimension), got [3,224]");
      expect(() => new TritonModelConfig(input({ dims: [224, 224, 3], format: InputFormat.NHWC }))).not.toThrow();
    });
    test('fails on a shape tensor outside TensorRT', () => {
      const shape = { dataType: TensorDataType.INT64, dims: [2], isShapeTensor: true };
      expect(() => new TritonModelConfig(input(shape)))
        .toThrow("'model[m].inputs[x].isShapeTensor' must be only set on a TensorRT model (Triton supports shape tensors only there), got 'onnxruntime_onnx'");
      expect(() => new TritonModelConfig({ ...input(shape), platform: ModelPlatform.TENSORRT_PLAN })).not.toThrow();
      expect(() => new TritonModelConfig({ ...input(shape), platform: ModelPlatform.custom('tensorrt') })).not.toThrow();
    });
  });

  test('fails on duplicate tensor names', () => {
    expect(() => new TritonModelConfig(simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [1] }, { name: 'x', dataType: TensorDataType.FP32, dims: [1] }] })))
      .toThrow("'model[m].inputs' must be tensors with distinct names, got 'x'");
  });

  test('fails on GPUs listed for a CPU instance group, repeated GPUs, or no instances', () => {
    expect(() => new TritonModelConfig(simple({ instanceGroups: [{ kind: InstanceGroupKind.CPU, gpus: [0] }] })))
      .toThrow("'model[m].instanceGroups[0].gpus' must be unset for KIND_CPU, got [0]: use InstanceGroupKind.GPU to place instances on GPUs");
    expect(() => new TritonModelConfig(simple({ instanceGroups: [{ gpus: [0, 0] }] }))).toThrow(/must be distinct GPU indices/);
    // A hole a JavaScript caller left is named at its prop, not found later by the pbtxt writer.
    expect(() => new TritonModelConfig(simple({ instanceGroups: [{ gpus: [0, undefined as any] }] })))
      .toThrow(/^'model\[m\]\.instanceGroups\[0\]\.gpus' must be an integer >= 0, got undefined$/);
    expect(() => new TritonModelConfig(simple({ instanceGroups: [{ count: 0 }] }))).toThrow(/instanceGroups\[0\]\.count' must be an integer >= 1, got 0/);
  });

  test('fails on a model name that cannot be a folder and a ConfigMap key', () => {
    expect(() => new TritonModelConfig(simple({ name: 'my/model' }))).toThrow(/'name' must be a model name of letters, digits, _ \. -.*got 'my\/model'/);
    expect(() => new TritonModelConfig(simple({ name: '.hidden' }))).toThrow(/'name' must be a model name/);
  });

  test('fails on warmup requests the model cannot take', () => {
    const input = { x: { dataType: TensorDataType.FP32, dims: [4] } };
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', batchSize: 16, inputs: input }] })))
      .toThrow("'model[m].warmup[w].batchSize' must be an integer between 1 and 8, got 16");
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', inputs: { nope: { dataType: TensorDataType.FP32, dims: [4] } } }] })))
      .toThrow(/warmup\[w\]\.inputs' must be keyed by the model's inputs and control tensors \(x\), got 'nope'/);
    // A stateful model is warmed up with its control tensors too: Triton passes them as extra inputs.
    const controls = [{ name: 'START', controls: [{ kind: SequenceControlKind.START, int32FalseTrue: [0, 1] }] }];
    const start = { dataType: TensorDataType.INT32, dims: [1] };
    expect(render(simple({ sequenceBatching: { controlInputs: controls }, warmup: [{ name: 'w', inputs: { ...input, START: start } }] })))
      .toContain('key: "START"');
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [-1] } } }] })))
      .toThrow(/warmup shapes are concrete: no -1/);
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [undefined as any] } } }] })))
      .toThrow(/^'model\[m\]\.warmup\[w\]\.inputs\[x\]\.dims' must be an integer >= 1, got undefined/);
    const holeControl = [{ name: 'START', controls: [{ kind: SequenceControlKind.START, int32FalseTrue: [0, undefined as any] }] }];
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: holeControl } })))
      .toThrow(/^'model\[m\]\.sequenceBatching\.controls\[CONTROL_SEQUENCE_START\]\.int32FalseTrue' must be an integer >= -2147483648, got undefined$/);
    // A warmup is an inference request: the type and shape of each input, and every required input.
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP16, dims: [4] } } }] })))
      .toThrow("'model[m].warmup[w].inputs[x].dataType' must be the input's data type (TYPE_FP32), got 'TYPE_FP16'");
    expect(() => new TritonModelConfig(simple({ warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [5, 5] } } }] })))
      .toThrow("'model[m].warmup[w].inputs[x].dims' must be the input's shape [4] without the batch dimension (-1 takes any size), got [5,5]");
    const two = simple({ inputs: [{ name: 'x', dataType: TensorDataType.FP32, dims: [-1, 3] }, { name: 'y', dataType: TensorDataType.INT64, dims: [1] }] });
    expect(() => new TritonModelConfig({ ...two, warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [7, 3] } } }] }))
      .toThrow("'model[m].warmup[w].inputs' must be every input the model requires, got 'x': add y, or mark them optional");
    const optionalY = { ...two, inputs: [two.inputs![0], { ...two.inputs![1], optional: true }] };
    expect(() => new TritonModelConfig({ ...optionalY, warmup: [{ name: 'w', inputs: { x: { dataType: TensorDataType.FP32, dims: [7, 3] } } }] })).not.toThrow();
  });

  test('fails on priorities and queue policies that contradict each other', () => {
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { priorityLevels: 2, defaultPriorityLevel: 3 } })))
      .toThrow("'model[m].dynamicBatching.defaultPriorityLevel' must be an integer between 1 and 2, got 3");
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { priorityQueuePolicies: [{ priorityLevel: 1, policy: {} }] } })))
      .toThrow(/priorityQueuePolicies' must be unset unless priorityLevels is set/);
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { defaultQueuePolicy: { timeoutAction: QueueTimeoutAction.DELAY } } })))
      .toThrow(/timeoutAction' must be unset unless a timeout can happen/);
  });

  test('fails on preserveOrdering with several priority levels or a delaying queue policy (Triton\'s ValidateModelConfig)', () => {
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { preserveOrdering: true, priorityLevels: 2 } })))
      .toThrow("'model[m].dynamicBatching.preserveOrdering' must be unset with more than one priority level, got '2 levels': drop preserveOrdering or the priority levels");
    const delay = { timeoutAction: QueueTimeoutAction.DELAY, defaultTimeout: Duration.seconds(1) };
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { preserveOrdering: true, defaultQueuePolicy: delay } })))
      .toThrow(/preserveOrdering' must be unset when a queue policy delays timed-out requests/);
    const oneLevel = { preserveOrdering: true, priorityLevels: 1 };
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { ...oneLevel, priorityQueuePolicies: [{ priorityLevel: 1, policy: delay }] } })))
      .toThrow(/preserveOrdering' must be unset when a queue policy delays timed-out requests/);
    const reject = { ...delay, timeoutAction: QueueTimeoutAction.REJECT };
    expect(() => new TritonModelConfig(simple({ dynamicBatching: { ...oneLevel, defaultQueuePolicy: reject } }))).not.toThrow();
  });

  test('fails on sequence controls Triton refuses', () => {
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: [{ name: 'S', controls: [{ kind: SequenceControlKind.START, int32FalseTrue: [0, 1, 2] }] }] } })))
      .toThrow("'model[m].sequenceBatching.controls[CONTROL_SEQUENCE_START].int32FalseTrue' must be exactly two values (false, true), got [0,1,2]");
    for (const v of [NaN, 1e39]) {
      expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: [{ name: 'R', controls: [{ kind: SequenceControlKind.READY, fp32FalseTrue: [0, v] }] }] } })))
        .toThrow(`'model[m].sequenceBatching.controls[CONTROL_SEQUENCE_READY].fp32FalseTrue' must be finite float32 values, got '${v}'`);
    }
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: [{ name: 'C', controls: [{ kind: SequenceControlKind.CORRID, int32FalseTrue: [0, 1] }] }] } })))
      .toThrow(/must be no false\/true values/);
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: [{ name: 'C', controls: [{ kind: SequenceControlKind.CORRID, dataType: TensorDataType.FP32 }] }] } })))
      .toThrow("'model[m].sequenceBatching.controls[CONTROL_SEQUENCE_CORRID].dataType' must be TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 or TYPE_STRING " +
        "(what Triton takes as a correlation id), got 'TYPE_FP32'");
    for (const dataType of [TensorDataType.STRING, TensorDataType.INT32]) {
      expect(() => new TritonModelConfig(simple({ sequenceBatching: { controlInputs: [{ name: 'C', controls: [{ kind: SequenceControlKind.CORRID, dataType }] }] } }))).not.toThrow();
    }
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { strategy: SequenceBatchingStrategy.oldest({ preferredBatchSizes: [16] }) } })))
      .toThrow(/strategy\.preferredBatchSizes' must be batch sizes within 1\.\.maxBatchSize \(8\)/);
    const delayOnly = SequenceBatchingStrategy.direct({ maxQueueDelay: Duration.millis(1) });
    expect(() => new TritonModelConfig(simple({ sequenceBatching: { strategy: delayOnly } })))
      .toThrow("'model[m].sequenceBatching.strategy.maxQueueDelay' must be unset unless minimumSlotUtilization is above 0 (Triton ignores the delay until then), got '1000us'");
  });

  test('fails on label files that are not plain files or carry line breaks', () => {
    expect(() => new TritonModelConfig(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2], labelFilename: 'config.pbtxt' }] })))
      .toThrow(/labelFilename' must be a plain file name in the model folder, other than config.pbtxt/);
    expect(() => new TritonModelConfig(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2], labels: ['a\nb'] }] })))
      .toThrow(/labels without line breaks/);
  });

  test('fails on a label file named like a folder Triton reads in the model folder: a version, warmup, initial_state', () => {
    const labelled = (labelFilename: string) => () => new TritonModelConfig(simple({ outputs: [{ name: 'y', dataType: TensorDataType.FP32, dims: [2], labels: ['a', 'b'], labelFilename }] }));
    expect(labelled('1')).toThrow("'model[m].outputs[y].labelFilename' must be a plain file name in the model folder, other than config.pbtxt and the names of the folders " +
      "Triton reads there (version folders, all digits; 'warmup'; 'initial_state'), got '1': name it like 'labels.txt'");
    for (const name of ['0', '20240101', 'warmup', 'initial_state']) expect(labelled(name)).toThrow(/labelFilename' must be a plain file name in the model folder/);
    for (const name of ['labels1.txt', '1.txt', 'warmup.txt']) expect(labelled(name)).not.toThrow();
  });

  test('takes version 0, which Triton loads from a folder named 0, in specific policies and ensemble steps; -1 stays the latest', () => {
    expect(render(simple({ versionPolicy: ModelVersionPolicy.specific([1, 0]) }))).toContain('specific {\n    versions: [ 0, 1 ]');
    expect(ModelVersionPolicy.specific([0]).select([0, 1])).toEqual([0]);
    expect(() => ModelVersionPolicy.specific([-1])).toThrow("'ModelVersionPolicy.specific(versions)' must be an integer >= 0, got -1");
    const pipeline = (modelVersion: number) => ({
      name: 'pipeline',
      platform: ModelPlatform.ENSEMBLE,
      inputs: [{ name: 'RAW', dataType: TensorDataType.UINT8, dims: [-1] }],
      outputs: [{ name: 'SCORES', dataType: TensorDataType.FP32, dims: [1000] }],
      ensembleSteps: [{ modelName: 'resnet50', modelVersion, inputMap: { INPUT__0: 'RAW' }, outputMap: { OUTPUT__0: 'SCORES' } }],
    });
    expect(render(pipeline(0))).toContain('model_version: 0');
    expect(render(pipeline(-1))).toContain('model_version: -1');
    expect(() => new TritonModelConfig(pipeline(-2)))
      .toThrow("'model[pipeline].ensembleSteps[0].modelVersion' must be an integer >= 0, got -2: use -1 (the default) for the latest version");
  });

  test('fails on a dataType on a boolean sequence control other than the type its false/true values give, which Triton takes instead', () => {
    const control = (extra: object) => () => new TritonModelConfig(simple({
      sequenceBatching: { controlInputs: [{ name: 'S', controls: [{ kind: SequenceControlKind.START, boolFalseTrue: [false, true], ...extra }] }] },
    }));
    expect(control({ dataType: TensorDataType.FP32 })).toThrow("'model[m].sequenceBatching.controls[CONTROL_SEQUENCE_START].dataType' must be unset or TYPE_BOOL on a START, END or READY " +
      "control, whose type Triton takes from its false/true values (it ignores data_type there), got 'TYPE_FP32': drop dataType: int32FalseTrue gives TYPE_INT32, " +
      'fp32FalseTrue TYPE_FP32, boolFalseTrue TYPE_BOOL');
    // The type the values give is harmless: as earlier docs asked for it.
    expect(control({ dataType: TensorDataType.BOOL })).not.toThrow();
  });

  test('fails on a vLLM model that batches, whatever the server\'s auto-complete setting: the backend batches itself', () => {
    const llm = (extra: Partial<TritonModelConfigProps>) => () => new TritonModelConfig({
      name: 'llama', platform: ModelPlatform.VLLM, decoupled: true, inputs: VllmTensors.inputs(), outputs: VllmTensors.outputs(), ...extra,
    });
    expect(llm({ maxBatchSize: 8 })).toThrow("'model[llama].maxBatchSize' must be 0 or unset with the vllm backend: its auto-complete sets 0 and refuses more, " +
      'and a config loaded as written with a batch dimension fails every request (the prompt reaches the backend as an array), got 8: leave it unset: ' +
      'vLLM batches requests itself (vllmEngineArgs.maxNumSeqs)');
    expect(llm({ platform: ModelPlatform.custom('vllm'), maxBatchSize: 1, inputs: undefined, outputs: undefined })).toThrow(/'model\[llama\]\.maxBatchSize' must be 0 or unset/);
    expect(llm({ maxBatchSize: 0 })).not.toThrow();
    expect(llm({})).not.toThrow();
    // Other backends that batch themselves are not judged here.
    expect(() => new TritonModelConfig(simple({ platform: ModelPlatform.TENSORRT_LLM, maxBatchSize: 64 }))).not.toThrow();
  });

  test('fails on a vLLM text_input that is no string of one dimension, or a text_output of another type than TYPE_STRING', () => {
    const llm = (inputs = VllmTensors.inputs(), outputs = VllmTensors.outputs()) => () =>
      new TritonModelConfig({ name: 'llama', platform: ModelPlatform.VLLM, decoupled: true, inputs, outputs });
    const withInput = (t: object) => VllmTensors.inputs().map((i) => (i.name === 'text_input' ? { ...i, ...t } : i));
    expect(llm(withInput({ dataType: TensorDataType.UINT8 }))).toThrow("'model[llama].inputs[text_input]' must be TYPE_STRING of one dimension (dims [1]): " +
      "the vllm backend takes its first element's bytes as the prompt, got 'TYPE_UINT8 [1]': declare it as VllmTensors.inputs() does");
    expect(llm(withInput({ dims: [1, 1] }))).toThrow(/inputs\[text_input\]' must be TYPE_STRING of one dimension .*, got 'TYPE_STRING \[1, 1\]'/);
    expect(llm(withInput({ reshape: [1, 1] }))).toThrow(/got 'TYPE_STRING \[1, 1\]'/);
    expect(llm(withInput({ dims: [-1] }))).not.toThrow();
    const outputs = VllmTensors.outputs().map((o) => (o.name === 'text_output' ? { ...o, dataType: TensorDataType.UINT8 } : o));
    expect(llm(undefined, outputs)).toThrow("'model[llama].outputs[text_output].dataType' must be TYPE_STRING: the vllm backend returns the generated text in it " +
      "as UTF-8 bytes, got 'TYPE_UINT8': declare it as VllmTensors.outputs() does");
    // Other backends name their tensors as they like.
    expect(() => new TritonModelConfig(simple({ inputs: [{ name: 'text_input', dataType: TensorDataType.FP32, dims: [2, 2] }] }))).not.toThrow();
  });

  test('fails on bad version policies, backends and warmup files', () => {
    expect(() => ModelVersionPolicy.specific([])).toThrow("'ModelVersionPolicy.specific(versions)' must be at least one version, got []");
    expect(() => ModelVersionPolicy.specific([2, 2])).toThrow(/^'ModelVersionPolicy\.specific\(versions\)' must be distinct versions, got \[2,2\]$/);
    expect(() => ModelVersionPolicy.specific([1.5])).toThrow(/^'ModelVersionPolicy\.specific\(versions\)' must be an integer >= 0, got 1\.5$/);
    // A hole from a JS caller is not a version either.
    expect(() => ModelVersionPolicy.specific([1, undefined as any])).toThrow(/^'ModelVersionPolicy\.specific\(versions\)' must be an integer >= 0, got/);
    expect(ModelVersionPolicy.specific([3, 0, 1]).versions).toEqual([0, 1, 3]);
    expect(() => ModelVersionPolicy.latest(0)).toThrow(/must be an integer >= 1, got 0/);
    expect(() => ModelPlatform.custom('My Backend')).toThrow(/must be a backend name/);
    expect(() => WarmupData.fromFile('../etc/passwd')).toThrow(/must be a plain file name/);
    expect(() => SequenceBatchingStrategy.direct({ minimumSlotUtilization: 2 })).toThrow(/between 0 and 1/);
  });
});
