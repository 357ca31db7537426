import { createHash } from 'crypto';
import { ApiObject, ApiObjectMetadata, Chart, Lazy, Names } from 'cdk8s';
import { EnvValue, ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkExtensions, renderCeOverrides } from './_ce-overrides';
import { renderDestination, sinkDestination } from './_delivery';
import { SETUP_SCRIPT } from './_minio-setup-script';
import { DEFAULT_NODE_IMAGE, nodeScriptService } from './_node-script';
import { adapterScript, ceHeaderValue } from './adapter/minio-cloudevents-adapter';
import { IEventSink } from './event-sink';
import { TriggerFilter } from './filters';
import { imagePullerOf, perApp, perCluster } from '../_cluster-scope';
import { checkInteger, propError } from '../_errors';
import { checkDns1035Name, checkMetadata, checkSecretKey, clusterLocalHost, isClusterLocalHost, LABEL_VALUE } from '../_names';
import { sortedRecord } from '../_order';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import type * as sourcesTypes from '../imports/sources.knative.dev';
import { checkBucket, checkCaCertificate, checkSecretKeys, DEFAULT_CA_KEY, DEFAULT_MC_IMAGE, MC_CONFIG_DIR, mcCaParts, parseEndpoint } from '../scheduling/_mc';
import { PodTarget, renderPodSpec, resolveCpuPod } from '../scheduling/_pod-spec';
import { toWire, wireApiObject } from '../scheduling/_wire';
/** The generated Knative sources module, loaded on first use: it is large and many apps never need it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sources = (): typeof sourcesTypes => require('../imports/sources.knative.dev');


/** Bucket events MinIO can notify about, as `mc event add --event` names them. */
export enum MinioBucketEvent {
  /**
   * Objects created (`s3:ObjectCreated:*`: Put, Post, Copy, CompleteMultipartUpload). MinIO sends metadata changes
   * under the same category (PutTagging, DeleteTagging, PutRetention, PutLegalHold); `eventFilter()` leaves those out.
   */
  PUT = 'put',
  /** Objects removed (`s3:ObjectRemoved:*`). */
  DELETE = 'delete',
  /** Objects read (`s3:ObjectAccessed:*`). */
  GET = 'get',
}

/**
 * The ObjectCreated events that write an object's data. MinIO's `put` subscription (ObjectCreatedAll in
 * internal/event/name.go) also sends tag, retention and legal-hold changes: a classifier that tags the objects it
 * read would otherwise trigger itself again on every one.
 */
const OBJECT_WRITES = ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'];

/** The `s3:<Category>:` of each event kind, as it appears in a record's eventName. */
const CATEGORY: Record<MinioBucketEvent, string> = {
  [MinioBucketEvent.PUT]: 'ObjectCreated',
  [MinioBucketEvent.DELETE]: 'ObjectRemoved',
  [MinioBucketEvent.GET]: 'ObjectAccessed',
};

