import { ApiObject, ApiObjectMetadata, Names } from 'cdk8s';
import { ISecret } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DEFAULT_NODE_IMAGE, nodeScriptService } from './_node-script';
import { deadLetterLoggerScript } from './adapter/dead-letter-logger';
import { IEventSink, SinkDestination } from './event-sink';
import { checkInteger } from '../_errors';
import { checkDns1035Name, checkMetadata } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';

/** Props of DeadLetterLogger. */
export interface DeadLetterLoggerProps {
  /**
   * Name, namespace, labels and annotations of the ConfigMap, Deployment and Service (labels reach the pods too).
   * @default - a DNS label generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * Replicas; keep at least one running, a dead-letter sink that is down loses events.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The Node.js image that runs the logger; must be pinned, have `node` on the PATH and run as uid 1000.
   * @default DeadLetterLogger.DEFAULT_IMAGE
   */
  readonly image?: string;
  /**
   * Secrets with the credentials of a private registry that `image` comes from, by reference (e.g. a registry
   * mirror that needs them). They replace, not add to, the service account's `imagePullSecrets`.
   * @default - none: the nodes' credentials, or the service account's
   */
  readonly imagePullSecrets?: ISecret[];
}

/**
 * A dead-letter sink that writes every undeliverable event, with the failure Knative attached
 * (`knativeerrordest`, `knativeerrorcode`, `knativeerrordata`), as one JSON line to its log for later analysis.
 *
 * Creates: a `ConfigMap` with the logger's code (shipped in this library as plain Node.js, built-in modules
 * only), a hardened `Deployment` that runs it on a pinned Node.js image, and a `Service`, which is the sink
 * (`v1` Service reference). It always answers 202, so a dead letter is never refused.
 *
 * Prerequisites: none beyond Kubernetes; collect the pods' logs to keep the events.
 *
 * @example
 * const errors = new DeadLetterLogger(chart, 'errors');
 * new Broker(chart, 'events', { delivery: { deadLetterSink: errors } });
 */
export class DeadLetterLogger extends Construct implements IEventSink {
  /** Node.js 22 LTS on Alpine, pinned. */
  public static readonly DEFAULT_IMAGE = DEFAULT_NODE_IMAGE;

  /** Name of the Service that receives the dead letters. */
  public readonly name: string;
  /** The ConfigMap holding the logger's code. */
  public readonly configMap: ApiObject;
  /** The logger Deployment. */
  public readonly deployment: ApiObject;
  /** The Service that is the sink. */
  public readonly service: ApiObject;

  public constructor(scope: Construct, id: string, props: DeadLetterLoggerProps = {}) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkInteger('replicas', props.replicas, 1, undefined, 'a dead-letter sink with no replica refuses every dead letter');
    checkMetadata('metadata', props.metadata);
    const given = props.metadata?.name;
    this.name = given ?? Names.toDnsLabel(this, { maxLen: 63 });
    checkDns1035Name('metadata.name', this.name, given !== undefined, 63);
    const parts = nodeScriptService(this, {
      name: this.name,
      namespace: props.metadata?.namespace,
      labels: {
        ...props.metadata?.labels,
        'app.kubernetes.io/name': 'dead-letter-logger',
        'app.kubernetes.io/instance': this.name,
        'app.kubernetes.io/part-of': 'cdk8s-gpu-inference',
      },
      annotations: props.metadata?.annotations,
      fileName: 'dead-letter-logger.js',
      script: deadLetterLoggerScript(),
      imageProp: 'image',
      image: props.image ?? DeadLetterLogger.DEFAULT_IMAGE,
      imagePullSecrets: props.imagePullSecrets,
      env: {},
      replicas: props.replicas ?? 1,
    });
    this.configMap = parts.configMap;
    this.deployment = parts.deployment;
    this.service = parts.service;
  }

  /** Delivers to the logger's Service. */
  public toSinkDestination(): SinkDestination {
    return { ref: { apiVersion: 'v1', kind: 'Service', name: this.name, namespace: this.service.metadata.namespace } };
  }
}
