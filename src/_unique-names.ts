/**
 * One object per name: two objects of one kind, namespace and name applied together are one object to the apiserver
 * (`kubectl apply` keeps the last; Argo CD, Flux and kustomize refuse the pair). Names the library derives
 * (`<name>-adapter`, a training Job's `<job>-0` Service) can meet a name given elsewhere. What is applied together is
 * a ClusterChart (one cluster), or else one chart: an app without cluster charts may apply each chart to its own
 * cluster (staging and prod), where equal names are right. Pairs without an object of the library are not ours.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { clusterScopeOf, isClusterScope } from './_cluster-scope';
import { propError } from './_errors';
import { keyedMemo } from './_memo';

/** The constructs of the library, whose objects the check compares. */
const LIBRARY = new WeakSet<IConstruct>();
/** The scopes that carry the check. */
const CHECKED = new WeakSet<IConstruct>();

/** Registers a construct of the library; its ClusterChart, or else its chart, gets the check once. */
export function checkUniqueObjectNames(construct: IConstruct): void {
  LIBRARY.add(construct);
  const cluster = clusterScopeOf(construct);
  const scope = isClusterScope(cluster) ? cluster : Chart.of(construct);
  if (CHECKED.has(scope)) return;
  CHECKED.add(scope);
  const problems = keyedMemo(() => `${turn()} ${scope.node.children.length}`, () => duplicateNames(scope));
  scope.node.addValidation({ validate: () => problems() });
}

let turns = 0;
let turnEnds = false;

/**
 * Which turn of the event loop this is: it changes once the code running now returns (a microtask). cdk8s validates
 * the whole app once more per chart it writes, all in one turn, so the check is made once per synth: a key that
 * counted the constructs would walk the tree on each pass, quadratic in the charts (+1 s at 1,000 charts in
 * `npm run bench`). Within one turn the key also follows the scope's direct children; a construct added deeper
 * between two synths of one turn, with no await between them, is not seen by the second.
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

function fromLibrary(o: IConstruct): boolean {
  for (let c: IConstruct | undefined = o; c; c = c.node.scope) if (LIBRARY.has(c)) return true;
  return false;
}

function duplicateNames(scope: IConstruct): string[] {
  const first = new Map<string, ApiObject>();
  const problems: string[] = [];
  for (const c of scope.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const namespace = c.metadata.namespace;
    const key = `${c.apiGroup}\n${c.kind}\n${namespace ?? ''}\n${c.name}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, c);
      continue;
    }
    if (!fromLibrary(earlier) && !fromLibrary(c)) continue;
    const where = namespace ? ` in namespace '${namespace}'` : '';
    problems.push(propError('metadata.name', `unique per kind${where} among the objects applied together: ${earlier.node.path} and ${c.node.path} are one object to the apiserver`,
      `${c.apiVersion} ${c.kind} ${c.name}`, 'rename one of them (names the library derives, such as <name>-adapter or <job>-0, count too)').message);
  }
  return problems;
}
