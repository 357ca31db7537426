/**
 * The synth-time checks of a Triton workload that need both its repository and its server: the repository within
 * reach, GPU indices, explicit models, the image's backends and compute capability, TensorRT plans, vLLM engines
 * (their GPUs, and bfloat16 on the pool's GPUs), the GPU memory budget (stated footprints and vLLM engines' shares),
 * and the same checks against the node pools of a Karmada placement's targets.
 */
import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { isGpuGroup } from './_repo-parts';
import { parallelism, RenderedVllmEngineArgs, VLLM_DEFAULT_GPU_MEMORY_UTILIZATION, vllmEngineGpus } from './_vllm-engine-args';
import { InstanceGroupKind } from './model-config';
import { TritonModel, TritonModelRepo } from './triton-model-repo';
import { ModelControl, TritonWorkloadProps } from './triton-workload';
import { VllmDtype } from './vllm-engine-args';
import { otherClusterError } from '../_cluster-scope';
import { propError } from '../_errors';
import { PoolChecks } from '../scheduling/_placement';
import { claimNamespaceError, helperDigestProblems, kib, migSliceOf, quantity, ResolvedPod } from '../scheduling/_pod-spec';
import { GpuProduct } from '../scheduling/gpu-product';

/** The memory of one GPU the server gets, and where that number comes from; undefined when unknown. */
export function gpuMemoryOf(props: TritonWorkloadProps, pod: ResolvedPod): { size: Size; from: string } | undefined {
  if (props.gpuMemory) return { size: props.gpuMemory, from: 'gpuMemory' };
  // A MIG slice (requested, or every GPU of a partitioned pool) has the slice's memory, not the product's.
  const slice = migSliceOf(pod);
  if (slice) {
    // The profile names its memory in decimal GB (3g.40gb); nvidia-smi reports slightly more, so this errs safe.
    const gb = Number(/\.(\d+)gb/.exec(slice)![1]);
    return { size: Size.mebibytes(Math.floor((gb * 1e9) / 2 ** 20)), from: `MIG profile ${slice}` };
  }
  const products = props.nodePool?.products ?? [];
  if (products.length > 0 && products.every((p) => p.memory)) {
    const smallest = [...products].sort((a, b) => kib(a.memory!) - kib(b.memory!))[0];
    return { size: smallest.memory!, from: products.length > 1 ? `${smallest.label}, the smallest of the pool's products` : smallest.label };
  }
  return undefined;
}

/** A checked amount of KiB for a message (0 included: no overhead). */
function fmt(kibibytes: number): string {
  return kibibytes === 0 ? '0Ki' : quantity('', Size.kibibytes(kibibytes))!;
}

/**
 * Where the repository's ConfigMap and artifact claim land against the workload that mounts them: a pod can only mount
 * a ConfigMap or claim of its own cluster and namespace, else it waits. Namespaces are compared where both are set.
 */
function repositoryReachProblems(workload: IConstruct, namespace: string | undefined, repo: TritonModelRepo): string[] {
  const problems: string[] = [];
  const elsewhere = otherClusterError('repository', repo, workload, "a TritonModelRepo of the workload's cluster",
    'create the repository in the same ClusterChart: its ConfigMap must exist where the pods run');
  if (elsewhere) problems.push(elsewhere.message);
  const repoNamespace = repo.configMap.metadata.namespace;
  if (namespace && repoNamespace && namespace !== repoNamespace) {
    problems.push(propError('repository', `a TritonModelRepo in the workload's namespace ('${namespace}')`, `one in ${repoNamespace}`,
      "pods mount ConfigMaps of their own namespace only; create the repository in the workload's chart or namespace").message);
  }
  const claim = claimNamespaceError('repository', repo.artifacts._claim, namespace);
  if (claim) problems.push(claim.message);
  return problems;
}

/**
 * The checks that need the repository and the server together; messages for node.addValidation of `workload`
 * (a TritonServer or TritonKnativeService in `namespace`).
 */
