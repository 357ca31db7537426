/** The schema gate itself must be able to fail: these prove it rejects what a cluster would. */
import { customKinds, problemsOf } from './_helpers/manifests';

const ksvc = (spec: any) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'svc' }, spec });

describe('schema gate', () => {
  test('knows the pinned CRD kinds', () => {
    expect(customKinds()).toEqual(expect.arrayContaining([
      'serving.knative.dev/v1|Service',
      'eventing.knative.dev/v1|Broker',
      'eventing.knative.dev/v1|Trigger',
      'sources.knative.dev/v1|PingSource',
      'sources.knative.dev/v1|SinkBinding',
      'monitoring.coreos.com/v1|PodMonitor',
      'policy.karmada.io/v1alpha1|PropagationPolicy',
    ]));
  });

  test('accepts a minimal Knative Service', () => {
    expect(problemsOf(ksvc({ template: { spec: { containers: [{ image: 'x:1' }] } } }))).toEqual([]);
  });

  test('rejects an unknown field in a Knative Service', () => {
    expect(problemsOf(ksvc({ template: { spec: { containers: [{ image: 'x:1', gpus: 1 }] } } })).join('\n'))
      .toMatch(/\/spec\/template\/spec\/containers\/0 must NOT have additional properties 'gpus'/);
  });

  test('rejects a wrong type in a Knative Service', () => {
    expect(problemsOf(ksvc({ template: { spec: { containerConcurrency: 'ten', containers: [{ image: 'x:1' }] } } })).join('\n'))
      .toMatch(/containerConcurrency must be integer/);
  });

  test('lets fields through only under x-kubernetes-preserve-unknown-fields', () => {
    expect(problemsOf(ksvc({ template: { spec: { tolerations: [{ anything: true }], containers: [{ image: 'x:1' }] } } }))).toEqual([]);
  });

  test('rejects unknown metadata fields', () => {
    expect(problemsOf({ ...ksvc({}), metadata: { name: 'svc', labelz: {} } }).join('\n')).toMatch(/\/metadata must NOT have additional properties 'labelz'/);
  });

  test('validates core kinds with kubernetes-models', () => {
    expect(problemsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } })).toEqual([]);
    expect(problemsOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: {} } }).join('\n')).toMatch(/selector/);
  });

  test('an object with no schema is an error, not a pass', () => {
    expect(problemsOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }))
      .toEqual(["example.com/v1 Widget 'w': no schema (neither a Kubernetes 1.33 kind nor a CRD in crds/)"]);
    expect(problemsOf({ apiVersion: 'serving.knative.dev/v2', kind: 'Service', metadata: { name: 's' } })[0]).toMatch(/no schema/);
  });
});
