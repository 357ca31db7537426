import * as http from 'http';
import { AddressInfo } from 'net';
import { CloudEvent, HTTP } from 'cloudevents';
import { chart } from './_fixtures';
import { DeadLetterLogger } from '../../src';
import { deadLetterLoggerScript, startDeadLetterLogger } from '../../src/eventing/adapter/dead-letter-logger';
import { ofKind, oneOf, synth } from '../_helpers/manifests';

describe('DeadLetterLogger', () => {
  test('defaults', () => {
    const c = chart();
    new DeadLetterLogger(c, 'errors');
    const objects = synth(c).map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { 'dead-letter-logger.js': '<script>' } } : o));
    expect(objects).toMatchSnapshot();
  });

  test('every prop; it is a sink by its core Service', () => {
    const c = chart();
    const logger = new DeadLetterLogger(c, 'errors', { name: 'dead-letters', replicas: 2, image: 'node:22.20.0-alpine3.22' });
    const objects = synth(c);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.replicas).toBe(2);
    expect(oneOf(objects, 'v1', 'ConfigMap').data['dead-letter-logger.js']).toBe(deadLetterLoggerScript());
    expect(ofKind(objects, 'v1', 'Service').map((s) => s.metadata.name)).toEqual(['dead-letters']);
    expect(logger.toSinkDestination()).toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: 'dead-letters', namespace: 'ml-events' } });
  });

  test('fails zero replicas', () => {
    expect(() => new DeadLetterLogger(chart(), 'e', { replicas: 0 })).toThrow("'replicas' must be an integer >= 1, got 0: a dead-letter sink with no replica refuses every dead letter");
  });

  test('fails a floating image', () => {
    expect(() => new DeadLetterLogger(chart(), 'e', { image: 'node' })).toThrow("'image' must be pinned to a tag other than 'latest' or to a digest, got 'node'");
  });

  test('fails a name that is not a DNS label', () => {
    expect(() => new DeadLetterLogger(chart(), 'e', { name: 'Dead_Letters' })).toThrow("'name' must be a DNS-1035 label of at most 63 characters");
  });
});

describe('dead-letter logger script, for real', () => {
  let server: http.Server;
  let port: number;
  let log: jest.SpyInstance;

  beforeEach(async () => {
    log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    server = await startDeadLetterLogger({ PORT: '0', HOST: '127.0.0.1' });
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    log.mockRestore();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function post(headers: Record<string, string>, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const lines = () => log.mock.calls.map((c) => JSON.parse(String(c[0])));

  test('logs a binary-mode dead letter with the failure Knative attached, and accepts it', async () => {
    const event = new CloudEvent({
      id: 'abc',
      source: 'http://minio:9000/upload-bucket',
      type: 'io.min.s3.ObjectCreated:Put',
      subject: 'cat.jpg',
      datacontenttype: 'application/json',
      data: { s3: { object: { key: 'cat.jpg' } } },
      knativeerrordest: 'http://resnet50.ml-events.svc.cluster.local',
      knativeerrorcode: '503',
      knativeerrordata: Buffer.from('model not loaded').toString('base64'),
    });
    const message = HTTP.binary(event);
    expect(await post(message.headers as Record<string, string>, message.body as string)).toBe(202);
    const entry = lines().find((l) => l.msg === 'undeliverable event');
    expect(entry).toMatchObject({
      level: 'error',
      mode: 'binary',
      event: { id: 'abc', type: 'io.min.s3.ObjectCreated:Put', subject: 'cat.jpg', specversion: '1.0' },
      failure: { destination: 'http://resnet50.ml-events.svc.cluster.local', code: 503, response: 'model not loaded' },
      data: { s3: { object: { key: 'cat.jpg' } } },
    });
  });

  test('logs a structured-mode dead letter', async () => {
    const message = HTTP.structured(new CloudEvent({ id: 'x1', source: '/ping', type: 'dev.knative.sources.ping', data: { job: 'nightly' } }));
    expect(await post(message.headers as Record<string, string>, message.body as string)).toBe(202);
    expect(lines().find((l) => l.msg === 'undeliverable event')).toMatchObject({ mode: 'structured', event: { id: 'x1' }, data: { job: 'nightly' } });
  });

  test('accepts and logs a request that is not a CloudEvent, rather than losing it', async () => {
    expect(await post({ 'content-type': 'text/plain' }, 'garbage')).toBe(202);
    expect(lines().find((l) => l.msg === 'dead letter that is not a CloudEvent')).toMatchObject({ data: 'garbage' });
  });
});