export function validateAgainstServer(workload: IConstruct, namespace: string | undefined, props: TritonWorkloadProps, pod: ResolvedPod): string[] {
  const gpuCount = pod.gpuCount;
  const repo: TritonModelRepo = props.repository;
  const errors: string[] = repositoryReachProblems(workload, namespace, repo);
  const models = repo.models;
  for (const model of models) {
    model.config.instanceGroups.forEach((g, i) => {
      const beyond = beyondServerGpus(`model[${model.name}].instanceGroups[${i}].gpus`, g.gpus ?? [], g.gpus, gpuCount,
        (highest) => migSliceOf(pod) ? 'place the instances on GPU 0: a MIG slice is the one GPU the server sees'
          : `raise gpuCount to ${highest + 1}, or place the instances on GPUs the server gets`);
      if (beyond) errors.push(beyond);
    });
    if (model.config.platform._runtime === 'vllm') {
      errors.push(...vllmProblems(model, gpuCount, props.modelControl ?? ModelControl.NONE, props.disableAutoCompleteConfig ?? true));
    }
    if ((props.disableAutoCompleteConfig ?? true) && (!(model.config.props.inputs?.length) || !(model.config.props.outputs?.length))) {
      errors.push(propError(`model[${model.name}]`, 'inputs and outputs while disableAutoCompleteConfig is on (Triton loads the config as written)', 'none',
        'declare the inputs and outputs, or set disableAutoCompleteConfig: false to let the backend fill them in').message);
    }
    if (model.config.props.responseCache && !props.responseCacheSize) {
      errors.push(propError(`model[${model.name}].responseCache`, 'backed by a server cache', 'no cache', 'set responseCacheSize on the Triton workload').message);
    }
  }
  for (const name of (props.modelControl ?? ModelControl.NONE).startupModels ?? []) {
    if (name !== '*' && !repo.findModel(name)) {
      errors.push(propError('modelControl', `to load models of the repository (${models.map((m) => m.name).join(', ')})`, name).message);
    }
  }
  if (pod.requireImageDigest) errors.push(...helperDigestProblems(pod, repo._podParts().initContainers));
  errors.push(...checkGpuMemory(props, pod));
  errors.push(...checkImageBackends(models, pod.image));
  errors.push(...checkImageComputeCapability(pod.image, props.nodePool?.products ?? []));
  errors.push(...checkPlanComputeCapabilities(models, props.nodePool?.products ?? []));
  errors.push(...checkVllmDtype(models, props.nodePool?.products ?? []));
  return errors;
}

/** An NGC Triton image (or a mirror of it) by release tag: `…/nvidia/tritonserver:<yy>.<mm>[-<variant>]`. */
const NGC_TRITON_TAG = /(^|\/)nvidia\/tritonserver:(\d{2})\.(\d{2})(-[^@]*)?(@|$)/;

/** The backends NGC ships, as a model's runtime names them; a model of another (custom) backend is not judged. */
const NGC_BACKENDS = ['tensorrt', 'onnxruntime', 'pytorch', 'tensorflow', 'openvino', 'fil', 'dali', 'vllm', 'tensorrtllm'];
/**
 * NGC's single-framework images and what they ship ("only has TRTLLM and Python backends", server#7346; the vLLM
 * image "does not carry any other backends", server#7637). Python is in every image.
 */
const NGC_VARIANT_BACKENDS: Record<string, readonly string[]> = {
  'vllm-python-py3': ['vllm', 'python'],
  'trtllm-python-py3': ['tensorrtllm', 'python'],
  'pyt-python-py3': ['pytorch', 'python'],
  'tf2-python-py3': ['tensorflow', 'python'],
};
/** The LLM backends, which the general `-py3` image never ships: each has an image of its own. */
const LLM_VARIANTS: Record<string, string> = { vllm: 'vllm-python-py3', tensorrtllm: 'trtllm-python-py3' };

