/**
 * One deterministic string order for everything the library sorts into its output: UTF-16 code units, as
 * `Array.prototype.sort` compares them. Not `localeCompare`, whose order follows the ICU collation of the machine
 * running synth and whose first call loads a collator (6 ms of a one-service app, `npm run bench`).
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `record` with its keys in `compareStrings` order. */
export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([x], [y]) => compareStrings(x, y)));
}
