/**
 * The MinIO → CloudEvents adapter that MinIOImageSource deploys.
 *
 * It receives MinIO bucket notifications (the `notify_webhook` target's POST of `{ EventName, Key, Records }`),
 * checks MinIO's `Authorization: Bearer <auth_token>` header, and sends one binary-mode CloudEvent per record to
 * `K_SINK` (injected by a SinkBinding). MinIO retries every answer outside 2xx, every 3 s and without end, and
 * holds the events behind it in its queue directory meanwhile; so the adapter answers:
 * - 200 once every record was accepted by the sink;
 * - 502/504 when the sink fails or times out: MinIO keeps the event and retries, delivery is at least once, and a
 *   retried record keeps its CloudEvent id;
 * - 401 without a token, 403 with a wrong one: MinIO keeps the events until the token matches (a rotation);
 * - 200 with `dropped` for a payload that no retry can forward (not a MinIO notification, or over the size
 *   limit), logged at level `error` with the reason: answering 4xx would stop MinIO's queue behind it for good;
 * - 200 with `refused` listing the records the sink refused for good (400, 413, 415, 422: an invalid event), each
 *   logged at level `error`; the other records are still sent: MinIO sends one event at a time, and retrying such
 *   a record would hold back every event behind it.
 *
 * Runs on plain Node.js (18 or later) with built-in modules only. Run it directly
 * (`node lib/eventing/adapter/minio-cloudevents-adapter.js`) or, as MinIOImageSource does, from the script
 * `adapterScript()` renders: both run the same four functions below, which are self-contained on purpose
 * (their source text is what the ConfigMap carries).
 *
 * Environment:
 * - `K_SINK` (required): where the CloudEvents go; `K_CA_CERTS`: PEM trusted for an https sink;
 *   `K_CE_OVERRIDES`: `{"extensions": {...}}` added to every event (both set by the SinkBinding);
 * - `MINIO_WEBHOOK_AUTH_TOKEN` (required): the token MinIO sends, one word (MinIO prefixes it with `Bearer `;
 *   a two-word token it sends as it is, and none of three or more words);
 * - `MINIO_ENDPOINT` (required): the MinIO URL; an event's `source` is `<MINIO_ENDPOINT>/<bucket>`;
 * - `CE_TYPE_PREFIX`: `type` is `<prefix>.<eventName without "s3:">` (default `io.min.s3`);
 * - `PORT` (default 8080), `HOST` (default 0.0.0.0), `SINK_TIMEOUT_MS` (default 30000),
 *   `MAX_BODY_BYTES` (default 1048576).
 */
import type { Server } from 'http';

/** Environment variables of the adapter (e.g. `process.env`). */
export interface MinioAdapterEnvironment {
  readonly [name: string]: string | undefined;
}

/**
 * Starts the adapter and resolves with the listening server. Self-contained: it may only use its arguments and
 * Node's built-in modules, because its source text is shipped as the adapter's code.
 */
