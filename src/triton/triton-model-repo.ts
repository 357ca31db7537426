import { createHash } from 'crypto';
import { ApiObject, ApiObjectMetadata, Lazy, Size } from 'cdk8s';
import { EnvValue, IPersistentVolumeClaim, ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ArtifactKind, isGpuGroup, RepoPodParts } from './_repo-parts';
import { sortedModelVersions } from './_versions';
import { checkVllmInstances, renderVllmEngineArgs, RenderedVllmEngineArgs, vllmEngineGpus } from './_vllm-engine-args';
import { ModelTensor, TritonModelConfig, TritonModelConfigProps } from './model-config';
import { VllmEngineArgs } from './vllm-engine-args';
import { propError } from '../_errors';
import { keyedMemo } from '../_memo';
import { checkDnsSubdomain, checkMetadata, checkSecretKey } from '../_names';
import { compareStrings } from '../_order';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { checkPinnedImage } from '../scheduling/_image';
import { checkObjectStore, credentialEnv, DEFAULT_MC_IMAGE, mcCaParts, mcContainer, normalizePrefix, ParsedEndpoint } from '../scheduling/_mc';
import { AuxiliaryContainer, quantity } from '../scheduling/_pod-spec';
import { ObjectStoreOptions } from '../scheduling/object-store';

const REGION = /^[a-z0-9-]+$/;
/** The object path Triton's S3 client parses after the bucket (core's s3.h). */
const NATIVE_S3_PREFIX = /^([0-9A-Za-z._-]+(\/[0-9A-Za-z._-]+)*)?$/;
/**
 * An AWS S3 endpoint host that names its region: regional (`s3.<region>`, `s3-<region>`), dual-stack, FIPS, access
 * points, interface endpoints (`….s3.<region>.vpce.amazonaws.com`), in the commercial, China and European Sovereign
 * partitions; the region.
 */
