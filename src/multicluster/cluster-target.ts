import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { clusterScopeOf, clusterScopesOf, isAttached, isClusterScope, markClusterScope, markedClusterScopes, originOf } from '../_cluster-scope';
import { propError } from '../_errors';
import { constructCount, keyedMemo } from '../_memo';
import { isDnsLabel } from '../_names';
import { compareStrings } from '../_order';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import { canonicalImage, isDockerHub, parseImage, PATH_SEGMENT } from '../scheduling/_image';
import { GpuNodePool } from '../scheduling/gpu-node-pool';

const HOST_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
/**
 * A registry host as container runtimes tell it from a Docker Hub path (as `parseImage`): DNS labels joined by
 * dots, with a '.' or a port, or `localhost`.
 */
const REGISTRY = new RegExp(`^(localhost(:[0-9]+)?|${HOST_LABEL}(\\.${HOST_LABEL})*:[0-9]+|${HOST_LABEL}(\\.${HOST_LABEL})+(:[0-9]+)?)$`);

/** Props of ClusterTarget. */
export interface ClusterTargetProps {
  /**
   * Name of the cluster; with Karmada, the member cluster's name as registered (`kubectl get clusters`).
   */
  readonly name: string;
  /** Where GPU pods run in this cluster; pass it as `nodePool` to the workloads of its chart. */
  readonly nodePool: GpuNodePool;
  /**
   * Namespace of the cluster's chart.
   * @default - the chart's namespace, or none
   */
  readonly namespace?: string;
  /**
   * Where this cluster pulls each registry's images from: an on-prem mirror, a Harbor proxy project, an ECR
   * pull-through cache, an Artifact Registry remote repository. Keyed by the registry an image names (`docker.io`
   * for Docker Hub, its short forms included; `nvcr.io`, `quay.io` ...), `*` for every other registry; each value is
   * the location that serves that registry's repositories under their own paths, `host[:port][/path]`
   * (`harbor.dc1.example.com/dockerhub-proxy`, `123456789012.dkr.ecr.us-east-1.amazonaws.com/nvcr`). In a
   * `ClusterChart` for this target, every container and init container the library renders pulls through it
   * (`node:22` through a Docker Hub mirror at `harbor.example.com/hub` is `harbor.example.com/hub/library/node:22`).
   * With Karmada, an OverridePolicy rewrites every container and init container image propagated here the same
   * way, by its path in the workload's pod spec (`WorkloadPlacement.apiObject`, required).
   * @default - images are pulled from where they are named
   */
  readonly registryMirrors?: Record<string, string>;
}

/**
 * A cluster the same workloads are synthesized for: its name and its GPU node pool.
 *
 * @example
 * const onPrem = new ClusterTarget({ name: 'on-prem', nodePool: GpuNodePool.onPrem({ products: [GpuProduct.A100_SXM4_40GB] }) });
 */
export class ClusterTarget {
  /** Name of the cluster. */
  public readonly name: string;
  /** Where GPU pods run in this cluster. */
  public readonly nodePool: GpuNodePool;
  /** Namespace of the cluster's chart, when set. */
  public readonly namespace?: string;
  /** Where this cluster pulls each registry's images from, when set (see `ClusterTargetProps.registryMirrors`). */
  public readonly registryMirrors?: Record<string, string>;

