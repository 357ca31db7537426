import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { Broker, EventSink, EventTrigger, TriggerFilter } from '../../src';

describe('TriggerFilter', () => {
  test('renders each SubscriptionsAPI dialect with one attribute per expression', () => {
    expect(TriggerFilter.exact('type', 'a.b')._toJson()).toEqual({ exact: { type: 'a.b' } });
    expect(TriggerFilter.prefix('type', 'io.min.s3.')._toJson()).toEqual({ prefix: { type: 'io.min.s3.' } });
    expect(TriggerFilter.suffix('subject', '.jpg')._toJson()).toEqual({ suffix: { subject: '.jpg' } });
    expect(TriggerFilter.eventType('dev.knative.sources.ping')._toJson()).toEqual({ exact: { type: 'dev.knative.sources.ping' } });
    expect(TriggerFilter.cesql("type LIKE 'io.min.s3.%' AND subject LIKE '%.jpg'")._toJson()).toEqual({ cesql: "type LIKE 'io.min.s3.%' AND subject LIKE '%.jpg'" });
  });

  test('nests all, any and not', () => {
    const filter = TriggerFilter.all(
      TriggerFilter.exact('source', 'http://minio:9000/upload-bucket'),
      TriggerFilter.any(TriggerFilter.suffix('subject', '.jpg'), TriggerFilter.suffix('subject', '.png')),
      TriggerFilter.not(TriggerFilter.prefix('subject', 'tmp/')),
    );
    expect(filter._toJson()).toEqual({
      all: [
        { exact: { source: 'http://minio:9000/upload-bucket' } },
        { any: [{ suffix: { subject: '.jpg' } }, { suffix: { subject: '.png' } }] },
        { not: { prefix: { subject: 'tmp/' } } },
      ],
    });
  });

  test('is a frozen value: neither a caller nor a combination can change it', () => {
    const filter = TriggerFilter.exact('type', 'x');
    expect(() => { filter._toJson().exact.type = 'changed'; }).toThrow(TypeError);
    const all = TriggerFilter.all(filter, TriggerFilter.not(filter));
    expect(() => { all._toJson().all.push({ cesql: 'true' }); }).toThrow(TypeError);
    expect(() => { all._toJson().all[1].not.exact.type = 'changed'; }).toThrow(TypeError);
    expect(filter._toJson()).toEqual({ exact: { type: 'x' } });
  });

  test('a JSON patch of one trigger leaves the filter other triggers share as it was', () => {
    const c = Testing.chart();
    const shared = TriggerFilter.exact('type', 'x');
    const broker = Broker.fromBrokerName('default');
    const sink = EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'errors' });
    const subscriber = EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'worker' });
    const trigger = (id: string) => new EventTrigger(c, id, { broker, subscriber, filters: [shared], delivery: { deadLetterSink: sink } });
    ApiObject.of(trigger('a')).addJsonPatch(JsonPatch.replace('/spec/filters/0/exact/type', 'patched'));
    trigger('b');
    const filters = Testing.synth(c).map((o) => o.spec.filters);
    expect(filters).toEqual([[{ exact: { type: 'patched' } }], [{ exact: { type: 'x' } }]]);
  });

  test('fails an attribute name Knative rejects', () => {
    expect(() => TriggerFilter.exact('Type', 'x')).toThrow("'exact.attribute' must be a CloudEvents attribute name (lowercase letters and digits, starting with a letter), got 'Type': e.g. type, source, subject, or an extension name");
    expect(() => TriggerFilter.suffix('ce-subject', 'x')).toThrow("'suffix.attribute' must be a CloudEvents attribute name");
  });

  test('fails an empty value', () => {
    expect(() => TriggerFilter.prefix('type', '')).toThrow("'prefix['type']' must be a non-empty string, got '': leave the attribute out to match any value");
  });

  test('fails all and any without filters', () => {
    expect(() => TriggerFilter.all()).toThrow("'all' must be at least one filter, got 'none'");
    expect(() => TriggerFilter.any()).toThrow("'any' must be at least one filter, got 'none'");
  });

  test('fails a CESQL expression with an open quote or unbalanced parentheses', () => {
    expect(() => TriggerFilter.cesql("type = 'a")).toThrow("'cesql' must be a CloudEvents SQL expression with closed quotes and balanced parentheses, got 'type = 'a'");
    expect(() => TriggerFilter.cesql('(type = 1')).toThrow("'cesql' must be a CloudEvents SQL expression with closed quotes");
    expect(() => TriggerFilter.cesql('type = 1)')).toThrow("'cesql' must be a CloudEvents SQL expression with closed quotes");
    expect(() => TriggerFilter.cesql('  ')).toThrow("'cesql' must be a CloudEvents SQL expression, got '  '");
    expect(() => TriggerFilter.cesql("subject = 'a\\'")).toThrow("'cesql' must be a CloudEvents SQL expression with closed quotes");
  });

  test('takes quotes escaped inside CESQL string literals, as the CloudEvents SQL lexer does', () => {
    for (const expression of ["subject = 'it\\'s.jpg'", 'subject = "a\\"b"', "subject = 'it''s.jpg'", "subject LIKE '%\\\\'"]) {
      expect(TriggerFilter.cesql(expression)._toJson()).toEqual({ cesql: expression });
    }
  });
});
