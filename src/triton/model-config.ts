import { Duration } from 'cdk8s';
import { PbInt, PbMessage } from './_pbtxt';
import { checkModelVersion, sortedModelVersions } from './_versions';
import { checkInteger, checkRequiredInteger, MAX_INT32, propError } from '../_errors';
import { COMPUTE_CAPABILITY } from '../_names';
import { snapshot } from '../_snapshot';

/** Tensor element types of Triton's model configuration (`DataType`, rendered as `TYPE_*`). */
export enum TensorDataType {
  /** `TYPE_BOOL`. */
  BOOL = 'TYPE_BOOL',
  /** `TYPE_UINT8`. */
  UINT8 = 'TYPE_UINT8',
  /** `TYPE_UINT16`. */
  UINT16 = 'TYPE_UINT16',
  /** `TYPE_UINT32`. */
  UINT32 = 'TYPE_UINT32',
  /** `TYPE_UINT64`. */
  UINT64 = 'TYPE_UINT64',
  /** `TYPE_INT8`. */
  INT8 = 'TYPE_INT8',
  /** `TYPE_INT16`. */
  INT16 = 'TYPE_INT16',
  /** `TYPE_INT32`. */
  INT32 = 'TYPE_INT32',
  /** `TYPE_INT64`. */
  INT64 = 'TYPE_INT64',
  /** `TYPE_FP16`. */
  FP16 = 'TYPE_FP16',
  /** `TYPE_FP32`. */
  FP32 = 'TYPE_FP32',
  /** `TYPE_FP64`. */
  FP64 = 'TYPE_FP64',
  /** `TYPE_STRING` (bytes). */
  STRING = 'TYPE_STRING',
  /** `TYPE_BF16`. */
  BF16 = 'TYPE_BF16',
}

/** Where the instances of an instance group run (`ModelInstanceGroup.Kind`). */
export enum InstanceGroupKind {
  /** `KIND_AUTO`: on GPUs when the listed (or any) GPUs exist, else on CPU. */
  AUTO = 'KIND_AUTO',
  /** `KIND_GPU`: on GPUs. */
  GPU = 'KIND_GPU',
  /** `KIND_CPU`: on CPU (not on a TensorRT model: its backend runs on GPUs only). */
  CPU = 'KIND_CPU',
  /** `KIND_MODEL`: the backend places the instances itself. */
  MODEL = 'KIND_MODEL',
}

/** Layout of an image input (`ModelInput.Format`). */
export enum InputFormat {
  /** `FORMAT_NONE`. */
  NONE = 'FORMAT_NONE',
  /** `FORMAT_NHWC`. */
  NHWC = 'FORMAT_NHWC',
  /** `FORMAT_NCHW`. */
  NCHW = 'FORMAT_NCHW',
}

/** What the dynamic batcher does with a request that timed out in the queue (`ModelQueuePolicy.TimeoutAction`). */
export enum QueueTimeoutAction {
  /** `REJECT`: fail the request. */
  REJECT = 'REJECT',
  /** `DELAY`: keep it, behind the requests that have not timed out. */
  DELAY = 'DELAY',
}

/** The control signals the sequence batcher feeds a stateful model (`ModelSequenceBatching.Control.Kind`). */
export enum SequenceControlKind {
  /** `CONTROL_SEQUENCE_START`. */
  START = 'CONTROL_SEQUENCE_START',
  /** `CONTROL_SEQUENCE_READY`. */
  READY = 'CONTROL_SEQUENCE_READY',
  /** `CONTROL_SEQUENCE_END`. */
  END = 'CONTROL_SEQUENCE_END',
  /** `CONTROL_SEQUENCE_CORRID`: the correlation id. */
  CORRID = 'CONTROL_SEQUENCE_CORRID',
}

/** Priority of a model's instances against other models (`ModelOptimizationPolicy.ModelPriority`). */
export enum ModelPriority {
  /** `PRIORITY_DEFAULT`. */
  DEFAULT = 'PRIORITY_DEFAULT',
  /** `PRIORITY_MAX`. */
  MAX = 'PRIORITY_MAX',
  /** `PRIORITY_MIN`. */
  MIN = 'PRIORITY_MIN',
}

/**
 * What executes a model: a Triton platform (`platform:`) or a backend (`backend:`).
 */
export class ModelPlatform {
  /** TorchScript on the PyTorch (LibTorch) backend; artifact `model.pt`. */
  public static readonly PYTORCH_LIBTORCH = new ModelPlatform('pytorch_libtorch', undefined, 'model.pt');
  /** ONNX on the ONNX Runtime backend; artifact `model.onnx`. */
  public static readonly ONNXRUNTIME_ONNX = new ModelPlatform('onnxruntime_onnx', undefined, 'model.onnx');
  /** A serialized TensorRT engine; artifact `model.plan`. */
  public static readonly TENSORRT_PLAN = new ModelPlatform('tensorrt_plan', undefined, 'model.plan');
  /**
   * A TensorFlow SavedModel; artifact directory `model.savedmodel`. NGC Triton images have no TensorFlow backend
   * from 25.03 on (the default image included): serve it with 25.02 or an image built with that backend.
   */
  public static readonly TENSORFLOW_SAVEDMODEL = new ModelPlatform('tensorflow_savedmodel', undefined, 'model.savedmodel');
  /** A pipeline of other models in the same repository; no artifact, `ensembleSteps` required. */
  public static readonly ENSEMBLE = new ModelPlatform('ensemble', undefined, undefined);
  /** The Python backend; artifact `model.py`. */
  public static readonly PYTHON = new ModelPlatform(undefined, 'python', 'model.py');
  /**
   * vLLM (`backend: "vllm"`), which NGC ships only in its `<yy.mm>-vllm-python-py3` images. It needs
   * `decoupled: true` (or auto-complete) and, as written, its inputs and outputs (`VllmTensors`), batches requests
   * itself (leave `maxBatchSize` unset), and reads vLLM's
   * engine arguments from `model.json` in the version folder (typed as the repository model's `vllmEngineArgs`, or
   * published with the artifacts; its `model` is a path in the pod or a Hugging Face id); a model spread over several
   * GPUs (`tensor_parallel_size` above 1)
   * takes KIND_MODEL instances, and on a server of several GPUs its instance groups are stated (Triton's default
   * KIND_GPU instance per GPU fails tensor parallelism). The same as `ModelPlatform.custom('vllm')`.
   */
  public static readonly VLLM = new ModelPlatform(undefined, 'vllm', undefined);
  /**
   * TensorRT-LLM (`backend: "tensorrtllm"`), which NGC ships only in its `<yy.mm>-trtllm-python-py3` images; it
   * batches requests itself. An engine over several GPUs of the pod runs in the backend's orchestrator mode: set
   * `TRTLLM_ORCHESTRATOR: 1` in `env`, and the one tritonserver starts the engine's MPI workers itself (the
   * `gpu_device_ids` parameter picks the GPUs). An `mpirun` `command` would start every rank's tritonserver with
   * the same flags (ports, shared-memory prefix) in one pod, where the backend's `launch_triton_server.py` gives
   * each rank its own. The same as `ModelPlatform.custom('tensorrtllm')`.
   */
  public static readonly TENSORRT_LLM = new ModelPlatform(undefined, 'tensorrtllm', undefined);

  /**
   * Any other backend by name (`backend: "<name>"`), e.g. `fil`, `openvino`, `onnxruntime`, or a custom one
   * (`ModelPlatform.VLLM` and `TENSORRT_LLM` name the LLM backends).
   */
  public static custom(backend: string): ModelPlatform {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(backend)) {
      throw propError('ModelPlatform.custom(backend)', "a backend name such as 'vllm' or 'openvino' (lowercase letters, digits, _ . -)", backend);
    }
    return new ModelPlatform(undefined, backend, undefined);
  }

  private constructor(
    /** The `platform` value, when this is a platform. */
    public readonly platform: string | undefined,
    /** The `backend` value, when this is a backend. */
    public readonly backend: string | undefined,
    /** The file or directory Triton looks for in each version folder by default. */
    public readonly defaultModelFilename: string | undefined,
  ) {}

  /** Whether this is the ensemble platform. */
  public get isEnsemble(): boolean {
    return this.platform === 'ensemble';
  }

  /** The `platform` or `backend` value, as messages name it. @internal */
  public get _name(): string {
    return (this.platform ?? this.backend)!;
  }

  /**
   * The backend that runs the model: `backend`, or the one Triton maps the platform to (`tensorflow_*` →
   * `tensorflow`, ...); none for an ensemble.
   * @internal
   */
  public get _runtime(): string | undefined {
    return this.backend ?? (this.platform && PLATFORM_BACKENDS[this.platform]);
  }
}

/** The types a correlation id control may have (core's ValidateModelConfig). */
const CORRID_TYPES: string[] = [TensorDataType.UINT64, TensorDataType.INT64, TensorDataType.UINT32, TensorDataType.INT32, TensorDataType.STRING];

/** Triton's platform → backend mapping (core `backend_model.cc`), for the platforms a config may name. */
const PLATFORM_BACKENDS: Record<string, string> = {
  tensorrt_plan: 'tensorrt',
  tensorflow_savedmodel: 'tensorflow',
  tensorflow_graphdef: 'tensorflow',
  onnxruntime_onnx: 'onnxruntime',
  pytorch_libtorch: 'pytorch',
};

