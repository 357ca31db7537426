/**
 * The adapter for real: it listens on loopback, gets a genuine MinIO notification over HTTP, and sends its
 * CloudEvents to a local HTTP sink, where the `cloudevents` SDK parses and validates them.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { CloudEvent, HTTP } from 'cloudevents';
import { adapterScript, startMinioCloudEventsAdapter } from '../../../src/eventing/adapter/minio-cloudevents-adapter';

const TOKEN = 'test-token-0123456789abcdef';
const ENDPOINT = 'http://minio.minio.svc.cluster.local:9000';
const FIXTURE = fs.readFileSync(path.join(__dirname, 'fixtures', 'minio-put-notification.json'), 'utf8');
const notification = () => JSON.parse(FIXTURE);

interface Received { readonly headers: http.IncomingHttpHeaders; readonly body: string }

/** A local CloudEvents sink that records what it gets and answers with `status` (or never, when null). */
class Sink {
  public readonly received: Received[] = [];
  public status: number | null = 202;
  /** Answers for the next requests, in order, before `status` applies. */
  public readonly statuses: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = this.statuses.shift() ?? this.status;
      if (status === null) return; // hang
      res.writeHead(status);
      res.end();
    });
  });

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  public events(): CloudEvent<any>[] {
    return this.received.map((r) => HTTP.toEvent({ headers: r.headers as any, body: r.body }) as CloudEvent<any>);
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Response { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string }

function request(port: number, options: { method?: string; path?: string; body?: string; token?: string | null }): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('MinIO CloudEvents adapter', () => {
  let sink: Sink;
  let adapter: http.Server;
  let port: number;
  let log: jest.SpyInstance;

  async function startAdapter(env: Record<string, string> = {}): Promise<void> {
    adapter = await startMinioCloudEventsAdapter({
      PORT: '0',
      HOST: '127.0.0.1',
      K_SINK: await sink.start(),
      MINIO_WEBHOOK_AUTH_TOKEN: TOKEN,
      MINIO_ENDPOINT: ENDPOINT,
      ...env,
    });
    port = (adapter.address() as AddressInfo).port;
  }

  beforeEach(() => {
    sink = new Sink();
    log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(async () => {
    log.mockRestore();
    adapter?.closeAllConnections();
    await new Promise<void>((resolve) => (adapter ? adapter.close(() => resolve()) : resolve()));
    await sink.stop();
  });

  test('forwards a MinIO put notification as one valid binary-mode CloudEvent', async () => {
    await startAdapter();
    const res = await request(port, { body: FIXTURE });

    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ forwarded: 1 });
    expect(sink.received).toHaveLength(1);
    const raw = sink.received[0];
    expect(raw.headers['ce-specversion']).toBe('1.0');
    expect(raw.headers['content-type']).toBe('application/json');
    expect(HTTP.isEvent({ headers: raw.headers as any, body: raw.body })).toBe(true);

    const [event] = sink.events();
    expect(event.validate()).toBe(true);
    expect(event.specversion).toBe('1.0');
    expect(event.type).toBe('io.min.s3.ObjectCreated:Put');
    expect(event.source).toBe(`${ENDPOINT}/upload-bucket`);
    expect(event.subject).toBe('incoming/cat%201.jpg'); // percent-encoded on the wire, see below
    expect(decodeURIComponent(event.subject!)).toBe('incoming/cat 1.jpg');
    expect(event.time).toBe('2025-03-14T09:27:27.123Z');
    expect(event.id).toMatch(/^[0-9a-f]{64}$/);
    expect(event.datacontenttype).toBe('application/json');
    expect(event.data).toEqual(notification().Records[0]);
  });

  test('sends one event per record, with ids that stay the same when MinIO retries', async () => {
    await startAdapter();
    const payload = notification();
    const second = JSON.parse(JSON.stringify(payload.Records[0]));
    second.s3.object.key = 'incoming%2Fdog.png';
    second.s3.object.sequencer = '182C6A8E3B4E1C00';
    payload.Records.push(second);

    expect((await request(port, { body: JSON.stringify(payload) })).status).toBe(200);
    expect((await request(port, { body: JSON.stringify(payload) })).status).toBe(200);

    const events = sink.events();
    expect(events.map((e) => e.subject)).toEqual(['incoming/cat%201.jpg', 'incoming/dog.png', 'incoming/cat%201.jpg', 'incoming/dog.png']);
    expect(events[0].id).not.toBe(events[1].id);
    expect(events[2].id).toBe(events[0].id);
    expect(events[3].id).toBe(events[1].id);
  });

  test('percent-encodes non-ASCII keys in headers as the CloudEvents HTTP binding asks', async () => {
    await startAdapter();
    const payload = notification();
    payload.Records[0].s3.object.key = encodeURIComponent('Bilder/Grüße "1".png');
    expect((await request(port, { body: JSON.stringify(payload) })).status).toBe(200);
    const header = sink.received[0].headers['ce-subject'] as string;
    expect(header).toBe('Bilder/Gr%C3%BC%C3%9Fe%20%221%22.png');
    expect(decodeURIComponent(header)).toBe('Bilder/Grüße "1".png');
  });

  test('adds the SinkBinding ce overrides as extensions and honours the type prefix', async () => {
    await startAdapter({ K_CE_OVERRIDES: JSON.stringify({ extensions: { pipeline: 'resnet50' } }), CE_TYPE_PREFIX: 'com.amazonaws.s3' });
    expect((await request(port, { body: FIXTURE })).status).toBe(200);
    const [event] = sink.events();
    expect(event.validate()).toBe(true);
    expect(event.pipeline).toBe('resnet50');
    expect(event.type).toBe('com.amazonaws.s3.ObjectCreated:Put');
  });

  test.each(['data', 'datacontenttype', 'dataschema', 'id', 'source', 'specversion', 'subject', 'time', 'type'])(
    "refuses to start with an override named like the context attribute '%s' (a second guard behind synth)", async (name) => {
      await expect(startAdapter({ K_CE_OVERRIDES: JSON.stringify({ extensions: { [name]: 'x' } }) }))
        .rejects.toThrow(`K_CE_OVERRIDES extension '${name}' is a CloudEvents context attribute, which an extension must not replace`);
    });

  test('answers the HEAD probe MinIO sends before delivering, and the health check', async () => {
    await startAdapter();
    expect((await request(port, { method: 'HEAD', token: null })).status).toBe(200);
    const health = await request(port, { method: 'GET', path: '/healthz', token: null });
    expect(health.status).toBe(200);
    expect(health.body).toBe('ok');
    expect(sink.received).toHaveLength(0);
  });

  test('fails a request without a token with 401 and forwards nothing', async () => {
    await startAdapter();
    const res = await request(port, { body: FIXTURE, token: null });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(sink.received).toHaveLength(0);
  });

  test('fails a request with a wrong token with 403 and forwards nothing', async () => {
    await startAdapter();
    const res = await request(port, { body: FIXTURE, token: 'not-the-token' });
    expect(res.status).toBe(403);
    expect(sink.received).toHaveLength(0);
  });

  test('logs one JSON line per outcome and never the token', async () => {
    await startAdapter();
    await request(port, { body: FIXTURE, token: 'not-the-token' });
    await request(port, { body: FIXTURE });
    const lines = log.mock.calls.map((c) => String(c[0]));
    expect(lines.join('')).not.toContain(TOKEN);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['listening', 'rejected notification', 'forwarded']);
  });

  test.each([
    ['garbage', 'this is not json {', 'body is not JSON'],
    ['JSON without Records', JSON.stringify({ EventName: 's3:ObjectCreated:Put' }), 'body is not a MinIO notification: no Records'],
    ['empty Records', JSON.stringify({ Records: [] }), 'body is not a MinIO notification: no Records'],
    ['a CloudEvent instead of a notification', JSON.stringify({ specversion: '1.0', id: '1', source: '/x', type: 'x' }), 'body is not a MinIO notification: no Records'],
  ])('drops %s: answers 2xx so that MinIO, which retries anything else for good, moves on; logs it; forwards nothing', async (_name, body, reason) => {
    await startAdapter();
    const res = await request(port, { body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ dropped: reason });
    expect(sink.received).toHaveLength(0);
    const dropped = log.mock.calls.map((c) => JSON.parse(String(c[0]))).find((l) => l.msg === 'dropped a notification no retry can forward');
    expect(dropped).toMatchObject({ level: 'error', body, reason });
  });

  test('drops a batch with one malformed record whole, with the reason, and forwards none of it', async () => {
    await startAdapter();
    const payload = notification();
    payload.Records.push({ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: 'upload-bucket' }, object: {} } });
    const res = await request(port, { body: JSON.stringify(payload) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).dropped).toBe('Records[1].s3.object.key is missing');
    expect(sink.received).toHaveLength(0);
  });

  test('drops a notification over the size limit with 2xx and forwards nothing', async () => {
    await startAdapter({ MAX_BODY_BYTES: '64' });
    const res = await request(port, { body: FIXTURE });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).dropped).toBe('notification larger than 64 bytes (MAX_BODY_BYTES)');
    expect(sink.received).toHaveLength(0);
  });

  test('fails with 502 when the sink refuses the event, so MinIO retries', async () => {
    await startAdapter();
    sink.status = 503;
    const res = await request(port, { body: FIXTURE });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toBe('sink answered 503');
    expect(sink.received).toHaveLength(1);
  });

  test.each([400, 413, 415, 422])('drops an event the sink refuses for good (%i): a retry would hold back every event queued behind it', async (status) => {
    await startAdapter();
    sink.status = status;
    const res = await request(port, { body: FIXTURE });
    expect(res.status).toBe(200);
    const [event] = sink.events();
    expect(JSON.parse(res.body)).toEqual({ forwarded: 0, refused: [{ id: event.id, status }] });
    const refused = log.mock.calls.map((c) => JSON.parse(String(c[0]))).find((l) => l.msg === 'the sink refused an event for good; dropped it');
    expect(refused).toMatchObject({ level: 'error', id: event.id, status });
  });

  test('still sends the records after one the sink refused for good', async () => {
    await startAdapter();
    const payload = notification();
    const second = JSON.parse(JSON.stringify(payload.Records[0]));
    second.s3.object.key = 'incoming%2Fdog.png';
    payload.Records.push(second);
    sink.statuses.push(400, 202);
    const res = await request(port, { body: JSON.stringify(payload) });
    expect(res.status).toBe(200);
    const [refused, forwarded] = sink.events();
    expect(forwarded.subject).toBe('incoming/dog.png');
    expect(JSON.parse(res.body)).toEqual({ forwarded: 1, refused: [{ id: refused.id, status: 400 }] });
  });

  test.each([401, 403, 404, 429])('lets MinIO retry what the sink may take later (%i)', async (status) => {
    await startAdapter();
    sink.status = status;
    expect((await request(port, { body: FIXTURE })).status).toBe(502);
  });

  test('once stopping, answers with Connection: close, so MinIO sends nothing more on the open connection', async () => {
    await startAdapter({ SINK_TIMEOUT_MS: '300' });
    sink.status = null;
    const pending = request(port, { body: FIXTURE });
    await new Promise((resolve) => setTimeout(resolve, 100));
    adapter.close();
    const res = await pending;
    expect(res.status).toBe(504);
    expect(res.headers.connection).toBe('close');
  });

  test('fails with 502 when the sink is down, so MinIO retries', async () => {
    await startAdapter();
    await sink.stop();
    const res = await request(port, { body: FIXTURE });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toMatch(/^sink unreachable: .*ECONNREFUSED/);
  });

  test('fails with 504 when the sink does not answer in time', async () => {
    await startAdapter({ SINK_TIMEOUT_MS: '100' });
    sink.status = null;
    const res = await request(port, { body: FIXTURE });
    expect(res.status).toBe(504);
  });

  test('fails other methods and paths with 405', async () => {
    await startAdapter();
    expect((await request(port, { method: 'PUT', body: FIXTURE })).status).toBe(405);
    expect((await request(port, { path: '/other', body: FIXTURE })).status).toBe(405);
    expect(sink.received).toHaveLength(0);
  });

  test.each([
    ['K_SINK', { K_SINK: '' }, 'environment variable K_SINK is required'],
    ['MINIO_WEBHOOK_AUTH_TOKEN', { MINIO_WEBHOOK_AUTH_TOKEN: '' }, 'environment variable MINIO_WEBHOOK_AUTH_TOKEN is required'],
    ['a non-http K_SINK', { K_SINK: 'ftp://example.com/' }, "K_SINK must be an http(s) URL, got 'ftp://example.com/'"],
    ['a bad PORT', { PORT: 'eighty' }, "environment variable PORT must be a non-negative integer, got 'eighty'"],
    // MinIO sends "Bearer <token>" only for a one-word token: a two-word one as it is, none for more.
    ['a two-word token', { MINIO_WEBHOOK_AUTH_TOKEN: 'Bearer abc' }, 'MINIO_WEBHOOK_AUTH_TOKEN must be one word without whitespace'],
    ['a token with a trailing newline', { MINIO_WEBHOOK_AUTH_TOKEN: 'abc\n' }, 'MINIO_WEBHOOK_AUTH_TOKEN must be one word without whitespace'],
  ])('fails to start without valid %s', async (_name, env, message) => {
    await expect(startMinioCloudEventsAdapter({
      PORT: '0', HOST: '127.0.0.1', K_SINK: 'http://127.0.0.1:1/', MINIO_WEBHOOK_AUTH_TOKEN: TOKEN, MINIO_ENDPOINT: ENDPOINT, ...env,
    })).rejects.toThrow(message);
  });
});

