import { Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import { chart } from './_fixtures';
import {
  BackoffPolicy, Broker, BrokerClass, ClusterChart, ClusterTarget, DeadLetterLogger, DeliveryFormat, EventingFeature, EventSink, GpuNodePool,
} from '../../src';
import { oneOf, synth } from '../_helpers/manifests';

const BROKER = 'eventing.knative.dev/v1';

describe('Broker', () => {
  test('defaults: the channel-based broker class, nothing else', () => {
    const c = chart();
    new Broker(c, 'events');
    const broker = oneOf(synth(c), BROKER, 'Broker');
    expect(broker).toMatchSnapshot();
    expect(broker.metadata.annotations).toEqual({ 'eventing.knative.dev/broker.class': 'MTChannelBasedBroker' });
    expect(broker.spec).toEqual({});
  });

  test('every prop', () => {
    const c = chart();
    const errors = new DeadLetterLogger(c, 'errors', { metadata: { name: 'errors' } });
    const broker = new Broker(c, 'events', {
      metadata: { name: 'kafka-events', labels: { team: 'ml' } },
      brokerClass: BrokerClass.KAFKA,
      config: { apiVersion: 'v1', kind: 'ConfigMap', name: 'kafka-broker-config', namespace: 'knative-eventing' },
      delivery: {
        retry: 6,
        backoffPolicy: BackoffPolicy.LINEAR,
        backoffDelay: Duration.millis(500),
        timeout: Duration.seconds(90),
        deadLetterSink: errors,
        format: DeliveryFormat.JSON,
      },
    });
    const out = oneOf(synth(c), BROKER, 'Broker');
    expect(out).toMatchSnapshot();
    expect(out.metadata.annotations['eventing.knative.dev/broker.class']).toBe('Kafka');
    expect(out.spec.delivery).toEqual({
      deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'errors', namespace: 'ml-events' } },
      retry: 6,
      backoffPolicy: 'linear',
      backoffDelay: 'PT0.5S',
      timeout: 'PT1M30S',
      format: 'json',
    });
    expect(broker.requiredEventingFeatures).toEqual([EventingFeature.DELIVERY_TIMEOUT]);
  });

  test('sets both backoff policy and delay when only retry is given, or Knative would retry without waiting', () => {
    const c = chart();
    new Broker(c, 'events', { delivery: { retry: 2 } });
    expect(oneOf(synth(c), BROKER, 'Broker').spec.delivery).toEqual({ retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT1S' });
  });

  test('a delivery with only a dead-letter sink keeps retrying: Knative fills in config-br-defaults only without any delivery', () => {
    const c = chart();
    new Broker(c, 'events', { delivery: { deadLetterSink: EventSink.fromUri('http://dead-letters.ml.svc.cluster.local') } });
    expect(oneOf(synth(c), BROKER, 'Broker').spec.delivery).toEqual({
      deadLetterSink: { uri: 'http://dead-letters.ml.svc.cluster.local' }, retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT1S',
    });
    const none = chart();
    new Broker(none, 'events', { delivery: { retry: 0 } });
    expect(oneOf(synth(none), BROKER, 'Broker').spec.delivery).toEqual({ retry: 0 });
  });

  test('a custom class and the escape hatch', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { brokerClass: BrokerClass.of('RabbitMQBroker') });
    broker.apiObject.addJsonPatch(JsonPatch.add('/metadata/labels', { patched: 'yes' }));
    const out = oneOf(synth(c), BROKER, 'Broker');
    expect(out.metadata.annotations['eventing.knative.dev/broker.class']).toBe('RabbitMQBroker');
    expect(out.metadata.labels).toEqual({ patched: 'yes' });
  });

  test('is a sink by reference, and fromBrokerName refers to one created elsewhere', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { metadata: { name: 'events' } });
    expect(broker.toSinkDestination()).toEqual({ ref: { apiVersion: BROKER, kind: 'Broker', name: 'events', namespace: 'ml-events' } });
    const existing = Broker.fromBrokerName('default', 'team-a');
    expect(existing.name).toBe('default');
    expect(existing.toSinkDestination()).toEqual({ ref: { apiVersion: BROKER, kind: 'Broker', name: 'default', namespace: 'team-a' } });
  });

  test('fails a broker class annotation that contradicts brokerClass', () => {
    expect(() => new Broker(chart(), 'events', {
      metadata: { annotations: { 'eventing.knative.dev/broker.class': 'Kafka' } },
    })).toThrow("'metadata.annotations['eventing.knative.dev/broker.class']' must be unset or equal to brokerClass (MTChannelBasedBroker), got 'Kafka': set the class with brokerClass");
  });

  test('fails a config reference without a name', () => {
    expect(() => new Broker(chart(), 'events', { config: { apiVersion: 'v1', kind: 'ConfigMap', name: '' } }))
      .toThrow("'config.name' must be a non-empty string, got ''");
  });

  test('fails a zero backoff delay', () => {
    expect(() => new Broker(chart(), 'events', { delivery: { backoffDelay: Duration.seconds(0) } }))
      .toThrow("'delivery.backoffDelay' must be longer than 0s (Knative would retry at once), got 'PT0S'");
  });

  test('fails a negative retry count', () => {
    expect(() => new Broker(chart(), 'events', { delivery: { retry: -1 } })).toThrow("'delivery.retry' must be an integer >= 0, got -1");
  });

  test('fails retries whose exponential waits overflow the dispatcher, with the backoff defaults it renders', () => {
    // Knative's dispatcher computes delay × 2^attempt in int64 nanoseconds: from 1 day, attempt 17 overflows.
    expect(() => new Broker(chart(), 'events', { delivery: { backoffDelay: Duration.days(1), retry: 30 } })).toThrow(
      "'delivery.retry' must be at most 17 with exponential backoff from PT24H: Knative's dispatcher computes each wait as delay × 2^attempt " +
      'in int64 nanoseconds, which overflows beyond that, got 30: lower it, or use BackoffPolicy.LINEAR');
    // Without a backoff delay, the rendered default (1s) is what is checked.
    expect(() => new Broker(chart(), 'events', { delivery: { retry: 40 } })).toThrow("'delivery.retry' must be at most 34 with exponential backoff from PT1S");
    expect(() => new Broker(chart(), 'events', { delivery: { backoffDelay: Duration.days(1), retry: 17 } })).not.toThrow();
    expect(() => new Broker(chart(), 'events', { delivery: { backoffDelay: Duration.days(1), retry: 30, backoffPolicy: BackoffPolicy.LINEAR } })).not.toThrow();
  });

  test('fails a dead-letter sink made for another cluster chart', () => {
    const app = Testing.app();
    const cluster = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml-events' });
    const [onPrem, cloud] = [cluster('on-prem'), cluster('cloud')];
    const remote = new DeadLetterLogger(onPrem, 'errors', { metadata: { name: 'errors' } });
    expect(() => new Broker(cloud, 'events', { delivery: { deadLetterSink: remote } })).toThrow(
      "'delivery.deadLetterSink' must be in the broker's cluster (ClusterChart 'cloud'), got 'on-prem/errors': create it in the same ClusterChart, " +
      'or refer to one that cluster has with Broker.fromBrokerName or EventSink.fromReference');
    const local = new DeadLetterLogger(cloud, 'errors', { metadata: { name: 'errors' } });
    expect(new Broker(cloud, 'local', { delivery: { deadLetterSink: local } }).delivery?.deadLetterSink).toBe(local);
  });

  test('fails a dead-letter sink together with dropUndeliverableEvents', () => {
    expect(() => new Broker(chart(), 'events', { delivery: { deadLetterSink: EventSink.fromUri('http://errors.example.com/'), dropUndeliverableEvents: true } }))
      .toThrow("'delivery.dropUndeliverableEvents' must be unset when a deadLetterSink is given, got true: keep one of them");
  });

  test('fails a name that is not a DNS subdomain, or longer than the label Knative copies it into', () => {
    const expected = "a DNS-1123 subdomain (lowercase letters, digits, - and .) of at most 63 characters, as Knative copies it into its Triggers' labels";
    expect(() => Broker.fromBrokerName('My_Broker')).toThrow(`'name' must be ${expected}, got 'My_Broker'`);
    expect(() => Broker.fromBrokerName('b'.repeat(64))).toThrow(`'name' must be ${expected}`);
    expect(() => new Broker(Testing.chart(), 'b', { metadata: { name: 'b'.repeat(64) } })).toThrow(`'metadata.name' must be ${expected}`);
    expect(() => Broker.fromBrokerName('events', 'ml.team')).toThrow("'namespace' must be a DNS label");
  });

  test("fails a channel-based broker whose name cannot name its channel's Service", () => {
    for (const name of ['events.v2', '2-events']) {
      expect(() => new Broker(Testing.chart(), 'b', { metadata: { name } })).toThrow(
        '\'metadata.name\' must be a DNS-1035 label (a lowercase letter first, then lowercase letters, digits and -) with the MTChannelBasedBroker class, ' +
        `whose channel's Service is named after the broker (<name>-kne-trigger-kn-channel), got '${name}'`);
      // Other classes name no Service after the broker.
      expect(() => new Broker(Testing.chart(), 'k', { metadata: { name }, brokerClass: BrokerClass.KAFKA })).not.toThrow();
    }
  });

  test('fails an invalid custom class name', () => {
    expect(() => BrokerClass.of('not a class')).toThrow("'brokerClass' must be a broker class name, got 'not a class'");
  });

  test('synthesizes in a chart without namespace', () => {
    const app = Testing.app();
    const c = new Chart(app, 'no-ns');
    new Broker(c, 'events');
    expect(oneOf(synth(c), BROKER, 'Broker').metadata.namespace).toBeUndefined();
  });
});
