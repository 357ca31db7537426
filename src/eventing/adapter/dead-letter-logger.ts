/**
 * The dead-letter logger that DeadLetterLogger deploys: it accepts every CloudEvent Knative could not deliver and
 * writes it as one JSON line to stdout, with the failure Knative attached (`knativeerrordest`,
 * `knativeerrorcode`, `knativeerrordata` decoded from base64), so the cluster's log pipeline keeps it for later
 * analysis and replay.
 *
 * It answers 202 to every POST, CloudEvent or not (a dead-letter sink that refuses would lose the event for
 * good), and 200 to `GET /healthz`. Plain Node.js (18 or later), built-in modules only; self-contained like the
 * MinIO adapter, whose source text is shipped the same way.
 *
 * Environment: `PORT` (default 8080), `HOST` (default 0.0.0.0), `MAX_BODY_BYTES` (default 1048576; longer
 * bodies are logged truncated). A request that is not a CloudEvent is logged with its headers, those named like
 * credentials (auth, cookie, token, secret, key, signature, credential, password, session) redacted.
 */
import type { Server } from 'http';

/** Environment variables of the logger (e.g. `process.env`). */
export interface DeadLetterLoggerEnvironment {
  readonly [name: string]: string | undefined;
}

/** Starts the logger and resolves with the listening server. Self-contained (its source text is shipped). */
export function startDeadLetterLogger(env: DeadLetterLoggerEnvironment): Promise<Server> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('http') as typeof import('http');
  const port = Number(env.PORT || 8080);
  const maxBody = Number(env.MAX_BODY_BYTES || 1048576);
  if (!Number.isInteger(port) || port < 0) return Promise.reject(new Error(`environment variable PORT must be a non-negative integer, got '${env.PORT}'`));
  if (!Number.isInteger(maxBody) || maxBody < 0) return Promise.reject(new Error(`environment variable MAX_BODY_BYTES must be a non-negative integer, got '${env.MAX_BODY_BYTES}'`));

  const decodeHeader = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };

  // Credentials a sender put in its request stay out of the logs: any header named like one (authorization,
  // cookie, x-api-key, x-amz-security-token, x-goog-api-key, x-auth-token, a signature ...).
  const SECRET_HEADER = /auth|cookie|token|secret|key|signature|credential|password|session/;
  const redacted = (headers: import('http').IncomingHttpHeaders): Record<string, unknown> =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADER.test(name) ? '[redacted]' : value]));

  const describe = (headers: import('http').IncomingHttpHeaders, body: Buffer, truncated: boolean): Record<string, unknown> => {
    const contentType = String(headers['content-type'] ?? '');
    let attributes: Record<string, unknown> = {};
    let data: unknown;
    let mode = 'binary';
    if (contentType.startsWith('application/cloudevents+json')) {
      mode = 'structured';
      try {
        const parsed = JSON.parse(body.toString('utf8'));
        const { data: structuredData, data_base64: dataBase64, ...rest } = parsed;
        attributes = rest;
        data = structuredData ?? dataBase64;
      } catch {
        data = body.toString('utf8');
      }
    } else {
      for (const [name, value] of Object.entries(headers)) {
        if (name.startsWith('ce-') && typeof value === 'string') attributes[name.slice(3)] = decodeHeader(value);
      }
      if (contentType) attributes.datacontenttype = contentType;
      const text = body.toString('utf8');
      if (contentType.includes('json') && !truncated) {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      } else {
        data = text;
      }
    }
    const { knativeerrordest, knativeerrorcode, knativeerrordata, ...event } = attributes as Record<string, any>;
    let errorData: string | undefined;
    if (typeof knativeerrordata === 'string') {
      errorData = Buffer.from(knativeerrordata, 'base64').toString('utf8');
    }
    const isEvent = typeof event.id === 'string' && typeof event.source === 'string' && typeof event.type === 'string';
    return {
      level: 'error',
      msg: isEvent ? 'undeliverable event' : 'dead letter that is not a CloudEvent',
      mode: isEvent ? mode : undefined,
      event: isEvent ? event : undefined,
      failure: knativeerrordest || knativeerrorcode || errorData
        ? { destination: knativeerrordest, code: knativeerrorcode === undefined ? undefined : Number(knativeerrorcode), response: errorData }
        : undefined,
      data,
      truncated: truncated || undefined,
      headers: isEvent ? undefined : redacted(headers),
    };
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' });
      res.end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
      size += chunk.length;
    });
    req.on('end', () => {
      process.stdout.write(JSON.stringify(describe(req.headers, Buffer.concat(chunks), size > maxBody)) + '\n');
      res.writeHead(202);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, env.HOST || '0.0.0.0', () => {
      server.off('error', reject);
      const address = server.address();
      process.stdout.write(JSON.stringify({ level: 'info', msg: 'listening', port: typeof address === 'object' && address ? address.port : port }) + '\n');
      resolve(server);
    });
  });
}

/** Runs the logger as a process, like `runMinioCloudEventsAdapter`. Self-contained. */
export function runDeadLetterLogger(start: (env: DeadLetterLoggerEnvironment) => Promise<Server>): void {
  start(process.env).then((server) => {
    const stop = () => server.close(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }, (err: Error) => {
    process.stderr.write(JSON.stringify({ level: 'fatal', msg: err.message }) + '\n');
    process.exit(1);
  });
}

/** The logger as one standalone script, as DeadLetterLogger mounts it from a ConfigMap. */
export function deadLetterLoggerScript(): string {
  return [
    "'use strict';",
    '// Dead-letter logger, generated by cdk8s-gpu-inference from lib/eventing/adapter/dead-letter-logger.js.',
    `const startDeadLetterLogger = ${startDeadLetterLogger.toString()};`,
    `const runDeadLetterLogger = ${runDeadLetterLogger.toString()};`,
    'runDeadLetterLogger(startDeadLetterLogger);',
    '',
  ].join('\n');
}

if (require.main === module) {
  runDeadLetterLogger(startDeadLetterLogger);
}
