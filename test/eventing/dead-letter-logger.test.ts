import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { Secret } from 'cdk8s-plus-27';
import { CloudEvent, HTTP } from 'cloudevents';
import { chart } from './_fixtures';
import { DeadLetterLogger } from '../../src';
import { deadLetterLoggerScript, startDeadLetterLogger } from '../../src/eventing/adapter/dead-letter-logger';
import { ofKind, oneOf, synth } from '../_helpers/manifests';

describe('DeadLetterLogger', () => {
  test('defaults', () => {
    const c = chart();
    const logger = new DeadLetterLogger(c, 'errors');
    const synthesized = synth(c);
    const objects = synthesized.map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { 'dead-letter-logger.js': '<script>' } } : o));
    expect(objects).toMatchSnapshot();

    // One name, generated from the construct path, for the ConfigMap, the Deployment and the Service, in the chart's namespace.
    expect(logger.name).toBe('test-errors-c807aaf6');
    expect(synthesized.map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ['ConfigMap', logger.name, 'ml-events'], ['Deployment', logger.name, 'ml-events'], ['Service', logger.name, 'ml-events'],
    ]);
    const labels = { 'app.kubernetes.io/name': 'dead-letter-logger', 'app.kubernetes.io/instance': logger.name, 'app.kubernetes.io/part-of': 'cdk8s-gpu-inference' };
    const selector = { 'app.kubernetes.io/name': 'dead-letter-logger', 'app.kubernetes.io/instance': logger.name };
    expect(oneOf(synthesized, 'v1', 'ConfigMap').data).toEqual({ 'dead-letter-logger.js': deadLetterLoggerScript() });

    // One replica, never taken down before its replacement is up; the pods roll when the script changes.
    const deployment = oneOf(synthesized, 'apps/v1', 'Deployment');
    expect(deployment.metadata.labels).toEqual(labels);
    expect(deployment.spec).toMatchObject({
      replicas: 1,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    });
    expect(deployment.spec.template.metadata).toEqual({
      labels,
      annotations: { 'checksum/script': createHash('sha256').update(deadLetterLoggerScript()).digest('hex') },
    });

    // The pinned Node.js image runs the mounted script on port 8080, hardened as uid 1000, with small resources.
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    expect(DeadLetterLogger.DEFAULT_IMAGE).toBe('docker.io/library/node:22.20.0-alpine3.22');
    expect(container).toMatchObject({
      name: 'app',
      image: DeadLetterLogger.DEFAULT_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      command: ['node', '/opt/app/dead-letter-logger.js'],
      env: [{ name: 'PORT', value: '8080' }],
      ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    });
    expect(container.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const probe = (failureThreshold: number) => ({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold });
    expect(container.readinessProbe).toEqual(probe(3));
    expect(container.livenessProbe).toEqual(probe(6));
    // The script is mounted read-only from the ConfigMap; /tmp is the only writable path.
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'code', mountPath: '/opt/app', readOnly: true }]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'code', configMap: { name: logger.name, defaultMode: 0o444 } },
    ]);

    // The Service, the sink, takes port 80 to the container's http port.
    expect(oneOf(synthesized, 'v1', 'Service').spec).toEqual({ selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    expect(logger.toSinkDestination()).toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: logger.name, namespace: 'ml-events' } });
  });

  test('every prop; it is a sink by its core Service', () => {
    const c = chart();
    const logger = new DeadLetterLogger(c, 'errors', {
      metadata: { name: 'dead-letters' }, replicas: 2, image: 'node:22.20.0-alpine3.22', imagePullSecrets: [Secret.fromSecretName(c, 'pull', 'harbor-creds')],
    });
    const objects = synth(c);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.replicas).toBe(2);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec.imagePullSecrets).toEqual([{ name: 'harbor-creds' }]);
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

  test('metadata: the namespace, labels and annotations of every object, the labels of the pods too', () => {
    const c = chart();
    const logger = new DeadLetterLogger(c, 'errors', { metadata: { name: 'dead-letters', namespace: 'observability', labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ml' } } });
    const objects = synth(c);
    for (const o of objects) {
      expect(o.metadata).toMatchObject({ namespace: 'observability', labels: { 'team': 'ml', 'app.kubernetes.io/name': 'dead-letter-logger' }, annotations: { 'example.com/owner': 'ml' } });
    }
    expect(objects).toHaveLength(3);
    expect(oneOf(objects, 'apps/v1', 'Deployment').spec.template.metadata.labels.team).toBe('ml');
    expect(logger.toSinkDestination()).toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: 'dead-letters', namespace: 'observability' } });
  });

  test('fails a name that is not a DNS label', () => {
    expect(() => new DeadLetterLogger(chart(), 'e', { metadata: { name: 'Dead_Letters' } })).toThrow("'metadata.name' must be a DNS-1035 label of at most 63 characters");
    // A name generated from construct ids that make no DNS label says so, and how to fix it.
    expect(() => new DeadLetterLogger(chart(), 'errors.v2')).toThrow("(lowercase letters, digits, -; starting with a letter), got 'test-errors.v2-");
    expect(() => new DeadLetterLogger(chart(), 'errors.v2')).toThrow(
      "(generated from the construct path)': set metadata.name, or give the constructs on the path ids of lowercase letters, digits and '-' that start with a letter");
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

  test('redacts credentials from the headers it logs', async () => {
    const secrets = { 'authorization': 'Bearer eyJ.secret', 'cookie': 'session=abc', 'x-amz-security-token': 'FwoG1', 'x-goog-api-key': 'AIza1', 'x-auth-token': 'tok1' };
    expect(await post({ 'content-type': 'text/plain', ...secrets, 'x-trace': 't1' }, 'creds')).toBe(202);
    const line = lines().find((l) => l.data === 'creds');
    for (const name of Object.keys(secrets)) expect(line.headers[name]).toBe('[redacted]');
    expect(line.headers['x-trace']).toBe('t1');
    expect(JSON.stringify(line)).not.toMatch(/eyJ|session=abc|FwoG1|AIza1|tok1/);
  });
});