/** Props of MinIOImageSource. */
export interface MinIOImageSourceProps {
  /**
   * Base name (`name`; at most 40 characters), namespace, labels and annotations of the objects this construct
   * creates (labels reach the pods too).
   * @default - a DNS label generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /** The MinIO S3 endpoint, as the setup Job and the event `source` see it, e.g. `http://minio.minio.svc.cluster.local:9000`. */
  readonly endpoint: string;
  /** The bucket to watch, e.g. `upload-bucket`. */
  readonly bucket: string;
  /**
   * Credentials of a MinIO user allowed to configure notifications (`admin:ConfigUpdate`, `admin:ServerInfo`,
   * `admin:ServiceRestart`, `s3:GetBucketNotification`, `s3:PutBucketNotification`). Read by reference only.
   */
  readonly credentials: ISecret;
  /**
   * Key in `credentials` holding the access key.
   * @default 'AWS_ACCESS_KEY_ID'
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key in `credentials` holding the secret key.
   * @default 'AWS_SECRET_ACCESS_KEY'
   */
  readonly secretAccessKeyKey?: string;
  /**
   * Secret holding the CA certificate (PEM) of an `https` endpoint whose certificate no public CA signed (a MinIO
   * Operator tenant's): the setup Job's `mc` trusts it beside the system roots.
   * @default - the system roots of the `mc` image
   */
  readonly caCertificate?: ISecret;
  /**
   * Key in `caCertificate` holding the certificate.
   * @default 'ca.crt'
   */
  readonly caCertificateKey?: string;
  /**
   * Secret holding the token MinIO sends as `Authorization: Bearer <token>` and the adapter checks: one word
   * without whitespace (MinIO sends a two-word token as it is and none of three or more; the setup Job and the
   * adapter refuse those).
   */
  readonly authToken: ISecret;
  /**
   * Key in `authToken` holding the token.
   * @default 'token'
   */
  readonly authTokenKey?: string;
  /**
   * Change it whenever the token in `authToken` changes: a new value makes a new setup Job, which sets the new token
   * on MinIO and restarts MinIO to load it, and rolls the adapter's pods, which read the token when they start.
   * Nothing else notices a rotated Secret: until both have the new token, MinIO's deliveries fail with 403 and
   * wait in its queue directory.
   * @default - none
   */
  readonly authTokenRevision?: string;
  /**
   * Where the CloudEvents go: usually a Broker. One made in this app must go to this source's cluster
   * (ClusterChart): the SinkBinding resolves it there to inject `K_SINK`.
   */
  readonly sink: IEventSink;
  /**
   * An absolute directory on the MinIO servers' persistent storage where MinIO queues events while the adapter
   * is unreachable (`queue_dir`), and from which it replays them.
   */
  readonly queueDir: string;
  /**
   * Most events MinIO queues (`queue_limit`).
   * @default - MinIO's default (100000)
   */
  readonly queueLimit?: number;
  /**
   * The bucket events to send.
   * @default [MinioBucketEvent.PUT]
   */
  readonly events?: MinioBucketEvent[];
  /**
   * Only objects whose key starts with this (`mc event add --prefix`); spaces are fine. `eventFilter()` matches it on
   * `subject`, percent-encoded as the adapter sends it (spaces, characters outside printable ASCII, `%`).
   * @default - any key
   */
  readonly prefix?: string;
  /**
   * Only objects whose key ends with one of these, e.g. `['.jpg', '.png']` (one `mc event add --suffix` each).
   * @default - any key
   */
  readonly suffixes?: string[];
  /**
   * The MinIO webhook target id: `notify_webhook:<id>`, ARN `arn:minio:sqs::<id>:webhook`.
   * @default - the base name with `-` replaced by `_`
   */
  readonly targetId?: string;
  /**
   * MinIO loads a new or changed webhook target only after `mc admin service restart`. When true the setup Job
   * restarts MinIO when, and only when, the target is new or its configuration changed; when false it fails
   * with instructions instead.
   * @default true
   */
  readonly restartMinio?: boolean;
  /**
   * Prefix of the CloudEvents `type`: `<prefix>.<eventName without "s3:">`, e.g. `io.min.s3.ObjectCreated:Put`.
   * Use `com.amazonaws.s3` for consumers that filter on the types of the CloudEvents S3 adapter convention (only
   * the `type` follows it; `id`, `source` and `subject` are this source's own).
   * @default 'io.min.s3'
   */
  readonly eventTypePrefix?: string;
  /**
   * CloudEvents extension attributes added to every event (the SinkBinding's `ceOverrides`), named by lowercase
   * letters and digits, of any length (the spec's 20 characters are a recommendation Knative does not enforce);
   * never named like a context attribute (`type`, `source`, `id`, `subject` ...). Values are printable ASCII
   * without space, `"` or `%`: the adapter percent-encodes those in the `ce-` header, as the HTTP binding asks, and
   * the broker (cloudevents sdk-go) keeps them encoded, so a trigger filter on the plain value would never match.
   * @default - none
   */
  readonly extensions?: Record<string, string>;
  /**
   * Adapter replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The Node.js image that runs the adapter; must be pinned, have `node` on the PATH and run as uid 1000.
   * @default MinIOImageSource.DEFAULT_ADAPTER_IMAGE
   */
  readonly adapterImage?: string;
  /**
   * The MinIO client image of the setup Job; must be pinned and have `/bin/sh` and `sha256sum` (coreutils; the setup Job fails with a message without it).
   * @default MinIOImageSource.DEFAULT_MC_IMAGE
   */
  readonly mcImage?: string;
  /**
   * Secrets with the credentials of a private registry that `adapterImage` and `mcImage` come from, by reference (e.g. a registry
   * mirror that needs them). They replace, not add to, the service account's `imagePullSecrets`.
   * @default - none: the nodes' credentials, or the service account's
   */
  readonly imagePullSecrets?: ISecret[];
}