/** Which versions of a model Triton serves (`version_policy`). */
export class ModelVersionPolicy {
  /** The highest `numVersions` versions present (Triton's default is the latest one). */
  public static latest(numVersions: number = 1): ModelVersionPolicy {
    checkInteger('ModelVersionPolicy.latest(numVersions)', numVersions, 1, MAX_UINT32);
    return new ModelVersionPolicy('latest', numVersions, undefined);
  }

  /** Every version present. */
  public static all(): ModelVersionPolicy {
    return new ModelVersionPolicy('all', undefined, undefined);
  }

  /** Exactly these versions (each 0 or above, as version folders are named); each must be present in the repository. */
  public static specific(versions: number[]): ModelVersionPolicy {
    return new ModelVersionPolicy('specific', undefined, sortedModelVersions('ModelVersionPolicy.specific(versions)', versions, 'at least one version'));
  }

  private constructor(
    /** `latest`, `all` or `specific`. */
    public readonly kind: string,
    /** For `latest`: how many versions. */
    public readonly numVersions: number | undefined,
    /** For `specific`: the versions. */
    public readonly versions: number[] | undefined,
  ) {}

  /** The versions this policy serves out of the ones present, highest first for `latest`, ascending otherwise. */
  public select(present: number[]): number[] {
    const sorted = [...new Set(present)].sort((a, b) => a - b);
    if (this.kind === 'all') return sorted;
    if (this.kind === 'specific') return sorted.filter((v) => this.versions!.includes(v));
    return sorted.slice(Math.max(0, sorted.length - this.numVersions!));
  }

  /** @internal */
  public _toPb(): PbMessage {
    const m = new PbMessage();
    if (this.kind === 'latest') m.message('latest', new PbMessage().int('num_versions', this.numVersions, PbInt.UINT32));
    else if (this.kind === 'all') m.message('all', new PbMessage());
    else m.message('specific', new PbMessage().ints('versions', this.versions, PbInt.INT64));
    return m;
  }
}

/** The data a warmup request sends for one input (the `input_data_type` oneof of `ModelWarmup.Input`). */
export class WarmupData {
  /** All zeros (`zero_data: true`). */
  public static readonly ZERO = new WarmupData('zero_data', undefined);
  /** Random values (`random_data: true`). */
  public static readonly RANDOM = new WarmupData('random_data', undefined);

  /** The contents of a file in the model's `warmup/` folder (`input_data_file`). */
  public static fromFile(fileName: string): WarmupData {
    if (!/^[A-Za-z0-9_.-]+$/.test(fileName) || fileName.startsWith('.')) {
      throw propError('WarmupData.fromFile(fileName)', 'a plain file name inside the model\'s warmup/ folder', fileName);
    }
    return new WarmupData('input_data_file', fileName);
  }

  private constructor(
    /** The oneof field set. */
    public readonly field: string,
    /** The file name, for `fromFile`. */
    public readonly fileName: string | undefined,
  ) {}
}

/** Options of the direct sequence batching strategy. */
export interface DirectStrategyOptions {
  /**
   * How long a batch may wait for more sequences, until `minimumSlotUtilization` of its slots are ready. Triton
   * ignores it while `minimumSlotUtilization` is 0, so it needs that set above 0.
   * @default - Duration.millis(0), no delay
   */
  readonly maxQueueDelay?: Duration;
  /**
   * Fraction of batch slots (0 to 1) that must be ready before a batch runs ahead of `maxQueueDelay`.
   * @default - 0: a batch runs as soon as one slot is ready
   */
  readonly minimumSlotUtilization?: number;
}

/** Options of the oldest-first sequence batching strategy. */
export interface OldestStrategyOptions {
  /**
   * Most sequences the batcher keeps as candidates; more wait in a backlog.
   * @default - Triton's default: maxBatchSize (at least 1)
   */
  readonly maxCandidateSequences?: number;
  /**
   * Batch sizes to aim for, each within 1..maxBatchSize.
   * @default - none
   */
  readonly preferredBatchSizes?: number[];
  /**
   * How long a batch may wait to reach a preferred size.
   * @default - Duration.millis(0), no delay
   */
  readonly maxQueueDelay?: Duration;
  /**
   * Return responses in the order the requests arrived.
   * @default false
   */
  readonly preserveOrdering?: boolean;
}

/** How the sequence batcher batches sequences (the `strategy_choice` oneof). */
export class SequenceBatchingStrategy {
  /** Each sequence keeps one batch slot for its lifetime (`direct`). */
  public static direct(options: DirectStrategyOptions = {}): SequenceBatchingStrategy {
    options = snapshot(options);
    const u = options.minimumSlotUtilization;
    if (u !== undefined && !(u >= 0 && u <= 1)) throw propError('minimumSlotUtilization', 'a number between 0 and 1', u);
    return new SequenceBatchingStrategy('direct', options, undefined);
  }

  /** Batches the oldest requests of up to `maxCandidateSequences` sequences (`oldest`). */
  public static oldest(options: OldestStrategyOptions = {}): SequenceBatchingStrategy {
    options = snapshot(options);
    checkInteger('maxCandidateSequences', options.maxCandidateSequences, 1);
    return new SequenceBatchingStrategy('oldest', undefined, options);
  }

  private constructor(
    /** `direct` or `oldest`. */
    public readonly kind: string,
    /** For `direct`. */
    public readonly directOptions: DirectStrategyOptions | undefined,
    /** For `oldest`. */
    public readonly oldestOptions: OldestStrategyOptions | undefined,
  ) {}
}

/** One input or output tensor's shape and type, shared by inputs and outputs. */
export interface ModelTensor {
  /** Tensor name, as the framework model names it (e.g. `INPUT__0` for TorchScript). */
  readonly name: string;
  /** Element type. */
  readonly dataType: TensorDataType;
  /** Shape without the batch dimension; -1 for a variable-size dimension. */
  readonly dims: number[];
  /**
   * The shape the framework model sees, when it differs from `dims` (`reshape`); `[]` reshapes to a scalar.
   * @default - no reshape
   */
  readonly reshape?: number[];
  /**
   * The tensor is a shape tensor (TensorRT).
   * @default false
   */
  readonly isShapeTensor?: boolean;
}

/** A model input (`ModelInput`). */
export interface ModelInput extends ModelTensor {
  /**
   * Image layout hint.
   * @default - not set (FORMAT_NONE)
   */
  readonly format?: InputFormat;
  /**
   * Requests may leave this input out.
   * @default false
   */
  readonly optional?: boolean;
  /**
   * Batch requests whose shapes differ in this input (ragged batching).
   * @default false
   */
  readonly allowRaggedBatch?: boolean;
}

/** A model output (`ModelOutput`). */
export interface ModelOutput extends ModelTensor {
  /**
   * Name of a classification label file in the model folder (`label_filename`). With `labels`, the repository
   * writes the file from its ConfigMap; without, the file must be part of the model's artifacts. Not `config.pbtxt`,
   * nor a name of the folders Triton reads there: all digits (version folders), `warmup`, `initial_state`.
   * @default - 'labels.txt' when `labels` is set, else no label file
   */
  readonly labelFilename?: string;
  /**
   * The labels, one per class, written to `labelFilename` in the model folder.
   * @default - none
   */
  readonly labels?: string[];
}

/** A resource an instance needs from the rate limiter (`ModelRateLimiter.Resource`). */
export interface RateLimiterResource {
  /** Resource name. */
  readonly name: string;
  /** Units one execution needs. */
  readonly count: number;
  /**
   * The resource is shared by all devices, not per device.
   * @default false
   */
  readonly global?: boolean;
}

/** Rate limiting of an instance group (`ModelRateLimiter`); active with `--rate-limit=execution_count`. */
export interface ModelRateLimiter {
  /**
   * Resources an execution needs.
   * @default - none
   */
  readonly resources?: RateLimiterResource[];
  /**
   * Weight of the instances against others competing for resources; higher runs less often.
   * @default - 0 (treated as 1)
   */
  readonly priority?: number;
}

/** A group of identical model instances (`ModelInstanceGroup`). */
export interface ModelInstanceGroup {
  /**
   * Group name.
   * @default - Triton names it `<model>_<index>`
   */
  readonly name?: string;
  /**
   * Where the instances run.
   * @default InstanceGroupKind.GPU
   */
  readonly kind?: InstanceGroupKind;
  /**
   * Instances per listed GPU (or in total for CPU). Two instances on one GPU overlap transfers and compute.
   * @default 1
   */
  readonly count?: number;
  /**
   * CUDA device indices inside the container, each below the GPU count the server gets.
   * @default - every GPU the server gets
   */
  readonly gpus?: number[];
  /**
   * Rate limiter settings.
   * @default - none
   */
  readonly rateLimiter?: ModelRateLimiter;
  /**
   * TensorRT optimization profiles the instances use, by index (`'0'`, `'1'` ...); TensorRT models only.
   * @default - all profiles
   */
  readonly profiles?: string[];
  /**
   * Load the instances but do not schedule requests on them.
   * @default false
   */
  readonly passive?: boolean;
  /**
   * Host policy name (`host_policy`).
   * @default - derived from the device
   */
  readonly hostPolicy?: string;
}

