/**
 * apiVersion and kind of the custom objects the library renders as wire JSON through a plain `ApiObject` (the
 * generated classes' `toJson` would re-map or drop fields, see each construct). They equal the `GVK` of the
 * generated classes in `src/imports/` (test/kinds.test.ts holds them equal), without loading those modules,
 * which are large and would be parsed on an app's first service for two strings.
 */
export const KNATIVE_SERVICE = { apiVersion: 'serving.knative.dev/v1', kind: 'Service' } as const;
export const KNATIVE_BROKER = { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker' } as const;
export const KNATIVE_TRIGGER = { apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger' } as const;