export function startMinioCloudEventsAdapter(env: MinioAdapterEnvironment): Promise<Server> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const http = require('http') as typeof import('http');
  const https = require('https') as typeof import('https');
  const crypto = require('crypto') as typeof import('crypto');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const log = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    process.stdout.write(JSON.stringify({ level, msg, ...fields }) + '\n');
  };
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
  };
  const integer = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`environment variable ${name} must be a non-negative integer, got '${raw}'`);
    return value;
  };

  let sink: URL;
  let token: string;
  let endpoint: string;
  let extensions: Record<string, string> = {};
  let port: number;
  try {
    sink = new URL(required('K_SINK'));
    if (sink.protocol !== 'http:' && sink.protocol !== 'https:') throw new Error(`K_SINK must be an http(s) URL, got '${sink.href}'`);
    token = required('MINIO_WEBHOOK_AUTH_TOKEN');
    if (/\s/.test(token)) {
      throw new Error('MINIO_WEBHOOK_AUTH_TOKEN must be one word without whitespace: MinIO sends only such a token as "Bearer <token>"');
    }
    endpoint = required('MINIO_ENDPOINT').replace(/\/+$/, '');
    const overrides = env.K_CE_OVERRIDES ? JSON.parse(env.K_CE_OVERRIDES) : {};
    extensions = overrides.extensions ?? {};
    for (const [name, value] of Object.entries(extensions)) {
      if (!/^[a-z0-9]+$/.test(name) || typeof value !== 'string') throw new Error(`K_CE_OVERRIDES extension '${name}' must be a lowercase alphanumeric name with a string value`);
      if (ceContextAttributes().includes(name)) throw new Error(`K_CE_OVERRIDES extension '${name}' is a CloudEvents context attribute, which an extension must not replace`);
    }
    port = integer('PORT', 8080);
  } catch (err) {
    return Promise.reject(err);
  }
  const host = env.HOST || '0.0.0.0';
  const typePrefix = (env.CE_TYPE_PREFIX || 'io.min.s3').replace(/\.+$/, '');
  const sinkTimeout = integer('SINK_TIMEOUT_MS', 30000);
  const maxBody = integer('MAX_BODY_BYTES', 1048576);
  const caCerts = env.K_CA_CERTS || undefined;
  const tokenDigest = crypto.createHash('sha256').update(token).digest();

  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  interface OutgoingEvent { readonly headers: Record<string, string>; readonly body: string; readonly id: string; readonly subject: string }

  /** Turns one MinIO record into a binary-mode CloudEvent; throws a message for a malformed record. */
  const toEvent = (record: any, index: number): OutgoingEvent => {
    const where = `Records[${index}]`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new Error(`${where} is not an object`);
    const eventName = record.eventName;
    if (typeof eventName !== 'string' || !/^s3:[A-Za-z]+:[A-Za-z*]+$/.test(eventName)) throw new Error(`${where}.eventName is not a MinIO event name like s3:ObjectCreated:Put`);
    const bucket = record.s3?.bucket?.name;
    if (typeof bucket !== 'string' || bucket === '') throw new Error(`${where}.s3.bucket.name is missing`);
    const rawKey = record.s3?.object?.key;
    if (typeof rawKey !== 'string' || rawKey === '') throw new Error(`${where}.s3.object.key is missing`);
    let key: string;
    try {
      // MinIO query-escapes object keys in records (Go url.QueryEscape): '+' is a space.
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      throw new Error(`${where}.s3.object.key is not a query-escaped key`);
    }
    const time = record.eventTime;
    if (time !== undefined && (typeof time !== 'string' || !rfc3339.test(time) || Number.isNaN(Date.parse(time)))) {
      throw new Error(`${where}.eventTime is not an RFC 3339 time`);
    }
    const body = JSON.stringify(record);
    const id = crypto.createHash('sha256').update(body).digest('hex');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-source': ceHeaderValue(`${endpoint}/${bucket}`),
      'ce-type': ceHeaderValue(`${typePrefix}.${eventName.slice('s3:'.length)}`),
      'ce-subject': ceHeaderValue(key),
    };
    if (time !== undefined) headers['ce-time'] = time;
    for (const [name, value] of Object.entries(extensions)) headers[`ce-${name}`] = ceHeaderValue(value);
    return { headers, body, id, subject: key };
  };

  /** Posts one event to the sink; resolves with the HTTP status, rejects on a network error or timeout. */
  const send = (event: OutgoingEvent): Promise<number> => new Promise((resolve, reject) => {
    const transport = sink.protocol === 'https:' ? https : http;
    const req = transport.request(sink, {
      method: 'POST',
      headers: { ...event.headers, 'content-length': String(Buffer.byteLength(event.body)) },
      ca: caCerts,
      timeout: sinkTimeout,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`sink did not answer within ${sinkTimeout}ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(event.body);
  });

  // Once the server stops listening (SIGTERM), every answer closes its connection: MinIO sends its next queued
  // event on an open keep-alive connection as soon as one succeeds, which would keep a stopping adapter busy.
  const closing = (): Record<string, string> => (server.listening ? {} : { connection: 'close' });
  const reply = (res: import('http').ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...closing(), ...headers });
    res.end(text);
  };

  const authorized = (header: string | undefined): 'ok' | 'missing' | 'wrong' => {
    const match = /^Bearer (.+)$/.exec(header ?? '');
    if (!match) return 'missing';
    const given = crypto.createHash('sha256').update(match[1]).digest();
    return crypto.timingSafeEqual(given, tokenDigest) ? 'ok' : 'wrong';
  };

  const handle = async (req: import('http').IncomingMessage, res: import('http').ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/healthz' || path === '/')) {
      // MinIO probes the endpoint with HEAD before it sends; any answer means "up".
      res.writeHead(200, { 'content-type': 'text/plain', ...closing() });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
      return;
    }
    if (req.method !== 'POST' || path !== '/') {
      reply(res, 405, { error: 'only POST / accepts notifications' }, { allow: 'POST' });
      req.resume();
      return;
    }
    const auth = authorized(req.headers.authorization);
    if (auth !== 'ok') {
      log('warn', 'rejected notification', { reason: `${auth} token`, remote: req.socket.remoteAddress });
      reply(res, auth === 'missing' ? 401 : 403, { error: auth === 'missing' ? 'a bearer token is required' : 'the bearer token is wrong' },
        auth === 'missing' ? { 'www-authenticate': 'Bearer' } : {});
      req.resume();
      return;
    }
    /** Answers 2xx for what no retry can forward, so that MinIO's queue moves on; logged for an operator. */
    const drop = (reason: string, fields: Record<string, unknown> = {}) => {
      log('error', 'dropped a notification no retry can forward', { reason, ...fields });
      reply(res, 200, { dropped: reason });
    };
    const tooLarge = () => drop(`notification larger than ${maxBody} bytes (MAX_BODY_BYTES)`);
    if (Number(req.headers['content-length'] ?? 0) > maxBody) {
      tooLarge();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Keep draining past the limit (so the answer reaches the client) but stop keeping the bytes.
      if (size <= maxBody) chunks.push(chunk as Buffer);
    }
    if (size > maxBody) {
      tooLarge();
      return;
    }
    let events: OutgoingEvent[];
    try {
      let payload: any;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new Error('body is not JSON');
      }
      if (payload === null || typeof payload !== 'object' || !Array.isArray(payload.Records) || payload.Records.length === 0) {
        throw new Error('body is not a MinIO notification: no Records');
      }
      events = payload.Records.map(toEvent);
    } catch (err) {
      drop((err as Error).message, { body: Buffer.concat(chunks).toString('utf8') });
      return;
    }
    const refused: Array<{ id: string; status: number }> = [];
    for (const event of events) {
      let status: number;
      try {
        status = await send(event);
      } catch (err) {
        const timedOut = (err as any).code === 'ETIMEDOUT';
        log('error', 'sink unreachable; MinIO will retry', { id: event.id, subject: event.subject, error: (err as Error).message });
        reply(res, timedOut ? 504 : 502, { error: `sink unreachable: ${(err as Error).message}` });
        return;
      }
      // The event itself refused (Knative's ingress answers 400 to an invalid event): no retry can forward it, and
      // MinIO's queue sends one event at a time, so retrying would hold back every event behind it.
      if ([400, 413, 415, 422].includes(status)) {
        log('error', 'the sink refused an event for good; dropped it', { id: event.id, subject: event.subject, status });
        refused.push({ id: event.id, status });
        continue;
      }
      if (status < 200 || status > 299) {
        log('error', 'sink refused the event; MinIO will retry', { id: event.id, subject: event.subject, status });
        reply(res, 502, { error: `sink answered ${status}` });
        return;
      }
      log('info', 'forwarded', { id: event.id, subject: event.subject, type: event.headers['ce-type'] });
    }
    reply(res, 200, refused.length > 0 ? { forwarded: events.length - refused.length, refused } : { forwarded: events.length });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log('error', 'unexpected failure', { error: (err as Error).message });
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      log('info', 'listening', { port: typeof address === 'object' && address ? address.port : port, sink: sink.origin });
      resolve(server);
    });
  });
}

/**
 * Runs the adapter as a process: starts it from `process.env`, exits non-zero when it cannot start, and closes
 * the server on SIGTERM/SIGINT so in-flight notifications finish. Self-contained like the adapter.
 */
export function runMinioCloudEventsAdapter(start: (env: MinioAdapterEnvironment) => Promise<Server>): void {
  start(process.env).then((server) => {
    const stop = () => {
      server.close(() => process.exit(0));
      // Within the pod's 30 s grace period, whatever a client keeps open.
      setTimeout(() => process.exit(0), 20_000).unref();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }, (err: Error) => {
    process.stderr.write(JSON.stringify({ level: 'fatal', msg: err.message }) + '\n');
    process.exit(1);
  });
}

/**
 * The CloudEvents v1.0 context attributes (and `data`): an extension of one of these names would replace the
 * event's own attribute (a `type` no filter matches, a `specversion` the broker refuses), which the spec forbids.
 * The one list: the adapter refuses such extensions at startup, and the sources at synth (`_ce-overrides.ts`).
 * Self-contained: its source text is shipped in the adapter script.
 */
export function ceContextAttributes(): string[] {
  return ['data', 'datacontenttype', 'dataschema', 'id', 'source', 'specversion', 'subject', 'time', 'type'];
}

/**
 * A CloudEvents HTTP-binding header value: percent-encoded (UTF-8) outside printable ASCII and for ' ', '"' and
 * '%'; Node would refuse the raw characters anyway. Each character is encoded on its own, so the encoding of a
 * prefix (or suffix) is a prefix (or suffix) of the encoding of the whole: `MinIOImageSource.eventFilter()`
 * encodes its subject filters with it, since Knative's broker filters on the header value as received.
 * Self-contained: its source text is shipped in the adapter script.
 */
export function ceHeaderValue(value: string): string {
  return Array.from(value).map((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%') return ch;
    return Array.from(Buffer.from(ch, 'utf8')).map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
  }).join('');
}

/**
 * The adapter as one standalone script: the source of the four functions of this module and the call that runs them.
 * This is what MinIOImageSource mounts from a ConfigMap and runs with `node`.
 */
export function adapterScript(): string {
  return [
    "'use strict';",
    '// MinIO -> CloudEvents adapter, generated by cdk8s-gpu-inference from lib/eventing/adapter/minio-cloudevents-adapter.js.',
    `const ceContextAttributes = ${ceContextAttributes.toString()};`,
    `const ceHeaderValue = ${ceHeaderValue.toString()};`,
    `const startMinioCloudEventsAdapter = ${startMinioCloudEventsAdapter.toString()};`,
    `const runMinioCloudEventsAdapter = ${runMinioCloudEventsAdapter.toString()};`,
    'runMinioCloudEventsAdapter(startMinioCloudEventsAdapter);',
    '',
  ].join('\n');
}

if (require.main === module) {
  runMinioCloudEventsAdapter(startMinioCloudEventsAdapter);
}