/** A queue policy of the dynamic batcher (`ModelQueuePolicy`). */
export interface ModelQueuePolicy {
  /**
   * What happens to a request that timed out.
   * @default QueueTimeoutAction.REJECT
   */
  readonly timeoutAction?: QueueTimeoutAction;
  /**
   * How long a request may wait in the queue (`default_timeout_microseconds`).
   * @default - no timeout
   */
  readonly defaultTimeout?: Duration;
  /**
   * Requests may set a shorter timeout of their own.
   * @default false
   */
  readonly allowTimeoutOverride?: boolean;
  /**
   * Most requests queued; more are rejected. 0 is no limit.
   * @default - unlimited
   */
  readonly maxQueueSize?: number;
}

/** The queue policy of one priority level. */
export interface PriorityQueuePolicy {
  /** The priority level, 1 to `priorityLevels`. */
  readonly priorityLevel: number;
  /** Its policy. */
  readonly policy: ModelQueuePolicy;
}

/** The dynamic batcher (`ModelDynamicBatching`): groups independent requests into batches. */
export interface ModelDynamicBatching {
  /**
   * Batch sizes to aim for, each within 1..maxBatchSize.
   * @default - Triton picks (a batch as large as possible)
   */
  readonly preferredBatchSizes?: number[];
  /**
   * How long a request may wait for a batch to fill (`max_queue_delay_microseconds`).
   * @default - Duration.millis(0), no delay
   */
  readonly maxQueueDelay?: Duration;
  /**
   * Return responses in the order requests arrived. Triton allows it with one priority level only, and with no
   * queue policy that delays timed-out requests (`QueueTimeoutAction.DELAY`).
   * @default false
   */
  readonly preserveOrdering?: boolean;
  /**
   * Number of priority levels (1 is the highest priority).
   * @default - no priorities
   */
  readonly priorityLevels?: number;
  /**
   * Priority of requests that set none.
   * @default - the lowest level when priorityLevels is set
   */
  readonly defaultPriorityLevel?: number;
  /**
   * Queue policy of every level without its own.
   * @default - no timeout, unlimited queue
   */
  readonly defaultQueuePolicy?: ModelQueuePolicy;
  /**
   * Queue policies of single priority levels.
   * @default - none
   */
  readonly priorityQueuePolicies?: PriorityQueuePolicy[];
}

/** One control signal fed to a control input (`ModelSequenceBatching.Control`). */
export interface SequenceControl {
  /** The signal. */
  readonly kind: SequenceControlKind;
  /**
   * Element type of the correlation id tensor: CORRID only, where it is required (TYPE_UINT64, TYPE_INT64,
   * TYPE_UINT32, TYPE_INT32 or TYPE_STRING). A START, END or READY control takes its type from its false/true values
   * (`int32FalseTrue` TYPE_INT32, `fp32FalseTrue` TYPE_FP32, `boolFalseTrue` TYPE_BOOL); Triton ignores
   * `data_type` there, so another type is refused.
   * @default - none: required for CORRID; on START, END and READY unset or the type of the false/true values
   */
  readonly dataType?: TensorDataType;
  /**
   * Int32 values for false and true (exactly two).
   * @default - none
   */
  readonly int32FalseTrue?: number[];
  /**
   * FP32 values for false and true (exactly two).
   * @default - none
   */
  readonly fp32FalseTrue?: number[];
  /**
   * Bool values for false and true (exactly two).
   * @default - none
   */
  readonly boolFalseTrue?: boolean[];
}

/** An input tensor that carries sequence control signals (`ModelSequenceBatching.ControlInput`). */
export interface SequenceControlInput {
  /** Tensor name. */
  readonly name: string;
  /** The signals it carries. */
  readonly controls: SequenceControl[];
}

/** The sequence batcher (`ModelSequenceBatching`) for stateful models. */
export interface ModelSequenceBatching {
  /**
   * The batching strategy.
   * @default SequenceBatchingStrategy.direct()
   */
  readonly strategy?: SequenceBatchingStrategy;
  /**
   * How long a sequence may be idle before Triton ends it.
   * @default - Triton's default (1 second)
   */
  readonly maxSequenceIdle?: Duration;
  /**
   * Control inputs.
   * @default - none
   */
  readonly controlInputs?: SequenceControlInput[];
  /**
   * The model processes sequences iteratively (decoupled LLM-style).
   * @default false
   */
  readonly iterativeSequence?: boolean;
}

/** One step of an ensemble (`ModelEnsembling.Step`). */
export interface EnsembleStep {
  /** Name of a model in the same repository. */
  readonly modelName: string;
  /**
   * Version of it to run: one it serves (0 or above), or -1 for the latest version it serves.
   * @default -1 - the latest version served
   */
  readonly modelVersion?: number;
  /** Inputs of the step's model, keyed by its input name, valued by ensemble tensor name. */
  readonly inputMap: Record<string, string>;
  /** Outputs of the step's model, keyed by its output name, valued by ensemble tensor name. */
  readonly outputMap: Record<string, string>;
}

/** An execution accelerator (`ModelOptimizationPolicy.ExecutionAccelerators.Accelerator`). */
export interface ExecutionAccelerator {
  /** Accelerator name, e.g. `tensorrt`, `openvino`, `cuda`. */
  readonly name: string;
  /**
   * Accelerator parameters, e.g. `{ precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' }`.
   * @default - none
   */
  readonly parameters?: Record<string, string>;
}

/** Optimization settings (`ModelOptimizationPolicy`). */
export interface ModelOptimization {
  /**
   * Capture CUDA graphs (TensorRT, PyTorch).
   * @default false
   */
  readonly cudaGraphs?: boolean;
  /**
   * Busy-wait on CUDA events (lower latency, more CPU).
   * @default false
   */
  readonly cudaBusyWaitEvents?: boolean;
  /**
   * Copy outputs on a separate CUDA stream.
   * @default false
   */
  readonly cudaOutputCopyStream?: boolean;
  /**
   * Graph optimization level (TensorFlow, ONNX Runtime).
   * @default - the backend's default
   */
  readonly graphLevel?: number;
  /**
   * Priority of the model's instances.
   * @default ModelPriority.DEFAULT
   */
  readonly priority?: ModelPriority;
  /**
   * Accelerators for GPU instances, in order (e.g. TensorRT for ONNX Runtime).
   * @default - none
   */
  readonly gpuExecutionAccelerators?: ExecutionAccelerator[];
  /**
   * Accelerators for CPU instances, in order (e.g. OpenVINO).
   * @default - none
   */
  readonly cpuExecutionAccelerators?: ExecutionAccelerator[];
  /**
   * Stage inputs in pinned host memory.
   * @default - Triton's default (true)
   */
  readonly inputPinnedMemory?: boolean;
  /**
   * Stage outputs in pinned host memory.
   * @default - Triton's default (true)
   */
  readonly outputPinnedMemory?: boolean;
  /**
   * Byte size from which inputs are gathered with a CUDA kernel.
   * @default - 0, never
   */
  readonly gatherKernelBufferThreshold?: number;
  /**
   * Start the next batch before the previous one finished.
   * @default false
   */
  readonly eagerBatching?: boolean;
}

/** One input of a warmup request (`ModelWarmup.Input`). */
export interface WarmupInput {
  /** Element type. */
  readonly dataType: TensorDataType;
  /** Shape without the batch dimension; no -1. */
  readonly dims: number[];
  /**
   * The data sent.
   * @default WarmupData.ZERO
   */
  readonly data?: WarmupData;
}

/** A warmup request Triton runs before the model reports ready (`ModelWarmup`). */
export interface ModelWarmup {
  /** Name of the warmup. */
  readonly name: string;
  /**
   * Batch size of the request, 1..maxBatchSize.
   * @default 1
   */
  readonly batchSize?: number;
  /** Inputs by name: the model's inputs, and the sequence control tensors for a stateful model. */
  readonly inputs: Record<string, WarmupInput>;
  /**
   * How many times the request runs.
   * @default 1
   */
  readonly count?: number;
}