/** The adapter pod annotation that carries `authTokenRevision`, so a new revision rolls the pods. */
const AUTH_TOKEN_REVISION = 'cdk8s-gpu-inference/auth-token-revision';
const UNSAFE_FILTER = /[\s*?[\]'"\\$`]/;
/** A prefix may hold spaces ("Camera Uploads/"): the setup script quotes it. */
const UNSAFE_PREFIX = /[\t\n\r\f\v*?[\]'"\\$`]/;


/** The webhook targets of the app's sources, by cluster: `<endpoint> <target id>` → the source's path. */
const webhookTargets = perCluster(() => new Map<string, string>());
/** The webhook targets set on MinIO servers outside the clusters, across the app: path by `<endpoint> <target id>`. */
const appWebhookTargets = perApp(() => new Map<string, string>());

/**
 * MinIO bucket notifications as CloudEvents on a Knative broker: uploads to a bucket trigger event-driven
 * inference, and an event is never lost on the way (MinIO queues and retries until the adapter accepted it, and
 * the adapter only accepts once the broker did).
 *
 * Knative has no MinIO source, and a broker rejects anything that is not a CloudEvent (HTTP 400). This creates:
 * - a `ConfigMap` with the adapter's code (shipped in this library as plain Node.js, built-in modules only) and a
 *   hardened `Deployment` that runs it on a pinned Node.js image, plus a `Service` MinIO posts to;
 * - a `sources.knative.dev/v1` `SinkBinding` that injects the sink's address as `K_SINK` into the Deployment;
 * - a `Job` (pinned `mc`, credentials from Secrets) that sets the `notify_webhook` target with the auth token and
 *   a queue directory, and runs `mc event add` for the bucket, events and prefix/suffix filters; safe to re-run.
 *   Its name carries a hash of its settings, so a change makes a new Job. MinIO keeps the rules of earlier settings
 *   beside the new ones (removing them first would lose the uploads in between): `eventFilter()` drops what they
 *   send, and `mc event rm <alias>/<bucket> <arn>` before the Job runs again clears them, with the ARN MinIO
 *   stores: `targetArn` with the server's region, if it has one (`arn:minio:sqs:<region>:<id>:webhook`).
 *
 * Each record becomes one binary-mode CloudEvent: `type` `io.min.s3.ObjectCreated:Put` (the CloudEvents S3 adapter
 * convention's type with a MinIO prefix), `source` `<endpoint>/<bucket>`, `subject` the object key, `time` the
 * event time, `id` a SHA-256 of the record (stable across MinIO's retries, so consumers can drop duplicates),
 * `data` the record. `eventFilter()` gives the Trigger filters that match exactly these events. Header values
 * are percent-encoded as the HTTP binding asks (non-ASCII, space, `"`, `%`), and consumers see them so: the
 * CloudEvents SDKs (Go, Java, JavaScript, Python) hand the subject on as received. Decode it
 * (`urllib.parse.unquote`, `decodeURIComponent`) before fetching the object by key.
 *
 * The adapter answers MinIO 2xx once the sink took the event; MinIO retries anything else from its queue, one
 * event at a time. An event the sink refuses for good (400, 413, 415, 422) is logged and dropped, so it does not
 * hold back the queue. The adapter sends no OIDC token (Eventing's `authentication-oidc` feature) and trusts the
 * CA bundle in `K_CA_CERTS` only.
 *
 * Prerequisites: Knative Eventing 1.2x (SinkBinding; in `inclusion` mode label the namespace
 * `bindings.knative.dev/include=true`), a MinIO reachable from the cluster, the two Secrets, and a chart
 * namespace (MinIO reaches the adapter by its cluster DNS name).
 *
 * @example
 * const uploads = new MinIOImageSource(chart, 'uploads', {
 *   endpoint: 'http://minio.minio.svc.cluster.local:9000',
 *   bucket: 'upload-bucket',
 *   suffixes: ['.jpg', '.png'],
 *   credentials: Secret.fromSecretName(chart, 'minio-admin', 'minio-notify-admin'),
 *   authToken: Secret.fromSecretName(chart, 'webhook-token', 'minio-webhook-token'),
 *   queueDir: '/export/.minio-events',
 *   sink: broker,
 * });
 */
export class MinIOImageSource extends Construct {
  /** Node.js 22 LTS on Alpine, pinned. Its `node` user is uid 1000, as the hardened pod runs. */
  public static readonly DEFAULT_ADAPTER_IMAGE = DEFAULT_NODE_IMAGE;
  /** The pinned MinIO client image of the setup Job. */
  public static readonly DEFAULT_MC_IMAGE = DEFAULT_MC_IMAGE;

  /** The ConfigMap holding the adapter's code. */
  public readonly configMap: ApiObject;
  /** The adapter Deployment. */
  public readonly deployment: ApiObject;
  /** The Service MinIO posts notifications to. */
  public readonly service: ApiObject;
  /** The SinkBinding that gives the adapter its `K_SINK`. */
  public readonly sinkBinding: ApiObject;
  /** The setup Job. */
  public readonly setupJob: ApiObject;
  /** The URL MinIO posts to. */
  public readonly webhookEndpoint: string;
  /**
   * The MinIO ARN of the webhook target, `arn:minio:sqs::<id>:webhook`. A MinIO with a region set stores the
   * event rules under `arn:minio:sqs:<region>:<id>:webhook`.
   */
  public readonly targetArn: string;
  /** The `source` of every event: `<endpoint>/<bucket>`. */
  public readonly eventSource: string;
  /**
   * The `type` prefixes of the events, one per event kind, e.g. `io.min.s3.ObjectCreated:`. A prefix filter on
   * `ObjectCreated:` also matches MinIO's tag, retention and legal-hold events; `eventFilter()` leaves those out.
   */
  public readonly eventTypePrefixes: string[];

  private readonly props: MinIOImageSourceProps;
  private readonly events: MinioBucketEvent[];
  /** The prefix of the CloudEvents `type` (`io.min.s3`). */
  private readonly typePrefix: string;

  public constructor(scope: Construct, id: string, props: MinIOImageSourceProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    this.props = props;
    const { url: endpoint, scheme, host } = parseEndpoint('endpoint', props.endpoint, 'MinIO');
    checkBucket('bucket', props.bucket);
    checkCaCertificate(props, scheme, (field) => field);
    checkSecretKeys(props, (field) => field);
    checkSecretKey('authTokenKey', props.authTokenKey);
    if (!props.queueDir.startsWith('/') || /\s/.test(props.queueDir)) {
      throw propError('queueDir', 'an absolute path on the MinIO servers without whitespace', props.queueDir, 'MinIO rejects a relative queue_dir');
    }
    checkInteger('queueLimit', props.queueLimit, 1);
    checkInteger('replicas', props.replicas, 1);
    this.events = [...new Set(props.events ?? [MinioBucketEvent.PUT])];
    if (this.events.length === 0) throw propError('events', 'at least one bucket event', 'none');
    if (props.prefix !== undefined) checkKeyFilter('prefix', props.prefix);
    const suffixes = props.suffixes ?? [];
    for (const suffix of suffixes) checkKeyFilter('suffixes', suffix);
    if (new Set(suffixes).size !== suffixes.length) throw propError('suffixes', 'distinct suffixes', suffixes.join(','));
    const typePrefix = props.eventTypePrefix ?? 'io.min.s3';
    if (!/^[a-z0-9]+(\.[a-z0-9-]+)*$/.test(typePrefix)) {
      throw propError('eventTypePrefix', 'a reverse-DNS prefix such as io.min.s3', typePrefix);
    }
    checkExtensions('extensions', props.extensions);
    for (const [name, value] of Object.entries(props.extensions ?? {})) {
      if (ceHeaderValue(value) !== value) {
        throw propError(`extensions['${name}']`, 'printable ASCII without space, " or % (the adapter percent-encodes the others and the broker keeps them encoded, so a filter on the value would never match)',
          value, "use '-' or '_' in place of spaces");
      }
    }
    if (props.authTokenRevision !== undefined && !LABEL_VALUE.test(props.authTokenRevision)) {
      throw propError('authTokenRevision', 'a label-like value (letters, digits, -, _ and ., at most 63; e.g. a date or a counter)', props.authTokenRevision);
    }
    const sink = sinkDestination('sink', props.sink, this, 'MinIOImageSource');

    const given = props.metadata?.name;
    const base = given ?? Names.toDnsLabel(this, { maxLen: 40 });
    checkDns1035Name('metadata.name', base, given !== undefined, 40);
    const targetId = props.targetId ?? base.replace(/-/g, '_');
    if (!/^[A-Za-z0-9_]{1,64}$/.test(targetId)) throw propError('targetId', 'letters, digits and _ (at most 64)', targetId);
    const namespace = props.metadata?.namespace ?? Chart.of(this).namespace;
    if (!namespace) {
      throw propError('metadata.namespace', 'known at synth', 'none', 'set it on the chart or in metadata: MinIO reaches the adapter by its cluster DNS name, which includes the namespace');
    }
    // Given only when set, so that the objects of a chart's namespace stay without one, as before.
    const objectNamespace = props.metadata?.namespace;
    const annotations = props.metadata?.annotations;

    // One webhook target per id on a MinIO server: a second source with the same id would overwrite the first's
    // target, and its bucket's events would go to the second adapter.
    // A cluster-local address names each cluster's own MinIO; any other names one server for the whole app, whose
    // sources in several cluster charts would overwrite each other's target (and restart MinIO in turn).
    const targets = isClusterLocalHost(host) ? webhookTargets(this) : appWebhookTargets(this);
    const key = `${endpoint} ${targetId}`;
    const other = targets.get(key);
    if (other !== undefined) {
      throw propError('targetId', `unique per MinIO server (${endpoint}): '${other}' uses webhook target '${targetId}' already`, targetId,
        'give one of the sources another name or targetId, or keep the source in one cluster: a MinIO sends each bucket event to one target');
    }
    targets.set(key, this.node.path);

    this.targetArn = `arn:minio:sqs::${targetId}:webhook`;
    this.eventSource = `${endpoint}/${props.bucket}`;
    this.typePrefix = typePrefix;
    this.eventTypePrefixes = this.events.map((e) => this.typePrefixOf(e));
    const adapterName = `${base}-adapter`;
    this.webhookEndpoint = `http://${clusterLocalHost(adapterName, namespace)}/`;
    const labels = {
      ...props.metadata?.labels,
      'app.kubernetes.io/name': 'minio-cloudevents-adapter',
      'app.kubernetes.io/instance': base,
      'app.kubernetes.io/part-of': 'cdk8s-gpu-inference',
    };

    const adapter = nodeScriptService(new Construct(this, 'Adapter'), {
      name: adapterName,
      namespace: objectNamespace,
      labels,
      annotations,
      fileName: 'minio-cloudevents-adapter.js',
      script: adapterScript(),
      imageProp: 'adapterImage',
      image: props.adapterImage ?? MinIOImageSource.DEFAULT_ADAPTER_IMAGE,
      env: {
        MINIO_ENDPOINT: EnvValue.fromValue(endpoint),
        CE_TYPE_PREFIX: EnvValue.fromValue(typePrefix),
        MINIO_WEBHOOK_AUTH_TOKEN: EnvValue.fromSecretValue({ secret: props.authToken, key: props.authTokenKey ?? 'token' }),
      },
      replicas: props.replicas ?? 1,
      podAnnotations: props.authTokenRevision === undefined ? undefined : { [AUTH_TOKEN_REVISION]: props.authTokenRevision },
      imagePullSecrets: props.imagePullSecrets,
    });
    this.configMap = adapter.configMap;
    this.deployment = adapter.deployment;
    this.service = adapter.service;

    this.sinkBinding = new (sources().SinkBinding)(this, 'SinkBinding', {
      metadata: { name: base, namespace: objectNamespace, labels, annotations },
      spec: Lazy.any({
        produce: () => ({
          subject: { apiVersion: 'apps/v1', kind: 'Deployment', name: adapterName },
          sink: renderDestination(sink),
          ceOverrides: renderCeOverrides(props.extensions),
        }),
      }),
    });

    const accessKey = props.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID';
    const secretKey = props.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY';
    const settings: Record<string, string> = {
      MINIO_ENDPOINT: endpoint,
      TARGET_ID: targetId,
      WEBHOOK_ENDPOINT: this.webhookEndpoint,
      QUEUE_DIR: props.queueDir,
      QUEUE_LIMIT: props.queueLimit === undefined ? '' : String(props.queueLimit),
      BUCKET: props.bucket,
      EVENTS: this.events.join(','),
      PREFIX: props.prefix ?? '',
      SUFFIXES: suffixes.join(' '),
      RESTART_MINIO: String(props.restartMinio ?? true),
      MC_CONFIG_DIR,
      // mc falls back to $HOME/.mc where it does not take MC_CONFIG_DIR; the root filesystem is read-only.
      HOME: '/tmp',
    };
    const mcImage = props.mcImage ?? MinIOImageSource.DEFAULT_MC_IMAGE;
    const ca = mcCaParts(props);
    const secretRefs = [props.credentials.name, accessKey, secretKey, props.authToken.name, props.authTokenKey ?? 'token'];
    const jobPod = resolveCpuPod({
      imageProp: 'mcImage',
      image: mcImage,
      command: ['/bin/sh', '-c', SETUP_SCRIPT],
      env: {
        ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, EnvValue.fromValue(v)])),
        MINIO_ACCESS_KEY: EnvValue.fromSecretValue({ secret: props.credentials, key: accessKey }),
        MINIO_SECRET_KEY: EnvValue.fromSecretValue({ secret: props.credentials, key: secretKey }),
        WEBHOOK_AUTH_TOKEN: EnvValue.fromSecretValue({ secret: props.authToken, key: props.authTokenKey ?? 'token' }),
      },
      resources: {
        requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
        limits: { memory: k8s.Quantity.fromString('256Mi') },
      },
      imagePullSecrets: props.imagePullSecrets,
    });
    // A name of their own: the adapter's Service and Deployment select its name and instance labels.
    const setupLabels = { ...labels, 'app.kubernetes.io/name': 'minio-cloudevents-setup' };
    // The name follows everything in the pod template, which is immutable: a change makes a new Job.
    // The CA joins the hash only when set, so the names of Jobs without one stay as they were.
    const caRef = props.caCertificate ? [[props.caCertificate.name, props.caCertificateKey ?? DEFAULT_CA_KEY]] : [];
    // The image as the cluster pulls it (through its registry mirror): the same string without one.
    const pullImage = imagePullerOf(this);
    const pulledImage = pullImage ? pullImage(mcImage) : mcImage;
    // Pull secrets join the hash only when set, as the CA does.
    const pullRefs = jobPod.imagePullSecrets ? [jobPod.imagePullSecrets] : [];
    // The user's labels sorted, so their order changes nothing; without them, the labels hash as they always did.
    const hashedLabels = { ...sortedRecord(props.metadata?.labels ?? {}), ...setupLabels };
    const hashed = [settings, pulledImage, secretRefs, SETUP_SCRIPT, props.authTokenRevision ?? null, hashedLabels, ...caRef, ...pullRefs];
    const hash = sha256(JSON.stringify(hashed)).slice(0, 8);
    this.setupJob = wireApiObject(this, 'Setup', k8s.KubeJob, {
      metadata: { name: `${base}-setup-${hash}`, namespace: objectNamespace, labels: setupLabels, annotations },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: setupLabels },
          spec: renderPodSpec(jobPod, {
            target: PodTarget.WORKLOAD,
            containerName: 'mc',
            restartPolicy: 'OnFailure',
            pullImage,
            extraMounts: ca.mounts,
            extraVolumes: ca.volumes,
          }),
        },
      },
    }, toWire);
  }

  /**
   * The Trigger filter that matches this source's events: its `source`, the `type`s of its event kinds (for `PUT`
   * the events that write an object's data, not its tag, retention or legal-hold changes), and the key prefix and
   * suffixes on `subject`.
   */
  public eventFilter(): TriggerFilter {
    const parts: TriggerFilter[] = [TriggerFilter.exact('source', this.eventSource)];
    const types = this.events.flatMap((e) => (e === MinioBucketEvent.PUT
      ? OBJECT_WRITES.map((w) => TriggerFilter.exact('type', this.typePrefixOf(e) + w))
      : [TriggerFilter.prefix('type', this.typePrefixOf(e))]));
    parts.push(types.length === 1 ? types[0] : TriggerFilter.any(...types));
    // The subject as the broker holds it: the adapter's header encoding (non-ASCII, ' ', '"', '%' percent-encoded).
    if (this.props.prefix) parts.push(TriggerFilter.prefix('subject', ceHeaderValue(this.props.prefix)));
    const suffixes = (this.props.suffixes ?? []).map((s) => TriggerFilter.suffix('subject', ceHeaderValue(s)));
    if (suffixes.length === 1) parts.push(suffixes[0]);
    if (suffixes.length > 1) parts.push(TriggerFilter.any(...suffixes));
    return TriggerFilter.all(...parts);
  }

  /** The `type` prefix of one event kind's events, e.g. `io.min.s3.ObjectCreated:`. */
  private typePrefixOf(event: MinioBucketEvent): string {
    return `${this.typePrefix}.${CATEGORY[event]}:`;
  }
}

/**
 * A key prefix or suffix, as `mc event add` takes it from the setup script: non-empty, without quotes or glob
 * characters; suffixes without spaces either (the script splits them at spaces).
 */
function checkKeyFilter(prop: 'prefix' | 'suffixes', value: string): void {
  if (prop === 'prefix' && (value === '' || UNSAFE_PREFIX.test(value))) {
    throw propError(prop, 'a non-empty key prefix without quotes, glob characters or whitespace other than spaces', value);
  }
  if (prop === 'suffixes' && (value === '' || UNSAFE_FILTER.test(value))) {
    throw propError(prop, 'non-empty key suffixes without whitespace, quotes or glob characters', value);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