describe('adapterScript', () => {
  let child: ChildProcess | undefined;
  let sink: Sink;

  beforeEach(() => {
    sink = new Sink();
  });

  afterEach(async () => {
    child?.kill('SIGTERM');
    await sink.stop();
  });

  test('is a standalone script that node runs: it forwards a notification and stops on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-'));
    const file = path.join(dir, 'minio-cloudevents-adapter.js');
    fs.writeFileSync(file, adapterScript());
    const sinkUrl = await sink.start();
    child = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', K_SINK: sinkUrl, MINIO_WEBHOOK_AUTH_TOKEN: TOKEN, MINIO_ENDPOINT: ENDPOINT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = readline.createInterface({ input: child.stdout! });
    const listening = await new Promise<any>((resolve, reject) => {
      lines.on('line', (line) => {
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') resolve(entry);
      });
      child!.once('exit', (code) => reject(new Error(`adapter exited with ${code}`)));
    });

    const res = await request(listening.port, { body: FIXTURE });
    expect(res.status).toBe(200);
    const [event] = sink.events();
    expect(event.validate()).toBe(true);
    expect(event.type).toBe('io.min.s3.ObjectCreated:Put');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails to start, with exit code 1 and a message, when K_SINK is missing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-'));
    const file = path.join(dir, 'minio-cloudevents-adapter.js');
    fs.writeFileSync(file, adapterScript());
    child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, MINIO_WEBHOOK_AUTH_TOKEN: TOKEN, MINIO_ENDPOINT: ENDPOINT }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(1);
    expect(JSON.parse(stderr.trim())).toEqual({ level: 'fatal', msg: 'environment variable K_SINK is required' });
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