/** A Triton model configuration: what `config.pbtxt` says, in the words of `model_config.proto`. */
export interface TritonModelConfigProps {
  /** Model name: the folder name in the repository and the name clients call. */
  readonly name: string;
  /** The platform or backend that runs it. */
  readonly platform: ModelPlatform;
  /**
   * Largest batch the model accepts; 0 when the model does not batch (dims then include the batch dimension). A
   * backend that batches itself takes 0: the vllm backend refuses more.
   * @default 0
   */
  readonly maxBatchSize?: number;
  /**
   * Input tensors.
   * @default - none (required unless the server auto-completes configs)
   */
  readonly inputs?: ModelInput[];
  /**
   * Output tensors.
   * @default - none (required unless the server auto-completes configs)
   */
  readonly outputs?: ModelOutput[];
  /**
   * Instance groups.
   * @default - one instance on every GPU the server gets
   */
  readonly instanceGroups?: ModelInstanceGroup[];
  /**
   * Dynamic batching. At most one of dynamicBatching, sequenceBatching and ensembleSteps.
   * @default - no batching across requests
   */
  readonly dynamicBatching?: ModelDynamicBatching;
  /**
   * Sequence batching, for stateful models.
   * @default - none
   */
  readonly sequenceBatching?: ModelSequenceBatching;
  /**
   * The steps of an ensemble (`ensemble_scheduling`); requires ModelPlatform.ENSEMBLE.
   * @default - none
   */
  readonly ensembleSteps?: EnsembleStep[];
  /**
   * Optimization settings; not for an ensemble, which runs no model of its own.
   * @default - the backend's defaults
   */
  readonly optimization?: ModelOptimization;
  /**
   * Warmup requests; not for an ensemble (warm up the models of its steps).
   * @default - none
   */
  readonly warmup?: ModelWarmup[];
  /**
   * Which versions are served.
   * @default ModelVersionPolicy.latest(1)
   */
  readonly versionPolicy?: ModelVersionPolicy;
  /**
   * Backend parameters (`parameters { key: ... value: { string_value: ... } }`). A file a parameter names, such as
   * the Python backend's `EXECUTION_ENV_PATH` tarball, goes in a version folder (`$$TRITON_MODEL_DIRECTORY/1/env.tar.gz`):
   * only those are laid out from S3 copies and PVCs.
   * @default - none
   */
  readonly parameters?: Record<string, string>;
  /**
   * Cache responses of this model; the server needs a cache (`responseCacheSize`). Triton's cache serves the
   * default and dynamic batchers only: not with sequenceBatching, and not for decoupled models.
   * @default false
   */
  readonly responseCache?: boolean;
  /**
   * File name in each version folder, when not the platform's default.
   * @default - the platform's default (`model.pt`, `model.onnx`, `model.plan` ...)
   */
  readonly defaultModelFilename?: string;
  /**
   * The file to load on GPUs of a given CUDA compute capability (`cc_model_filenames`, e.g.
   * `{ '8.0': 'model_a100.plan', '8.9': 'model_l4.plan' }`), beside `defaultModelFilename` for the others. A TensorRT
   * plan runs only on the compute capability it was built for: a pool with GPUs of several needs one per
   * capability but one (a plan built with TensorRT's hardware compatibility mode may be named for each).
   * @default - none: every GPU loads `defaultModelFilename`
   */
  readonly ccModelFilenames?: Record<string, string>;
  /**
   * The model may send zero or several responses per request (`model_transaction_policy { decoupled: true }`).
   * @default false
   */
  readonly decoupled?: boolean;
}

const MODEL_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const MAX_UINT32 = 2 ** 32 - 1;
/** The largest finite float32. */
const MAX_FLOAT32 = 3.4028234663852886e38;

/**
 * A typed Triton model configuration, checked when it is created and rendered to `config.pbtxt` by `toPbtxt()`.
 *
 * Checks what Triton's model loader would refuse (and a few things it would silently accept but that are
 * certainly wrong): dims, batching against `maxBatchSize`, one scheduling kind, ensemble wiring, instance groups,
 * warmup shapes. Rules that need the whole repository or the server (GPU indices, ensemble members, memory) are
 * checked by TritonModelRepo and the Triton workloads.
 *
 * @example
 * const config = new TritonModelConfig({
 *   name: 'resnet50',
 *   platform: ModelPlatform.PYTORCH_LIBTORCH,
 *   maxBatchSize: 32,
 *   inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [3, 224, 224] }],
 *   outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000] }],
 *   instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 2, gpus: [0] }],
 *   dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: Duration.millis(100) },
 * });
 * config.toPbtxt();
 */
export class TritonModelConfig {
  /** Model name. */
  public readonly name: string;
  /** The platform or backend. */
  public readonly platform: ModelPlatform;
  /** Largest batch (0: not batching). */
  public readonly maxBatchSize: number;
  /** The version policy. */
  public readonly versionPolicy: ModelVersionPolicy;
  /** The configuration as given. */
  public readonly props: TritonModelConfigProps;

  public constructor(props: TritonModelConfigProps) {
    props = snapshot(props);
    this.props = props;
    this.name = props.name;
    this.platform = props.platform;
    this.maxBatchSize = props.maxBatchSize ?? 0;
    this.versionPolicy = props.versionPolicy ?? ModelVersionPolicy.latest(1);
    validate(props, this.maxBatchSize);
  }

  /**
   * The longest a batcher holds a request to form a batch, in microseconds (0 without a delay): the dynamic
   * batcher's or the sequence batcher's `maxQueueDelay`. Triton counts that wait as queue time.
   * @internal
   */
  public get _batchingDelayMicros(): number {
    const p = this.props;
    const strategy = p.sequenceBatching?.strategy;
    // Without a batch dimension the dynamic batcher's batches are full at one request: nothing waits.
    const dynamic = this.maxBatchSize > 0 ? p.dynamicBatching?.maxQueueDelay : undefined;
    const delays = [dynamic, strategy?.directOptions?.maxQueueDelay, strategy?.oldestOptions?.maxQueueDelay];
    return Math.max(0, ...delays.map((d) => micros(d) ?? 0));
  }

  /** The instance groups as Triton fills them in (one instance per GPU when none, or an empty list, are given); none for ensembles. */
  public get instanceGroups(): ModelInstanceGroup[] {
    if (this.platform.isEnsemble) return [];
    return this.props.instanceGroups?.length ? this.props.instanceGroups : [{ kind: InstanceGroupKind.GPU, count: 1 }];
  }

  /** The label files this config names, with their inline contents when given. */
  public get labelFiles(): LabelFile[] {
    const files: LabelFile[] = [];
    for (const o of this.props.outputs ?? []) {
      const fileName = o.labelFilename ?? (o.labels ? 'labels.txt' : undefined);
      if (fileName) files.push({ fileName, labels: o.labels });
    }
    return files;
  }

  /** Whether a warmup request reads a file of the model's `warmup/` folder (`WarmupData.fromFile`). @internal */
  public get _readsWarmupFiles(): boolean {
    return (this.props.warmup ?? []).some((w) => Object.values(w.inputs).some((input) => input.data?.fileName !== undefined));
  }

  /** Renders `config.pbtxt`. Deterministic: the same config always gives the same text. */
  public toPbtxt(): string {
    return this.toPb().render();
  }

  private toPb(): PbMessage {
    const p = this.props;
    const m = new PbMessage()
      .string('name', p.name)
      .string('platform', p.platform.platform)
      .string('backend', p.platform.backend)
      .int('max_batch_size', this.maxBatchSize);
    if (p.versionPolicy) m.message('version_policy', p.versionPolicy._toPb());
    m.messages('input', p.inputs?.map(inputPb))
      .messages('output', p.outputs?.map(outputPb))
      .messages('instance_group', p.instanceGroups?.map(instanceGroupPb))
      .message('dynamic_batching', p.dynamicBatching && dynamicBatchingPb(p.dynamicBatching))
      .message('sequence_batching', p.sequenceBatching && sequenceBatchingPb(p.sequenceBatching))
      .message('ensemble_scheduling', p.ensembleSteps && new PbMessage().messages('step', p.ensembleSteps.map(stepPb)))
      .message('optimization', p.optimization && optimizationPb(p.optimization))
      .messages('model_warmup', p.warmup?.map(warmupPb));
    m.messageMap('parameters', mapValues(p.parameters, (v) => new PbMessage().string('string_value', v)));
    if (p.responseCache) m.message('response_cache', new PbMessage().bool('enable', true));
    m.string('default_model_filename', p.defaultModelFilename);
    m.stringMap('cc_model_filenames', p.ccModelFilenames);
    if (p.decoupled) m.message('model_transaction_policy', new PbMessage().bool('decoupled', true));
    return m;
  }
}

/** A label file a model config names. */
export interface LabelFile {
  /** File name in the model folder. */
  readonly fileName: string;
  /**
   * Its lines, when given inline.
   * @default - the file comes with the model's artifacts
   */
  readonly labels?: string[];
}

/** A duration in microseconds, Triton's unit for delays and timeouts, before rounding (checkDelay wants it whole). */
function exactMicros(d: Duration): number {
  return d.toMilliseconds({ integral: false }) * 1000;
}

/** A duration in whole microseconds, as config.pbtxt takes it. */
function micros(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : Math.round(exactMicros(d));
}

function mapValues<T>(record: Record<string, string> | undefined, f: (v: string) => T): Record<string, T> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

function tensorPb(t: ModelTensor): PbMessage {
  return new PbMessage()
    .string('name', t.name)
    .enum('data_type', t.dataType)
    .ints('dims', t.dims, PbInt.INT64);
}

function reshapePb(m: PbMessage, t: ModelTensor): void {
  if (t.reshape) m.message('reshape', new PbMessage().ints('shape', t.reshape, PbInt.INT64));
  if (t.isShapeTensor) m.bool('is_shape_tensor', true);
}

function inputPb(i: ModelInput): PbMessage {
  const m = tensorPb(i).enum('format', i.format);
  reshapePb(m, i);
  if (i.allowRaggedBatch) m.bool('allow_ragged_batch', true);
  if (i.optional) m.bool('optional', true);
  return m;
}