const AWS_S3_HOST = /(?:^|\.)s3(?:-fips)?(?:-accesspoint)?(?:\.dualstack)?[.-]([a-z]{2,4}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?amazonaws\.(?:com(?:\.cn)?|eu)$/;
/** Any AWS host (commercial, China, European Sovereign Cloud). */
const AWS_HOST = /(^|\.)amazonaws\.(com|com\.cn|eu)$/;
/** Google Cloud Storage's S3-compatible endpoint. */
const GCS_S3_HOST = 'storage.googleapis.com';
/** Where the key file of a GCS repository's Secret is mounted. */
const GCS_KEY_DIR = '/var/run/secrets/gcs';
/** Where Triton caches the objects it reads from a native S3 or GCS repository. */
const NATIVE_CACHE = '/var/cache/triton-models';
/** A ConfigMap holds at most 1 MiB of data. */
const CONFIGMAP_LIMIT = 1024 * 1024;

/**
 * Options for copying artifacts from an S3-compatible store into the pod before Triton starts; they live at
 * `<prefix>/<model>/<version>/<file>`.
 */
export interface S3CopyOptions extends ObjectStoreOptions {
  /**
   * The MinIO client image that copies; must be pinned.
   * @default GpuInferenceService.DEFAULT_MC_IMAGE (the one pinned `mc` image of the library)
   */
  readonly image?: string;
  /**
   * Size limit of the emptyDir the repository is copied into.
   * @default Size.gibibytes(10)
   */
  readonly sizeLimit?: Size;
}

/** Options for Triton reading its repository (`<prefix>/<model>/...`) straight from an S3-compatible store. */
export interface S3NativeOptions extends ObjectStoreOptions {
  /**
   * Region the requests are signed for (`AWS_DEFAULT_REGION`). AWS refuses a request signed for another region than
   * the bucket's; MinIO accepts its default.
   * @default - the region an AWS endpoint names (`https://s3.<region>.amazonaws.com`), else 'us-east-1'
   */
  readonly region?: string;
  /**
   * Size limit of the emptyDir Triton downloads the repository into (`TRITON_AWS_MOUNT_DIRECTORY`).
   * @default Size.gibibytes(10)
   */
  readonly localCacheSize?: Size;
}

/** Options for Triton reading its repository (`<prefix>/<model>/...`) straight from a Google Cloud Storage bucket. */
export interface GcsArtifactOptions {
  /** The bucket holding the repository. */
  readonly bucket: string;
  /**
   * Object prefix of the repository inside the bucket.
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * Secret holding a service-account key file (JSON), by reference: mounted read-only, and named by
   * `GOOGLE_APPLICATION_CREDENTIALS`. For clusters outside Google Cloud.
   * @default - the pod's attached service account: on GKE, the Google service account its Kubernetes service
   * account stands for through Workload Identity Federation (`serviceAccount` of the workload)
   */
  readonly credentials?: ISecret;
  /**
   * Key of the key file in `credentials`.
   * @default 'key.json'
   */
  readonly credentialsKey?: string;
  /**
   * Size limit of the emptyDir Triton downloads the repository into (`TRITON_GCS_MOUNT_DIRECTORY`).
   * @default Size.gibibytes(10)
   */
  readonly localCacheSize?: Size;
}

/** Options for artifacts on a PersistentVolumeClaim. */
export interface PersistentVolumeClaimArtifactOptions {
  /**
   * Folder in the volume that holds `<model>/<version>/<file>`.
   * @default - the volume root
   */
  readonly subPath?: string;
}

/** How the model artifacts (`<model>/<version>/<file>`) reach Triton. */
export class ModelArtifactSource {
  /**
   * Copy from an S3-compatible store into an emptyDir with pinned, hardened `mc mirror` init containers, one per
   * served model version: only the versions the version policy serves are copied (and label files that are not
   * inline, and `<model>/warmup/` for `WarmupData.fromFile`). Configs come from the repository's ConfigMap.
   */
  public static fromS3(options: S3CopyOptions): ModelArtifactSource {
    const endpoint = checkObjectStore(options, (f) => `ModelArtifactSource.fromS3: ${f}`,
      { fix: 'give credentials, or read the repository with ModelArtifactSource.fromS3Native, whose AWS SDK finds ambient credentials' });
    checkPinnedImage('ModelArtifactSource.fromS3: image', options.image ?? DEFAULT_MC_IMAGE);
    return new ModelArtifactSource(ArtifactKind.S3_COPY, options, endpoint, undefined, undefined);
  }

  /**
   * Triton reads the repository itself from the store (`--model-repository=s3://host:port/bucket/prefix`), with
   * AWS credential variables taken from the Secret. Triton then reads each model's `config.pbtxt` and label files
   * from the bucket too: publish the files the repository renders (`TritonModelRepo.configFiles`: configs and inline
   * labels, also kept in its ConfigMap) to `<prefix>/<path>`, and give ensembles a placeholder object in their
   * version folder.
   */
  public static fromS3Native(options: S3NativeOptions): ModelArtifactSource {
    const endpoint = checkObjectStore(options, (f) => `ModelArtifactSource.fromS3Native: ${f}`);
    if (options.caCertificate !== undefined) {
      throw propError('ModelArtifactSource.fromS3Native: caCertificate', "unset: Triton's own S3 client trusts the CA bundle of its image, not this Secret",
        options.caCertificate.name, 'use fromS3 (mc copies trust it), or serve the store with a certificate the image trusts');
    }
    // core's s3.h parses s3://host:port/bucket/path with a pattern whose path takes only these characters; a path it
    // cannot parse is read as an AWS path with the host as bucket, and the server fails to start.
    if (options.prefix !== undefined && !NATIVE_S3_PREFIX.test(normalizePrefix(options.prefix))) {
      throw propError('ModelArtifactSource.fromS3Native: prefix', "a path of letters, digits, '.', '_' and '-' separated by '/' (what Triton's S3 client parses)",
        options.prefix, 'rename the prefix, or copy the artifacts with ModelArtifactSource.fromS3');
    }
    if (options.region !== undefined && !REGION.test(options.region)) {
      throw propError('ModelArtifactSource.fromS3Native: region', 'a region name such as us-east-1', options.region);
    }
    if (endpoint.host === GCS_S3_HOST && options.credentials === undefined) {
      throw propError('ModelArtifactSource.fromS3Native: credentials', "HMAC keys for storage.googleapis.com: GCS's S3 interoperability takes no ambient credentials", 'none',
        'use ModelArtifactSource.fromGcs, which reads the bucket with the attached service account (Workload Identity)');
    }
    const named = AWS_S3_HOST.exec(endpoint.host)?.[1];
    if (named === undefined && options.region === undefined && AWS_HOST.test(endpoint.host) && endpoint.host !== 's3.amazonaws.com') {
      throw propError('ModelArtifactSource.fromS3Native: region', "set for an AWS endpoint whose host names no region: AWS refuses requests signed for another region than the bucket's",
        'none', "name the bucket's region, e.g. region: 'eu-west-1'");
    }
    if (named !== undefined && options.region !== undefined && options.region !== named) {
      throw propError('ModelArtifactSource.fromS3Native: region', `the region of the endpoint (${named}): AWS refuses requests signed for another region`,
        options.region, 'leave region unset, or name the endpoint of the region');
    }
    return new ModelArtifactSource(ArtifactKind.S3_NATIVE, { ...options, region: options.region ?? named }, endpoint, undefined, undefined);
  }

  /**
   * Triton reads the repository itself from Google Cloud Storage (`--model-repository=gs://bucket/prefix`), with the
   * pod's attached service account (Workload Identity on GKE) or a key file from a Secret. As with `fromS3Native`,
   * Triton reads each model's `config.pbtxt` and label files from the bucket too: publish
   * `TritonModelRepo.configFiles` to `<prefix>/<path>`, and give ensembles a placeholder object in their version
   * folder. The service account needs `storage.buckets.get` besides reading objects: Triton reads the bucket's
   * metadata first, and fails to start with `roles/storage.objectViewer` alone (grant
   * `roles/storage.legacyBucketReader` too).
   */
  public static fromGcs(options: GcsArtifactOptions): ModelArtifactSource {
    options = snapshot(options);
    const prop = (f: string) => `ModelArtifactSource.fromGcs: ${f}`;
    checkGcsBucket(prop('bucket'), options.bucket);
    if (options.prefix !== undefined && (normalizePrefix(options.prefix) === '' || options.prefix.split('/').some((x) => x === '..' || x === '.'))) {
      throw propError(prop('prefix'), 'an object prefix without . or .. segments (leave it unset for the bucket root)', options.prefix);
    }
    if (options.credentials === undefined && options.credentialsKey !== undefined) {
      throw propError(prop('credentialsKey'), 'unset without credentials, whose key it names', options.credentialsKey, 'set credentials, or leave both unset for the attached service account');
    }
    checkSecretKey(prop('credentialsKey'), options.credentialsKey);
    return new ModelArtifactSource(ArtifactKind.GCS_NATIVE, undefined, undefined, undefined, undefined, options);
  }

  /**
   * Mount the served version folders from a PersistentVolumeClaim, read-only (and label files that are not inline,
   * and `<model>/warmup/` for `WarmupData.fromFile`). Configs come from the ConfigMap. A TritonKnativeService, and a
   * TritonServer that may run several replicas, need a claim several nodes can mount (ReadOnlyMany or
   * ReadWriteMany); with a claim the app creates, they check its access modes, and a TritonServer of one replica on a
   * ReadWriteOnce claim replaces its pod instead of rolling, and is the only server on that claim.
   */
  public static fromPersistentVolumeClaim(claim: IPersistentVolumeClaim, options: PersistentVolumeClaimArtifactOptions = {}): ModelArtifactSource {
    const sub = options.subPath === undefined ? undefined : options.subPath.replace(/^\/+|\/+$/g, '');
    if (sub !== undefined && (sub === '' || sub.split('/').some((s) => s === '..' || s === '.'))) {
      throw propError('ModelArtifactSource.fromPersistentVolumeClaim: subPath', 'a relative folder without . or .. segments', options.subPath);
    }
    return new ModelArtifactSource(ArtifactKind.PVC, undefined, undefined, claim, sub);
  }

  private constructor(
    /** @internal */ public readonly _kind: ArtifactKind,
    /** @internal */ public readonly _s3: S3CopyOptions & S3NativeOptions | undefined,
    /** @internal */ public readonly _endpoint: ParsedEndpoint | undefined,
    /** @internal */ public readonly _claim: IPersistentVolumeClaim | undefined,
    /** @internal */ public readonly _subPath: string | undefined,
    /** @internal */ public readonly _gcs?: GcsArtifactOptions,
  ) {}

  /** Whether Triton reads the repository from the store itself (configs included). */
  public get isNative(): boolean {
    return this._kind === ArtifactKind.S3_NATIVE || this._kind === ArtifactKind.GCS_NATIVE;
  }
}

/** A model of the repository: its config, the versions present as artifacts, its GPU memory footprint. */
export interface TritonModelProps extends TritonModelConfigProps {
  /**
   * Versions present as artifacts (version folders `0`, `1`, `2` ..., without leading zeros, which Triton skips).
   * The version policy picks the served ones from these, and only those are copied or mounted.
   * @default [1]
   */
  readonly versions?: number[];
  /**
   * GPU memory one instance of the model uses (weights, activations at the largest batch, workspace), for the
   * GPU memory budget the Triton workloads check.
   * @default - unknown: the model is left out of the budget check
   */
  readonly gpuMemoryPerInstance?: Size;
  /**
   * vLLM's engine arguments of a `ModelPlatform.VLLM` model, rendered to the `model.json` the vllm backend reads from
   * each served version folder: kept in the repository's ConfigMap and mounted there, or, for a repository Triton
   * reads from the store (`fromS3Native`, `fromGcs`), listed in `configFiles` to publish. Not with
   * `fromPersistentVolumeClaim`, whose version folders are read-only mounts: keep model.json in the claim.
   * @default - model.json comes with the artifacts
   */
  readonly vllmEngineArgs?: VllmEngineArgs;
}

/** A model in a TritonModelRepo. */
export class TritonModel {
  /** Model name. */
  public readonly name: string;
  /** The checked configuration. */
  public readonly config: TritonModelConfig;
  /** Versions present as artifacts, ascending. */
  public readonly versions: number[];
  /** The versions the version policy serves, ascending: the version folders the repository lays out. */
  public readonly servedVersions: number[];
  /** GPU memory of one instance, when stated. */
  public readonly gpuMemoryPerInstance?: Size;
  /** What the Triton workloads check of the engine arguments against the server's GPUs. @internal */
  public readonly _vllm?: RenderedVllmEngineArgs;

  public constructor(given: TritonModelProps) {
    this.config = new TritonModelConfig(given);
    // The config's copy of the props, which holds this model's own ones too.
    const props = this.config.props as TritonModelProps;
    this.name = props.name;
    this.versions = sortedModelVersions(`model[${props.name}].versions`, props.versions ?? [1], 'at least one version present in the repository',
      'version folders are named 0, 1, 2 ...');
    const policy = this.config.versionPolicy;
    if (policy.kind === 'specific') {
      const missing = policy.versions!.filter((v) => !this.versions.includes(v));
      if (missing.length > 0) {
        throw propError(`model[${props.name}].versionPolicy`, `specific versions present as artifacts (${this.versions.join(', ')})`, policy.versions,
          `add ${missing.join(', ')} to 'versions', or drop ${missing.length > 1 ? 'them' : 'it'} from the policy`);
      }
    }
    this.servedVersions = policy.select(this.versions);
    const footprint = props.gpuMemoryPerInstance === undefined ? undefined : quantity(`model[${props.name}].gpuMemoryPerInstance`, props.gpuMemoryPerInstance);
    if (footprint !== undefined) {
      // The budget counts the instances each GPU holds; KIND_MODEL instances go where the backend puts them.
      if (!this.config.instanceGroups.some((g) => isGpuGroup(g.kind))) {
        throw propError(`model[${props.name}].gpuMemoryPerInstance`, 'set only on a model with KIND_GPU or KIND_AUTO instance groups, whose instances the budget counts per GPU',
          this.isEnsemble ? 'an ensemble (no instances)' : `a model of ${this.config.instanceGroups.map((g) => g.kind).join(', ')} instances`,
          'leave it unset: a KIND_MODEL backend places its instances itself (vLLM takes its share of each GPU from gpu_memory_utilization), so size the GPUs for it');
      }
    }
    this.gpuMemoryPerInstance = props.gpuMemoryPerInstance;
    if (props.vllmEngineArgs !== undefined) {
      const where = `model[${props.name}]`;
      if (this.config.platform._runtime !== 'vllm') {
        throw propError(`${where}.vllmEngineArgs`, 'set only on a model of the vllm backend (ModelPlatform.VLLM), which reads them from model.json',
          this.config.platform._name, 'leave it unset');
      }
      this._vllm = renderVllmEngineArgs(where, props.vllmEngineArgs);
      if (footprint !== undefined) {
        throw propError(`${where}.gpuMemoryPerInstance`, 'unset with vllmEngineArgs: the GPU memory budget counts each engine as gpuMemoryUtilization of the whole GPU',
          footprint, 'size the engine with vllmEngineArgs.gpuMemoryUtilization');
      }
      checkVllmInstances(where, this._vllm, props.instanceGroups, props.parameters);
    }
  }

  /**
   * Files the repository renders into each served version folder, by file name: a vLLM model's `model.json` (and
   * `multi_lora.json` with LoRA adapters) when it has `vllmEngineArgs`; none otherwise. Read-only: the repository
   * copies them into its ConfigMap when the model is added, and lays them out from here.
   */
  public get versionFiles(): Record<string, string> {
    return this._vllm?.files ?? NO_FILES;
  }

  /** Whether this is an ensemble (no instances, no artifacts). */
  public get isEnsemble(): boolean {
    return this.config.platform.isEnsemble;
  }

  /** How many instances Triton creates for this model on a server with `gpuCount` GPUs. */
  public instanceCount(gpuCount: number): number {
    return this.config.instanceGroups.reduce((n, g) => n + (g.count ?? 1) * (isGpuGroup(g.kind) ? g.gpus?.length ?? gpuCount : 1), 0);
  }

  /**
   * How many instances of this model land on GPU `index` of a server with `gpuCount` GPUs: KIND_GPU and AUTO
   * instances where they are placed, and the vLLM engines of KIND_MODEL and KIND_CPU instances on the GPUs they span
   * (with `vllmEngineArgs`); other backends place KIND_MODEL instances themselves, which are not counted.
   */
  public instancesOnGpu(index: number, gpuCount: number): number {
    let n = 0;
    for (const g of this.config.instanceGroups) {
      const gpus = isGpuGroup(g.kind) ? g.gpus ?? range(gpuCount)
        : this._vllm ? vllmEngineGpus(this._vllm, g.kind, this.config.props.parameters) : [];
      if (gpus.includes(index)) n += g.count ?? 1;
    }
    return n;
  }
}


const NO_FILES: Record<string, string> = Object.freeze({});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Props of TritonModelRepo. */
export interface TritonModelRepoProps {
  /** Where the artifacts come from. */
  readonly artifacts: ModelArtifactSource;
  /**
   * Metadata of the ConfigMap holding the configs.
   * @default - a name generated from the construct path
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Models to start with; more with `addModel()`.
   * @default - none
   */
  readonly models?: TritonModelProps[];
  /**
   * Where the repository appears in the Triton container.
   * @default '/models'
   */
  readonly mountPath?: string;
}

/**
 * A Triton model repository: typed, checked model configs rendered to `config.pbtxt`, and the artifacts they
 * serve laid out as `<repo>/<model>/config.pbtxt` and `<repo>/<model>/<version>/<file>`.
 *
 * Creates: one `ConfigMap` whose keys `<model>.pbtxt` hold the configs (plus inline label files). The Triton
 * workloads (`TritonServer`, `TritonKnativeService`) mount it: an emptyDir is the repository root, each config is
 * mounted at `<model>/config.pbtxt`, and the served version folders are copied from S3 by init containers or
 * mounted from a PVC. With `ModelArtifactSource.fromS3Native()` Triton reads the whole repository from the
 * bucket instead.
 *
 * Checked at synth: unique model names, ensemble steps that name models of this repository (and versions they
 * serve), specific versions present as artifacts, and every single-model rule of TritonModelConfig.
 *
 * @example
 * const repo = new TritonModelRepo(chart, 'models', {
 *   artifacts: ModelArtifactSource.fromS3({
 *     endpoint: 'http://minio.minio.svc.cluster.local:9000',
 *     bucket: 'models',
 *     credentials: Secret.fromSecretName(chart, 'minio', 'minio-model-reader'),
 *   }),
 * });
 * repo.addModel({
 *   name: 'resnet50',
 *   platform: ModelPlatform.PYTORCH_LIBTORCH,
 *   maxBatchSize: 32,
 *   inputs: [{ name: 'INPUT__0', dataType: TensorDataType.FP32, dims: [3, 224, 224] }],
 *   outputs: [{ name: 'OUTPUT__0', dataType: TensorDataType.FP32, dims: [1000] }],
 *   dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: Duration.millis(100) },
 * });
 */
export class TritonModelRepo extends Construct {
  /** The ConfigMap holding the configs (`<model>.pbtxt` keys); `.name` is its name. */
  public readonly configMap: ApiObject;
  /** Where the artifacts come from. */
  public readonly artifacts: ModelArtifactSource;
  /** Where the repository appears in the Triton container. */
  public readonly mountPath: string;

  private readonly _models: TritonModel[] = [];
  private readonly data: Record<string, string> = {};
  /** Bytes of `data`, kept as models are added. */
  private dataBytes = 0;
  /** Counts `addModel()` calls; see `_revision`. */
  private revision = 0;

  public constructor(scope: Construct, id: string, props: TritonModelRepoProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    this.artifacts = props.artifacts;
    this.mountPath = (props.mountPath ?? '/models').replace(/\/+$/, '');
    if (!/^\/[A-Za-z0-9_.\/-]+$/.test(this.mountPath) || ['/tmp', '/dev/shm', '/dev', '/'].includes(this.mountPath) || this.mountPath.split('/').includes('..')) {
      throw propError('mountPath', 'an absolute path other than /, /dev, /tmp and /dev/shm', props.mountPath);
    }
    // A plain ApiObject of the core ConfigMap kind, neither cdk8s-plus's ConfigMap (one construct more) nor the
    // generated KubeConfigMap, whose toJson copies the metadata and data key by key once more and was the largest
    // synth cost a repository added (npm run bench). Its data are plain strings; the schema tests check the object.
    this.configMap = new ApiObject(this, 'Configs', {
      ...k8s.KubeConfigMap.GVK,
      metadata: props.metadata,
      data: Lazy.any({ produce: () => ({ ...this.data }) }),
    });
    checkDnsSubdomain('metadata.name', this.configMap.name);
    for (const m of props.models ?? []) this.addModel(m);

    // cdk8s validates the whole app once more per chart: check once per revision.
    this.node.addValidation({ validate: keyedMemo(() => this.revision, () => this.validateRepo()) });
  }

  /** The models, in the order they were added. */
  public get models(): TritonModel[] {
    return [...this._models];
  }

  /** The model named `name`, if the repository has it. */
  public findModel(name: string): TritonModel | undefined {
    return this._models.find((m) => m.name === name);
  }

  /** Adds a model; its config is checked and rendered at once. */
  public addModel(props: TritonModelProps): TritonModel {
    if (this.findModel(props.name)) {
      throw propError('name', 'unique within the repository (one folder per model)', props.name, 'rename one of the models');
    }
    const model = new TritonModel(props);
    const versionFiles = Object.keys(model.versionFiles);
    if (versionFiles.length > 0 && this.artifacts._kind === ArtifactKind.PVC) {
      throw propError(`model[${model.name}].vllmEngineArgs`, 'unset with ModelArtifactSource.fromPersistentVolumeClaim: the version folders are read-only mounts of the claim, ' +
        `where the kubelet cannot add ${versionFiles.join(' and ')}`, 'set', `write ${versionFiles.join(' and ')} into the claim as <model>/<version>/<file>, or copy the artifacts with fromS3`);
    }
    const entries: Record<string, string> = { [`${model.name}.pbtxt`]: model.config.toPbtxt() };
    for (const file of versionFiles) entries[versionFileKey(model.name, file)] = model.versionFiles[file];
    for (const f of model.config.labelFiles) {
      if (f.labels) entries[labelKey(model.name, f.fileName)] = f.labels.join('\n') + '\n';
    }
    for (const key of Object.keys(entries)) {
      if (key in this.data) throw propError(`model[${model.name}]`, 'ConfigMap keys that no other model uses', key, 'rename the model or its label file');
      // The apiserver's limit on ConfigMap keys (names and file names are already limited to [-._a-zA-Z0-9]).
      if (key.length > 253) throw propError(`model[${model.name}]`, 'ConfigMap keys of at most 253 characters (<model>.pbtxt, <model>.<version file>, <model>--<label file>)', key, 'shorten the model or label file name');
    }
    for (const [key, value] of Object.entries(entries)) {
      this.data[key] = value;
      this.dataBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    }
    this._models.push(model);
    this.revision++;
    return model;
  }

  /**
   * Counts the changes to the repository (each `addModel()`): what workloads render from it is kept under this
   * number and rendered again when it moves, never once per validation pass.
   * @internal
   */
  public get _revision(): number {
    return this.revision;
  }

  /**
   * The files the repository renders, keyed by their path in the repository: each model's `<model>/config.pbtxt`,
   * the label files of outputs given inline `labels` (`<model>/labels.txt`), and the model's `versionFiles` in each
   * served version folder (`<model>/<version>/model.json` of a vLLM model with `vllmEngineArgs`).
   */
  public get configFiles(): Record<string, string> {
    return Object.fromEntries(this._models.flatMap((m) => [
      [`${m.name}/config.pbtxt`, this.data[`${m.name}.pbtxt`]],
      ...m.config.labelFiles.filter((f) => f.labels).map((f) => [`${m.name}/${f.fileName}`, this.data[labelKey(m.name, f.fileName)]]),
      ...m.servedVersions.flatMap((v) => Object.entries(m.versionFiles).map(([file, text]) => [`${m.name}/${v}/${file}`, text])),
    ]));
  }

  /** A short hash of everything in the ConfigMap; pods carry it so a config change rolls them. */
  public get configHash(): string {
    const hash = createHash('sha256');
    for (const key of Object.keys(this.data).sort()) hash.update(`${key}\0${this.data[key]}\0`);
    return hash.digest('hex').slice(0, 16);
  }

  /**
   * The volumes, mounts, init containers, environment and `--model-repository` value that lay this repository
   * out in a Triton pod.
   * @internal
   */
  public _podParts(): RepoPodParts {
    const a = this.artifacts;
    if (a.isNative) return this.nativeParts();
    const root = this.mountPath;
    const volumes: k8s.Volume[] = [];
    const mounts: k8s.VolumeMount[] = [];
    const initContainers: AuxiliaryContainer[] = [];
    const copy = a._kind === ArtifactKind.S3_COPY;
    const rootSize = copy ? a._s3!.sizeLimit ?? Size.gibibytes(10) : Size.mebibytes(16);
    volumes.push({ name: 'model-repository', emptyDir: { sizeLimit: k8s.Quantity.fromString(quantity('artifacts.sizeLimit', rootSize)!) } });
    // The root is writable so the kubelet can create the mount points of the configs and version folders in it;
    // Triton never writes to it with model control mode none.
    mounts.push({ name: 'model-repository', mountPath: root });
    volumes.push({ name: 'model-configs', configMap: { name: this.configMap.name } });
    if (a._kind === ArtifactKind.PVC) {
      volumes.push({ name: 'model-artifacts', persistentVolumeClaim: { claimName: a._claim!.name, readOnly: true } });
    }
    const ensembles = this._models.filter((m) => m.isEnsemble);
    if (ensembles.length > 0) volumes.push({ name: 'ensemble-version', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } });
    const pvcPath = (...parts: string[]) => [a._subPath, ...parts].filter((x) => x !== undefined).join('/');
    const fetchNames = new Set<string>();
    // By name, not in the order the models were added: reordering addModel() calls must not roll every pod.
    for (const model of [...this._models].sort((x, y) => compareStrings(x.name, y.name))) {
      const dir = `${root}/${model.name}`;
      mounts.push({ name: 'model-configs', mountPath: `${dir}/config.pbtxt`, subPath: `${model.name}.pbtxt`, readOnly: true });
      /**
       * A file (`cp`) or folder (`mirror`) of the model's artifacts, at the same place in the repository: mounted
       * from a PVC, else copied in by an init container named after `what`.
       */
      const artifact = (sub: string, what: string, verb: 'cp' | 'mirror') => {
        if (a._kind === ArtifactKind.PVC) {
          mounts.push({ name: 'model-artifacts', mountPath: `${dir}/${sub}`, subPath: pvcPath(model.name, sub), readOnly: true });
        } else {
          // A folder ends in '/': mc finds 'resnet50/1' by listing one key under it, and a sibling that sorts first
          // ('resnet50/1-old') would make it report the folder missing (minio/mc#3961).
          const source = this.s3Source(model.name, sub) + (verb === 'mirror' ? '/' : '');
          initContainers.push(this.mcContainer(fetchNames, `${model.name}-${what}`, [verb, '--quiet', source, `${dir}/${sub}`]));
        }
      };
      for (const f of model.config.labelFiles) {
        if (f.labels) {
          mounts.push({ name: 'model-configs', mountPath: `${dir}/${f.fileName}`, subPath: labelKey(model.name, f.fileName), readOnly: true });
        } else {
          artifact(f.fileName, f.fileName, 'cp');
        }
      }
      // Triton reads WarmupData.fromFile from <model>/warmup/ when it loads the model, and fails the load without it.
      if (model.config._readsWarmupFiles) artifact('warmup', 'warmup', 'mirror');
      for (const v of model.servedVersions) {
        if (model.isEnsemble) mounts.push({ name: 'ensemble-version', mountPath: `${dir}/${v}`, readOnly: true });
        else artifact(String(v), `v${v}`, 'mirror');
        // Over the copied folder (emptyDir): the runtime adds the mount point after the init containers copied it.
        for (const file of Object.keys(model.versionFiles)) {
          mounts.push({ name: 'model-configs', mountPath: `${dir}/${v}/${file}`, subPath: versionFileKey(model.name, file), readOnly: true });
        }
      }
    }
    // The store's CA for the copies, when there are any: a volume nothing mounts is refused by Knative.
    if (copy && initContainers.length > 0) volumes.push(...mcCaParts(a._s3!).volumes);
    return { repository: root, env: {}, volumes, mounts, initContainers };
  }

  /** The `--model-repository` value Triton is started with. */
  public get repositoryLocation(): string {
    const a = this.artifacts;
    if (a._kind === ArtifactKind.GCS_NATIVE) {
      return `gs://${[a._gcs!.bucket, normalizePrefix(a._gcs!.prefix)].filter((x) => x !== '').join('/')}`;
    }
    if (a._kind !== ArtifactKind.S3_NATIVE) return this.mountPath;
    const e = a._endpoint!;
    const path = [a._s3!.bucket, normalizePrefix(a._s3!.prefix)].filter((x) => x !== '').join('/');
    // Triton speaks HTTP to a host:port store unless the host is prefixed with https://.
    return `s3://${e.scheme === 'https' ? 'https://' : ''}${e.host}:${e.port}/${path}`;
  }

  /**
   * The environment Triton needs to read this repository: the store's credentials and settings in native S3 mode,
   * nothing otherwise. What the workloads resolve when they are created; the rest of the layout waits for synth.
   * @internal
   */
  public _podEnv(): Record<string, EnvValue> {
    const gcs = this.artifacts._gcs;
    if (gcs) {
      return {
        ...(gcs.credentials ? { GOOGLE_APPLICATION_CREDENTIALS: EnvValue.fromValue(`${GCS_KEY_DIR}/${gcs.credentialsKey ?? 'key.json'}`) } : {}),
        TRITON_GCS_MOUNT_DIRECTORY: EnvValue.fromValue(NATIVE_CACHE),
      };
    }
    if (this.artifacts._kind !== ArtifactKind.S3_NATIVE) return {};
    const s3 = this.artifacts._s3!;
    return {
      ...credentialEnv(s3),
      AWS_DEFAULT_REGION: EnvValue.fromValue(s3.region ?? 'us-east-1'),
      TRITON_AWS_MOUNT_DIRECTORY: EnvValue.fromValue(NATIVE_CACHE),
    };
  }

  private nativeParts(): RepoPodParts {
    const a = this.artifacts;
    const cache = NATIVE_CACHE;
    const key = a._gcs?.credentials;
    return {
      repository: this.repositoryLocation,
      env: this._podEnv(),
      volumes: [
        { name: 'model-cache', emptyDir: { sizeLimit: k8s.Quantity.fromString(quantity('localCacheSize', (a._gcs ?? a._s3!).localCacheSize ?? Size.gibibytes(10))!) } },
        ...(key ? [{ name: 'gcs-key', secret: { secretName: key.name, items: [{ key: a._gcs!.credentialsKey ?? 'key.json', path: a._gcs!.credentialsKey ?? 'key.json' }] } }] : []),
      ],
      mounts: [
        { name: 'model-cache', mountPath: cache },
        ...(key ? [{ name: 'gcs-key', mountPath: GCS_KEY_DIR, readOnly: true }] : []),
      ],
      initContainers: [],
    };
  }

  private s3Source(...parts: string[]): string {
    const s3 = this.artifacts._s3!;
    return ['models', s3.bucket, normalizePrefix(s3.prefix), ...parts].filter((x) => x !== '').join('/');
  }

  private mcContainer(names: Set<string>, what: string, args: string[]): AuxiliaryContainer {
    let name = ('fetch-' + what.toLowerCase().replace(/[^a-z0-9-]+/g, '-')).replace(/-+/g, '-').slice(0, 57).replace(/-+$/, '');
    for (let i = 2; names.has(name); i++) name = `${name.slice(0, 57)}-${i}`;
    names.add(name);
    const s3 = this.artifacts._s3!;
    return mcContainer({
      name,
      imageProp: 'ModelArtifactSource.fromS3: image',
      image: s3.image,
      store: s3,
      endpoint: this.artifacts._endpoint!,
      alias: 'models',
      args,
      volumeMounts: [{ name: 'model-repository', mountPath: this.mountPath }],
    });
  }

  /**
   * What Triton refuses when it loads an ensemble (core's `ensemble_utils.cc`), checked against the configs of the
   * models its steps run: they exist and serve the version asked for, batch at least as large as the ensemble, map
   * only their own inputs and outputs and every required input, and every ensemble tensor keeps one data type and a
   * compatible shape. A step model that declares no inputs or outputs leaves them to Triton's auto-complete and is
   * not checked there.
   */
  private ensembleProblems(ensemble: TritonModel): string[] {
    const errors: string[] = [];
    const ensembleBatches = ensemble.config.maxBatchSize > 0;
    /** Ensemble tensor name → where its type and shape were first inferred. */
    const tensors = new Map<string, EnsembleTensor>();
    const tensorOf = (from: string, batching: boolean, dataType: string, dims: number[]): EnsembleTensor =>
      ({ from, dataType, dims, fullDims: batching ? [-1, ...dims] : dims });
    // The ensemble's own tensors count with their reshape, the step models' as declared (`dims`), as Triton does.
    for (const t of [...(ensemble.config.props.inputs ?? []), ...(ensemble.config.props.outputs ?? [])]) {
      tensors.set(t.name, tensorOf(ensemble.name, ensembleBatches, t.dataType, t.reshape ?? t.dims));
    }
    for (const [i, step] of (ensemble.config.props.ensembleSteps ?? []).entries()) {
      const at = `model[${ensemble.name}].ensembleSteps[${i}]`;
      const fail = (prop: string, expected: string, got: unknown, fix?: string) => errors.push(propError(`${at}.${prop}`, expected, got, fix).message);
      const target = this.findModel(step.modelName);
      if (!target) {
        fail('modelName', `a model of this repository (${this._models.map((m) => m.name).join(', ')})`, step.modelName, 'add the model with addModel()');
        continue;
      }
      if (step.modelVersion !== undefined && step.modelVersion !== -1 && !target.servedVersions.includes(step.modelVersion)) {
        fail('modelVersion', `a version '${target.name}' serves (${target.servedVersions.join(', ')})`, step.modelVersion);
      }
      const stepBatch = target.config.maxBatchSize;
      if (stepBatch !== 0 && stepBatch < ensemble.config.maxBatchSize) {
        errors.push(propError(`model[${ensemble.name}].maxBatchSize`, `at most the max_batch_size of every model its steps run ('${target.name}' allows ${stepBatch})`,
          ensemble.config.maxBatchSize, `lower the ensemble's maxBatchSize to ${stepBatch}`).message);
      }
      const inputs = target.config.props.inputs ?? [];
      const outputs = target.config.props.outputs ?? [];
      const consistent = (name: string, t: ModelTensor, prop: string) => {
        const mine = tensorOf(target.name, stepBatch > 0, t.dataType, t.dims);
        const seen = tensors.get(name);
        if (!seen) {
          tensors.set(name, mine);
        } else if (seen.dataType !== mine.dataType) {
          fail(prop, `a tensor of one data type: ensemble tensor '${name}' is ${seen.dataType} from '${seen.from}'`, `${mine.dataType} from ${target.name}`,
            `give '${name}' one data type in both models`);
        } else if (!sameDims(seen.dims, mine.dims) && !sameDims(seen.fullDims, mine.fullDims)) {
          fail(prop, `a tensor of one shape: ensemble tensor '${name}' is [${seen.fullDims}] from '${seen.from}'`, `[${mine.fullDims}] from ${target.name}`,
            `give '${name}' one shape in both models (-1 matches any size)`);
        }
      };
      const names = (ts: ModelTensor[]) => ts.map((x) => x.name).join(', ');
      const sides = [['inputMap', 'inputs', step.inputMap, inputs], ['outputMap', 'outputs', step.outputMap, outputs]] as const;
      for (const [prop, kind, map, declared] of sides) {
        if (declared.length === 0) continue; // left to auto-complete
        for (const [name, tensor] of Object.entries(map)) {
          const t = declared.find((x) => x.name === name);
          if (!t) fail(prop, `keyed by ${kind} of '${target.name}'`, name, `key it by one of ${names(declared)}`);
          else consistent(tensor, t, `${prop}[${name}]`);
        }
      }
      const unmapped = inputs.filter((t) => !t.optional && !(t.name in step.inputMap));
      if (unmapped.length > 0) {
        fail('inputMap', `a map of every required input of '${target.name}'`, `none for ${names(unmapped)}`,
          `map ${names(unmapped)} to an ensemble tensor, or mark ${unmapped.length > 1 ? 'them' : 'it'} optional in '${target.name}'`);
      }
    }
    return errors;
  }

  private validateRepo(): string[] {
    const errors: string[] = [];
    if (this._models.length === 0) {
      errors.push(propError('models', 'at least one model', 0, 'call addModel()').message);
    }
    for (const model of this._models) {
      if (model.config.props.ensembleSteps) errors.push(...this.ensembleProblems(model));
    }
    const size = this.dataBytes;
    if (size > CONFIGMAP_LIMIT) {
      errors.push(propError('models', `configs and inline labels within a ConfigMap's 1 MiB (${CONFIGMAP_LIMIT} bytes)`, `${size} bytes`, 'split the models across repositories or ship long label files as artifacts').message);
    }
    return errors;
  }
}