/** A request to the logger on `port`; resolves with the status and body. */
interface Answer { readonly status: number; readonly body: string }

function request(port: number, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('dead-letter logger script, shipped as the ConfigMap holds it', () => {
  let child: ChildProcess | undefined;
  let dir: string;

  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('node runs it: it answers the probes the Deployment sets, logs a dead letter, refuses other methods, truncates, stops on SIGTERM', async () => {
    const c = chart();
    new DeadLetterLogger(c, 'errors');
    const objects = synth(c);
    const container = oneOf(objects, 'apps/v1', 'Deployment').spec.template.spec.containers[0];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dead-letters-'));
    const file = path.join(dir, 'dead-letter-logger.js');
    fs.writeFileSync(file, oneOf(objects, 'v1', 'ConfigMap').data['dead-letter-logger.js']);
    child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', MAX_BODY_BYTES: '16' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Resolves with the first line logged that `match` takes, waiting for it when it is yet to come.
    const logged: any[] = [];
    const waiting: Array<{ match: (l: any) => boolean; resolve: (l: any) => void }> = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line);
      logged.push(entry);
      waiting.filter((w) => w.match(entry)).forEach((w) => w.resolve(entry));
    });
    const lineLogged = (match: (l: any) => boolean) => new Promise<any>((resolve, reject) => {
      const found = logged.find(match);
      if (found) resolve(found);
      else waiting.push({ match, resolve });
      child!.once('exit', (code) => reject(new Error(`logger exited with ${code}`)));
    });
    const port = (await lineLogged((l) => l.msg === 'listening')).port;

    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBeDefined();
      expect(await request(port, 'GET', probe.httpGet.path)).toEqual({ status: 200, body: 'ok' });
    }
    expect((await request(port, 'GET', '/')).status).toBe(405);
    const message = HTTP.binary(new CloudEvent({ id: 'e1', source: '/ping', type: 'dev.knative.sources.ping', datacontenttype: 'text/plain', data: 'x'.repeat(40) }));
    expect((await request(port, 'POST', '/', message.body as string, message.headers as Record<string, string>)).status).toBe(202);
    expect(await lineLogged((l) => l.msg === 'undeliverable event')).toMatchObject({ event: { id: 'e1' }, data: 'x'.repeat(16), truncated: true });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