function outputPb(o: ModelOutput): PbMessage {
  const m = tensorPb(o);
  reshapePb(m, o);
  return m.string('label_filename', o.labelFilename ?? (o.labels ? 'labels.txt' : undefined));
}

function instanceGroupPb(g: ModelInstanceGroup): PbMessage {
  const m = new PbMessage()
    .string('name', g.name)
    .enum('kind', g.kind ?? InstanceGroupKind.GPU)
    .int('count', g.count ?? 1)
    .ints('gpus', g.gpus);
  if (g.rateLimiter) {
    m.message('rate_limiter', new PbMessage()
      .messages('resources', g.rateLimiter.resources?.map((r) => new PbMessage()
        .string('name', r.name)
        .bool('global', r.global ? true : undefined)
        .int('count', r.count, PbInt.UINT32)))
      .int('priority', g.rateLimiter.priority, PbInt.UINT32));
  }
  m.strings('profile', g.profiles);
  if (g.passive) m.bool('passive', true);
  return m.string('host_policy', g.hostPolicy);
}

function queuePolicyPb(q: ModelQueuePolicy): PbMessage {
  return new PbMessage()
    .enum('timeout_action', q.timeoutAction)
    .int('default_timeout_microseconds', micros(q.defaultTimeout), PbInt.UINT64)
    .bool('allow_timeout_override', q.allowTimeoutOverride ? true : undefined)
    .int('max_queue_size', q.maxQueueSize, PbInt.UINT32);
}

function dynamicBatchingPb(d: ModelDynamicBatching): PbMessage {
  return new PbMessage()
    .ints('preferred_batch_size', d.preferredBatchSizes)
    .int('max_queue_delay_microseconds', micros(d.maxQueueDelay), PbInt.UINT64)
    .bool('preserve_ordering', d.preserveOrdering ? true : undefined)
    .int('priority_levels', d.priorityLevels, PbInt.UINT64)
    // Triton requires a default level in 1..priority_levels; the lowest priority unless one is given.
    .int('default_priority_level', d.defaultPriorityLevel ?? d.priorityLevels, PbInt.UINT64)
    .message('default_queue_policy', d.defaultQueuePolicy && queuePolicyPb(d.defaultQueuePolicy))
    .intKeyMap('priority_queue_policy', d.priorityQueuePolicies?.map((p) => [p.priorityLevel, queuePolicyPb(p.policy)]), PbInt.UINT64);
}

function sequenceBatchingPb(s: ModelSequenceBatching): PbMessage {
  const m = new PbMessage();
  const strategy = s.strategy;
  if (strategy?.kind === 'direct') {
    const o = strategy.directOptions!;
    m.message('direct', new PbMessage()
      .int('max_queue_delay_microseconds', micros(o.maxQueueDelay), PbInt.UINT64)
      .float('minimum_slot_utilization', o.minimumSlotUtilization));
  } else if (strategy?.kind === 'oldest') {
    const o = strategy.oldestOptions!;
    m.message('oldest', new PbMessage()
      .int('max_candidate_sequences', o.maxCandidateSequences)
      .ints('preferred_batch_size', o.preferredBatchSizes)
      .int('max_queue_delay_microseconds', micros(o.maxQueueDelay), PbInt.UINT64)
      .bool('preserve_ordering', o.preserveOrdering ? true : undefined));
  }
  return m
    .int('max_sequence_idle_microseconds', micros(s.maxSequenceIdle), PbInt.UINT64)
    .messages('control_input', s.controlInputs?.map((c) => new PbMessage()
      .string('name', c.name)
      .messages('control', c.controls.map((k) => new PbMessage()
        .enum('kind', k.kind)
        .ints('int32_false_true', k.int32FalseTrue)
        .floats('fp32_false_true', k.fp32FalseTrue)
        .bools('bool_false_true', k.boolFalseTrue)
        .enum('data_type', k.dataType)))))
    .bool('iterative_sequence', s.iterativeSequence ? true : undefined);
}

function stepPb(s: EnsembleStep): PbMessage {
  return new PbMessage()
    .string('model_name', s.modelName)
    .int('model_version', s.modelVersion ?? -1, PbInt.INT64)
    .stringMap('input_map', s.inputMap)
    .stringMap('output_map', s.outputMap);
}

function acceleratorPb(a: ExecutionAccelerator): PbMessage {
  return new PbMessage().string('name', a.name).stringMap('parameters', a.parameters);
}

function optimizationPb(o: ModelOptimization): PbMessage {
  const m = new PbMessage();
  if (o.graphLevel !== undefined) m.message('graph', new PbMessage().int('level', o.graphLevel));
  m.enum('priority', o.priority);
  const cuda = new PbMessage()
    .bool('graphs', o.cudaGraphs)
    .bool('busy_wait_events', o.cudaBusyWaitEvents)
    .bool('output_copy_stream', o.cudaOutputCopyStream);
  if (!cuda.isEmpty) m.message('cuda', cuda);
  if (o.gpuExecutionAccelerators?.length || o.cpuExecutionAccelerators?.length) {
    m.message('execution_accelerators', new PbMessage()
      .messages('gpu_execution_accelerator', o.gpuExecutionAccelerators?.map(acceleratorPb))
      .messages('cpu_execution_accelerator', o.cpuExecutionAccelerators?.map(acceleratorPb)));
  }
  if (o.inputPinnedMemory !== undefined) m.message('input_pinned_memory', new PbMessage().bool('enable', o.inputPinnedMemory));
  if (o.outputPinnedMemory !== undefined) m.message('output_pinned_memory', new PbMessage().bool('enable', o.outputPinnedMemory));
  return m
    .int('gather_kernel_buffer_threshold', o.gatherKernelBufferThreshold, PbInt.UINT32)
    .bool('eager_batching', o.eagerBatching);
}

