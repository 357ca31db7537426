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

describe('propError under jsii\'s Python runtime', () => {
  const agent = process.env.JSII_AGENT;
  afterEach(() => {
    if (agent === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = agent;
  });

  test('adds the prop\'s Python name: camelCase words in snake_case, class names and bracketed keys as they are', () => {
    process.env.JSII_AGENT = 'Python/3.11.7';
    expect(propError('gpuCount', 'a positive integer', 0, 'set gpuCount').message).toBe("'gpuCount' (Python: gpu_count) must be a positive integer, got 0: set gpuCount");
    expect(propError('model[myModel].vllmEngineArgs.gpuMemoryUtilization', 'x', 1).message).toMatch(/^'model\[myModel\]\.vllmEngineArgs\.gpuMemoryUtilization' \(Python: model\[myModel\]\.vllm_engine_args\.gpu_memory_utilization\) must/);
    expect(propError('ModelArtifactSource.fromS3Native: caCertificate', 'x', 1).message).toMatch(/\(Python: ModelArtifactSource\.from_s3_native: ca_certificate\) must/);
    expect(propError('extendedResources[nvidia.com/gpuSlice]', 'x', 1).message).toMatch(/\(Python: extended_resources\[nvidia\.com\/gpuSlice\]\) must/);
    expect(propError('additionalArgs.data_parallel_size', 'x', 1).message).toMatch(/\(Python: additional_args\.data_parallel_size\) must/);
    // The same name in both: nothing added.
    expect(propError('image', 'pinned', 'x:latest').message).toBe("'image' must be pinned, got 'x:latest'");
  });

  test('keeps the TypeScript names for other hosts', () => {
    for (const host of [undefined, 'Java/17.0.15', 'node.js/v20.20.2']) {
      if (host === undefined) delete process.env.JSII_AGENT;
      else process.env.JSII_AGENT = host;
      expect(propError('gpuCount', 'a positive integer', 0).message).toBe("'gpuCount' must be a positive integer, got 0");
    }
  });
});

describe('redactUrl', () => {
  test('hides user info and the query, nothing else', () => {
    expect(redactUrl('https://user:pass@minio:9000/x?token=t#f')).toBe('https://<user info>@minio:9000/x?<query>');
    expect(redactUrl('http://minio:9000')).toBe('http://minio:9000');
    expect(redactUrl('minio:9000/x?X-Amz-Signature=s')).toBe('minio:9000/x?<query>');
  });
});
