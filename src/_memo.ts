import { IConstruct } from 'constructs';

/**
 * A value kept while `key()` gives the same answer and made again when it changes. For what is rendered or checked
 * from state that can change until synth (the models of a repository, counted by its revision): cdk8s validates the
 * whole app once more per chart, and synth reads the same render, so without it each pass would repeat the work.
 * A `make` that throws keeps nothing.
 */
export function keyedMemo<K, T>(key: () => K, make: () => T): () => T {
  let kept: { readonly key: K; readonly value: T } | undefined;
  return () => {
    const k = key();
    if (kept === undefined || kept.key !== k) kept = { key: k, value: make() };
    return kept.value;
  };
}

/**
 * How many constructs `scope` holds, itself included: the key of a check that reads the objects of a subtree
 * (rendering them is what costs), which stays while no construct is added, as through the passes of one synth.
 */
export function constructCount(scope: IConstruct): number {
  return scope.node.findAll().length;
}
