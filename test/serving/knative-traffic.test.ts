import { Chart, Testing } from 'cdk8s';
import { GpuInferenceService, GpuInferenceServiceProps, KnativeFeatures, TrafficTarget, TritonKnativeService } from '../../src';
import { oneOf, synth, synthApp } from '../_helpers/manifests';
import { minioRepo, RESNET50 } from '../triton/_fixtures';

const IMAGE = 'registry.example.com/ml/resnet50-flask:1.4.0';

function ksvc(props: Partial<GpuInferenceServiceProps> = {}) {
  const chart = Testing.chart();
  new GpuInferenceService(chart, 'classifier', { image: IMAGE, metadata: { name: 'classifier' }, ...props });
  new KnativeFeatures(chart, 'features');
  return oneOf(synth(chart), 'serving.knative.dev/v1', 'Service');
}

const build = (props: Partial<GpuInferenceServiceProps>) => () =>
  new GpuInferenceService(Testing.chart(), 'classifier', { image: IMAGE, metadata: { name: 'classifier' }, ...props });

describe('Knative traffic and revision names', () => {
  test('a canary: the new revision by name at 10% with a tag of its own, the old one by name at 90%', () => {
    const svc = ksvc({
      revisionName: 'classifier-v2',
      traffic: [TrafficTarget.revision('classifier-v1', { percent: 90 }), TrafficTarget.revision('classifier-v2', { percent: 10, tag: 'canary' })],
    });
    expect(svc.spec.template.metadata.name).toBe('classifier-v2');
    // latestRevision as Knative's webhook defaults it, so a GitOps diff finds nothing to change.
    expect(svc.spec.traffic).toEqual([
      { revisionName: 'classifier-v1', latestRevision: false, percent: 90 },
      { revisionName: 'classifier-v2', latestRevision: false, percent: 10, tag: 'canary' },
    ]);
  });

  test('the latest revision with a share, and a tag-only target that takes none', () => {
    const svc = ksvc({ traffic: [TrafficTarget.latest({ percent: 100 }), TrafficTarget.revision('classifier-00001', { tag: 'previous' })] });
    expect(svc.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }, { revisionName: 'classifier-00001', latestRevision: false, tag: 'previous' }]);
    expect(svc.spec.template.metadata.name).toBeUndefined();
  });

  test('without traffic or a revision name, Knative decides both (every request to the latest ready revision)', () => {
    const svc = ksvc();
    expect(svc.spec.traffic).toBeUndefined();
    expect(svc.spec.template.metadata.name).toBeUndefined();
  });

  test('a TritonKnativeService passes both on', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'ml' });
    const repo = minioRepo(chart, [RESNET50]);
    new KnativeFeatures(chart, 'features');
    new TritonKnativeService(chart, 'triton', {
      repository: repo, metadata: { name: 'resnet50' }, revisionName: 'resnet50-b', traffic: [TrafficTarget.latest({ percent: 50 }), TrafficTarget.revision('resnet50-a', { percent: 50 })],
    });
    const svc = oneOf(synthApp(app), 'serving.knative.dev/v1', 'Service');
    expect(svc.spec.template.metadata.name).toBe('resnet50-b');
    expect(svc.spec.traffic).toEqual([{ latestRevision: true, percent: 50 }, { revisionName: 'resnet50-a', latestRevision: false, percent: 50 }]);
  });

  test.each([
    ['shares that do not add up to 100', { traffic: [TrafficTarget.latest({ percent: 60 }), TrafficTarget.revision('classifier-v1', { percent: 30 })] },
      "'traffic' must be targets whose percent add up to 100, got 90: give the shares of every target (a tag-only target takes none)"],
    ['no target', { traffic: [] }, "'traffic' must be at least one target, got []: leave traffic unset to send every request to the latest ready revision"],
    ['a tag twice', { traffic: [TrafficTarget.latest({ percent: 100, tag: 'a' }), TrafficTarget.revision('classifier-v1', { tag: 'a' })] },
      "'traffic' must be targets with distinct tags, got 'a, twice'"],
    ['a revision name without the service name', { revisionName: 'v2' },
      "'revisionName' must be the service's name and a suffix ('classifier-<suffix>'), as Knative requires, got 'v2': e.g. 'classifier-v2'"],
    ['a revision name that is the prefix alone', { revisionName: 'classifier-' }, /'revisionName' must be a DNS-1035 label/],
    ['a revision name with a dot', { revisionName: 'classifier-v1.2' }, /'revisionName' must be a DNS-1035 label .*, got 'classifier-v1.2'/],
  ] as Array<[string, Partial<GpuInferenceServiceProps>, string | RegExp]>)('fails on %s', (_, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('fails on a tag whose host label, <tag>-<service>, is longer than 63: the Route would get no ingress', () => {
    expect(build({ traffic: [TrafficTarget.latest({ percent: 100, tag: 'a'.repeat(53) })] })).toThrow(
      "'traffic' must be tags short enough for the host label '<tag>-classifier' (at most 63 characters), got '" + 'a'.repeat(53) + "': shorten the tag to 52 characters or fewer");
    expect(build({ traffic: [TrafficTarget.latest({ percent: 100, tag: 'a'.repeat(52) })] })).not.toThrow();
  });

  test('fails on a target Knative refuses: a share out of 0..100, a tag that is no DNS-1035 label, a revision name with a dot', () => {
    expect(() => TrafficTarget.latest({ percent: 101 })).toThrow("'TrafficTarget.percent' must be an integer between 0 and 100, got 101");
    expect(() => TrafficTarget.latest({ percent: 12.5 })).toThrow(/'TrafficTarget.percent' must be an integer/);
    expect(() => TrafficTarget.latest({ tag: 'Canary' })).toThrow(
      "'TrafficTarget.tag' must be a DNS-1035 label (a lowercase letter first, then lowercase letters, digits and -), as Knative puts it in a host name, got 'Canary'");
    expect(() => TrafficTarget.revision('classifier.v1')).toThrow(/'TrafficTarget.revision\(revisionName\)' must be a revision name/);
    // A revision of a Configuration made elsewhere may start with a digit, as Knative allows.
    expect(TrafficTarget.revision('1abc-00001').revisionName).toBe('1abc-00001');
  });
});
