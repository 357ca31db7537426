/**
 * One measurement, in a fresh process: `child <mode> <n> <outdir> <manifests.json> <layout> <naming>`.
 * - `library` / `baseline`: build and synthesize the app; prints { ms, rssMb }.
 * - `manifests`: synthesize the library app once and write its objects (the baseline's input).
 * - `import-library` / `import-plus`: time `require` of the compiled library or of cdk8s-plus-27 alone.
 * Time is measured in-process around the work only (not node's or ts-node's startup); memory is the peak RSS.
 */
import * as fs from 'fs';
import * as path from 'path';

const [mode, nArg, outdir, manifestsFile, layout, naming] = process.argv.slice(2);
const n = Number(nArg);
const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..');
const compiled = path.join(root, 'lib', 'index.js');

function report(ms: number): void {
  process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

if (mode === 'import-library' || mode === 'import-plus') {
  const start = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(mode === 'import-library' ? compiled : 'cdk8s-plus-27');
  report(Number(process.hrtime.bigint() - start) / 1e6);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const c = require('cdk8s');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stacks = require('./stacks');
  if (mode === 'baseline') {
    const manifests = JSON.parse(fs.readFileSync(manifestsFile, 'utf8'));
    const start = process.hrtime.bigint();
    stacks.buildBaselineApp(c, manifests, outdir).synth();
    report(Number(process.hrtime.bigint() - start) / 1e6);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(compiled);
    const start = process.hrtime.bigint();
    const app = stacks.buildLibraryApp(c, lib, n, outdir, layout, naming);
    app.synth();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (mode === 'manifests') fs.writeFileSync(manifestsFile, JSON.stringify(stacks.manifestsOf(c, app)));
    report(ms);
  }
}