  public constructor(props: ClusterTargetProps) {
    if (!isDnsLabel(props.name)) {
      throw propError('name', 'a DNS label (lowercase letters, digits, -; at most 63 characters)', props.name);
    }
    if (props.namespace !== undefined && !isDnsLabel(props.namespace)) {
      throw propError('namespace', 'a DNS label', props.namespace);
    }
    const locations = new Map<string, string>();
    for (const [registry, mirror] of Object.entries(props.registryMirrors ?? {})) {
      if (registry !== '*' && !REGISTRY.test(registry)) {
        throw propError('registryMirrors', "keyed by registry hosts as images name them ('docker.io', 'nvcr.io', 'registry.example.com:5000') or '*'", registry);
      }
      if (isDockerHub(registry) && registry !== 'docker.io') {
        throw propError('registryMirrors', "keyed by 'docker.io' for Docker Hub, whichever of its names an image uses", registry);
      }
      // A location serves one registry's paths: two registries under one would put two images at one name.
      const other = locations.get(mirror);
      if (other !== undefined) throw propError(`registryMirrors['${registry}']`, `a location of its own (registry '${other}' is mirrored there too)`, mirror);
      locations.set(mirror, registry);
      const [host, ...path] = mirror.split('/');
      if (!REGISTRY.test(host) || !path.every((segment) => PATH_SEGMENT.test(segment))) {
        throw propError(`registryMirrors['${registry}']`, "a mirror location host[:port][/path], e.g. 'harbor.dc1.example.com/dockerhub-proxy' " +
          "(a host without a '.' or a port is read as a Docker Hub path)", mirror, 'leave out the scheme; spell out the domain or the port');
      }
    }
    this.name = props.name;
    this.nodePool = props.nodePool;
    this.namespace = props.namespace;
    this.registryMirrors = props.registryMirrors && Object.keys(props.registryMirrors).length > 0 ? { ...props.registryMirrors } : undefined;
  }
}

/** Props of ClusterChart. */
export interface ClusterChartProps extends ChartProps {
  /** The cluster this chart is applied to. */
  readonly target: ClusterTarget;
  /**
   * Take part in the app-wide check that the cluster charts run no conflicting image references per repository
   * (the same pinned tags or digests on-prem and in the cloud; one cluster may run a part of another's). An image
   * pulled through a registry mirror counts as the one it mirrors.
   * @default true
   */
  readonly requireIdenticalImages?: boolean;
}

/**
 * One chart per cluster: an app holds one `ClusterChart` per `ClusterTarget`, each synthesized to its own
 * file (`<id>.k8s.yaml`) and applied to its own cluster by GitOps.
 *
 * Creates no objects itself. Validates at synth that all cluster charts of the app (with
 * `requireIdenticalImages`) run no references of a repository that conflict: one chart runs every reference of
 * it the others run, so the on-prem run and the cloud burst train with the same bits.
 *
 * @example
 * for (const target of [onPrem, cloud]) {
 *   const chart = new ClusterChart(app, target.name, { target, namespace: 'ml' });
 *   new DistributedTrainingJob(chart, 'train', { image, script: 'train.py', nodePool: target.nodePool });
 * }
 */
export class ClusterChart extends Chart {
  /** Whether `x` is a ClusterChart (`instanceof` answers true for any cdk8s Chart). */
  public static isClusterChart(x: any): x is ClusterChart {
    return isClusterScope(x);
  }

  /** The cluster chart that holds `construct`; throws when there is none. */
  public static enclosing(construct: IConstruct): ClusterChart {
    const found = clusterScopeOf(construct);
    if (!ClusterChart.isClusterChart(found)) throw new Error(`'${construct.node.path}' must be inside a ClusterChart, got none: create it under new ClusterChart(app, id, { target })`);
    return found;
  }

  /** The cluster this chart is applied to. */
  public readonly target: ClusterTarget;
  /** Whether this chart takes part in the identical-images check. */
  public readonly requireIdenticalImages: boolean;

  /**
   * The identical-images problems of the app's cluster charts that take part. The check renders every object of
   * theirs, and cdk8s validates the app once more per chart it writes: it runs again only when a chart is added or
   * taken out, or a construct is added anywhere in one, as between two synths of one app.
   */
  private readonly identicalImagesProblems = keyedMemo(
    () => markedClusterScopes(this.node.root).map((c) => (takesPart(c) && isAttached(c) ? constructCount(c) : '-')).join(),
    () => this.checkIdenticalImages(clusterScopesOf(this.node.root).filter(takesPart)),
  );

