/** The schema gate itself must be able to fail: these prove it rejects what a cluster would. */
import { customKinds, overrideProblems, problemsOf } from './_helpers/manifests';

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

  test('checks a Knative Service\'s pod spec as the core PodSpec, where the CRD leaves its gated fields open', () => {
    const pod = (spec: any) => ksvc({ template: { spec: { containers: [{ image: 'x:1' }], ...spec } } });
    expect(problemsOf(pod({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], containerConcurrency: 4 }))).toEqual([]);
    expect(problemsOf(pod({ tolerations: [{ key: 'nvidia.com/gpu', operater: 'Exists' }] })))
      .toEqual(["serving.knative.dev/v1 Service 'svc': /spec/template/spec (as a core PodSpec): /tolerations/0/operater is not a field of its schema"]);
    expect(problemsOf(pod({ affinity: { nodeAffinty: {} } })).join('\n')).toMatch(/\/affinity\/nodeAffinty is not a field of its schema/);
    expect(problemsOf(pod({ securityContext: { runAsUserr: 1000 } })).join('\n')).toMatch(/\/securityContext\/runAsUserr is not a field/);
    expect(problemsOf(pod({ initContainers: [{ imagez: 'x:1' }] }))).toEqual([
      "serving.knative.dev/v1 Service 'svc': /spec/template/spec (as a core PodSpec): data/initContainers/0 must have required property name",
      "serving.knative.dev/v1 Service 'svc': /spec/template/spec (as a core PodSpec): /initContainers/0/imagez is not a field of its schema",
    ]);
    // Knative fills in the probe's port: a probe without one is no error.
    expect(problemsOf(pod({ containers: [{ image: 'x:1', ports: [{ containerPort: 8000 }], readinessProbe: { httpGet: { path: '/ready' } } }] }))).toEqual([]);
  });

  test('holds fields closed where the CRD preserves unknown ones but lists its own, feature-gated ones added', () => {
    const trigger = (spec: any) => ({ apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', metadata: { name: 't' }, spec: { broker: 'default', subscriber: { uri: 'http://x' }, ...spec } });
    expect(problemsOf(trigger({ delivery: { retry: 3, timeout: 'PT30S', retryAfterMax: 'PT1M' } }))).toEqual([]);
    expect(problemsOf(trigger({ delivery: { retryy: 3 } }))).toEqual(["eventing.knative.dev/v1 Trigger 't': /spec/delivery must NOT have additional properties 'retryy'"]);
    expect(problemsOf(trigger({ filterz: [] }))).toEqual(["eventing.knative.dev/v1 Trigger 't': /spec must NOT have additional properties 'filterz'"]);
    const broker = { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'b' }, spec: { delivery: { format: 'json', timeout: 'PT5S', retryy: 1 } } };
    expect(problemsOf(broker)).toEqual(["eventing.knative.dev/v1 Broker 'b': /spec/delivery must NOT have additional properties 'retryy'"]);
    // Objects that list no fields stay open: a filter's attribute map, a Karmada override's value.
    expect(problemsOf(trigger({ filters: [{ exact: { 'type': 'x', 'any-attribute': 'y' } }] }))).toEqual([]);
  });

  test('holds a Knative Service\'s name to a DNS-1035 label, as Knative names its core Services after it', () => {
    expect(problemsOf({ ...ksvc({}), metadata: { name: '9svc' } })).toEqual(["serving.knative.dev/v1 Service '9svc': /metadata/name '9svc' is not a DNS-1035 label"]);
    expect(problemsOf({ ...ksvc({}), metadata: { name: 'a'.repeat(64) } })[0]).toMatch(/is not a DNS-1035 label/);
  });

  test('rejects unknown metadata fields', () => {
    expect(problemsOf({ ...ksvc({}), metadata: { name: 'svc', labelz: {} } }).join('\n')).toMatch(/\/metadata must NOT have additional properties 'labelz'/);
  });

  test('rejects a field a core kind does not have, as kubectl apply (strict field validation) does', () => {
    const job = (podSpec: any) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: podSpec } } });
    expect(problemsOf(job({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1' }] }))).toEqual([]);
    expect(problemsOf(job({ restartPolicy: 'Never', tolerationz: [], containers: [{ name: 'c', image: 'x:1', gpus: 1 }] }))).toEqual([
      "batch/v1 Job 'j': /spec/template/spec/tolerationz is not a field of its schema",
      "batch/v1 Job 'j': /spec/template/spec/containers/0/gpus is not a field of its schema",
    ]);
    expect(problemsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { clusterIp: 'None', ports: [{ port: 80 }] } }))
      .toEqual(["v1 Service 's': /spec/clusterIp is not a field of its schema"]);
  });

  test('takes any key in a core kind\'s maps (labels, annotations, ConfigMap data)', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'a/b': 'c' }, annotations: { x: 'y' } }, data: { 'any.key': 'v' } };
    expect(problemsOf(cm)).toEqual([]);
    expect(problemsOf({ ...cm, metadata: { ...cm.metadata, labelz: {} } })).toEqual(["v1 ConfigMap 'c': /metadata/labelz is not a field of its schema"]);
  });

  test('rejects core object names the apiserver refuses', () => {
    const cm = (metadata: any) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: {} });
    expect(problemsOf(cm({ name: 'models.v2' }))).toEqual([]);
    expect(problemsOf(cm({ name: 'Bad_Name' }))).toEqual(["v1 ConfigMap 'Bad_Name': /metadata/name 'Bad_Name' is not a DNS-1123 subdomain"]);
    expect(problemsOf(cm({ name: 'c', namespace: 'ml.team' }))).toEqual(["v1 ConfigMap 'c': /metadata/namespace 'ml.team' is not a DNS label"]);
    // A Service's name becomes a DNS label of its cluster name: no dots, no leading digit.
    expect(problemsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1st.svc' }, spec: { ports: [{ port: 80 }] } }))
      .toEqual(["v1 Service '1st.svc': /metadata/name '1st.svc' is not a DNS-1035 label"]);
  });

  test('validates core kinds with kubernetes-models', () => {
    expect(problemsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } })).toEqual([]);
    expect(problemsOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: {} } }).join('\n')).toMatch(/selector/);
  });

  test('checks what a Karmada override makes of the objects it selects', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1' }] } } } };
    const override = (plaintext: any[], name = 'j') => ({
      apiVersion: 'policy.karmada.io/v1alpha1',
      kind: 'OverridePolicy',
      metadata: { name: 'o', namespace: 'ml' },
      spec: { resourceSelectors: [{ apiVersion: 'batch/v1', kind: 'Job', name }], overrideRules: [{ targetCluster: { clusterNames: ['gke'] }, overriders: { plaintext } }] },
    });
    expect(overrideProblems([job, override([{ operator: 'add', path: '/spec/template/spec/nodeSelector', value: { pool: 'gpu' } }])])).toEqual([]);
    expect(overrideProblems([job, override([{ operator: 'add', path: '/spec/template/spec/tolerations', value: [{ operater: 'Exists' }] }])]))
      .toEqual(["OverridePolicy 'o' for gke: batch/v1 Job 'j': /spec/template/spec/tolerations/0/operater is not a field of its schema"]);
    expect(overrideProblems([job, override([{ operator: 'replace', path: '/spec/template/spec/affinity/nodeAffinity', value: {} }])])[0])
      .toMatch(/^OverridePolicy 'o' for gke: a patch does not apply to Job 'j'/);
    // Replacing or removing a field the object does not have fails in Karmada (evanphx/json-patch) too.
    for (const missing of [{ operator: 'replace', path: '/spec/template/spec/runtimeClassName', value: 'nvidia' }, { operator: 'remove', path: '/spec/template/spec/nodeSelector' }]) {
      expect(overrideProblems([job, override([missing])])).toEqual(["OverridePolicy 'o' for gke: a patch does not apply to Job 'j': Cannot perform the operation at a path that does not exist"]);
    }
    expect(overrideProblems([job, override([], 'other')])).toEqual(["OverridePolicy 'o': selects Job 'other', which is not among the objects"]);
  });

  test('an object with no schema is an error, not a pass', () => {
    expect(problemsOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }))
      .toEqual(["example.com/v1 Widget 'w': no schema (neither a Kubernetes 1.33 kind nor a CRD in crds/)"]);
    expect(problemsOf({ apiVersion: 'serving.knative.dev/v2', kind: 'Service', metadata: { name: 's' } })[0]).toMatch(/no schema/);
  });
});
