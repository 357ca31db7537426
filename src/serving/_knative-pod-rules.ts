/**
 * The rules Knative Serving's admission webhook applies to a revision's pod spec
 * (`pkg/apis/serving/k8s_validation.go`), checked on the rendered spec so a rejected Service never leaves synth.
 * Feature-flagged fields are not checked here: `knativeFeaturesOf` reports them.
 */
import { k8s } from 'cdk8s-plus-27';
import { checkInteger, propError } from '../_errors';
import { mountPathKey } from '../scheduling/_pod-spec';

/** Knative's defaults of revision-timeout-seconds, max-revision-timeout-seconds and container-concurrency-max-limit (config-defaults). */
export const REVISION_TIMEOUT = 300;
export const MAX_REVISION_TIMEOUT = 600;
const CONTAINER_CONCURRENCY_MAX_LIMIT = 1000;

/** The cluster's container-concurrency-max-limit: the one a cluster that raised it declares (checked), else Knative's default. */
export function containerConcurrencyLimit(declared: number | undefined): number {
  checkInteger('containerConcurrencyMaxLimit', declared, 1);
  return declared ?? CONTAINER_CONCURRENCY_MAX_LIMIT;
}

/** Ports the queue-proxy and the activator own. */
export const RESERVED_PORTS = [8008, 8012, 8013, 8022, 9090, 9091];
/** Variables Knative sets in the serving container (sidecars and init containers may set PORT). */
export const RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
/** What Knative sets each reserved variable to. */
const KNATIVE_SETS: Record<string, string> = {
  PORT: 'the serving port', K_SERVICE: "the Service's name", K_CONFIGURATION: "the Configuration's name", K_REVISION: "the Revision's name",
};
// k8s_validation.go's reservedPaths: /tmp, /var and /var/log left it with knative/serving#14719 (the current file
// holds these three alone).
const RESERVED_PATHS = ['/', '/dev', '/dev/log'];
const PORT_NAMES = ['http1', 'h2c', ''];
/**
 * The volume sources a revision may use (the webhook's VolumeSourceMask; the flagged ones `knativeFeaturesOf`
 * reports). Knative drops or refuses any other, e.g. nfs or awsElasticBlockStore.
 */
const VOLUME_SOURCES = ['secret', 'configMap', 'projected', 'emptyDir', 'persistentVolumeClaim', 'hostPath', 'csi'];

/** Throws on the first thing in `spec` that Knative's webhook would reject. */
export function checkKnativePodSpec(spec: k8s.PodSpec): void {
  const ports = spec.containers.filter((c) => c.ports?.length);
  if (ports.length > 1 || (ports.length === 1 && ports[0].ports!.length > 1)) {
    const all = ports.flatMap((c) => c.ports!.map((p) => `${c.name}:${p.containerPort}`));
    throw propError('ports', 'a single port across all containers (Knative routes to exactly one)', all.join(', '), 'expose other ports (metrics) without declaring them');
  }
  const port = ports[0]?.ports![0];
  if (port && !PORT_NAMES.includes(port.name ?? '')) {
    throw propError('ports[0].name', "'http1' or 'h2c'", port.name, 'choose the protocol with ServingProtocol');
  }
  const volumes = new Map<string, k8s.Volume>();
  for (const v of spec.volumes ?? []) {
    volumes.set(v.name, v);
    const source = Object.keys(v).find((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] !== undefined && !VOLUME_SOURCES.includes(k));
    if (source) {
      throw propError('volumeMounts[].volume', `a volume type a Knative revision may use (${VOLUME_SOURCES.join(', ')})`, `${source} volume '${v.name}'`,
        'mount the data through a PersistentVolumeClaim, or copy it in with an init container');
    }
  }
  for (const c of spec.containers) checkContainer(c, volumes);
  for (const c of spec.initContainers ?? []) checkContainer(c, volumes);
}

/** The webhook's rules for one container of the pod, whose volumes are `volumes` by name. */
function checkContainer(c: k8s.Container, volumes: ReadonlyMap<string, k8s.Volume>): void {
  if (c.name === 'queue-proxy') throw propError('containers[].name', "a name other than 'queue-proxy', which Knative reserves", c.name);
  for (const p of c.ports ?? []) {
    if (RESERVED_PORTS.includes(p.containerPort)) {
      throw propError('port', `a port Knative does not reserve (not ${RESERVED_PORTS.join(', ')})`, p.containerPort, 'serve on 8080 or another free port');
    }
  }
  const serving = (c.ports ?? []).length > 0;
  for (const e of c.env ?? []) {
    if (RESERVED_ENV.includes(e.name) && (serving || e.name !== 'PORT')) {
      throw propError('env', `free of the variables Knative sets (${RESERVED_ENV.join(', ')})`, e.name,
        `Knative sets ${e.name} to ${KNATIVE_SETS[e.name]}; read it instead of setting it`);
    }
  }
  for (const m of c.volumeMounts ?? []) {
    // Paths unique within a container: the shared renderer checks that for every target.
    const path = mountPathKey(m.mountPath);
    if (RESERVED_PATHS.includes(path)) throw propError('volumeMounts[].path', `a path Knative does not reserve (not ${RESERVED_PATHS.join(', ')})`, m.mountPath);
    const v = volumes.get(m.name);
    if (v && !v.emptyDir && !v.persistentVolumeClaim && !m.readOnly) {
      throw propError('volumeMounts[].readOnly', `true for the ${Object.keys(v).filter((k) => k !== 'name').join('/')} volume '${m.name}' (Knative only allows writable emptyDir and PVC mounts)`, false, 'leave readOnly unset');
    }
    if (v?.persistentVolumeClaim?.readOnly && !m.readOnly) {
      throw propError('volumeMounts[].readOnly', `true for '${m.name}', whose claim is mounted read-only`, false);
    }
  }
}
