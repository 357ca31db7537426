import { Chart, Size, Testing } from 'cdk8s';
import { PersistentVolumeClaim } from 'cdk8s-plus-27';
import { minioRepo, PREPROCESS, RESNET50, VLLM, VLLM_IMAGE } from './_fixtures';
import {
  ClusterTarget, GkeAccelerator, GpuNodePool, GpuProduct, InstanceGroupKind, KarmadaPlacement, ModelArtifactSource, ModelVersionPolicy,
  PlaceableWorkload, TritonKnativeService, TritonModelProps, TritonModelRepo, TritonServer, VllmDtype, VllmEngineArgs,
} from '../../src';
import { oneOf, synthApp } from '../_helpers/manifests';

const chart = () => new Chart(Testing.app(), 'test', { namespace: 'ml' });

/** The vLLM fixture with engine arguments (and any other props). */
const llama = (args: VllmEngineArgs, extra: Partial<TritonModelProps> = {}): TritonModelProps => ({ ...VLLM, vllmEngineArgs: args, ...extra });

/** The model.json the repository renders for `args`, parsed. */
const engineArgsOf = (args: VllmEngineArgs, extra: Partial<TritonModelProps> = {}) => {
  const repo = minioRepo(chart(), [llama(args, extra)]);
  return JSON.parse(repo.findModel('llama')!.versionFiles['model.json']);
};