/**
 * Models whose backend the NGC image does not ship: Triton fails to load them (`unable to find
 * 'libtriton_<backend>.so'`), and with `--exit-on-error` the pod crash-loops.
 * - The general `-py3` image has no vLLM or TensorRT-LLM backend, and no TensorFlow backend from release 25.03 on
 *   (deprecated there; 25.02 is the last image with it).
 * - The single-framework images (`-vllm-python-py3`, `-trtllm-python-py3`, `-pyt-python-py3`) ship that backend and
 *   Python only.
 *
 * Images by digest alone, built elsewhere, of another tag variant, and models of custom backends (which a model
 * folder may carry) are not judged; nor is TensorFlow on a tag variant naming it (`-tf…`, as a build of one's own).
 */
function checkImageBackends(models: readonly TritonModel[], image: string): string[] {
  const tag = NGC_TRITON_TAG.exec(image);
  if (!tag) return [];
  const release = `${tag[2]}.${tag[3]}`;
  const variant = (tag[4] ?? '').slice(1);
  const shipped = NGC_VARIANT_BACKENDS[variant];
  const errors: string[] = [];
  for (const m of models) {
    const runtime = m.config.platform._runtime;
    if (runtime === undefined || !NGC_BACKENDS.includes(runtime)) continue;
    const got = `${m.config.platform._name} on ${image}`;
    if (shipped && !shipped.includes(runtime)) {
      errors.push(propError(`model[${m.name}].platform`, `served by an image with the ${runtime} backend (the ${variant} images ship only ${shipped.join(' and ')})`, got,
        `serve it from a Triton workload of its own on nvcr.io/nvidia/tritonserver:${release}-${LLM_VARIANTS[runtime] ?? 'py3'}, or an image built with both backends`).message);
    } else if (variant === 'py3' && LLM_VARIANTS[runtime]) {
      errors.push(propError(`model[${m.name}].platform`, `served by an image with the ${runtime} backend (NGC ships it only in the <yy.mm>-${LLM_VARIANTS[runtime]} images)`, got,
        `use nvcr.io/nvidia/tritonserver:${release}-${LLM_VARIANTS[runtime]}, or an image built with the backend`).message);
    } else if (runtime === 'tensorflow' && Number(tag[2]) * 100 + Number(tag[3]) >= 2503 && !/(^|-)tf/.test(variant)) {
      errors.push(propError(`model[${m.name}].platform`, 'served by an image with the TensorFlow backend (NGC Triton images no longer ship it from 25.03 on)', got,
        'convert the model to ONNX (ModelPlatform.ONNXRUNTIME_ONNX), pin nvcr.io/nvidia/tritonserver:25.02-py3, ' +
        'or use an image built with the TensorFlow backend (a tag variant naming it, such as 25.12-py3-tf, is taken to have it)').message);
    }
  }
  return errors;
}

/**
 * NGC Triton images from 25.01 on support compute capability 7.5 (Turing) and later: their release notes say so from
 * 25.01 (CUDA 12.8) on, where 24.xx notes say 6.0 and later; the CUDA 13 images from 25.08 on keep the floor.
 */
const TURING_FLOOR_RELEASE = 2501;
const TURING_FLOOR_CC = '7.5';

/** A compute capability as a comparable number: '8.9' is 89, '10.0' is 100. */
function ccValue(cc: string): number {
  const [major, minor] = cc.split('.').map(Number);
  return major * 10 + minor;
}

/** The products whose compute capability is known. */
function withComputeCapability(products: readonly GpuProduct[]): Array<GpuProduct & { computeCapability: string }> {
  return products.filter((p): p is GpuProduct & { computeCapability: string } => p.computeCapability !== undefined);
}

/** The products whose compute capability is known and below `cc`. */
function olderThan(products: readonly GpuProduct[], cc: string): Array<GpuProduct & { computeCapability: string }> {
  return withComputeCapability(products).filter((p) => ccValue(p.computeCapability) < ccValue(cc));
}

/** An NGC image from 25.01 on, on GPUs older than Turing (V100 is 7.0), where their compute capability is known. */
function checkImageComputeCapability(image: string, products: readonly GpuProduct[]): string[] {
  const tag = NGC_TRITON_TAG.exec(image);
  if (!tag || Number(tag[2]) * 100 + Number(tag[3]) < TURING_FLOOR_RELEASE) return [];
  const old = olderThan(products, TURING_FLOOR_CC);
  if (old.length === 0) return [];
  return [propError('nodePool', `GPUs of compute capability ${TURING_FLOOR_CC} or later: NGC Triton images from 25.01 on (${image}) support no older GPU`,
    old.map((p) => `${p.label} (${p.computeCapability})`).join(', '), 'place the pods on newer GPUs, or pin an NGC image of 2024 (24.xx) for them').message];
}