function warmupPb(w: ModelWarmup): PbMessage {
  const inputs: Record<string, PbMessage> = {};
  for (const [name, i] of Object.entries(w.inputs)) {
    const data = i.data ?? WarmupData.ZERO;
    const m = new PbMessage().enum('data_type', i.dataType).ints('dims', i.dims, PbInt.INT64);
    if (data.fileName !== undefined) m.string(data.field, data.fileName);
    else m.bool(data.field, true);
    inputs[name] = m;
  }
  return new PbMessage()
    .string('name', w.name)
    .int('batch_size', w.batchSize ?? 1, PbInt.UINT32)
    .messageMap('inputs', inputs)
    .int('count', w.count, PbInt.UINT32);
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: the rules Triton's model loader applies, checked before a pod ever starts.

function validate(p: TritonModelConfigProps, maxBatchSize: number): void {
  const where = `model[${p.name}]`;
  if (!MODEL_NAME.test(p.name) || p.name === '.' || p.name === '..') {
    throw propError('name', 'a model name of letters, digits, _ . - (not starting with a dot, at most 200 characters)', p.name, 'it is the folder name in the repository and part of a ConfigMap key');
  }
  checkInteger(`${where}.maxBatchSize`, maxBatchSize, 0, MAX_INT32);
  const ensemble = p.platform.isEnsemble;

  if ((p.dynamicBatching ? 1 : 0) + (p.sequenceBatching ? 1 : 0) + (p.ensembleSteps ? 1 : 0) > 1) {
    const scheduling = [p.dynamicBatching && 'dynamicBatching', p.sequenceBatching && 'sequenceBatching', p.ensembleSteps && 'ensembleSteps'].filter((x) => !!x);
    throw propError(`${where}.scheduling`, 'at most one of dynamicBatching, sequenceBatching and ensembleSteps (a oneof in model_config.proto)', scheduling.join(' and '), 'keep the one this model needs');
  }
  if (ensemble && !p.ensembleSteps?.length) {
    throw propError(`${where}.ensembleSteps`, 'at least one step for ModelPlatform.ENSEMBLE', p.ensembleSteps ?? [], 'list the models the ensemble runs');
  }
  if (!ensemble && p.ensembleSteps) {
    throw propError(`${where}.ensembleSteps`, 'only set with ModelPlatform.ENSEMBLE', p.platform._name, 'use platform: ModelPlatform.ENSEMBLE');
  }
  if (ensemble && p.instanceGroups) {
    throw propError(`${where}.instanceGroups`, 'unset for an ensemble, which runs no instances of its own', p.instanceGroups.length, 'set instance groups on the models the steps run');
  }

  checkTensors(where, 'inputs', p.inputs ?? [], maxBatchSize, p.platform);
  checkTensors(where, 'outputs', p.outputs ?? [], maxBatchSize, p.platform);
  checkLabels(where, p.outputs ?? []);

  const d = p.dynamicBatching;
  if (d) {
    // With maxBatchSize 0 the batcher still queues (priorities, queue policies), one request at a time: Triton's
    // dynamic batch scheduler takes max(1, max_batch_size).
    checkPreferred(`${where}.dynamicBatching.preferredBatchSizes`, d.preferredBatchSizes, maxBatchSize);
    checkDelay(`${where}.dynamicBatching.maxQueueDelay`, d.maxQueueDelay);
    checkInteger(`${where}.dynamicBatching.priorityLevels`, d.priorityLevels, 1, Number.MAX_SAFE_INTEGER);
    const levels = d.priorityLevels;
    if (d.defaultPriorityLevel !== undefined) {
      if (levels === undefined) throw propError(`${where}.dynamicBatching.defaultPriorityLevel`, 'unset unless priorityLevels is set', d.defaultPriorityLevel);
      checkInteger(`${where}.dynamicBatching.defaultPriorityLevel`, d.defaultPriorityLevel, 1, levels);
    }
    if (d.defaultQueuePolicy) checkQueuePolicy(`${where}.dynamicBatching.defaultQueuePolicy`, d.defaultQueuePolicy);
    const seen = new Set<number>();
    for (const q of d.priorityQueuePolicies ?? []) {
      if (levels === undefined) throw propError(`${where}.dynamicBatching.priorityQueuePolicies`, 'unset unless priorityLevels is set', q.priorityLevel);
      checkInteger(`${where}.dynamicBatching.priorityQueuePolicies[].priorityLevel`, q.priorityLevel, 1, levels);
      if (seen.has(q.priorityLevel)) throw propError(`${where}.dynamicBatching.priorityQueuePolicies`, 'one policy per priority level', q.priorityLevel);
      seen.add(q.priorityLevel);
      checkQueuePolicy(`${where}.dynamicBatching.priorityQueuePolicies[${q.priorityLevel}]`, q.policy);
    }
    if (d.preserveOrdering) checkPreserveOrdering(`${where}.dynamicBatching`, d);
  }

  const s = p.sequenceBatching;
  if (s) {
    checkDelay(`${where}.sequenceBatching.maxSequenceIdle`, s.maxSequenceIdle);
    const oldest = s.strategy?.oldestOptions;
    if (oldest) {
      if (oldest.preferredBatchSizes?.length && maxBatchSize === 0) {
        throw propError(`${where}.maxBatchSize`, 'greater than 0 when sequenceBatching has preferred batch sizes', 0);
      }
      checkPreferred(`${where}.sequenceBatching.strategy.preferredBatchSizes`, oldest.preferredBatchSizes, maxBatchSize);
      checkDelay(`${where}.sequenceBatching.strategy.maxQueueDelay`, oldest.maxQueueDelay);
    }
    const direct = s.strategy?.directOptions;
    if (direct) {
      checkDelay(`${where}.sequenceBatching.strategy.maxQueueDelay`, direct.maxQueueDelay);
      if (micros(direct.maxQueueDelay) && !direct.minimumSlotUtilization) {
        throw propError(`${where}.sequenceBatching.strategy.maxQueueDelay`, 'unset unless minimumSlotUtilization is above 0 (Triton ignores the delay until then)',
          `${micros(direct.maxQueueDelay)}us`, 'set minimumSlotUtilization to the share of slots a batch waits for, or drop the delay');
      }
    }
    checkControls(where, s.controlInputs ?? []);
  }

  if (p.ensembleSteps) checkEnsemble(where, p);
  if (ensemble) {
    if (p.optimization) throw propError(`${where}.optimization`, 'unset for an ensemble (Triton refuses it there)', p.optimization, 'set optimization on the models the steps run');
    if (p.warmup) {
      throw propError(`${where}.warmup`, 'unset for an ensemble (Triton refuses it there)', p.warmup.map((w) => w.name).join(', '), 'warm up the models the steps run');
    }
  }
  if (p.platform._runtime === 'vllm') checkVllm(where, p, maxBatchSize);
  if (p.responseCache) {
    // The vllm backend's auto-complete makes the model decoupled when the config leaves it unset.
    const decoupled = p.decoupled || p.platform._runtime === 'vllm';
    const unsupported = p.sequenceBatching ? 'sequenceBatching' : decoupled ? 'decoupled' : undefined;
    if (unsupported) {
      throw propError(`${where}.responseCache`, `unset with ${unsupported}: Triton's response cache serves the default and dynamic batchers of non-decoupled models only`,
        true, 'drop responseCache for this model');
    }
  }

  (p.instanceGroups ?? []).forEach((g, i) => checkInstanceGroup(`${where}.instanceGroups[${i}]`, g, p.platform));

  if (p.warmup) checkWarmup(where, p, maxBatchSize);

  for (const key of Object.keys(p.parameters ?? {})) {
    if (key.length === 0) throw propError(`${where}.parameters`, 'keyed by non-empty names', key);
  }
  if (p.defaultModelFilename !== undefined && !FILE_NAME.test(p.defaultModelFilename)) {
    throw propError(`${where}.defaultModelFilename`, 'a plain file or folder name', p.defaultModelFilename);
  }
  for (const [cc, file] of Object.entries(p.ccModelFilenames ?? {})) {
    if (!COMPUTE_CAPABILITY.test(cc)) throw propError(`${where}.ccModelFilenames`, "keyed by CUDA compute capabilities such as '8.9'", cc);
    if (!FILE_NAME.test(file)) throw propError(`${where}.ccModelFilenames['${cc}']`, 'a plain file or folder name', file);
  }
  const o = p.optimization;
  if (o) {
    checkInteger(`${where}.optimization.gatherKernelBufferThreshold`, o.gatherKernelBufferThreshold, 0);
    checkInteger(`${where}.optimization.graphLevel`, o.graphLevel, -MAX_INT32, MAX_INT32);
    for (const a of [...(o.gpuExecutionAccelerators ?? []), ...(o.cpuExecutionAccelerators ?? [])]) {
      if (!a.name) throw propError(`${where}.optimization.executionAccelerators[].name`, 'a non-empty name', a.name);
    }
  }
}

/** The warmup requests: each an inference request Triton must accept for the model. */
function checkWarmup(where: string, p: TritonModelConfigProps, maxBatchSize: number): void {
  // Triton passes warmup inputs that are not model inputs to the model as extra inputs: a stateful model's controls.
  const inputNames = new Set([...(p.inputs ?? []), ...(p.sequenceBatching?.controlInputs ?? [])].map((i) => i.name));
  for (const w of p.warmup ?? []) {
    const batch = w.batchSize ?? 1;
    checkInteger(`${where}.warmup[${w.name}].batchSize`, batch, 1, Math.max(1, maxBatchSize), maxBatchSize === 0 ? 'a model that does not batch is warmed up with batch size 1' : undefined);
    checkInteger(`${where}.warmup[${w.name}].count`, w.count, 1);
    if (Object.keys(w.inputs).length === 0) throw propError(`${where}.warmup[${w.name}].inputs`, 'at least one input', {});
    for (const [name, input] of Object.entries(w.inputs)) {
      if (inputNames.size > 0 && !inputNames.has(name)) {
        throw propError(`${where}.warmup[${w.name}].inputs`, `keyed by the model's inputs and control tensors (${[...inputNames].join(', ')})`, name);
      }
      for (const dim of input.dims) checkRequiredInteger(`${where}.warmup[${w.name}].inputs[${name}].dims`, dim, 1, Number.MAX_SAFE_INTEGER, 'warmup shapes are concrete: no -1');
      // The warmup is an inference request: Triton refuses one whose input has another type or shape.
      const declared = (p.inputs ?? []).find((i) => i.name === name);
      if (!declared) continue;
      if (input.dataType !== declared.dataType) {
        throw propError(`${where}.warmup[${w.name}].inputs[${name}].dataType`, `the input's data type (${declared.dataType})`, input.dataType);
      }
      if (input.dims.length !== declared.dims.length || declared.dims.some((dim, i) => dim !== -1 && dim !== input.dims[i])) {
        throw propError(`${where}.warmup[${w.name}].inputs[${name}].dims`, `the input's shape [${declared.dims.join(', ')}] without the batch dimension (-1 takes any size)`, input.dims);
      }
    }
    const missing = (p.inputs ?? []).filter((i) => !i.optional && !(i.name in w.inputs)).map((i) => i.name);
    if (missing.length > 0) {
      throw propError(`${where}.warmup[${w.name}].inputs`, 'every input the model requires', Object.keys(w.inputs).join(', '), `add ${missing.join(', ')}, or mark them optional`);
    }
  }
}

/** What Triton's model loader checks of each input and output (core's model_config_utils.cc, ValidateModelInput/Output). */
function checkTensors(
  where: string, prop: string, tensors: Array<ModelTensor & { readonly format?: InputFormat }>, maxBatchSize: number, platform: ModelPlatform,
): void {
  const names = new Set<string>();
  for (const t of tensors) {
    if (!t.name) throw propError(`${where}.${prop}[].name`, 'a non-empty tensor name', t.name);
    if (names.has(t.name)) throw propError(`${where}.${prop}`, 'tensors with distinct names', t.name);
    names.add(t.name);
    const at = `${where}.${prop}[${t.name}]`;
    if (t.dims.length === 0) {
      throw propError(`${at}.dims`, 'at least one dimension (Triton requires dims; use reshape: [] for a scalar)', t.dims);
    }
    for (const dim of t.dims) {
      // dims are int64: JavaScript numbers hold them exactly up to 2^53 - 1.
      if (!Number.isInteger(dim) || (dim < 1 && dim !== -1) || dim > Number.MAX_SAFE_INTEGER) {
        throw propError(`${at}.dims`, `integers from 1 to ${Number.MAX_SAFE_INTEGER}, or -1 for a variable-size dimension`, t.dims);
      }
    }
    if (t.reshape) {
      if (t.reshape.length === 0 && maxBatchSize === 0) {
        throw propError(`${at}.reshape`, 'non-empty for a model that does not batch (an empty reshape would carry no data)', t.reshape);
      }
      for (const dim of t.reshape) {
        if (!Number.isInteger(dim) || (dim < 1 && dim !== -1) || dim > Number.MAX_SAFE_INTEGER) {
          throw propError(`${at}.reshape`, `integers from 1 to ${Number.MAX_SAFE_INTEGER}, or -1`, t.reshape);
        }
      }
      checkReshapeSize(`${at}.reshape`, t.dims, t.reshape);
    }
    if ((t.format === InputFormat.NCHW || t.format === InputFormat.NHWC) && t.dims.length !== 3) {
      throw propError(`${at}.dims`, `3 dimensions with format ${t.format} (an image without the batch dimension)`, t.dims, 'leave format unset for other shapes');
    }
    if (t.isShapeTensor) checkTensorRtOnly(`${at}.isShapeTensor`, platform, 'Triton supports shape tensors only there');
  }
}

/**
 * Throws unless `reshape` holds as many elements as `dims`, as Triton checks it (ValidateIOShape): the same count,
 * or dims of one element reshaped to a scalar (`[]`); with variable-size dimensions, the same number of them and
 * the same count in each stretch between them (`[2, 4, -1, 6]` to `[8, -1, 1, 6]`).
 */
function checkReshapeSize(prop: string, dims: number[], reshape: number[]): void {
  /** Element counts of the stretches before, between and after the -1 dimensions. */
  const stretches = (shape: number[]) => {
    const counts = [1];
    for (const d of shape) {
      if (d === -1) counts.push(1);
      else counts[counts.length - 1] *= d;
    }
    return counts;
  };
  // An empty reshape is one stretch of one element: dims of one element fit it.
  if (stretches(dims).join() !== stretches(reshape).join()) {
    throw propError(prop, `as many elements as dims [${dims.join(', ')}]${dims.includes(-1) ? ' between and around each -1, with as many -1' : ''}`, reshape,
      'Triton refuses a reshape to another element count when it loads the model');
  }
}

function checkLabels(where: string, outputs: ModelOutput[]): void {
  const files = new Set<string>();
  for (const o of outputs) {
    const file = o.labelFilename ?? (o.labels ? 'labels.txt' : undefined);
    if (file === undefined) continue;
    // Triton reads the model folder's subfolders as version folders (digits), warmup data and initial state
    // (core's VersionsToLoad skips kWarmupDataFolder and kInitialStateFolder): a label file there would take their place.
    if (!FILE_NAME.test(file) || file === 'config.pbtxt' || /^\d+$/.test(file) || file === 'warmup' || file === 'initial_state') {
      throw propError(`${where}.outputs[${o.name}].labelFilename`, 'a plain file name in the model folder, other than config.pbtxt and the names of ' +
        "the folders Triton reads there (version folders, all digits; 'warmup'; 'initial_state')", file, "name it like 'labels.txt'");
    }
    if (files.has(file)) throw propError(`${where}.outputs[${o.name}].labelFilename`, 'distinct per output', file);
    files.add(file);
    if (o.labels) {
      if (o.labels.length === 0) throw propError(`${where}.outputs[${o.name}].labels`, 'at least one label', o.labels);
      const bad = o.labels.find((l) => /[\r\n]/.test(l));
      if (bad !== undefined) throw propError(`${where}.outputs[${o.name}].labels`, 'labels without line breaks (one label per line)', bad);
    }
  }
}

function checkPreferred(prop: string, sizes: number[] | undefined, maxBatchSize: number): void {
  for (const size of sizes ?? []) {
    if (!Number.isInteger(size) || size < 1 || size > maxBatchSize) {
      throw propError(prop, `batch sizes within 1..maxBatchSize (${maxBatchSize})`, sizes, `drop ${size} or raise maxBatchSize to at least ${size}`);
    }
  }
  if (sizes && new Set(sizes).size !== sizes.length) throw propError(prop, 'distinct batch sizes', sizes);
}

/** Triton takes delays and timeouts in whole microseconds (`Duration.millis(0.1)` is 100us). */
function checkDelay(prop: string, d: Duration | undefined): void {
  if (d === undefined) return;
  const us = exactMicros(d);
  if (!(Math.abs(us - Math.round(us)) < 1e-6)) throw propError(prop, 'a whole number of microseconds', `${us}us`);
  // The fields are uint64: JavaScript numbers hold them exactly up to 2^53 - 1 (about 285 years).
  if (us > Number.MAX_SAFE_INTEGER) throw propError(prop, `at most ${Number.MAX_SAFE_INTEGER}us (about 285 years)`, `${us}us`);
}

/** Triton refuses `preserve_ordering` with several priority levels or with a queue policy that delays timed-out requests. */
function checkPreserveOrdering(prop: string, d: ModelDynamicBatching): void {
  if ((d.priorityLevels ?? 0) > 1) {
    throw propError(`${prop}.preserveOrdering`, 'unset with more than one priority level', `${d.priorityLevels} levels`, 'drop preserveOrdering or the priority levels');
  }
  const policies = [d.defaultQueuePolicy, ...(d.priorityQueuePolicies ?? []).map((q) => q.policy)];
  if (policies.some((q) => q?.timeoutAction === QueueTimeoutAction.DELAY && micros(q.defaultTimeout))) {
    throw propError(`${prop}.preserveOrdering`, 'unset when a queue policy delays timed-out requests (QueueTimeoutAction.DELAY with a defaultTimeout)', true,
      'use QueueTimeoutAction.REJECT, or drop preserveOrdering');
  }
}

function checkQueuePolicy(prop: string, q: ModelQueuePolicy): void {
  checkDelay(`${prop}.defaultTimeout`, q.defaultTimeout);
  checkInteger(`${prop}.maxQueueSize`, q.maxQueueSize, 0, MAX_UINT32, '0 is no limit');
  if (q.timeoutAction !== undefined && q.defaultTimeout === undefined && !q.allowTimeoutOverride) {
    throw propError(`${prop}.timeoutAction`, 'unset unless a timeout can happen (defaultTimeout or allowTimeoutOverride)', q.timeoutAction);
  }
}

function checkControls(where: string, inputs: SequenceControlInput[]): void {
  const names = new Set<string>();
  const kinds = new Set<string>();
  for (const c of inputs) {
    if (!c.name) throw propError(`${where}.sequenceBatching.controlInputs[].name`, 'a non-empty tensor name', c.name);
    if (names.has(c.name)) throw propError(`${where}.sequenceBatching.controlInputs`, 'one entry per tensor', c.name);
    names.add(c.name);
    if (c.controls.length === 0) throw propError(`${where}.sequenceBatching.controlInputs[${c.name}].controls`, 'at least one control', []);
    for (const k of c.controls) {
      if (kinds.has(k.kind)) throw propError(`${where}.sequenceBatching.controlInputs`, 'each control kind at most once', k.kind);
      kinds.add(k.kind);
      const given = [k.int32FalseTrue && 'int32FalseTrue', k.fp32FalseTrue && 'fp32FalseTrue', k.boolFalseTrue && 'boolFalseTrue'].filter((x): x is string => !!x);
      if (k.kind === SequenceControlKind.CORRID) {
        if (given.length) throw propError(`${where}.sequenceBatching.controls[${k.kind}]`, 'no false/true values (the correlation id is passed as is)', given.join(', '));
        if (!k.dataType || !CORRID_TYPES.includes(k.dataType)) {
          throw propError(`${where}.sequenceBatching.controls[${k.kind}].dataType`, 'TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 or TYPE_STRING (what Triton takes as a correlation id)', k.dataType ?? 'none');
        }
        continue;
      }
      if (given.length !== 1) {
        throw propError(`${where}.sequenceBatching.controls[${k.kind}]`, 'exactly one of int32FalseTrue, fp32FalseTrue and boolFalseTrue', given.length ? given.join(', ') : 'none');
      }
      // Triton types a boolean control by the false/true values given and never reads its data_type
      // (core's GetBooleanSequenceControlProperties): another dataType would say a type the tensor does not get.
      const typed = k.int32FalseTrue ? TensorDataType.INT32 : k.fp32FalseTrue ? TensorDataType.FP32 : TensorDataType.BOOL;
      if (k.dataType !== undefined && k.dataType !== typed) {
        throw propError(`${where}.sequenceBatching.controls[${k.kind}].dataType`, `unset or ${typed} on a START, END or READY control, whose type Triton takes from its ` +
          'false/true values (it ignores data_type there)', k.dataType, 'drop dataType: int32FalseTrue gives TYPE_INT32, fp32FalseTrue TYPE_FP32, boolFalseTrue TYPE_BOOL');
      }
      const values = (k.int32FalseTrue ?? k.fp32FalseTrue ?? k.boolFalseTrue) as unknown[];
      if (values.length !== 2) throw propError(`${where}.sequenceBatching.controls[${k.kind}].${given[0]}`, 'exactly two values (false, true)', values);
      for (const v of k.int32FalseTrue ?? []) checkRequiredInteger(`${where}.sequenceBatching.controls[${k.kind}].int32FalseTrue`, v, -(2 ** 31), MAX_INT32);
      // A float32 field: NaN and values beyond float32 (Triton would read infinity) are no control values.
      for (const v of k.fp32FalseTrue ?? []) {
        if (!(Math.abs(v) <= MAX_FLOAT32)) throw propError(`${where}.sequenceBatching.controls[${k.kind}].fp32FalseTrue`, 'finite float32 values', String(v));
      }
    }
  }
}

/**
 * The data flow of an ensemble as Triton checks it (ValidateEnsembleSchedulingConfig): each tensor written once,
 * every read tensor an ensemble input or written by a step, every ensemble output written, and, starting from the
 * ensemble inputs, each step runs once all its inputs are ready: a tensor that never becomes ready (the steps feed
 * each other) or that nothing reads (and is no ensemble output) is refused.
 */
function checkEnsemble(where: string, p: TritonModelConfigProps): void {
  const inputs = new Set((p.inputs ?? []).map((i) => i.name));
  const outputs = new Set((p.outputs ?? []).map((o) => o.name));
  const written = new Set<string>();
  const read = new Set<string>();
  for (const [i, s] of p.ensembleSteps!.entries()) {
    const at = `${where}.ensembleSteps[${i}]`;
    if (s.modelName === p.name) throw propError(`${at}.modelName`, 'another model than the ensemble itself', s.modelName);
    if (s.modelVersion !== undefined && s.modelVersion !== -1) checkModelVersion(`${at}.modelVersion`, s.modelVersion, 'use -1 (the default) for the latest version');
    if (Object.keys(s.inputMap).length === 0) throw propError(`${at}.inputMap`, 'at least one input', {});
    if (Object.keys(s.outputMap).length === 0) throw propError(`${at}.outputMap`, 'at least one output', {});
    for (const tensor of Object.values(s.inputMap)) read.add(tensor);
    for (const tensor of Object.values(s.outputMap)) {
      if (written.has(tensor) || inputs.has(tensor)) {
        throw propError(`${at}.outputMap`, 'ensemble tensors written once, and not named like an ensemble input', tensor);
      }
      written.add(tensor);
    }
  }
  for (const tensor of read) {
    if (!inputs.has(tensor) && !written.has(tensor)) {
      throw propError(`${where}.ensembleSteps inputMap`, 'tensors that are ensemble inputs or some step\'s output', tensor, `add an input '${tensor}' to the ensemble or a step that writes it`);
    }
  }
  for (const o of outputs) {
    if (!written.has(o)) throw propError(`${where}.outputs[${o}]`, 'written by a step\'s outputMap', 'not written', `map a step output to '${o}'`);
  }
  for (const i of inputs) {
    if (!read.has(i)) throw propError(`${where}.inputs[${i}]`, 'read by a step\'s inputMap (Triton rejects unused ensemble tensors)', 'unused');
  }
  for (const tensor of written) {
    if (!read.has(tensor) && !outputs.has(tensor)) {
      throw propError(`${where}.ensembleSteps outputMap`, 'tensors a later step reads, or ensemble outputs (Triton rejects unused ensemble tensors)', tensor,
        `declare '${tensor}' as an output of the ensemble, or drop it from the step's outputMap`);
    }
  }
  // Run the steps in data-flow order: a step is done once all its inputs are ready.
  const ready = new Set(inputs);
  const pending = [...p.ensembleSteps!];
  for (let progress = true; progress;) {
    progress = false;
    for (let i = pending.length - 1; i >= 0; i--) {
      if (Object.values(pending[i].inputMap).every((t) => ready.has(t))) {
        for (const t of Object.values(pending[i].outputMap)) ready.add(t);
        pending.splice(i, 1);
        progress = true;
      }
    }
  }
  if (pending.length > 0) {
    const stuck = pending.map((s) => `${s.modelName} (waits for ${Object.values(s.inputMap).filter((t) => !ready.has(t)).join(', ')})`);
    throw propError(`${where}.ensembleSteps`, 'steps whose inputs the ensemble inputs and earlier steps provide (no cycle)', stuck.join('; '),
      'Triton never runs a step that waits for its own output, directly or through other steps');
  }
}

/**
 * What the vllm backend (vllm_backend `src/model.py`, `src/utils/request.py`) refuses of a config, whatever the
 * server's auto-complete setting. That a config loaded as written names `text_input` and `text_output` at all needs
 * the server's setting, and is checked by the Triton workloads.
 */
function checkVllm(where: string, p: TritonModelConfigProps, maxBatchSize: number): void {
  // model.py asserts the decoupled policy when the model loads (_init_engine_args); its auto-complete sets it when
  // unset, which the Triton workloads check against disableAutoCompleteConfig.
  if (p.decoupled === false) {
    throw propError(`${where}.decoupled`, 'true or unset with the vllm backend, which refuses to load a model without the decoupled transaction policy',
      false, 'set decoupled: true');
  }
  // Its auto-complete sets max_batch_size 0 (and the Python backend refuses a config that gave more); a config loaded
  // as written with a batch dimension hands each request's text_input to the backend as [batch, 1], whose first
  // element is then an array, not the prompt's bytes: every request fails.
  if (maxBatchSize > 0) {
    throw propError(`${where}.maxBatchSize`, '0 or unset with the vllm backend: its auto-complete sets 0 and refuses more, and a config loaded as written ' +
      'with a batch dimension fails every request (the prompt reaches the backend as an array)', maxBatchSize,
    'leave it unset: vLLM batches requests itself (vllmEngineArgs.maxNumSeqs)');
  }
  // The prompt is text_input's first element, decoded when it is bytes: a string tensor of one dimension.
  const prompt = p.inputs?.find((t) => t.name === 'text_input');
  const shape = prompt && (prompt.reshape ?? prompt.dims);
  if (prompt && (prompt.dataType !== TensorDataType.STRING || shape!.length !== 1)) {
    throw propError(`${where}.inputs[text_input]`, 'TYPE_STRING of one dimension (dims [1]): the vllm backend takes its first element\'s bytes as the prompt',
      `${prompt.dataType} [${shape!.join(', ')}]`, 'declare it as VllmTensors.inputs() does');
  }
  // model.py's initialize() takes the type of the text it returns from text_output's data_type.
  const text = p.outputs?.find((t) => t.name === 'text_output');
  if (text && text.dataType !== TensorDataType.STRING) {
    throw propError(`${where}.outputs[text_output].dataType`, 'TYPE_STRING: the vllm backend returns the generated text in it as UTF-8 bytes', text.dataType,
      'declare it as VllmTensors.outputs() does');
  }
}

/** Throws unless `platform` runs on TensorRT, for a setting only TensorRT models take. */
function checkTensorRtOnly(prop: string, platform: ModelPlatform, why: string): void {
  if (platform._runtime !== 'tensorrt') throw propError(prop, `only set on a TensorRT model (${why})`, platform._name);
}

function checkInstanceGroup(prop: string, g: ModelInstanceGroup, platform: ModelPlatform): void {
  checkInteger(`${prop}.count`, g.count, 1);
  if (g.profiles !== undefined) {
    checkTensorRtOnly(`${prop}.profiles`, platform, "optimization profiles are TensorRT's");
    const bad = g.profiles.find((x) => !/^\d+$/.test(x));
    if (bad !== undefined) throw propError(`${prop}.profiles`, 'profile indices (non-negative integers, as strings)', bad);
  }
  const kind = g.kind ?? InstanceGroupKind.GPU;
  // The TensorRT backend's instances refuse any kind but GPU at load ("TensorRT backend supports only GPU device",
  // tensorrt_backend instance_state.cc); KIND_AUTO is GPU on the GPU servers this library renders.
  if (platform._runtime === 'tensorrt' && (kind === InstanceGroupKind.CPU || kind === InstanceGroupKind.MODEL)) {
    throw propError(`${prop}.kind`, 'InstanceGroupKind.GPU or AUTO on a TensorRT model (the TensorRT backend runs on GPUs only)', kind,
      'use InstanceGroupKind.GPU, or serve a CPU copy from an ONNX or PyTorch artifact');
  }
  if (g.gpus !== undefined) {
    if (kind === InstanceGroupKind.CPU || kind === InstanceGroupKind.MODEL) {
      throw propError(`${prop}.gpus`, `unset for ${kind}`, g.gpus, 'use InstanceGroupKind.GPU to place instances on GPUs');
    }
    if (g.gpus.length === 0) throw propError(`${prop}.gpus`, 'at least one GPU index, or unset for every GPU', g.gpus);
    for (const gpu of g.gpus) checkRequiredInteger(`${prop}.gpus`, gpu, 0, MAX_INT32);
    if (new Set(g.gpus).size !== g.gpus.length) throw propError(`${prop}.gpus`, 'distinct GPU indices', g.gpus);
  }
  for (const r of g.rateLimiter?.resources ?? []) {
    if (!r.name) throw propError(`${prop}.rateLimiter.resources[].name`, 'a non-empty name', r.name);
    checkInteger(`${prop}.rateLimiter.resources[${r.name}].count`, r.count, 1, MAX_UINT32);
  }
  checkInteger(`${prop}.rateLimiter.priority`, g.rateLimiter?.priority, 0, MAX_UINT32);
}