describe('VllmEngineArgs', () => {
  test('renders model.json: the typed props by their engine argument names in a fixed order, then additionalArgs by key', () => {
    const repo = minioRepo(chart(), [llama({
      additionalArgs: { kv_cache_dtype: 'fp8', compilation_config: { level: 3 }, disable_log_stats: false },
      seed: 7,
      trustRemoteCode: false,
      enablePrefixCaching: true,
      enforceEager: true,
      quantization: 'awq',
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 64,
      maxModelLen: 4096,
      gpuMemoryUtilization: 0.85,
      pipelineParallelSize: 1,
      tensorParallelSize: 1,
      dtype: VllmDtype.BFLOAT16,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
    })]);
    const json = repo.findModel('llama')!.versionFiles['model.json'];
    expect(json.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(json))).toEqual([
      'model', 'dtype', 'tensor_parallel_size', 'pipeline_parallel_size', 'gpu_memory_utilization', 'max_model_len', 'max_num_seqs',
      'max_num_batched_tokens', 'quantization', 'enforce_eager', 'enable_prefix_caching', 'trust_remote_code', 'seed',
      'compilation_config', 'disable_log_stats', 'kv_cache_dtype',
    ]);
    expect(JSON.parse(json)).toMatchObject({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      dtype: 'bfloat16',
      gpu_memory_utilization: 0.85,
      max_model_len: 4096,
      quantization: 'awq',
      enforce_eager: true,
      trust_remote_code: false,
      seed: 7,
      compilation_config: { level: 3 },
      kv_cache_dtype: 'fp8',
    });
  });

  test('writes only what is given: vLLM keeps its own defaults for the rest', () => {
    expect(engineArgsOf({ model: 'facebook/opt-125m' })).toEqual({ model: 'facebook/opt-125m' });
    expect(engineArgsOf({ model: 'gpt2', gpuMemoryUtilization: 1 })).toEqual({ model: 'gpt2', gpu_memory_utilization: 1 });
  });

  test('fails on a model that is not a Hugging Face id, an absolute path or an object store URI: vLLM reads a relative path from its working directory', () => {
    for (const good of ['/models/llama/1/weights', 'gpt2', 'org/name', 's3://models/llama-3/weights', 'gs://bucket/path', 'az://container']) {
      expect(engineArgsOf({ model: good }).model).toBe(good);
    }
    const message = "'model[llama].vllmEngineArgs.model' must be a Hugging Face id ('org/name'), an absolute path in the Triton container, or an s3://, gs:// " +
      "or az:// URI, without whitespace, '.' or '..' segments";
    expect(() => engineArgsOf({ model: './weights' })).toThrow(`${message}, got './weights': vLLM resolves a relative path from its working directory, not the ` +
      'version folder: give the absolute path');
    for (const bad of ['', 'org/name/extra', 'org/my model', '/models/../secrets', '/models/./llama', 'a/..b', '-org/name', 'http://host/model', 's3://Bucket/x']) {
      expect(() => engineArgsOf({ model: bad })).toThrow(`${message}, got '${bad}'`);
    }
    expect(() => engineArgsOf({} as VllmEngineArgs)).toThrow(`${message}, got undefined`);
  });

  test.each([
    [{ tensorParallelSize: 0 }, "'model[llama].vllmEngineArgs.tensorParallelSize' must be an integer >= 1, got 0"],
    [{ pipelineParallelSize: 1.5 }, "'model[llama].vllmEngineArgs.pipelineParallelSize' must be an integer >= 1, got 1.5"],
    [{ gpuMemoryUtilization: 0 }, "'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be a share of GPU memory above 0 and at most 1, got 0: e.g. 0.9 for 90 %"],
    [{ gpuMemoryUtilization: 90 }, "'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be a share of GPU memory above 0 and at most 1, got 90"],
    [{ gpuMemoryUtilization: NaN }, "'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be a share of GPU memory above 0 and at most 1, got NaN"],
    [{ maxModelLen: 0 }, "'model[llama].vllmEngineArgs.maxModelLen' must be an integer >= 1, got 0"],
    [{ maxNumSeqs: -1 }, "'model[llama].vllmEngineArgs.maxNumSeqs' must be an integer >= 1, got -1"],
    [{ maxNumBatchedTokens: 2 ** 53 }, "'model[llama].vllmEngineArgs.maxNumBatchedTokens' must be an integer between 1 and 9007199254740991, got 9007199254740992"],
    [{ seed: -1 }, "'model[llama].vllmEngineArgs.seed' must be an integer >= 0, got -1"],
    [{ dtype: 'fp16' as VllmDtype }, "'model[llama].vllmEngineArgs.dtype' must be one of auto, half, float16, bfloat16, float, float32, got 'fp16': use a VllmDtype value"],
    [{ quantization: 'AWQ' }, "'model[llama].vllmEngineArgs.quantization' must be a quantization method's name in lowercase, such as 'awq', 'gptq' or 'fp8', got 'AWQ'"],
    [{ enforceEager: 'true' as unknown as boolean }, "'model[llama].vllmEngineArgs.enforceEager' must be true or false, got 'true'"],
  ])('fails on %j', (bad, message) => {
    expect(() => engineArgsOf({ model: 'gpt2', ...bad })).toThrow(message);
  });

  test('takes integers beyond int32: vLLM\'s are Python ints', () => {
    expect(engineArgsOf({ model: 'gpt2', maxNumBatchedTokens: 2 ** 40 }).max_num_batched_tokens).toBe(2 ** 40);
  });

  test('fails on additionalArgs that are not snake_case engine arguments other than the typed ones, with JSON values', () => {
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { tensor_parallel_size: 2 } })).toThrow(
      "'model[llama].vllmEngineArgs.additionalArgs' must be free of the engine arguments the typed props write, got 'tensor_parallel_size': " +
      'set vllmEngineArgs.tensorParallelSize instead');
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { data_parallel_size: '2' } })).toThrow(
      "'model[llama].vllmEngineArgs.additionalArgs.data_parallel_size' must be an integer >= 1, got '2'");
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { 'kv-cache-dtype': 'fp8' } })).toThrow(
      "'model[llama].vllmEngineArgs.additionalArgs' must be keyed by engine argument names in snake_case, as AsyncEngineArgs takes them ('kv_cache_dtype'), " +
      "got 'kv-cache-dtype': use 'kv_cache_dtype'");
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { kvCacheDtype: 'fp8' } })).toThrow(/keyed by engine argument names in snake_case.*got 'kvCacheDtype'$/);
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { swap_space: undefined } })).toThrow(
      "'model[llama].vllmEngineArgs.additionalArgs.swap_space' must be a JSON value: a string, a finite number, a boolean, null, or a list or object of them, " +
      "got undefined: leave the key out for vLLM's default");
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { hf_overrides: { rope: [1, Infinity] } } })).toThrow(/additionalArgs\.hf_overrides' must be a JSON value/);
    expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { tokenizer: () => 'x' } })).toThrow(/additionalArgs\.tokenizer' must be a JSON value.*got a function/);
    expect(engineArgsOf({ model: 'gpt2', additionalArgs: { limit_mm_per_prompt: { image: 2 }, served_model_name: ['a', 'b'], tokenizer: null } })).toEqual({
      model: 'gpt2', limit_mm_per_prompt: { image: 2 }, served_model_name: ['a', 'b'], tokenizer: null,
    });
  });

  test('LoRA adapters: enable_lora in model.json, and the backend\'s multi_lora.json by adapter name', () => {
    const repo = minioRepo(chart(), [llama({
      model: '/models/llama/1/base',
      loraAdapters: { sql: '/models/llama/1/loras/sql', chat: 'org/chat-lora' },
      additionalArgs: { max_lora_rank: 16 },
    })]);
    const files = repo.findModel('llama')!.versionFiles;
    expect(Object.keys(files)).toEqual(['model.json', 'multi_lora.json']);
    expect(JSON.parse(files['model.json'])).toEqual({ model: '/models/llama/1/base', enable_lora: true, max_lora_rank: 16 });
    expect(files['multi_lora.json']).toBe('{\n  "chat": "org/chat-lora",\n  "sql": "/models/llama/1/loras/sql"\n}\n');
    expect(repo.configFiles['llama/1/multi_lora.json']).toBe(files['multi_lora.json']);
    const cm = oneOf(synthApp(repo.node.root as any), 'v1', 'ConfigMap');
    expect(cm.data['llama.multi_lora.json']).toBe(files['multi_lora.json']);
    // By name, integer-like names included, which a JSON object would put first.
    const numbered = minioRepo(chart(), [llama({ model: 'gpt2', loraAdapters: { b: '/l/b', 10: '/l/10', 9: '/l/9' } })]);
    expect(numbered.findModel('llama')!.versionFiles['multi_lora.json'].split('\n').slice(1, 4).map((l) => l.trim().split('"')[1])).toEqual(['10', '9', 'b']);
    // Read-only: the ConfigMap holds what the model had when it was added.
    expect(() => { (files as any)['extra.json'] = '{}'; }).toThrow(TypeError);
    expect(repo._podParts().mounts).toContainEqual({ name: 'model-configs', mountPath: '/models/llama/1/multi_lora.json', subPath: 'llama.multi_lora.json', readOnly: true });
  });

  test('fails on LoRA adapters without a name, a path or a Hugging Face id, or beside enable_lora', () => {
    const lora = (loraAdapters: Record<string, string>, additionalArgs?: Record<string, unknown>) => () => engineArgsOf({ model: 'gpt2', loraAdapters, additionalArgs });
    expect(lora({})).toThrow("'model[llama].vllmEngineArgs.loraAdapters' must be at least one adapter, got {}: leave loraAdapters unset to serve the base model only");
    expect(lora({ 'my adapter': '/loras/a' })).toThrow("'model[llama].vllmEngineArgs.loraAdapters' must be keyed by adapter names of letters, digits, '.', '_' and '-' " +
      "(the lora_name requests ask for), got 'my adapter'");
    expect(lora({ sql: './loras/sql' })).toThrow("'model[llama].vllmEngineArgs.loraAdapters[sql]' must be the absolute path of the adapter's folder in the Triton " +
      "container, or a Hugging Face id, got './loras/sql': the backend does not resolve a path from the version folder: give the absolute path");
    expect(lora({ sql: '/loras/../sql' })).toThrow(/loraAdapters\[sql\]' must be the absolute path/);
    expect(lora({ sql: '/loras/sql' }, { enable_lora: false })).toThrow("'model[llama].vllmEngineArgs.additionalArgs' must be free of the engine arguments the typed " +
      "props write, got 'enable_lora': remove it: loraAdapters sets enable_lora");
    // Without adapters, enable_lora reads multi_lora.json from the artifacts.
    expect(engineArgsOf({ model: 'gpt2', additionalArgs: { enable_lora: true } }).enable_lora).toBe(true);
  });

  test('fails on a stated gpuMemoryPerInstance: the budget counts the engine by its gpuMemoryUtilization', () => {
    expect(() => engineArgsOf({ model: 'gpt2' }, { instanceGroups: [{ kind: InstanceGroupKind.GPU, gpus: [0] }], gpuMemoryPerInstance: Size.gibibytes(11) })).toThrow(
      "'model[llama].gpuMemoryPerInstance' must be unset with vllmEngineArgs: the GPU memory budget counts each engine as gpuMemoryUtilization of the whole GPU, " +
      "got '11Gi': size the engine with vllmEngineArgs.gpuMemoryUtilization");
  });

  test('fails on a model of another backend', () => {
    expect(() => minioRepo(chart(), [{ ...RESNET50, vllmEngineArgs: { model: 'gpt2' } }])).toThrow(
      "'model[resnet50].vllmEngineArgs' must be set only on a model of the vllm backend (ModelPlatform.VLLM), which reads them from model.json, " +
      "got 'pytorch_libtorch': leave it unset");
  });

  describe('instances the vllm backend accepts for the engine', () => {
    test('fails on an engine over several GPUs without KIND_MODEL instances: Triton\'s default and KIND_GPU groups see one GPU', () => {
      const args = { model: 'gpt2', tensorParallelSize: 2, pipelineParallelSize: 2 };
      const message = "'model[llama].instanceGroups' must be KIND_MODEL groups for an engine over 4 GPUs (tensor × pipeline parallel size): a KIND_GPU instance " +
        "sees its own GPU only (the vllm backend refuses one for tensor or pipeline parallelism), and Triton's default is a KIND_GPU instance per GPU";
      expect(() => engineArgsOf(args, { instanceGroups: undefined })).toThrow(`${message}, got 'unset': give instanceGroups: [{ kind: InstanceGroupKind.MODEL }]`);
      expect(() => engineArgsOf(args, { instanceGroups: [] })).toThrow(`${message}, got 'unset'`);
      expect(() => engineArgsOf(args, { instanceGroups: [{ kind: InstanceGroupKind.AUTO }] })).toThrow(`${message}, got ["KIND_AUTO"]`);
      // Data parallelism multiplies the GPUs.
      expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { data_parallel_size: 2 } }, { instanceGroups: undefined })).toThrow(
        "'model[llama].instanceGroups' must be KIND_MODEL groups for an engine over 2 GPUs (data × tensor × pipeline parallel size)");
      // The backend has no rule for KIND_CPU: the engine takes GPUs 0, 1, ... as vLLM picks them.
      expect(() => engineArgsOf(args, { instanceGroups: [{ kind: InstanceGroupKind.CPU }] })).not.toThrow();
      expect(() => engineArgsOf(args, { instanceGroups: [{ kind: InstanceGroupKind.MODEL }, { count: 1, gpus: [0] }] })).toThrow(`${message}, got ["KIND_MODEL","KIND_GPU"]`);
      expect(engineArgsOf(args, { instanceGroups: [{ kind: InstanceGroupKind.MODEL }] }).tensor_parallel_size).toBe(2);
      // One GPU per engine: KIND_GPU instances are fine.
      expect(() => engineArgsOf({ model: 'gpt2' }, { instanceGroups: undefined })).not.toThrow();
    });

    test('fails on GPU_DEVICE_IDS of KIND_MODEL instances that are not distinct GPUs, one per GPU of an engine over several', () => {
      const withIds = (ids: string, tensorParallelSize = 2) => () => engineArgsOf({ model: 'gpt2', tensorParallelSize }, { parameters: { GPU_DEVICE_IDS: ids } });
      expect(withIds('2, 3')).not.toThrow();
      expect(withIds('0,1,2')).toThrow("'model[llama].parameters.GPU_DEVICE_IDS' must be a comma-separated list of distinct GPU indices, 2: one per GPU of the engine " +
        "(tensor × pipeline parallel size), as the vllm backend takes it, got '0,1,2'");
      expect(withIds('1,1')).toThrow(/GPU_DEVICE_IDS' must be a comma-separated list of distinct GPU indices, 2: .*got '1,1'/);
      expect(withIds('0;1')).toThrow(/got '0;1'/);
      // An engine of one GPU takes the first of them, as the backend does.
      expect(withIds('1,0', 1)).not.toThrow();
      expect(withIds('a', 1)).toThrow("'model[llama].parameters.GPU_DEVICE_IDS' must be a comma-separated list of distinct GPU indices, as the vllm backend takes it, got 'a'");
      // Empty is unset to the backend; KIND_GPU instances ignore it.
      expect(withIds('')).not.toThrow();
      expect(() => engineArgsOf({ model: 'gpt2' }, { instanceGroups: [{ kind: InstanceGroupKind.GPU }], parameters: { GPU_DEVICE_IDS: 'a' } })).not.toThrow();
      // With data parallelism the backend makes only tensor × pipeline parallel size GPUs visible.
      expect(() => engineArgsOf({ model: 'gpt2', additionalArgs: { data_parallel_size: 2 } }, { parameters: { GPU_DEVICE_IDS: '0,1' } })).toThrow(
        "'model[llama].parameters.GPU_DEVICE_IDS' must be unset with data_parallel_size above 1: the vllm backend makes only tensor × pipeline parallel size GPUs " +
        "visible (1), and the engine needs 2, got '0,1': leave it unset: the engine takes GPUs 0, 1, ...");
    });
  });

  describe('in the repository', () => {
    test('model.json sits in each served version folder, from the ConfigMap, over the copied folder', () => {
      const c = chart();
      const repo = minioRepo(c, [llama({ model: '/models/llama/2/weights' }, { versions: [1, 2], versionPolicy: ModelVersionPolicy.all() })]);
      new TritonServer(c, 'triton', { repository: repo, image: VLLM_IMAGE, autoscaling: { queueTime: false } });
      const objects = synthApp(c.node.root as any);
      const cm = oneOf(objects, 'v1', 'ConfigMap');
      expect(cm.data['llama.model.json']).toBe('{\n  "model": "/models/llama/2/weights"\n}\n');
      const pod = oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec;
      const triton = pod.containers.find((x: any) => x.name === 'tritonserver');
      const mounts = triton.volumeMounts.filter((m: any) => m.subPath === 'llama.model.json');
      expect(mounts).toEqual([1, 2].map((v) => ({ name: 'model-configs', mountPath: `/models/llama/${v}/model.json`, subPath: 'llama.model.json', readOnly: true })));
      // The folders themselves are copied by init containers, into the emptyDir the mounts go over.
      expect(pod.initContainers.map((x: any) => x.name)).toEqual(expect.arrayContaining(['fetch-llama-v1', 'fetch-llama-v2']));
      expect(repo.configFiles).toEqual({
        'llama/config.pbtxt': cm.data['llama.pbtxt'],
        'llama/1/model.json': cm.data['llama.model.json'],
        'llama/2/model.json': cm.data['llama.model.json'],
      });
    });

    test('changed engine arguments change the config hash, so the pods roll', () => {
      const hash = (args: VllmEngineArgs) => minioRepo(chart(), [llama(args)]).configHash;
      expect(hash({ model: 'gpt2', maxNumSeqs: 64 })).toBe(hash({ model: 'gpt2', maxNumSeqs: 64 }));
      expect(hash({ model: 'gpt2', maxNumSeqs: 64 })).not.toBe(hash({ model: 'gpt2', maxNumSeqs: 128 }));
    });

    test('a repository Triton reads from the store lists model.json to publish', () => {
      const repo = new TritonModelRepo(chart(), 'repo', {
        artifacts: ModelArtifactSource.fromGcs({ bucket: 'ml-models', prefix: 'triton' }),
        models: [llama({ model: 'facebook/opt-125m' })],
      });
      expect(repo.configFiles['llama/1/model.json']).toBe('{\n  "model": "facebook/opt-125m"\n}\n');
    });

    test('fails on a claim, whose version folders are read-only mounts', () => {
      const c = chart();
      const claim = new PersistentVolumeClaim(c, 'claim', { storage: Size.gibibytes(50) });
      expect(() => new TritonModelRepo(c, 'repo', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [llama({ model: 'gpt2' })] })).toThrow(
        "'model[llama].vllmEngineArgs' must be unset with ModelArtifactSource.fromPersistentVolumeClaim: the version folders are read-only mounts of the claim, " +
        "where the kubelet cannot add model.json, got 'set': write model.json into the claim as <model>/<version>/<file>, or copy the artifacts with fromS3");
      expect(() => new TritonModelRepo(c, 'lora', { artifacts: ModelArtifactSource.fromPersistentVolumeClaim(claim), models: [llama({ model: 'gpt2', loraAdapters: { a: '/l/a' } })] }))
        .toThrow(/where the kubelet cannot add model.json and multi_lora.json, got 'set'/);
    });
  });

  describe('against the server\'s GPUs', () => {
    const serve = (gpuCount: number, model: TritonModelProps) => () => {
      const c = chart();
      new TritonServer(c, 'triton', { repository: minioRepo(c, [model]), image: VLLM_IMAGE, gpuCount, autoscaling: { queueTime: false } });
      return synthApp(c.node.root as any);
    };

    test('fails on an engine over more GPUs than the server has', () => {
      expect(serve(2, llama({ model: 'gpt2', tensorParallelSize: 4 }))).toThrow(
        "'model[llama].vllmEngineArgs' must be an engine over at most the server's 2 GPUs (tensor × pipeline parallel size), got 4: " +
        'raise gpuCount to 4, or lower the parallel sizes');
      expect(serve(2, llama({ model: 'gpt2', tensorParallelSize: 2, additionalArgs: { data_parallel_size: 2 } }))).toThrow(
        "'model[llama].vllmEngineArgs' must be an engine over at most the server's 2 GPUs (data × tensor × pipeline parallel size), got 4");
      expect(serve(4, llama({ model: 'gpt2', tensorParallelSize: 4 }))).not.toThrow();
      expect(serve(4, llama({ model: 'gpt2', tensorParallelSize: 2 }, { parameters: { GPU_DEVICE_IDS: '2,4' } }))).toThrow(
        "'model[llama].parameters.GPU_DEVICE_IDS' must be GPU indices below the server's gpuCount (4); the container sees GPUs 0..3, got '2,4': " +
        'raise gpuCount to 5, or name GPUs the server gets');
      // Only KIND_MODEL instances read it.
      expect(serve(2, llama({ model: 'gpt2' }, { instanceGroups: [{ kind: InstanceGroupKind.GPU, gpus: [0] }], parameters: { GPU_DEVICE_IDS: '5' } }))).not.toThrow();
    });

    test('fails when the engines on a GPU of unknown memory take all of it: vLLM fails to start one when less than its share is free', () => {
      const twoOnGpu0 = { instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 2, gpus: [0] }] };
      expect(serve(1, llama({ model: 'gpt2' }, twoOnGpu0))).toThrow(
        "'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be summed over the vLLM engines on GPU 0, below 1: each takes its share of the GPU's whole memory, " +
        "and vLLM fails to start one when less is free, got '2 x 0.9 (llama) = 1.8': lower gpuMemoryUtilization (0.45 each for 2 engines), place fewer " +
        "engines on GPU 0, or state the GPU's memory (gpuMemory, or the node pool's products) to check them with gpuMemoryOverhead");
      // Exactly all of it fails too: the CUDA context takes some first.
      expect(serve(1, llama({ model: 'gpt2', gpuMemoryUtilization: 0.5 }, twoOnGpu0))).toThrow(/got '2 x 0.5 \(llama\) = 1'/);
      expect(serve(1, llama({ model: 'gpt2', gpuMemoryUtilization: 0.45 }, twoOnGpu0))).not.toThrow();
      expect(serve(1, llama({ model: 'gpt2', gpuMemoryUtilization: 1 }))).toThrow(/got '1 x 1 \(llama\) = 1': lower gpuMemoryUtilization \(vLLM's default is 0.9\)/);
      // An empty list is Triton's default, a KIND_GPU instance per GPU.
      expect(serve(1, llama({ model: 'gpt2', gpuMemoryUtilization: 1 }, { instanceGroups: [] }))).toThrow(/got '1 x 1 \(llama\) = 1'/);
      // KIND_MODEL instances of one GPU all land on GPU 0 (or the first of GPU_DEVICE_IDS).
      const twoEngines = { instanceGroups: [{ kind: InstanceGroupKind.MODEL, count: 2 }] };
      expect(serve(2, llama({ model: 'gpt2', gpuMemoryUtilization: 0.6 }, twoEngines))).toThrow(/engines on GPU 0, below 1.*got '2 x 0.6 \(llama\) = 1.2'/);
      expect(serve(2, llama({ model: 'gpt2', gpuMemoryUtilization: 0.6 }, {
        instanceGroups: [{ kind: InstanceGroupKind.MODEL }, { kind: InstanceGroupKind.GPU, gpus: [1] }], parameters: { GPU_DEVICE_IDS: '1' },
      }))).toThrow(/engines on GPU 1, below 1.*got '2 x 0.6 \(llama\) = 1.2'/);
      expect(serve(2, llama({ model: 'gpt2' }, { instanceGroups: [{ kind: InstanceGroupKind.GPU, gpus: [0, 1] }] }))).not.toThrow();
    });

    test('fails when the engines of several models share a GPU beyond its memory', () => {
      const c = chart();
      const mistral = llama({ model: 'mistralai/Mistral-7B-Instruct-v0.3', gpuMemoryUtilization: 0.5 }, { name: 'mistral', instanceGroups: [{ kind: InstanceGroupKind.GPU, gpus: [1] }] });
      const tp2 = llama({ model: 'gpt2', tensorParallelSize: 2, gpuMemoryUtilization: 0.6 });
      new TritonServer(c, 'triton', { repository: minioRepo(c, [tp2, mistral]), image: VLLM_IMAGE, gpuCount: 2, autoscaling: { queueTime: false } });
      expect(() => synthApp(c.node.root as any)).toThrow(
        /'model\[llama, mistral\]\.vllmEngineArgs\.gpuMemoryUtilization' must be summed over the vLLM engines on GPU 1, below 1.*got '1 x 0.6 \(llama\) \+ 1 x 0.5 \(mistral\) = 1.1'/);
    });

    test('fails when a GPU of known memory cannot hold the engines, the other models\' instances and the overhead', () => {
      const onL4 = (models: TritonModelProps[], gpuMemoryOverhead?: Size) => () => {
        const c = chart();
        new TritonServer(c, 'triton', {
          repository: minioRepo(c, models),
          image: VLLM_IMAGE,
          nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }),
          gpuMemoryOverhead,
          autoscaling: { queueTime: false },
        });
        return synthApp(c.node.root as any);
      };
      // An L4 has 23034Mi: 1Gi of overhead leaves 95.5 % of it.
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 0.95 })])).not.toThrow();
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 0.96 })])).toThrow(
        "'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be summed over the instances on GPU 0 with gpuMemoryOverhead, at most 23034Mi (NVIDIA-L4), " +
        "got '1 x 0.96 of 23034Mi (llama, vLLM) + 1Gi overhead = 23137Mi': lower instance counts or gpuMemoryUtilization (vLLM takes its share of the whole " +
        'GPU, and fails to start when less is free), spread instances over more GPUs, or use a GPU with more memory');
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 0.9 })], Size.gibibytes(3))).toThrow(/with gpuMemoryOverhead, at most 23034Mi/);
      // Beside a model of stated footprint on the same GPU.
      const guard = { ...PREPROCESS, name: 'guard', instanceGroups: [{ kind: InstanceGroupKind.GPU, count: 1, gpus: [0] }], gpuMemoryPerInstance: Size.gibibytes(2) };
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 0.9 }), guard])).toThrow(
        /'gpuMemoryPerInstance and model\[llama\]\.vllmEngineArgs\.gpuMemoryUtilization' must be summed over the instances on GPU 0.*got '1 x 2Gi \(guard\) \+ 1 x 0.9 of 23034Mi \(llama, vLLM\) \+ 1Gi overhead = 23803Mi'/);
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 0.8 }), guard])).not.toThrow();
      // Filled exactly: the engine needs its share free when it starts.
      expect(onL4([llama({ model: 'gpt2', gpuMemoryUtilization: 1 })], Size.gibibytes(0))).toThrow(/got '1 x 1 of 23034Mi \(llama, vLLM\) \+ 0Ki overhead = 23034Mi'/);
    });

    test('counts an engine over several GPUs on each of them', () => {
      const repo = minioRepo(chart(), [llama({ model: 'gpt2', tensorParallelSize: 2 }, { parameters: { GPU_DEVICE_IDS: '1,3' } })]);
      const model = repo.findModel('llama')!;
      expect([0, 1, 2, 3].map((gpu) => model.instancesOnGpu(gpu, 4))).toEqual([0, 1, 0, 1]);
      const plain = minioRepo(chart(), [{ ...VLLM, name: 'no-args' }]).findModel('no-args')!;
      expect([0, 1].map((gpu) => plain.instancesOnGpu(gpu, 2))).toEqual([0, 0]);
    });

    test('fails on bfloat16 on a Karmada target of GPUs older than compute capability 8.0', () => {
      const c = chart();
      const l4 = GpuNodePool.nvidia({ products: [GpuProduct.L4] });
      const server = new TritonServer(c, 'triton', {
        repository: minioRepo(c, [llama({ model: 'gpt2', dtype: VllmDtype.BFLOAT16 })]), image: VLLM_IMAGE, replicas: 1, metadata: { name: 'llm' }, nodePool: l4,
      });
      const targets = [new ClusterTarget({ name: 'dc1', nodePool: l4 }), new ClusterTarget({ name: 't4s', nodePool: GpuNodePool.nvidia({ products: [GpuProduct.T4] }) })];
      new KarmadaPlacement(c, 'placement', { workload: PlaceableWorkload.fromApiObject(server.deployment, l4), targets });
      expect(() => synthApp(c.node.root as any)).toThrow("on target 't4s', whose node pool the override puts it on: 'model[llama].vllmEngineArgs.dtype' must be " +
        'not bfloat16 on GPUs of compute capability below 8.0 (Tesla-T4 7.5)');
    });

    test('fails on bfloat16 on GPUs of compute capability below 8.0, where the pool names them', () => {
      const on = (products: GpuProduct[], dtype: VllmDtype) => () => {
        const c = chart();
        new TritonServer(c, 'triton', {
          repository: minioRepo(c, [llama({ model: 'gpt2', dtype })]), image: VLLM_IMAGE, nodePool: GpuNodePool.nvidia({ products }), autoscaling: { queueTime: false },
        });
        return synthApp(c.node.root as any);
      };
      expect(on([GpuProduct.L4, GpuProduct.T4], VllmDtype.BFLOAT16)).toThrow(
        "'model[llama].vllmEngineArgs.dtype' must be not bfloat16 on GPUs of compute capability below 8.0 (Tesla-T4 7.5): vLLM refuses to start an engine in " +
        "bfloat16 there, got 'bfloat16': use VllmDtype.FLOAT16, or place the pods on Ampere or newer GPUs");
      expect(on([GpuProduct.T4], VllmDtype.FLOAT16)).not.toThrow();
      expect(on([GpuProduct.L4, GpuProduct.A100_SXM4_80GB], VllmDtype.BFLOAT16)).not.toThrow();
    });

    test('fails on a Karmada target whose GPUs cannot hold the engines', () => {
      const c = chart();
      const h100 = GpuNodePool.nvidia({ products: [GpuProduct.H100_80GB_HBM3] });
      const server = new TritonServer(c, 'triton', {
        repository: minioRepo(c, [llama({ model: 'gpt2', gpuMemoryUtilization: 0.96 })]), image: VLLM_IMAGE, replicas: 1, metadata: { name: 'llm' }, nodePool: h100,
      });
      const targets = [
        new ClusterTarget({ name: 'dc1', nodePool: h100 }),
        new ClusterTarget({ name: 'gke-l4', nodePool: GpuNodePool.gke({ accelerators: [GkeAccelerator.NVIDIA_L4] }) }),
      ];
      new KarmadaPlacement(c, 'placement', { workload: PlaceableWorkload.fromApiObject(server.deployment, h100), targets });
      let message = '';
      try {
        synthApp(c.node.root as any);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain("on target 'gke-l4', whose node pool the override puts it on: 'model[llama].vllmEngineArgs.gpuMemoryUtilization' must be summed " +
        'over the instances on GPU 0 with gpuMemoryOverhead, at most 23034Mi (NVIDIA-L4)');
      expect(message).not.toContain("on target 'dc1'");
    });

    test('fails the same on a TritonKnativeService', () => {
      const c = chart();
      new TritonKnativeService(c, 'llm', {
        repository: minioRepo(c, [llama({ model: 'gpt2', tensorParallelSize: 2 })]), image: VLLM_IMAGE, containerConcurrency: 64, target: 32,
      });
      expect(() => synthApp(c.node.root as any)).toThrow(/'model\[llama\]\.vllmEngineArgs' must be an engine over at most the server's 1 GPU \(tensor × pipeline parallel size\), got 2/);
    });
  });
});