/**
 * A TensorRT plan on GPUs of several compute capabilities (a plan runs only on the one it was built for) without
 * `ccModelFilenames` covering all of them but one, where their compute capability is known.
 */
function checkPlanComputeCapabilities(models: readonly TritonModel[], products: readonly GpuProduct[]): string[] {
  const capabilities = [...new Set(withComputeCapability(products).map((p) => p.computeCapability))].sort((a, b) => ccValue(a) - ccValue(b));
  if (capabilities.length < 2) return [];
  const errors: string[] = [];
  for (const m of models.filter((x) => x.config.platform._runtime === 'tensorrt')) {
    const named = Object.keys(m.config.props.ccModelFilenames ?? {});
    const uncovered = capabilities.filter((cc) => !named.includes(cc));
    if (uncovered.length > 1) {
      errors.push(propError(`model[${m.name}].ccModelFilenames`, `a plan for each compute capability of the pool's GPUs (${capabilities.join(', ')}) but one, ` +
        'which loads defaultModelFilename: a TensorRT plan runs only on the compute capability it was built for', named.length ? named : 'none',
      `name a plan per capability (${uncovered.slice(1).map((cc) => `'${cc}': 'model_sm${cc.replace('.', '')}.plan'`).join(', ')}), ` +
        'map each to the one plan if it was built with hardware compatibility, or place the pods on one GPU architecture').message);
    }
  }
  return errors;
}

/** vLLM models computing in bfloat16 on GPUs older than Ampere (8.0), where their compute capability is known: vLLM refuses to start. */
function checkVllmDtype(models: readonly TritonModel[], products: readonly GpuProduct[]): string[] {
  const old = olderThan(products, '8.0');
  if (old.length === 0) return [];
  return models.filter((m) => m._vllm?.dtype === VllmDtype.BFLOAT16).map((m) =>
    propError(`model[${m.name}].vllmEngineArgs.dtype`, `not bfloat16 on GPUs of compute capability below 8.0 (${old.map((p) => `${p.label} ${p.computeCapability}`).join(', ')}): ` +
      'vLLM refuses to start an engine in bfloat16 there', m._vllm!.dtype, 'use VllmDtype.FLOAT16, or place the pods on Ampere or newer GPUs').message);
}

/**
 * What the pods of a Triton workload could not do on other node pools (a Karmada placement's targets): fit the
 * models (and vLLM engines) in a pool's GPU memory, run the image, and vLLM engines in bfloat16, on its GPUs' compute
 * capability, see more than one MIG slice; and, landing on any of several pools, run one TensorRT plan on all their
 * compute capabilities. Only a pool's own GPUs
 * count: `gpuMemory` describes the workload's pool.
 */
export function tritonPoolChecks(props: TritonWorkloadProps, pod: ResolvedPod): PoolChecks {
  return {
    onPool: (pool) => {
      const onPool: ResolvedPod = { ...pod, nodePool: pool };
      // gpuMemory describes the workload's own pool: another pool's GPUs are its products', or its MIG slices'.
      const poolKnown = migSliceOf(onPool) !== undefined || ((pool.products ?? []).length > 0 && pool.products!.every((p) => p.memory));
      const sized = props.repository.models.some((m) => m.gpuMemoryPerInstance && !m.isEnsemble);
      const errors = poolKnown ? checkGpuMemory({ ...props, nodePool: pool, gpuMemory: undefined }, onPool) : sized
        ? [propError('nodePool', 'a pool whose GPUs are known (products with their memory, or MIG slices), to check the GPU memory the models state (gpuMemoryPerInstance)',
          'unknown', "state the target pool's products on its GpuNodePool factory, e.g. products: [GpuProduct.of('<gpu.product label>', Size.gibibytes(<memory>))]").message]
        : [];
      errors.push(...checkImageComputeCapability(pod.image, pool.products ?? []));
      errors.push(...checkVllmDtype(props.repository.models, pool.products ?? []));
      const slice = migSliceOf(onPool);
      if (slice !== undefined && pod.gpuCount > 1) {
        errors.push(propError('gpuCount', `1 on a pool of MIG slices (${slice}): a CUDA process sees a single MIG device`, pod.gpuCount,
          'run one server per slice, or place the pods on whole GPUs').message);
      }
      return errors;
    },
    acrossPools: (pools) => checkPlanComputeCapabilities(props.repository.models, pools.flatMap((p) => p.products ?? [])),
  };
}

