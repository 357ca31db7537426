/**
 * Every key of `T`, optional ones included, each with `T`'s type: the type of a list that passes a props interface
 * on key by key, so that the compiler names a key the list leaves out.
 */
export type EveryKey<T> = { [K in keyof Required<T>]: T[K] };
