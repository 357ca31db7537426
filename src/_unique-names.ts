/**
 * One object per name: two objects of one kind, namespace and name in one cluster are one object to the apiserver
 * (`kubectl apply` keeps the last; Argo CD, Flux and kustomize refuse the pair). Names the library derives
 * (`<name>-adapter`, a training Job's `<job>-0` Service) can meet a name given elsewhere, so every construct of the
 * library registers its app for the check.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { clusterScopeOf, isClusterScope } from './_cluster-scope';
import { propError } from './_errors';
import { keyedMemo } from './_memo';

const REGISTERED = new WeakSet<IConstruct>();

/** Adds the check to the app of `scope`, once per app; it runs at synth, over every object the app then has. */
export function checkUniqueObjectNames(scope: IConstruct): void {
  const app = scope.node.root;
  if (REGISTERED.has(app)) return;
  REGISTERED.add(app);
  const problems = keyedMemo(() => `${turn()} ${app.node.children.length}`, () => duplicateNames(app));
  app.node.addValidation({ validate: () => problems() });
}

let turns = 0;
let turnEnds = false;

/**
 * Which turn of the event loop this is: it changes once the code running now returns (a microtask). cdk8s validates
 * the whole app once more per chart it writes, all in one turn, so the check is made once per synth: a key that
 * counted the app's constructs would walk the tree on each pass, quadratic in the charts (+1 s at 1,000 charts in
 * `npm run bench`). Within one turn the key also follows the number of charts; a construct added to an existing
 * chart between two synths of one turn, with no await between them, is not seen by the second.
 */
function turn(): number {
  if (!turnEnds) {
    turnEnds = true;
    queueMicrotask(() => {
      turns++;
      turnEnds = false;
    });
  }
  return turns;
}

function duplicateNames(app: IConstruct): string[] {
  const first = new Map<string, ApiObject>();
  const problems: string[] = [];
  for (const c of app.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const cluster = clusterScopeOf(c);
    const namespace = c.metadata.namespace;
    const key = [isClusterScope(cluster) ? cluster.node.path : '', c.apiGroup, c.kind, namespace ?? '', c.name].join('\n');
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, c);
      continue;
    }
    const where = namespace ? ` in namespace '${namespace}'` : '';
    problems.push(propError('metadata.name', `unique per kind${where} in a cluster: ${earlier.node.path} and ${c.node.path} are one object to the apiserver`,
      `${c.kind} ${c.name}`, 'rename one of them (names the library derives, such as <name>-adapter or <job>-0, count too)').message);
  }
  return problems;
}
