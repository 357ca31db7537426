/**
 * A copy of the data in `value`, taken where a construct or factory receives its props: arrays and plain data
 * objects are copied, recursively; everything else is kept as is (class instances such as Duration, Size, Volume
 * or other constructs, and objects with methods, which implement an interface and may be compared by identity).
 *
 * Constructs check their props at once but render some of them later, at synth. Without the copy, an options object
 * the app changes after passing it (one `autoscaling` object edited between two servers) would be rendered with
 * values that were never checked, and the first server would silently take the second one's settings.
 */
export function snapshot<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], seen);
    return out;
  }
  const keys = plainDataKeys(value);
  if (keys === undefined) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of keys) out[key] = copy((value as Record<string, unknown>)[key], seen);
  return out;
}

/**
 * The keys of an object literal (or a prototype-less object) of enumerable data properties only; undefined for
 * anything else, which is kept as is: a method, an accessor, a non-enumerable or symbol-keyed property marks an
 * implementation, such as the objects the jsii kernel makes for a Python, Java, Go or .NET class implementing an
 * interface (its methods non-enumerable own properties, and a symbol holding its object id).
 */
function plainDataKeys(value: object): string[] | undefined {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (Object.getOwnPropertySymbols(value).length !== 0) return undefined;
  const keys = Object.getOwnPropertyNames(value);
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (!d.enumerable || d.get !== undefined || d.set !== undefined || typeof d.value === 'function') return undefined;
  }
  return keys;
}
