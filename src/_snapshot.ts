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
  const keys = plainKeys(value);
  if (keys === undefined) return value;
  // Each property is read once: a getter's value is what the copy keeps.
  const values = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const v = (value as Record<string, unknown>)[keys[i]];
    if (typeof v === 'function') return value;
    values[i] = v;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = copy(values[i], seen);
  return out;
}

/**
 * The keys of an object literal (or a prototype-less object) whose own properties are all enumerable and
 * string-keyed; undefined for anything else, which is kept as is, as is an object holding a method (`copy`): a
 * non-enumerable or symbol-keyed property marks an implementation, such as the objects the jsii kernel makes for a
 * Python, Java, Go or .NET class implementing an interface (its methods non-enumerable own properties, and a symbol
 * holding its object id). An enumerable getter of an object literal is read: the copy keeps the value it gives now.
 * (No property descriptors: one object per key, on every props object of an app, showed in `npm run bench`.)
 */
function plainKeys(value: object): string[] | undefined {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (Object.getOwnPropertySymbols(value).length !== 0) return undefined;
  const keys = Object.keys(value);
  return Object.getOwnPropertyNames(value).length === keys.length ? keys : undefined;
}
