import { propError, redactUrl } from '../src/_errors';

describe('propError', () => {
  test('shows the prop, what is expected, what was given, and the fix', () => {
    expect(propError('gpuCount', 'a positive integer', 0, 'ask for one GPU or more').message).toBe("'gpuCount' must be a positive integer, got 0: ask for one GPU or more");
    expect(propError('image', 'pinned', 'x:latest').message).toBe("'image' must be pinned, got 'x:latest'");
  });

  test('shows what JSON cannot write by what it is, never failing itself', () => {
    const cycle: any = {};
    cycle.self = cycle;
    class Broker { public readonly self = this; }
    expect(propError('p', 'data', cycle).message).toBe("'p' must be data, got an object JSON cannot write (a cycle)");
    expect(propError('p', 'data', new Broker()).message).toBe("'p' must be data, got a Broker");
    expect(propError('p', 'data', () => 'secret source').message).toBe("'p' must be data, got a function");
    expect(propError('p', 'data', undefined).message).toBe("'p' must be data, got undefined");
  });
});

describe('redactUrl', () => {
  test('hides user info and the query, nothing else', () => {
    expect(redactUrl('https://user:pass@minio:9000/x?token=t#f')).toBe('https://<user info>@minio:9000/x?<query>');
    expect(redactUrl('http://minio:9000')).toBe('http://minio:9000');
    expect(redactUrl('minio:9000/x?X-Amz-Signature=s')).toBe('minio:9000/x?<query>');
  });
});