/** An ensemble tensor as Triton infers it: data type and shape, with the batch dimension when its model batches. */
interface EnsembleTensor {
  readonly from: string;
  readonly dataType: string;
  readonly dims: number[];
  readonly fullDims: number[];
}

/** Triton's `CompareDimsWithWildcard`: as long, and equal where neither is -1. */
function sameDims(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === -1 || b[i] === -1 || d === b[i]);
}

function labelKey(model: string, file: string): string {
  return `${model}--${file}`;
}

/** The ConfigMap key of a file the repository renders into the model's version folders (`model.json`). */
function versionFileKey(model: string, file: string): string {
  return `${model}.${file}`;
}

/**
 * Throws unless `bucket` is a GCS bucket name: lowercase letters, digits, '-', '_' and '.', starting and ending
 * with a letter or digit; 3-63 characters, or up to 222 with dots and at most 63 between them; not starting with
 * 'goog' nor holding 'google'; not in dotted-decimal IP form.
 */
function checkGcsBucket(prop: string, bucket: string): void {
  const parts = bucket.split('.');
  const ok = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket) && bucket.length >= 3 && bucket.length <= (parts.length > 1 ? 222 : 63)
    && parts.every((x) => x.length >= 1 && x.length <= 63) && !bucket.startsWith('goog') && !bucket.includes('google')
    && !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
  if (!ok) {
    throw propError(prop, "a GCS bucket name: 3-63 lowercase letters, digits, '-', '_' and '.' (up to 222 with dots, at most 63 between them), " +
      "starting and ending with a letter or digit, not starting with 'goog', without 'google', not an IP address", bucket);
  }
}
