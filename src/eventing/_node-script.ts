/**
 * Internal: a small HTTP service whose code is a script shipped in this library (the MinIO adapter, the
 * dead-letter logger), run by `node` on a pinned image with the script mounted from a ConfigMap. No custom image
 * to build: the code reviewed in the library is the code that runs, and the pod template carries its checksum so
 * a new library version rolls the pods.
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { EnvValue, ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imagePullerOf } from '../_cluster-scope';
import { PodTarget, renderPodSpec, resolveCpuPod } from '../scheduling/_pod-spec';
import { toWire, wireApiObject } from '../scheduling/_wire';

/** Node.js 22 LTS on Alpine, pinned, named with its registry. Its `node` user is uid 1000, which the hardened pods run as. */
export const DEFAULT_NODE_IMAGE = 'docker.io/library/node:22.20.0-alpine3.22';
export const SCRIPT_PORT = 8080;
const SCRIPT_DIR = '/opt/app';

export interface NodeScriptServiceOptions {
  /** Name of the ConfigMap, Deployment and Service. */
  readonly name: string;
  /** Their namespace: the chart's unless given. */
  readonly namespace?: string;
  /** Labels of every object and of the pods; `app.kubernetes.io/name` and `/instance` select the pods. */
  readonly labels: Record<string, string>;
  /** Annotations of the ConfigMap, Deployment and Service. */
  readonly annotations?: Record<string, string>;
  readonly fileName: string;
  readonly script: string;
  readonly imageProp: string;
  readonly image: string;
  readonly env: Record<string, EnvValue>;
  readonly replicas: number;
  /** Pod-template annotations beside the script's checksum. */
  readonly podAnnotations?: Record<string, string>;
  readonly imagePullSecrets?: ISecret[];
}

export interface NodeScriptService {
  readonly configMap: ApiObject;
  readonly deployment: ApiObject;
  readonly service: ApiObject;
}

/** Creates the ConfigMap, Deployment (through the shared pod renderer) and Service of a node script. */
export function nodeScriptService(scope: Construct, o: NodeScriptServiceOptions): NodeScriptService {
  const selector = { 'app.kubernetes.io/name': o.labels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': o.labels['app.kubernetes.io/instance'] };
  const configMap = wireApiObject(scope, 'Code', k8s.KubeConfigMap, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels, annotations: o.annotations },
    data: { [o.fileName]: o.script },
  }, toWire);
  const pod = resolveCpuPod({
    imageProp: o.imageProp,
    image: o.image,
    command: ['node', `${SCRIPT_DIR}/${o.fileName}`],
    env: { PORT: EnvValue.fromValue(String(SCRIPT_PORT)), ...o.env },
    resources: {
      requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
      limits: { memory: k8s.Quantity.fromString('128Mi') },
    },
    imagePullSecrets: o.imagePullSecrets,
  });
  const probe = (failureThreshold: number): k8s.Probe => ({
    httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const deployment = wireApiObject(scope, 'Deployment', k8s.KubeDeployment, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels, annotations: o.annotations },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
      template: {
        metadata: { labels: o.labels, annotations: { ...o.podAnnotations, 'checksum/script': createHash('sha256').update(o.script).digest('hex') } },
        spec: renderPodSpec(pod, {
          target: PodTarget.WORKLOAD,
          pullImage: imagePullerOf(scope),
          containerName: 'app',
          ports: [{ containerPort: SCRIPT_PORT, name: 'http' }],
          readinessProbe: probe(3),
          livenessProbe: probe(6),
          extraMounts: [{ name: 'code', mountPath: SCRIPT_DIR, readOnly: true }],
          extraVolumes: [{ name: 'code', configMap: { name: o.name, defaultMode: 0o444 } }],
        }),
      },
    },
  }, toWire);
  const service = wireApiObject(scope, 'Service', k8s.KubeService, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels, annotations: o.annotations },
    spec: {
      selector,
      ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }],
    },
  }, k8s.toJson_KubeServiceProps);
  return { configMap, deployment, service };
}