/**
 * The GPU memory budget: on each GPU, the instances of the models that state `gpuMemoryPerInstance`, the vLLM engines
 * placed there (each `gpu_memory_utilization` of the GPU's whole memory) and `gpuMemoryOverhead` within the GPU's
 * memory. Without the GPU's memory, the stated footprints fail, and the vLLM engines' shares must stay below 1.
 */
function checkGpuMemory(props: TritonWorkloadProps, pod: ResolvedPod): string[] {
  const gpuCount = pod.gpuCount;
  const models = props.repository.models;
  const sized = models.filter((m) => m.gpuMemoryPerInstance && !m.isEnsemble);
  const engines = models.filter((m) => m._vllm);
  if (sized.length === 0 && engines.length === 0) return [];
  const memory = gpuMemoryOf(props, pod);
  if (!memory) {
    if (sized.length === 0) return checkVllmShares(engines, gpuCount);
    return [propError('gpuMemory', 'known to check the GPU memory the models state (gpuMemoryPerInstance)', 'unknown',
      "set gpuMemory, request a MIG slice (GpuResource.mig), or state the node pool's GPUs (products on its GpuNodePool factory; gke() takes them from accelerators, eks() from gpuNames that each name one GPU)").message];
  }
  const overhead = kib(props.gpuMemoryOverhead ?? Size.gibibytes(1));
  const gpuKib = kib(memory.size);
  const errors: string[] = [];
  for (let gpu = 0; gpu < gpuCount; gpu++) {
    const terms: string[] = [];
    let total = overhead;
    let sizedHere = 0;
    let enginesHere = 0;
    const engineNames: string[] = [];
    for (const m of sized) {
      const n = m.instancesOnGpu(gpu, gpuCount);
      if (n === 0) continue;
      sizedHere++;
      total += n * kib(m.gpuMemoryPerInstance!);
      terms.push(`${n} x ${fmt(kib(m.gpuMemoryPerInstance!))} (${m.name})`);
    }
    for (const e of vllmEnginesOnGpu(engines, gpu, gpuCount)) {
      enginesHere += e.n;
      engineNames.push(e.name);
      // Rounded up to whole MiB, as the GPU's memory is given.
      total += Math.ceil((e.n * e.share * gpuKib) / 1024) * 1024;
      terms.push(`${e.n} x ${e.share} of ${fmt(gpuKib)} (${e.name}, vLLM)`);
    }
    // An engine needs its share free when it starts: a GPU its engines fill exactly fails too.
    if (terms.length > 0 && (enginesHere ? total >= gpuKib : total > gpuKib)) {
      const prop = [sizedHere ? 'gpuMemoryPerInstance' : '', enginesHere ? vllmProp(engineNames) : ''].filter((x) => x).join(' and ');
      errors.push(propError(prop, `summed over the instances on GPU ${gpu} with gpuMemoryOverhead, at most ${fmt(gpuKib)} (${memory.from})`, `${terms.join(' + ')} + ${fmt(overhead)} overhead = ${fmt(total)}`,
        `lower instance counts${enginesHere ? ' or gpuMemoryUtilization (vLLM takes its share of the whole GPU, and fails to start when less is free)' : ''}, ` +
        'spread instances over more GPUs, or use a GPU with more memory').message);
    }
  }
  return errors;
}

