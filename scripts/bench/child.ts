/**
 * One measurement, in a fresh process: `child <mode> <n> <outdir> <manifests.json> <layout> <naming> [passes]`.
 * - `library` / `baseline`: build and synthesize the app; prints { ms, buildMs, rssMb } (buildMs: the part before
 *   `app.synth()`). The baseline parses its objects
 *   from the manifests file in the timed region. With `passes` 2 the same app is built and synthesized once before
 *   the timed pass, in the same process: what is left is the cost per stack, without first-use costs (V8 compiling
 *   the code on its first call, caches filling).
 * - `manifests`: synthesize the library app once and write its objects (the baseline's input).
 * - `import-library` / `import-plus`: time `require` of the compiled library or of cdk8s-plus-27 alone.
 * Time is measured in-process around the work only (not node's or ts-node's startup); memory is the peak RSS.
 */
import * as fs from 'fs';
import * as path from 'path';

const [mode, nArg, outdir, manifestsFile, layout, naming, passesArg] = process.argv.slice(2);
const passes = Number(passesArg ?? 1);
const n = Number(nArg);
const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..');
const compiled = path.join(root, 'lib', 'index.js');

function report(ms: number, buildMs?: number): void {
  process.stdout.write(JSON.stringify({ ms, buildMs, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
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
  let build: (out: string) => any;
  if (mode === 'baseline') {
    const text = fs.readFileSync(manifestsFile, 'utf8');
    // The baseline creates its objects in the timed region, as any app does (JSON.parse is the cheapest way to):
    // objects made before the clock starts would skip their allocation and their garbage-collection work.
    build = (out) => stacks.buildBaselineApp(c, JSON.parse(text), out, layout);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(compiled);
    build = (out) => stacks.buildLibraryApp(c, lib, n, out, layout, naming);
  }
  for (let pass = 1; pass < passes; pass++) build(`${outdir}-untimed-${pass}`).synth();
  const start = process.hrtime.bigint();
  const app = build(outdir);
  const built = process.hrtime.bigint();
  app.synth();
  const end = process.hrtime.bigint();
  if (mode === 'manifests') fs.writeFileSync(manifestsFile, JSON.stringify(stacks.manifestsOf(c, app)));
  report(Number(end - start) / 1e6, Number(built - start) / 1e6);
}
