import * as fs from 'fs';
import { App, Chart } from 'cdk8s';
import { GpuInferenceService, GpuNodePool, GpuProduct } from '../src';
import { tmpDir } from './_helpers/tmp';

describe('synth', () => {
  test('fails on a validation error and writes no manifest', () => {
    const outdir = tmpDir('bad-app-');
    const app = new App({ outdir });
    const chart = new Chart(app, 'serving');
    new GpuInferenceService(chart, 'svc', { image: 'model:1.0.0', nodePool: GpuNodePool.nvidia({ products: [GpuProduct.L4] }) });
    expect(() => app.synth()).toThrow(/needs Knative feature flags that a default install rejects/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
