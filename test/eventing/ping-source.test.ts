import { Chart, Duration, Testing } from 'cdk8s';
import { chart, classifier } from './_fixtures';
import { Broker, ClusterChart, ClusterTarget, EventSink, GpuNodePool, PingSource } from '../../src';
import { TZ_NAMES, TZ_VERSION } from '../../src/eventing/_tz-names';
import { oneOf, synth } from '../_helpers/manifests';

const SOURCES = 'sources.knative.dev/v1';
const broker = () => Broker.fromBrokerName('events');

describe('PingSource', () => {
  test('defaults: a schedule and a sink', () => {
    const c = chart();
    const ping = new PingSource(c, 'tick', { schedule: '*/5 * * * *', sink: broker() });
    const out = oneOf(synth(c), SOURCES, 'PingSource');
    expect(out).toMatchSnapshot();
    expect(out.spec).toEqual({ schedule: '*/5 * * * *', sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'events' } } });
    expect(ping.eventSource).toBe(`/apis/v1/namespaces/ml-events/pingsources/${ping.name}`);
    expect(PingSource.EVENT_TYPE).toBe('dev.knative.sources.ping');
  });

  test('eventSource needs the namespace: a guessed one would make a source filter drop every event', () => {
    const ping = new PingSource(new Chart(Testing.app(), 'no-namespace'), 'tick', { schedule: '*/5 * * * *', sink: broker() });
    expect(() => ping.eventSource).toThrow("'metadata.namespace' must be known at synth to name the event source, got 'none': set the namespace on the chart or in metadata");
  });

  test('every prop: the nightly 02:00 batch run with JSON data', () => {
    const c = chart();
    new PingSource(c, 'nightly', {
      metadata: { name: 'nightly-batch', labels: { job: 'batch' } },
      schedule: '0 2 * * *',
      timezone: 'Europe/Berlin',
      data: { job: 'nightly-batch', bucket: 'upload-bucket', limits: { images: 10000 } },
      sink: broker(),
      extensions: { pipeline: 'resnet50' },
    });
    const out = oneOf(synth(c), SOURCES, 'PingSource');
    expect(out).toMatchSnapshot();
    expect(out.spec.contentType).toBe('application/json');
    expect(JSON.parse(out.spec.data)).toEqual({ job: 'nightly-batch', bucket: 'upload-bucket', limits: { images: 10000 } });
    expect(out.spec.timezone).toBe('Europe/Berlin');
    expect(out.spec.ceOverrides).toEqual({ extensions: { pipeline: 'resnet50' } });
  });

  test('binary data with its media type, and descriptors', () => {
    const c = chart();
    new PingSource(c, 'bin', { schedule: '@daily', dataBase64: Buffer.from('hello').toString('base64'), contentType: 'text/plain', sink: broker() });
    const out = oneOf(synth(c), SOURCES, 'PingSource');
    expect(out.spec).toMatchObject({ schedule: '@daily', dataBase64: 'aGVsbG8=', contentType: 'text/plain' });
    expect(() => new PingSource(chart(), 'p', { schedule: '30 1-5/2 1,15 JAN-MAR mon-fri', sink: broker() })).not.toThrow();
    // robfig/cron reads '?' as '*' in every field, with a step too.
    for (const schedule of ['*/5 ? * * *', '0 0 ?/2 * *', '? 3 * ? ?']) expect(() => new PingSource(chart(), 'q', { schedule, sink: broker() })).not.toThrow();
    // '?' is '*': a day of month no month has fails the same way with either in the other fields.
    for (const schedule of ['0 2 31 2 *', '? 2 31 2 ?']) expect(() => new PingSource(chart(), 'r', { schedule, sink: broker() })).toThrow(/must be a schedule that fires/);
  });

  test.each([
    ['@every 1h', "'schedule' must be a cron expression or descriptor other than @every (Knative rejects @every), got '@every 1h'"],
    ['0 2 * *', "'schedule' must be five cron fields (minute hour day-of-month month day-of-week), got '0 2 * *': e.g. '0 2 * * *' for 02:00 every day"],
    ['0 24 * * *', "'schedule' must be a valid hour field (0-23, *, ranges, lists and steps), got '0 24 * * *'"],
    ['0 2 * * 7', "'schedule' must be a valid day of week field (0-6 or SUN-SAT, *, ranges, lists and steps), got '0 2 * * 7'"],
    ['*/0 * * * *', "'schedule' must be a valid minute field"],
    ['CRON_TZ=UTC 0 2 * * *', "'schedule' must be a cron expression without a time zone prefix, got 'CRON_TZ=UTC 0 2 * * *': set the time zone with the timezone prop"],
    ['@fortnightly', "'schedule' must be a cron expression or one of @yearly"],
    ['0 2 31 2 *', "'schedule' must be a schedule that fires: none of its months has any of its days of month, got '0 2 31 2 *': " +
      'use days every month has (1-28), or months that have the days'],
    ['0 2 30,31 FEB *', "'schedule' must be a schedule that fires"],
    ['0 2 31 4-6/2,9,11 ?', "'schedule' must be a schedule that fires"],
    ['0 2 30 2 1,*', "'schedule' must be a schedule that fires"],
  ])('fails the schedule %s', (schedule, message) => {
    expect(() => new PingSource(chart(), 'p', { schedule, sink: broker() })).toThrow(message);
  });

  test.each([
    ['0 2 29 2 *', 'February 29th comes in leap years'],
    ['0 2 31 2 MON', 'with a day of week, robfig/cron fires on either day: every Monday in February'],
    ['0 2 31 1-12/2 *', 'January has a 31st'],
    ['0 2 1/10 2 *', "'1/10' runs to the month's end: the 1st, 11th and 21st"],
    ['0 2 31 */3 *', 'January (1, 4, 7, 10) has a 31st'],
    ['0 2 31 2 */2', "a day of week with a step is no '*' to robfig/cron: the fields OR, every other weekday in February"],
  ])('takes the schedule %s: %s', (schedule) => {
    expect(() => new PingSource(chart(), 'p', { schedule, sink: broker() })).not.toThrow();
  });

  test('fails an unknown time zone', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '0 2 * * *', timezone: 'Mars/Olympus', sink: broker() }))
      .toThrow(`'timezone' must be an IANA time zone name (tz database ${TZ_VERSION}), got 'Mars/Olympus': e.g. 'Europe/Berlin' or 'UTC'`);
  });

  test.each([
    ['europe/berlin', 'Europe/Berlin'],
    ['utc', 'UTC'],
    ['us/pacific', 'US/Pacific'],
    ['Us/Pacific', 'US/Pacific'],
    ['Etc/Utc', 'Etc/UTC'],
    ['America/Argentina/Buenos_aires', 'America/Argentina/Buenos_Aires'],
  ])("fails a time zone Go's case-sensitive look-up would not find: %s", (timezone, spelled) => {
    expect(() => new PingSource(chart(), 'p', { schedule: '0 2 * * *', timezone, sink: broker() }))
      .toThrow(`'timezone' must be a tz database name spelled as the database does (Knative's look-up is case-sensitive), got '${timezone}': use '${spelled}'`);
  });

  test.each(['Europe/Berlin', 'UTC', 'Etc/UTC', 'US/Pacific', 'Etc/GMT+5', 'Asia/Kolkata', 'Asia/Calcutta'])('takes the tz name %s and writes it as spelled', (timezone) => {
    const c = chart();
    new PingSource(c, 'p', { schedule: '0 2 * * *', timezone, sink: broker() });
    expect(oneOf(synth(c), SOURCES, 'PingSource').spec.timezone).toBe(timezone);
  });

  test("the tz names are the database's, zones and links (scripts/tz-names.ts)", () => {
    const names = TZ_NAMES.split(' ');
    expect(names.length).toBeGreaterThan(550);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/Los_Angeles', 'US/Pacific', 'Asia/Kolkata', 'Asia/Calcutta']));
    expect(names).not.toContain('Local');
  });

  test('fails the controller-local zone', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '0 2 * * *', timezone: 'Local', sink: broker() })).toThrow(/'timezone' must be an IANA time zone name \(tz database \S+\), got 'Local'/);
  });

  test('fails data together with dataBase64', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', data: { a: 1 }, dataBase64: 'YQ==', contentType: 'text/plain', sink: broker() }))
      .toThrow("'dataBase64' must be unset when data is given (Knative accepts one of them), got 'YQ=='");
  });

  test('fails data that is not a JSON object', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', data: [1, 2] as any, sink: broker() }))
      .toThrow("'data' must be a JSON object (Knative parses application/json data into an object), got [1,2]");
  });

  test('fails data JSON cannot write when it is given, not while the files are written', () => {
    const cyclic: Record<string, any> = { batch: 'nightly' };
    cyclic.self = cyclic;
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', data: { count: BigInt(10) }, sink: broker() }))
      .toThrow("'data' must be a JSON object, got 'a value JSON cannot write (Do not know how to serialize a BigInt)': give plain strings");
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', data: cyclic, sink: broker() }))
      .toThrow(/^'data' must be a JSON object, got 'a value JSON cannot write \(Converting circular structure to JSON/);
  });

  test('fails dataBase64 without a content type, or that is not base64', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', dataBase64: 'YQ==', sink: broker() }))
      .toThrow("'contentType' must be set with dataBase64, got 'none': e.g. 'application/octet-stream'");
    expect(() => new PingSource(chart(), 'q', { schedule: '@hourly', dataBase64: 'not base64!', contentType: 'text/plain', sink: broker() }))
      .toThrow("'dataBase64' must be standard base64, got 'not base64!'");
  });

  test('fails base64 data that is not a JSON object when contentType is application/json', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', dataBase64: Buffer.from('[1]').toString('base64'), contentType: 'application/json', sink: broker() }))
      .toThrow("'dataBase64' must be a base64-encoded JSON object with contentType application/json");
  });

  test('fails a sink that scales to zero: the ping adapter retries within two seconds and drops the event, with no dead letters', () => {
    const c = chart();
    expect(() => new PingSource(c, 'tick', { schedule: '0 2 * * *', sink: classifier(c) })).toThrow(
      "'sink' must be a sink that is always up, or a Broker: Knative's ping adapter retries five times within two seconds and then drops the event, " +
      "with no dead-letter sink, got 'resnet50 (scales to zero, cold start up to 300s)': send the pings to a Broker and subscribe the service with an EventTrigger");
    // So is a referenced sink with a stated cold start.
    const bridge = EventSink.fromReference({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'bridge' }, { coldStartBudget: Duration.minutes(5) });
    expect(() => new PingSource(chart(), 'tick', { schedule: '0 2 * * *', sink: bridge })).toThrow("got 'bridge (scales to zero, cold start up to 300s)'");
    // Kept warm, it is always up.
    const d = chart();
    expect(new PingSource(d, 'tick', { schedule: '0 2 * * *', sink: classifier(d, { minScale: 1 }) }).name).toBeTruthy();
  });

  test('fails another content type with JSON data', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', data: { a: 1 }, contentType: 'text/plain', sink: broker() }))
      .toThrow("'contentType' must be unset or 'application/json' with data, got 'text/plain': send other media types with dataBase64");
  });

  test('fails an invalid extension name', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', sink: broker(), extensions: { 'Bad-Name': 'x' } }))
      .toThrow("'extensions' must be keyed by CloudEvents extension names (one or more lowercase letters and digits), got 'Bad-Name'");
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', sink: broker(), extensions: { '': 'x' } }))
      .toThrow("'extensions' must be keyed by CloudEvents extension names (one or more lowercase letters and digits), got ''");
  });

  test('takes extension names longer than 20 characters: a SHOULD of the spec, which Knative and sdk-go do not enforce', () => {
    const c = chart();
    const name = 'pipelineversionidentifier2';
    expect(name.length).toBe(26);
    new PingSource(c, 'p', { schedule: '@hourly', sink: broker(), extensions: { [name]: 'v2' } });
    expect(oneOf(synth(c), SOURCES, 'PingSource').spec.ceOverrides).toEqual({ extensions: { pipelineversionidentifier2: 'v2' } });
  });

  test('fails a sink made for another cluster chart: Knative resolves it where the PingSource is applied', () => {
    const app = Testing.app();
    const cluster = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml-events' });
    const [onPrem, cloud] = [cluster('on-prem'), cluster('cloud')];
    expect(() => new PingSource(cloud, 'p', { schedule: '@hourly', sink: new Broker(onPrem, 'events', { metadata: { name: 'events' } }) })).toThrow(
      "'sink' must be in the PingSource's cluster (ClusterChart 'cloud'), got 'on-prem/events': create it in the same ClusterChart, " +
      'or refer to one that cluster has with Broker.fromBrokerName or EventSink.fromReference');
    expect(new PingSource(cloud, 'q', { schedule: '@hourly', sink: new Broker(cloud, 'events', { metadata: { name: 'events' } }) }).name).toBeTruthy();
  });

  test('fails an extension named like a context attribute, which would replace it', () => {
    expect(() => new PingSource(chart(), 'p', { schedule: '@hourly', sink: broker(), extensions: { specversion: '0.3' } }))
      .toThrow("'extensions' must be keyed by names other than the CloudEvents context attributes (data, datacontenttype, dataschema, id, source, specversion, subject, time, type), got 'specversion'");
  });

  test.each(['@daily ', ' @daily', ' 0 2 * * * '])("renders the schedule trimmed: robfig/cron refuses a padded descriptor without a time zone ('%s')", (schedule) => {
    const c = chart();
    new PingSource(c, 'p', { schedule, sink: broker() });
    expect(oneOf(synth(c), 'sources.knative.dev/v1', 'PingSource').spec.schedule).toBe(schedule.trim());
  });
});