/**
 * What the vllm backend (vllm_backend src/model.py and docs) refuses or ignores in a model served by `gpuCount` GPUs;
 * `asWritten` when the server loads configs without auto-complete. What it refuses of the config alone
 * (maxBatchSize, decoupled false, the types of text_input and text_output) TritonModelConfig checks.
 */
function vllmProblems(model: TritonModel, gpuCount: number, control: ModelControl, asWritten: boolean): string[] {
  const errors: string[] = [];
  if (asWritten) {
    if (!model.config.props.decoupled) {
      errors.push(propError(`model[${model.name}].decoupled`, 'true while disableAutoCompleteConfig is on: the vllm backend refuses to load a model without the decoupled ' +
        'transaction policy, which only its auto-complete would otherwise set', 'unset', 'set decoupled: true').message);
    }
    // Loaded as written, the config has only the tensors it states (its auto-complete would add the missing ones):
    // initialize() reads text_output's config and fails the load without it, and each request reads its prompt from
    // text_input. A config without any inputs or outputs is reported by the check of every model.
    const { inputs, outputs } = model.config.props;
    for (const [field, tensors, name, what] of [
      ['inputs', inputs, 'text_input', "'text_input' (TYPE_STRING, dims [1]) while disableAutoCompleteConfig is on: the vllm backend reads each prompt from it"],
      ['outputs', outputs, 'text_output', "'text_output' (TYPE_STRING) while disableAutoCompleteConfig is on: the vllm backend fails to load without it"],
    ] as const) {
      if (tensors?.length && !tensors.some((t) => t.name === name)) {
        errors.push(propError(`model[${model.name}].${field}`, `a list holding ${what}`, tensors.map((t) => t.name), `start from VllmTensors.${field}()`).message);
      }
    }
  }
  // Without instance groups Triton gives the model one KIND_GPU instance per GPU; the backend raises for a
  // KIND_GPU instance when model.json asks for tensor or pipeline parallelism, and otherwise loads a copy per GPU.
  // A GPU or AUTO group without gpus does the same: an instance on every GPU.
  const groups = model.config.props.instanceGroups ?? [];
  const everyGpu = groups.length === 0 ? 'unset' : groups.some((g) => isGpuGroup(g.kind) && !g.gpus?.length) ? 'a GPU group without gpus' : undefined;
  if (gpuCount > 1 && everyGpu) {
    errors.push(propError(`model[${model.name}].instanceGroups`, `set for a vLLM model on a server of ${gpuCount} GPUs, GPU groups with their gpus: Triton puts a KIND_GPU ` +
      'instance on each GPU otherwise, which the vllm backend refuses when model.json sets tensor_parallel_size or pipeline_parallel_size above 1, and which loads ' +
      'a copy of the model per GPU otherwise', everyGpu, `give [{ kind: InstanceGroupKind.MODEL }] for one engine over the ${gpuCount} GPUs ` +
      `(vllmEngineArgs.tensorParallelSize ${gpuCount}), or KIND_GPU groups that list their gpus for an engine per GPU`).message);
  }
  if (model._vllm) errors.push(...vllmEngineProblems(model, model._vllm, gpuCount));
  // The backend marks the model unready when vLLM's engine health check fails; only explicit model control lets it be
  // loaded again (vllm_backend docs/health_check.md).
  const healthCheck = model.config.props.parameters?.ENABLE_VLLM_HEALTH_CHECK;
  if (healthCheck !== undefined && healthCheck.toLowerCase() === 'true' && control.mode !== 'explicit') {
    errors.push(propError(`model[${model.name}].parameters.ENABLE_VLLM_HEALTH_CHECK`, 'set only with ModelControl.explicit, which the vllm backend\'s health check needs',
      control.mode, 'serve the model with modelControl: ModelControl.explicit([...]), or leave the parameter unset').message);
  }
  return errors;
}

/**
 * What the engine of a vLLM model with `vllmEngineArgs` needs of a server of `gpuCount` GPUs: its GPUs (data ×
 * tensor × pipeline parallel size), among them the `GPU_DEVICE_IDS` of its KIND_MODEL instances. Its share of
 * each GPU's memory is part of the GPU memory budget (`checkGpuMemory`).
 */
