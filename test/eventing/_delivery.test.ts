import { Duration, Testing } from 'cdk8s';
import { BackoffPolicy } from '../../src';
import { backoffSeconds, checkDeliveryOptions, coverageSeconds, isoDuration, retriesToCover } from '../../src/eventing/_delivery';

describe('delivery arithmetic', () => {
  test('exponential backoff waits delay × 2^i before retry i+1, as the dispatcher does', () => {
    expect(backoffSeconds(BackoffPolicy.EXPONENTIAL, 1, 0)).toBe(0);
    expect(backoffSeconds(BackoffPolicy.EXPONENTIAL, 1, 3)).toBe(1 + 2 + 4);
    expect(backoffSeconds(BackoffPolicy.EXPONENTIAL, 2, 10)).toBe(2 * 1023);
  });

  test('linear backoff waits delay × i: the first retry is immediate', () => {
    expect(backoffSeconds(BackoffPolicy.LINEAR, 5, 1)).toBe(0);
    expect(backoffSeconds(BackoffPolicy.LINEAR, 5, 4)).toBe(5 * (0 + 1 + 2 + 3));
  });

  test('a per-attempt timeout counts once per attempt (retries + 1)', () => {
    expect(coverageSeconds(BackoffPolicy.EXPONENTIAL, 1, 3, 30)).toBe(7 + 4 * 30);
  });

  test('finds the fewest retries that cover a budget, from a minimum', () => {
    expect(retriesToCover(BackoffPolicy.EXPONENTIAL, 1, 600, undefined, 3)).toBe(10);
    expect(retriesToCover(BackoffPolicy.EXPONENTIAL, 1, 5, undefined, 3)).toBe(3);
    expect(retriesToCover(BackoffPolicy.LINEAR, 0.001, 1e9)).toBeUndefined();
  });

  test('the fewest retries agree with coverageSeconds for fractional delays and timeouts, term by term', () => {
    for (const policy of [BackoffPolicy.EXPONENTIAL, BackoffPolicy.LINEAR]) {
      for (let delayMs = 10; delayMs <= 2000; delayMs += 7) {
        for (const timeout of [undefined, 0.3, 1.7]) {
          for (const budget of [1, 7, 57.3, 171, 600]) {
            const delay = delayMs / 1000;
            const expected = [...Array(21).keys()].find((n) => coverageSeconds(policy, delay, n, timeout) >= budget);
            expect(retriesToCover(policy, delay, budget, timeout)).toBe(expected);
          }
        }
      }
    }
  });

  test('renders ISO-8601 durations Knative parses', () => {
    expect(isoDuration(Duration.seconds(1))).toBe('PT1S');
    expect(isoDuration(Duration.millis(500))).toBe('PT0.5S');
    expect(isoDuration(Duration.seconds(90))).toBe('PT1M30S');
    expect(isoDuration(Duration.hours(2))).toBe('PT2H');
    expect(isoDuration(Duration.seconds(0))).toBe('PT0S');
  });
});

describe('checkDeliveryOptions', () => {
  const consumer = Testing.chart();
  test('fails on a delay of a fraction of a millisecond, naming the prop (cdk8s\'s own conversion would not)', () => {
    expect(() => checkDeliveryOptions('delivery', { backoffDelay: Duration.millis(100.5) }, consumer, 'broker'))
      .toThrow("'delivery.backoffDelay' must be a whole number of milliseconds, got '100.5ms'");
  });

  test('fails on a duration Knative\'s period parser overflows on', () => {
    expect(() => checkDeliveryOptions('delivery', { timeout: Duration.hours(3277) }, consumer, 'broker'))
      .toThrow("'delivery.timeout' must be less than 3277 hours (Knative's duration parser holds no more), got 'PT3277H'");
    expect(() => checkDeliveryOptions('delivery', { timeout: Duration.hours(3276) }, consumer, 'broker')).not.toThrow();
  });
});
