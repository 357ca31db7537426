/**
 * The apps the benchmark synthesizes. A stack is what a platform team adds per model: a GpuInferenceService,
 * an EventTrigger to it and a TritonModelRepo with one model. The baseline emits byte-identical YAML through
 * plain cdk8s ApiObjects: what the same manifests cost with no library at all.
 *
 * Both builders take the library as an argument so the benchmark can load the compiled package (lib/), as a
 * user's app does.
 */
import type * as cdk8s from 'cdk8s';
import { Duration as cdk8sDuration } from 'cdk8s';
import * as plus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';

type Lib = typeof import('../../src');

export const NAMESPACE = 'ml';

/**
 * How stacks map to charts and files:
 * - `single-chart`: one chart holds every stack (each stack a construct scope);
 * - `chart-per-stack`: one chart per stack, a file per chart. cdk8s 2.x synthesizes each chart with
 *   `Chart.toJson`, which validates and resolves dependencies over the whole app again, so this layout is
 *   quadratic in the app's size for any cdk8s app, with or without the library;
 * - `chart-per-stack-folders`: the same charts written as a folder per chart and a file per object
 *   (`YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE`), which cdk8s writes without `Chart.toJson`.
 */
export enum Layout {
  SINGLE_CHART = 'single-chart',
  CHART_PER_STACK = 'chart-per-stack',
  CHART_PER_STACK_FOLDERS = 'chart-per-stack-folders',
}

function newApp(c: typeof cdk8s, outdir: string, layout: Layout): cdk8s.App {
  const folders = layout === Layout.CHART_PER_STACK_FOLDERS;
  return new c.App({ outdir, yamlOutputType: folders ? c.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE : undefined });
}

/**
 * How the stacks' objects get their names:
 * - `explicit`: each construct is given `metadata.name`, as GitOps setups that want stable, readable names do;
 * - `generated`: cdk8s generates them from the construct path (`Names.toDnsLabel`: path plus a hash). That is
 *   cdk8s's work, not the library's, and the baseline, which gets the names with its input, does not repeat it.
 */
export enum Naming {
  EXPLICIT = 'explicit',
  GENERATED = 'generated',
}

/** Builds the library app with `n` stacks into `outdir`. */
export function buildLibraryApp(c: typeof cdk8s, lib: Lib, n: number, outdir: string, layout: Layout, naming: Naming): cdk8s.App {
  const named = (name: string) => (naming === Naming.EXPLICIT ? { metadata: { name } } : {});
  const app = newApp(c, outdir, layout);
  const shared = new c.Chart(app, 'shared', { namespace: NAMESPACE });
  new lib.KnativeFeatures(shared, 'knative-features');
  const deadLetters = lib.EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'dead-letters', namespace: NAMESPACE });
  const broker = lib.Broker.fromBrokerName('default', NAMESPACE);
  const all = layout === Layout.SINGLE_CHART ? new c.Chart(app, 'stacks', { namespace: NAMESPACE }) : undefined;
  for (let i = 0; i < n; i++) {
    const stack: Construct = all ? new Construct(all, `stack-${i}`) : new c.Chart(app, `stack-${i}`, { namespace: NAMESPACE });
    if (all) STACK_SCOPES.add(stack);
    const service = new lib.GpuInferenceService(stack, 'classifier', {
      ...named(`classifier-${i}`),
      image: 'registry.example.com/ml/resnet50:1.4.0',
      maxScale: 10,
      containerConcurrency: 16,
      startupProbe: { path: '/healthz', period: c.Duration.seconds(10), failureThreshold: 30 },
    });
    new lib.EventTrigger(stack, 'uploads', {
      ...named(`uploads-${i}`),
      broker,
      subscriber: service,
      filters: [lib.TriggerFilter.exact('type', 'io.min.s3.ObjectCreated:Put')],
      delivery: { deadLetterSink: deadLetters },
    });
    addModelRepo(lib, stack, i, named(`models-${i}`));
  }
  return app;
}

/** One Triton model per stack. */
function addModelRepo(lib: Lib, stack: Construct, i: number, named: { metadata?: cdk8s.ApiObjectMetadata }): void {
  const repo = new lib.TritonModelRepo(stack, 'models', {
    ...named,
    artifacts: lib.ModelArtifactSource.fromPersistentVolumeClaim(plus.PersistentVolumeClaim.fromClaimName(stack, 'claim', `models-${i}`)),
  });
  repo.addModel({
    name: 'resnet50',
    platform: lib.ModelPlatform.PYTORCH_LIBTORCH,
    maxBatchSize: 32,
    inputs: [{ name: 'INPUT__0', dataType: lib.TensorDataType.FP32, dims: [3, 224, 224] }],
    outputs: [{ name: 'OUTPUT__0', dataType: lib.TensorDataType.FP32, dims: [1000] }],
    instanceGroups: [{ kind: lib.InstanceGroupKind.GPU, count: 2, gpus: [0] }],
    dynamicBatching: { preferredBatchSizes: [4, 8, 16], maxQueueDelay: cdk8sDuration.millis(100) },
  });
}

/** The per-stack scopes the library app creates itself (single-chart layout): app structure, not the library's. */
const STACK_SCOPES = new WeakSet<IConstruct>();

/**
 * The objects of every chart of a synthesized app, by chart id, in order, with the charts each depends on and, per
 * object, the id of the app's own stack scope it was made in (null in `chart-per-stack`, where the chart is the
 * stack).
 */
export type Manifests = Array<{ chart: string; dependsOn: string[]; objects: any[]; stacks: Array<string | null> }>;

/** Call after `app.synth()`, which records the chart dependencies (e.g. services after config-features). */
export function manifestsOf(c: typeof cdk8s, app: cdk8s.App): Manifests {
  return app.charts.map((chart) => {
    const stackOf = new Map<string, string | null>();
    for (const o of chart.node.findAll()) {
      if (!(o instanceof c.ApiObject) || c.Chart.of(o) !== chart) continue;
      stackOf.set(`${o.kind}/${o.name}`, o.node.scopes.find((s) => STACK_SCOPES.has(s))?.node.id ?? null);
    }
    const objects = chart.toJson();
    return {
      chart: chart.node.id,
      dependsOn: chart.node.dependencies.filter((d) => d instanceof c.Chart).map((d) => d.node.id),
      objects,
      stacks: objects.map((o: any) => stackOf.get(`${o.kind}/${o.metadata.name}`) ?? null),
    };
  });
}

/**
 * Builds the baseline app: the same app without the library. The same charts in the same order, the same stack
 * scopes the app makes, and in them plain ApiObjects in place of the library's constructs.
 */
export function buildBaselineApp(c: typeof cdk8s, manifests: Manifests, outdir: string, layout: Layout): cdk8s.App {
  const app = newApp(c, outdir, layout);
  const charts = new Map<string, cdk8s.Chart>();
  for (const { chart, dependsOn, objects, stacks } of manifests) {
    const scope = new c.Chart(app, chart);
    for (const dep of dependsOn) scope.addDependency(charts.get(dep)!);
    const scopes = new Map<string, Construct>();
    objects.forEach((obj, j) => {
      const stack = stacks[j];
      let parent: Construct = scope;
      if (stack !== null) {
        parent = scopes.get(stack) ?? new Construct(scope, stack);
        scopes.set(stack, parent);
      }
      new c.ApiObject(parent, `o${j}`, obj);
    });
    charts.set(chart, scope);
  }
  return app;
}