function vllmEngineProblems(model: TritonModel, engine: RenderedVllmEngineArgs, gpuCount: number): string[] {
  const at = `model[${model.name}]`;
  if (engine.gpus > gpuCount) {
    return [propError(`${at}.vllmEngineArgs`, `an engine over at most the server's ${gpuCount} GPU${gpuCount > 1 ? 's' : ''} ` +
      `(${parallelism(engine)})`, engine.gpus, `raise gpuCount to ${engine.gpus}, or lower the parallel sizes`).message];
  }
  const params = model.config.props.parameters;
  if (!model.config.instanceGroups.some((g) => g.kind === InstanceGroupKind.MODEL)) return [];
  const gpus = vllmEngineGpus(engine, InstanceGroupKind.MODEL, params);
  const beyond = beyondServerGpus(`${at}.parameters.GPU_DEVICE_IDS`, gpus, params?.GPU_DEVICE_IDS, gpuCount,
    (highest) => `raise gpuCount to ${highest + 1}, or name GPUs the server gets`);
  return beyond ? [beyond] : [];
}

/** The error for GPU indices `gpus` (given at `prop` as `got`) that a server of `gpuCount` GPUs does not have, if any. */
function beyondServerGpus(prop: string, gpus: readonly number[], got: unknown, gpuCount: number,
  fix: (highest: number) => string): string | undefined {
  const beyond = gpus.filter((g) => g >= gpuCount);
  if (beyond.length === 0) return undefined;
  return propError(prop, `GPU indices below the server's gpuCount (${gpuCount}); the container sees GPUs 0..${gpuCount - 1}`, got, fix(Math.max(...beyond))).message;
}

/**
 * Where the GPU's memory is unknown, the shares of it the vLLM engines on each GPU take (`gpu_memory_utilization`)
 * must leave some free: vLLM fails to start an engine when less than its share is free, and the CUDA context takes
 * some before it starts.
 */
function checkVllmShares(models: readonly TritonModel[], gpuCount: number): string[] {
  for (let gpu = 0; gpu < gpuCount; gpu++) {
    const here = vllmEnginesOnGpu(models, gpu, gpuCount);
    const engines = here.reduce((n, e) => n + e.n, 0);
    const share = here.reduce((x, e) => x + e.n * e.share, 0);
    const names = here.map((e) => e.name);
    const terms = here.map((e) => `${e.n} x ${e.share} (${e.name})`);
    if (share >= 1 - 1e-9) {
      const suggestion = engines > 1 ? `${floorTo(VLLM_DEFAULT_GPU_MEMORY_UTILIZATION / engines)} each for ${engines} engines` : `vLLM's default is ${VLLM_DEFAULT_GPU_MEMORY_UTILIZATION}`;
      return [propError(vllmProp(names), `summed over the vLLM engines on GPU ${gpu}, below 1: each takes its share of the GPU's whole memory, ` +
        'and vLLM fails to start one when less is free', `${terms.join(' + ')} = ${Math.round(share * 1e6) / 1e6}`,
      `lower gpuMemoryUtilization (${suggestion}), place fewer engines on GPU ${gpu}, ` +
        "or state the GPU's memory (gpuMemory, or the node pool's products) to check them with gpuMemoryOverhead").message];
    }
  }
  return [];
}

/** The vLLM engines of `models` (those with `vllmEngineArgs`) on GPU `gpu`: per model, how many, and the share each takes. */
function vllmEnginesOnGpu(models: readonly TritonModel[], gpu: number, gpuCount: number): Array<{ name: string; n: number; share: number }> {
  return models.map((m) => ({ name: m.name, n: m.instancesOnGpu(gpu, gpuCount), share: m._vllm!.gpuMemoryUtilization })).filter((e) => e.n > 0);
}

/** The prop of the vLLM engines of models `names`. */
function vllmProp(names: string[]): string {
  return `model[${names.join(', ')}].vllmEngineArgs.gpuMemoryUtilization`;
}

/** `x` rounded down to two decimals. */
function floorTo(x: number): number {
  return Math.floor(x * 100) / 100;
}