  public constructor(scope: Construct, id: string, props: ClusterChartProps) {
    super(scope, id, { ...props, namespace: props.namespace ?? props.target.namespace });
    props = snapshot(props);
    checkUniqueObjectNames(this);
    // cdk8s's Chart answers `instanceof` for any chart, subclasses included: cluster charts are marked.
    markClusterScope(this, props.target.registryMirrors);
    this.target = props.target;
    this.requireIdenticalImages = props.requireIdenticalImages ?? true;
    if (this.requireIdenticalImages) this.node.addValidation({ validate: () => (this.checksImages() ? this.identicalImagesProblems() : []) });
  }

  /**
   * Whether this chart runs the app's identical-images check: the first cluster chart that takes part. Kept on the
   * root while that chart stays in the tree (cluster charts are marked in order, so a later one never precedes it):
   * cdk8s validates the app once more per chart it writes, and each chart that takes part asks.
   */
  private checksImages(): boolean {
    const root = this.node.root;
    let first = CHECKING_CHART.get(root);
    if (first === undefined || !isAttached(first)) {
      first = clusterScopesOf(root).find(takesPart);
      CHECKING_CHART.set(root, first);
    }
    return first === this;
  }

  /**
   * Per repository, one chart must run every reference the others run: a chart may run two tags (two models on two
   * server versions), and another one of them, but no chart a tag the fullest one lacks.
   */
  private checkIdenticalImages(charts: ClusterChart[]): string[] {
    /** repository → chart → the references of it the chart runs, in full, each as it stands for the origin image. */
    const byRepository = new Map<string, Map<ClusterChart, Set<string>>>();
    for (const chart of charts) {
      // ApiObject.toJson, not Chart.toJson: the latter validates the app again, which lands here.
      const manifests = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
      for (const image of imagesOf(manifests)) {
        // What a mirror serves stands for the image it mirrors; Docker Hub's short forms are spelled out.
        const origin = canonicalImage(originOf(chart, image));
        const repository = repositoryOf(origin);
        const perChart = byRepository.get(repository) ?? new Map<ClusterChart, Set<string>>();
        perChart.set(chart, (perChart.get(chart) ?? new Set<string>()).add(origin));
        byRepository.set(repository, perChart);
      }
    }
    const problems: string[] = [];
    for (const [repository, perChart] of [...byRepository.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      const sets = [...perChart.values()];
      // Fine when one cluster runs every reference any other runs (its set is the union): the others run a part of
      // the same bits.
      const union = new Set(sets.flatMap((refs) => [...refs]));
      if (sets.some((refs) => refs.size === union.size)) continue;
      const got = [...perChart.entries()].map(([chart, refs]) => `${chart.target.name}: ${[...refs].sort(compareStrings).join(', ')}`).join('; ');
      problems.push(propError('image', `references of ${repository} that one cluster target runs all of`, got,
        'pin the same tags or digests everywhere, or set requireIdenticalImages: false on a chart that must differ').message);
    }
    return problems;
  }
}

/** Whether `c` is a cluster chart that takes part in the identical-images check. */
function takesPart(c: IConstruct): c is ClusterChart {
  return ClusterChart.isClusterChart(c) && c.requireIdenticalImages;
}

/** Per app root, the cluster chart that runs the identical-images check (see `ClusterChart.checksImages`). */
const CHECKING_CHART = new WeakMap<IConstruct, IConstruct | undefined>();

/** Every container image of the manifests: containers and initContainers at any depth. */
function imagesOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    node.forEach((n) => imagesOf(n, out));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const c of value) if (typeof c?.image === 'string') out.push(c.image);
      }
      imagesOf(value, out);
    }
  }
  return out;
}

/** `registry/path` of a canonical image reference, without tag or digest. */
function repositoryOf(image: string): string {
  const r = parseImage(image);
  return `${r.registry}/${r.path}`;
}
