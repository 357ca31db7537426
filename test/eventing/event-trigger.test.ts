import { Chart, Duration, Testing } from 'cdk8s';
import { chart, classifier } from './_fixtures';
import {
  BackoffPolicy, Broker, ClusterChart, ClusterTarget, ColdStartCheck, DeadLetterLogger, DeliveryFormat, EventingFeature, EventSink, EventTrigger,
  GpuNodePool, IBroker, TriggerFilter,
} from '../../src';
import { oneOf, synth } from '../_helpers/manifests';

const TRIGGER = 'eventing.knative.dev/v1';
const errorsSink = EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'errors' });

describe('EventTrigger', () => {
  test('defaults: exponential retries sized to the cold start, the broker\'s dead-letter sink', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { metadata: { name: 'events' }, delivery: { deadLetterSink: new DeadLetterLogger(c, 'errors', { metadata: { name: 'errors' } }) } });
    const trigger = new EventTrigger(c, 'classify', { broker, subscriber: classifier(c) });
    const out = oneOf(synth(c), TRIGGER, 'Trigger');
    expect(out).toMatchSnapshot();
    // 300s budget, exponential from 1s: 2^9 - 1 = 511s is the first sum above it
    expect(trigger.retry).toBe(9);
    expect(out.spec.delivery).toEqual({
      deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'errors', namespace: 'ml-events' } },
      retry: 9,
      backoffPolicy: 'exponential',
      backoffDelay: 'PT1S',
    });
    expect(out.spec.subscriber).toEqual({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'resnet50', namespace: 'ml-events' } });
    expect(out.spec.broker).toBe('events');
    expect(trigger.deliveryWindow.toSeconds()).toBe(511);
    expect(trigger.requiredEventingFeatures).toEqual([]);
  });

  test('every prop', () => {
    const c = chart();
    const broker = Broker.fromBrokerName('default', 'ml-events');
    const trigger = new EventTrigger(c, 'classify', {
      metadata: { name: 'classify-uploads', labels: { team: 'ml' } },
      broker,
      subscriber: classifier(c),
      subscriberPath: '/v1/classify',
      filters: [TriggerFilter.prefix('type', 'io.min.s3.ObjectCreated:')],
      delivery: {
        retry: 4,
        backoffPolicy: BackoffPolicy.EXPONENTIAL,
        backoffDelay: Duration.seconds(2),
        timeout: Duration.seconds(60),
        deadLetterSink: errorsSink,
        format: DeliveryFormat.BINARY,
      },
      coldStartCheck: ColdStartCheck.FAIL,
    });
    trigger.addFilter(TriggerFilter.suffix('subject', '.jpg'));
    const out = oneOf(synth(c), TRIGGER, 'Trigger');
    expect(out).toMatchSnapshot();
    expect(out.spec.filters).toEqual([{ prefix: { type: 'io.min.s3.ObjectCreated:' } }, { suffix: { subject: '.jpg' } }]);
    expect(out.spec.subscriber.uri).toBe('/v1/classify');
    expect(out.spec.delivery.timeout).toBe('PT1M');
    expect(trigger.requiredEventingFeatures).toEqual([EventingFeature.DELIVERY_TIMEOUT, EventingFeature.NEW_TRIGGER_FILTERS]);
  });

  test('the exact-match attribute map', () => {
    const c = chart();
    new EventTrigger(c, 't', {
      broker: Broker.fromBrokerName('default'),
      subscriber: EventSink.fromUri('https://hooks.example.com/x'),
      filterAttributes: { type: 'ai.example.classify.requested', source: '/clients/web' },
      delivery: { deadLetterSink: errorsSink },
    });
    const out = oneOf(synth(c), TRIGGER, 'Trigger');
    expect(out.spec.filter).toEqual({ attributes: { type: 'ai.example.classify.requested', source: '/clients/web' } });
    expect(out.spec.filters).toBeUndefined();
    expect(out.spec.delivery.retry).toBe(3);
  });

  test('inherits every unset delivery field from the Broker and writes it on the trigger', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { delivery: { deadLetterSink: errorsSink, retry: 12, backoffDelay: Duration.seconds(3), timeout: Duration.seconds(20) } });
    new EventTrigger(c, 't', { broker, subscriber: classifier(c), delivery: { retry: 11 } });
    expect(oneOf(synth(c), TRIGGER, 'Trigger').spec.delivery).toEqual({
      deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'errors' } },
      retry: 11,
      backoffPolicy: 'exponential',
      backoffDelay: 'PT3S',
      timeout: 'PT20S',
    });
  });

  test('a warm subscriber gets 3 retries and no cold-start check', () => {
    const c = chart();
    const t = new EventTrigger(c, 't', { broker: Broker.fromBrokerName('default'), subscriber: classifier(c, { minScale: 1 }), delivery: { deadLetterSink: errorsSink, retry: 1 } });
    expect(t.retry).toBe(1);
    const u = new EventTrigger(c, 'u', { broker: Broker.fromBrokerName('default'), subscriber: classifier(chart(), { minScale: 1 }), delivery: { deadLetterSink: errorsSink } });
    expect(u.retry).toBe(3);
  });

  test('a referenced sink that scales to zero gets retries sized to its stated cold start, and the same check', () => {
    const c = chart();
    const bridge = EventSink.fromReference({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'triton-bridge' }, { path: '/events', coldStartBudget: Duration.minutes(10) });
    const t = new EventTrigger(c, 't', { broker: Broker.fromBrokerName('default'), subscriber: bridge, delivery: { deadLetterSink: errorsSink } });
    // 600s, exponential from 1s: 2^10 - 1 = 1023s is the first sum above it.
    expect(t.retry).toBe(10);
    expect(oneOf(synth(c), TRIGGER, 'Trigger').spec.subscriber).toEqual({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'triton-bridge' }, uri: '/events' });
    expect(() => new EventTrigger(chart(), 'u', { broker: Broker.fromBrokerName('default'), subscriber: bridge, delivery: { deadLetterSink: errorsSink, retry: 3 } }))
      .toThrow(/'delivery' must keep retrying for the cold-start budget of 'triton-bridge' \(600s; it scales to zero\), got 7s/);
    expect(() => EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'x' }, { coldStartBudget: Duration.millis(10) }))
      .toThrow("'coldStartBudget' must be at least 1s, got '10ms'");
  });

  test('counts per-attempt timeouts toward the cold start', () => {
    const c = chart();
    // 3 retries: 7s backoff + 4 × 75s = 307s >= 300s
    const t = new EventTrigger(c, 't', {
      broker: Broker.fromBrokerName('default'),
      subscriber: classifier(c),
      delivery: { deadLetterSink: errorsSink, retry: 3, timeout: Duration.seconds(75) },
    });
    expect(t.deliveryWindow.toSeconds()).toBe(307);
  });

  test('counts an attempt no longer than the subscriber lets a request run: its timeout ends a cold-start wait too', () => {
    const c = chart();
    // A 15-minute cold start, a 60s service timeout: 10-minute attempts would be cut at 60s (a 504 from Knative).
    const slow = classifier(c, { timeout: Duration.seconds(60), progressDeadline: Duration.minutes(15), startupProbe: undefined });
    const trigger = (id: string, retry?: number) => new EventTrigger(c, id, {
      broker: Broker.fromBrokerName('default'), subscriber: slow, delivery: { deadLetterSink: errorsSink, retry, timeout: Duration.minutes(10) },
    });
    expect(() => trigger('fixed', 3)).toThrow("'delivery' must keep retrying for the cold-start budget of 'resnet50' (900s; it scales to zero), got 247s: " +
      "3 retries with exponential backoff from PT1S wait 7s (1s + 2s + 4s) and 4 attempts × 60s timeout ('resnet50' ends a request after 60s, " +
      "before delivery.timeout's 600s) add 240s; set delivery.retry to 9");
    // Sized on its own: enough retries of 60s attempts.
    const sized = trigger('sized');
    expect(sized.retry).toBe(9);
    expect(sized.deliveryWindow.toSeconds()).toBeGreaterThanOrEqual(900);
  });

  test('fails an exponential retry count whose waits overflow the dispatcher\'s Go Duration', () => {
    const t = (id: string, retry: number, backoffPolicy?: BackoffPolicy) => () => new EventTrigger(chart(), id, {
      broker: Broker.fromBrokerName('default'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink, retry, backoffPolicy },
    });
    expect(t('many', 40)).toThrow("'delivery.retry' must be at most 34 with exponential backoff from PT1S: Knative's dispatcher computes each wait " +
      'as delay × 2^attempt in int64 nanoseconds, which overflows beyond that, got 40: lower it, or use BackoffPolicy.LINEAR');
    expect(t('edge', 34)).not.toThrow();
    expect(t('linear', 40, BackoffPolicy.LINEAR)).not.toThrow();
  });

  test('names the broker when the backoff or the retry count that overflow the dispatcher came from its delivery defaults', () => {
    const c = chart();
    // The broker's own check passes: it renders 3 retries.
    const slow = new Broker(c, 'slow', { metadata: { name: 'slow' }, delivery: { backoffDelay: Duration.days(1) } });
    expect(() => new EventTrigger(c, 't', { broker: slow, subscriber: errorsSink, delivery: { deadLetterSink: errorsSink, retry: 30 } })).toThrow(
      "'delivery.retry' must be at most 17 with exponential backoff from PT24H (delivery.backoffDelay from the defaults of broker 'slow'): " +
      "Knative's dispatcher computes each wait as delay × 2^attempt in int64 nanoseconds, which overflows beyond that, got 30: lower it, or use BackoffPolicy.LINEAR");
    // Linear on the broker, so its 30 retries pass there; a trigger that makes them exponential overflows with the broker's count.
    const linear = new Broker(c, 'linear', { metadata: { name: 'linear' }, delivery: { retry: 30, backoffPolicy: BackoffPolicy.LINEAR, backoffDelay: Duration.days(1) } });
    expect(() => new EventTrigger(c, 'u', { broker: linear, subscriber: errorsSink, delivery: { deadLetterSink: errorsSink, backoffPolicy: BackoffPolicy.EXPONENTIAL } }))
      .toThrow("'broker.delivery.retry' must be at most 17 with exponential backoff from PT24H (delivery.backoffDelay from the defaults of broker 'linear'): ");
  });

  test('drops undeliverable events only when asked to', () => {
    const c = chart();
    new EventTrigger(c, 't', { broker: Broker.fromBrokerName('default'), subscriber: EventSink.fromUri('https://x.example.com/'), delivery: { dropUndeliverableEvents: true } });
    expect(oneOf(synth(c), TRIGGER, 'Trigger').spec.delivery.deadLetterSink).toBeUndefined();
  });

  test('warns instead of failing with ColdStartCheck.WARN', () => {
    const c = chart();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const t = new EventTrigger(c, 't', {
        broker: Broker.fromBrokerName('default'), subscriber: classifier(c), delivery: { deadLetterSink: errorsSink, retry: 3 }, coldStartCheck: ColdStartCheck.WARN,
      });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain("[test/t] 'delivery' must keep retrying for the cold-start budget of 'resnet50' (300s");
      expect(t.node.metadata.map((m) => m.type)).toEqual(['warning']);
      expect(oneOf(synth(c), TRIGGER, 'Trigger').spec.delivery.retry).toBe(3);
    } finally {
      warn.mockRestore();
    }
  });

  test('ColdStartCheck.SKIP does not check: no error, no warning, the delivery as given', () => {
    const c = chart();
    // retry 0 gives up at once, far short of the 300s cold start: FAIL would throw, WARN would warn and add metadata.
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      let t: EventTrigger | undefined;
      expect(() => {
        t = new EventTrigger(c, 't', {
          broker: Broker.fromBrokerName('default'), subscriber: classifier(c), delivery: { deadLetterSink: errorsSink, retry: 0 }, coldStartCheck: ColdStartCheck.SKIP,
        });
      }).not.toThrow();
      const out = oneOf(synth(c), TRIGGER, 'Trigger');
      expect(warn).not.toHaveBeenCalled();
      expect(t!.node.metadata).toEqual([]);
      expect(t!.retry).toBe(0);
      expect(t!.deliveryWindow.toSeconds()).toBe(0);
      expect(out.spec.delivery).toEqual({
        deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'errors' } },
        retry: 0,
        backoffPolicy: 'exponential',
        backoffDelay: 'PT1S',
      });
    } finally {
      warn.mockRestore();
    }
  });

  test('fails on a broker, subscriber or dead-letter sink made for another cluster chart', () => {
    const app = Testing.app();
    const cluster = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml-events' });
    const [onPrem, cloud] = [cluster('on-prem'), cluster('cloud')];
    const broker = new Broker(onPrem, 'events', { metadata: { name: 'events' }, delivery: { dropUndeliverableEvents: true } });
    const localBroker = new Broker(cloud, 'events', { metadata: { name: 'events' }, delivery: { dropUndeliverableEvents: true } });
    expect(() => new EventTrigger(cloud, 'a', { broker, subscriber: classifier(cloud) }))
      .toThrow("'broker' must be in the trigger's cluster (ClusterChart 'cloud'), got 'on-prem/events': create it in the same ClusterChart, or refer to one that cluster has with Broker.fromBrokerName");
    expect(() => new EventTrigger(cloud, 'b', { broker: localBroker, subscriber: classifier(onPrem) }))
      .toThrow("'subscriber' must be in the trigger's cluster (ClusterChart 'cloud'), got 'on-prem/classifier'");
    expect(() => new EventTrigger(cloud, 'c', { broker: localBroker, subscriber: errorsSink, delivery: { deadLetterSink: new DeadLetterLogger(onPrem, 'errors', { metadata: { name: 'errors' } }) } }))
      .toThrow("'delivery.deadLetterSink' must be in the trigger's cluster (ClusterChart 'cloud'), got 'on-prem/errors'");
    const ok = new EventTrigger(cloud, 'd', { broker: localBroker, subscriber: errorsSink, delivery: { deadLetterSink: new DeadLetterLogger(cloud, 'errors', { metadata: { name: 'errors' } }) } });
    expect(ok.deadLetterSink).toBeInstanceOf(DeadLetterLogger);
  });

  test('fails a dead-letter sink inherited from the broker that was made for another cluster chart: it is written on the trigger', () => {
    const app = Testing.app();
    const cluster = (name: string) => new ClusterChart(app, name, { target: new ClusterTarget({ name, nodePool: GpuNodePool.nvidia() }), namespace: 'ml-events' });
    const [onPrem, cloud] = [cluster('on-prem'), cluster('cloud')];
    const remote = new DeadLetterLogger(onPrem, 'errors', { metadata: { name: 'errors' } });
    // A broker of the trigger's cluster, implemented outside the library (a Broker construct refuses such a sink itself).
    const broker: IBroker = { ...Broker.fromBrokerName('events'), delivery: { deadLetterSink: remote } };
    expect(() => new EventTrigger(cloud, 't', { broker, subscriber: errorsSink })).toThrow(
      "'broker.delivery.deadLetterSink' must be in the trigger's cluster (ClusterChart 'cloud'), got 'on-prem/errors': create it in the same ClusterChart, " +
      'or refer to one that cluster has with Broker.fromBrokerName or EventSink.fromReference');
    // The trigger's own dead-letter sink replaces it.
    const local = new DeadLetterLogger(cloud, 'errors', { metadata: { name: 'errors' } });
    expect(new EventTrigger(cloud, 'u', { broker, subscriber: errorsSink, delivery: { deadLetterSink: local } }).deadLetterSink).toBe(local);
  });

  test('fails retries that give up before the subscriber\'s cold start, with the numbers', () => {
    const c = chart();
    expect(() => new EventTrigger(c, 't', {
      broker: Broker.fromBrokerName('default'), subscriber: classifier(c), delivery: { deadLetterSink: errorsSink, retry: 5, timeout: Duration.seconds(10) },
    })).toThrow(
      "'delivery' must keep retrying for the cold-start budget of 'resnet50' (300s; it scales to zero), got 91s: " +
      '5 retries with exponential backoff from PT1S wait 31s (1s + 2s + 4s + 8s + ...) and 6 attempts × 10s timeout add 60s; ' +
      "set delivery.retry to 8 (345s), raise delivery.backoffDelay, keep 'resnet50' warm with minScale >= 1, or set coldStartCheck to ColdStartCheck.WARN",
    );
  });

  test('names the broker whose delivery defaults a failing retry count came from', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { metadata: { name: 'events' }, delivery: { retry: 5, deadLetterSink: errorsSink } });
    expect(() => new EventTrigger(c, 't', { broker, subscriber: classifier(c) })).toThrow(
      "got 31s: 5 retries with exponential backoff from PT1S wait 31s (1s + 2s + 4s + 8s + ...) (delivery.retry from the defaults of broker 'events'); set delivery.retry to 9");
  });

  test('fails linear backoff that is too short for the cold start', () => {
    const c = chart();
    expect(() => new EventTrigger(c, 't', {
      broker: Broker.fromBrokerName('default'),
      subscriber: classifier(c, { progressDeadline: undefined }),
      delivery: { deadLetterSink: errorsSink, retry: 3, backoffPolicy: BackoffPolicy.LINEAR, backoffDelay: Duration.seconds(5) },
    })).toThrow(/'delivery' must keep retrying for the cold-start budget of 'resnet50' \(600s; it scales to zero\), got 15s: 3 retries with linear backoff from PT5S wait 15s \(0s \+ 5s \+ 10s\); set delivery.retry to 16 \(600s\)/);
  });

  test('accepts a fractional linear backoff that covers the cold start exactly (300ms × 0+1+...+19 = 57s)', () => {
    const c = chart();
    const trigger = new EventTrigger(c, 't', {
      broker: Broker.fromBrokerName('default'),
      subscriber: classifier(c, { startupProbe: undefined, progressDeadline: Duration.seconds(57) }),
      delivery: { deadLetterSink: errorsSink, retry: 20, backoffPolicy: BackoffPolicy.LINEAR, backoffDelay: Duration.millis(300) },
    });
    expect(trigger.deliveryWindow.toSeconds()).toBe(57);
  });

  test.each([
    ['backoffDelay', { backoffDelay: Duration.millis(5) }, "'delivery.backoffDelay' must be a whole number of tenths of a second (Knative reads one decimal of a second), got 'PT0.005S': use PT0.1S"],
    ['timeout', { timeout: Duration.millis(1250) }, "'delivery.timeout' must be a whole number of tenths of a second (Knative reads one decimal of a second), got 'PT1.25S': use PT1.3S"],
  ])('fails on a %s finer than Knative reads it', (_, delivery, message) => {
    expect(() => new EventTrigger(chart(), 't', { broker: Broker.fromBrokerName('default'), subscriber: EventSink.fromUri('https://x.example.com/'), delivery: { deadLetterSink: errorsSink, ...delivery } }))
      .toThrow(message);
  });

  test('fails without a dead-letter sink unless dropping is explicit', () => {
    expect(() => new EventTrigger(chart(), 't', { broker: Broker.fromBrokerName('default'), subscriber: EventSink.fromUri('https://x.example.com/') }))
      .toThrow("'delivery.deadLetterSink' must be set so that events which exhaust their retries are kept, got 'none': pass a sink on the trigger or on the broker's delivery defaults, or set delivery.dropUndeliverableEvents to true to drop them on purpose");
  });

  test('fails dropUndeliverableEvents when the broker has a dead-letter sink Knative would fall back to', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { metadata: { name: 'events' }, delivery: { deadLetterSink: errorsSink } });
    expect(() => new EventTrigger(c, 't', { broker, subscriber: EventSink.fromUri('https://x.example.com/'), delivery: { dropUndeliverableEvents: true } }))
      .toThrow("'delivery.dropUndeliverableEvents' must be unset when the broker has a dead-letter sink, got true: Knative falls back to the dead-letter sink of broker 'events'; remove it there to drop events");
  });

  test('fails filterAttributes together with filters', () => {
    expect(() => new EventTrigger(chart(), 't', {
      broker: Broker.fromBrokerName('default'),
      subscriber: errorsSink,
      delivery: { deadLetterSink: errorsSink },
      filterAttributes: { type: 'x' },
      filters: [TriggerFilter.eventType('y')],
    })).toThrow("'filterAttributes' must be unset when filters are given (Knative lets filters override it), got 'type': express the exact matches as TriggerFilter.exact() in filters");
  });

  test('fails addFilter on a trigger with filterAttributes', () => {
    const t = new EventTrigger(chart(), 't', { broker: Broker.fromBrokerName('default'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink }, filterAttributes: { type: 'x' } });
    expect(() => t.addFilter(TriggerFilter.eventType('y'))).toThrow("'filters' must be unused when filterAttributes is set (Knative lets filters override it), got '1 filter(s)'");
  });

  test('fails filters that are no TriggerFilter (a JavaScript caller writing the dialect by hand) when given, not while the files are written', () => {
    const props = { broker: Broker.fromBrokerName('default'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink } };
    expect(() => new EventTrigger(chart(), 't', { ...props, filters: [{ exact: { type: 'x' } }] as any }))
      .toThrow("'filters' must be TriggerFilter objects, got {\"exact\":{\"type\":\"x\"}}: build them with TriggerFilter.exact(), prefix()");
    const t = new EventTrigger(chart(), 't', props);
    expect(() => t.addFilter(undefined as any)).toThrow("'addFilter()' must be TriggerFilter objects, got 'undefined'");
    // A construct (JSON cannot write its tree) is named by its class.
    expect(() => t.addFilter(new Broker(chart(), 'b') as any)).toThrow("'addFilter()' must be TriggerFilter objects, got a Broker: build them with");
  });

  test('fails an invalid attribute name in filterAttributes', () => {
    expect(() => new EventTrigger(chart(), 't', {
      broker: Broker.fromBrokerName('default'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink }, filterAttributes: { 'Content-Type': 'x' },
    })).toThrow("'filterAttributes.attribute' must be a CloudEvents attribute name (lowercase letters and digits, starting with a letter), got 'Content-Type'");
  });

  test('fails a subscriberPath on a URI subscriber', () => {
    expect(() => new EventTrigger(chart(), 't', {
      broker: Broker.fromBrokerName('default'), subscriber: EventSink.fromUri('https://x.example.com/'), subscriberPath: '/a', delivery: { deadLetterSink: errorsSink },
    })).toThrow("'subscriberPath' must be unset for a URI subscriber, got '/a': put the path into the URI (https://x.example.com/)");
  });

  test('fails a relative subscriberPath', () => {
    const c = chart();
    expect(() => new EventTrigger(c, 't', { broker: Broker.fromBrokerName('default'), subscriber: classifier(c), subscriberPath: 'batch', delivery: { deadLetterSink: errorsSink } }))
      .toThrow("'subscriberPath' must be a path starting with '/', got 'batch'");
  });

  test('fails a trigger that delivers to its own broker', () => {
    const c = chart();
    const broker = new Broker(c, 'events', { metadata: { name: 'events' } });
    expect(() => new EventTrigger(c, 't', { broker, subscriber: broker, delivery: { deadLetterSink: errorsSink } }))
      .toThrow("'subscriber' must be something other than the trigger's own broker, got 'events'");
  });

  test('fails a trigger outside the broker\'s namespace', () => {
    expect(() => new EventTrigger(chart('team-b'), 't', { broker: Broker.fromBrokerName('events', 'team-a'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink } }))
      .toThrow("'metadata.namespace' must be the broker's namespace ('team-a'), got 'team-b'");
  });

  test('fails a trigger without a namespace on a broker with one: kubectl would apply it to its current namespace', () => {
    const app = Testing.app();
    const broker = new Broker(new Chart(app, 'events', { namespace: 'ml' }), 'events', { metadata: { name: 'events' } });
    const plain = new Chart(app, 'triggers');
    const props = { broker, subscriber: errorsSink, delivery: { deadLetterSink: errorsSink } };
    const message = "'metadata.namespace' must be the broker's namespace ('ml'), got 'none': put the trigger in the broker's namespace with its chart's namespace " +
      'or metadata.namespace: without one, kubectl applies it to its current namespace';
    expect(() => new EventTrigger(plain, 'a', props)).toThrow(message);
    expect(() => new EventTrigger(plain, 'b', { ...props, broker: Broker.fromBrokerName('events', 'ml') })).toThrow(message);
    expect(new EventTrigger(plain, 'c', { ...props, metadata: { namespace: 'ml' } }).namespace).toBe('ml');
  });

  test('fails a trigger with a namespace on a Broker built without one, and takes a broker named without one as in its own', () => {
    const app = Testing.app();
    const broker = new Broker(new Chart(app, 'events'), 'events', { metadata: { name: 'events' } });
    const props = { broker, subscriber: errorsSink, delivery: { deadLetterSink: errorsSink } };
    expect(() => new EventTrigger(new Chart(app, 'ml', { namespace: 'ml' }), 't', props)).toThrow(
      "'metadata.namespace' must be the broker's namespace, which is unknown at synth: Broker 'events/events' has none, so kubectl applies it to its " +
      "current namespace, got 'ml': give the broker the namespace 'ml' (its chart's namespace or metadata.namespace), or leave the trigger without one too");
    // Both without a namespace land in the same one.
    expect(new EventTrigger(new Chart(app, 'plain'), 't', props).namespace).toBeUndefined();
    // Broker.fromBrokerName without a namespace means the trigger's own.
    const named = new Chart(app, 'named', { namespace: 'ml' });
    new EventTrigger(named, 't', { ...props, broker: Broker.fromBrokerName('events') });
    expect(oneOf(Testing.synth(named), TRIGGER, 'Trigger').metadata.namespace).toBe('ml');
  });

  test('fails a zero timeout', () => {
    expect(() => new EventTrigger(chart(), 't', { broker: Broker.fromBrokerName('default'), subscriber: errorsSink, delivery: { deadLetterSink: errorsSink, timeout: Duration.seconds(0) } }))
      .toThrow("'delivery.timeout' must be longer than 0s, got 'PT0S': Knative's webhook rejects a zero timeout");
  });
});
