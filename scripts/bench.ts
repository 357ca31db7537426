/**
 * `npm run bench`: what the library costs over raw cdk8s, measured, not assumed.
 *
 * For N = 1, 10, 100 and 1,000 stacks it synthesizes the library app and a baseline app that emits
 * byte-identical YAML through plain ApiObjects, each in a fresh process, REPS times, interleaved (library and
 * baseline alternate, the order flips every round). It reports the median wall time of build + synth, the
 * median peak RSS and the library / baseline ratio, checks the two outputs are byte-identical, times
 * `require('cdk8s-gpu-inference')` against `require('cdk8s-plus-27')` the same way, and writes docs/benchmarks.md.
 * Needs the compiled library: the task runs `projen compile` first.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '1,10,100,1000').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const IMPORT_REPS = Number(process.env.BENCH_IMPORT_REPS ?? 15);
const LAYOUTS = (process.env.BENCH_LAYOUTS ?? 'single-chart,chart-per-stack').split(',');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gpu-bench-'));

interface Sample { readonly ms: number; readonly rssMb: number }

// The children run as plain JavaScript (no ts-node hooks in the measured processes): transpile the two bench
// modules next to their sources, where node_modules resolves, and load the compiled library from lib/.
const outDir = path.join(__dirname, 'bench', '.out');
fs.mkdirSync(outDir, { recursive: true });
for (const name of ['child', 'stacks']) {
  const source = fs.readFileSync(path.join(__dirname, 'bench', `${name}.ts`), 'utf8');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const js = ts.transpileModule(source, { compilerOptions });
  fs.writeFileSync(path.join(outDir, `${name}.js`), js.outputText);
}

function child(mode: string, n: number, outdir = '', manifests = '', layout = ''): Sample {
  const out = execFileSync(process.execPath, [path.join(outDir, 'child.js'), mode, String(n), outdir, manifests, layout], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BENCH_ROOT: root }, maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function sameOutput(a: string, b: string): boolean {
  const files = fs.readdirSync(a).sort();
  if (files.join() !== fs.readdirSync(b).sort().join()) return false;
  return files.every((f) => fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))));
}

interface Row { readonly layout: string; readonly n: number; readonly lib: Sample[]; readonly base: Sample[] }
const rows: Row[] = [];
for (const layout of LAYOUTS) {
  for (const n of SIZES) {
    const tag = `${layout}-${n}`;
    const manifests = path.join(work, `manifests-${tag}.json`);
    child('manifests', n, path.join(work, `seed-${tag}`), manifests, layout);
    const row: Row = { layout, n, lib: [], base: [] };
    for (let rep = 0; rep < REPS; rep++) {
      const runs: Array<[string, Sample[]]> = rep % 2 === 0 ? [['library', row.lib], ['baseline', row.base]] : [['baseline', row.base], ['library', row.lib]];
      for (const [mode, into] of runs) into.push(child(mode, n, path.join(work, `${mode}-${tag}-${rep}`), manifests, layout));
    }
    if (!sameOutput(path.join(work, `library-${tag}-0`), path.join(work, `baseline-${tag}-0`))) {
      throw new Error(`library and baseline output differ for ${tag}: the baseline no longer measures the same YAML`);
    }
    rows.push(row);
    console.log(`${tag}: library ${median(row.lib.map((x) => x.ms)).toFixed(0)} ms, baseline ${median(row.base.map((x) => x.ms)).toFixed(0)} ms`);
  }
}

const imports = { library: [] as number[], plus: [] as number[] };
for (let rep = 0; rep < IMPORT_REPS; rep++) {
  const order: Array<'library' | 'plus'> = rep % 2 === 0 ? ['library', 'plus'] : ['plus', 'library'];
  for (const which of order) imports[which].push(child(`import-${which}`, 0).ms);
}

const fmt = (x: number, d = 0) => x.toFixed(d);
const med = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
const li = median(imports.library);
const pi = median(imports.plus);
const lines = [
  '# Synth benchmark',
  '',
  'What `cdk8s-gpu-inference` costs over raw cdk8s. Written by `npm run bench` (`scripts/bench.ts`); do not edit by hand.',
  '',
  '- **Library app**: N stacks, each a `GpuInferenceService`, an `EventTrigger` to it and a `TritonModelRepo` with one',
  '  model (`scripts/bench/stacks.ts`), plus one shared chart with `KnativeFeatures`.',
  '- **Baseline app**: the same objects as plain cdk8s `ApiObject`s in the same charts. Its YAML is checked to be',
  '  byte-identical to the library\'s before the numbers count.',
  '- Each measurement is a fresh `node` process loading the compiled library (`lib/`); the time is building the app',
  `  plus \`app.synth()\` (writing the YAML), measured in-process; memory is the process's peak RSS. ${REPS} runs per cell,`,
  '  library and baseline interleaved with the order flipped every round; medians.',
  '- Two layouts: `single-chart` puts every stack in one chart; `chart-per-stack` gives each stack its own chart.',
  '  cdk8s 2.x validates and resolves dependencies over the whole app once per chart, so the second layout is',
  '  quadratic for any cdk8s app, baseline included; the library\'s share there grows with its larger construct tree',
  '  (9 constructs per stack against the baseline\'s 4).',
  '',
];
for (const layout of LAYOUTS) {
  const mine = rows.filter((r) => r.layout === layout);
  lines.push(`## ${layout}`, '',
    '| N stacks | library (ms) | baseline (ms) | ratio | library peak RSS (MB) | baseline peak RSS (MB) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...mine.map((r) => {
      const l = med(r.lib, 'ms');
      const b = med(r.base, 'ms');
      return `| ${r.n} | ${fmt(l)} | ${fmt(b)} | ${fmt(l / b, 2)} | ${fmt(med(r.lib, 'rssMb'))} | ${fmt(med(r.base, 'rssMb'))} |`;
    }), '');
  const at = (n: number) => mine.find((r) => r.n === n);
  if (at(100) && at(1000)) {
    const growth = (k: 'lib' | 'base') => med(at(1000)![k], 'ms') / med(at(100)![k], 'ms');
    lines.push(`Growth from 100 to 1,000 stacks: library ${fmt(growth('lib'), 1)}×, baseline ${fmt(growth('base'), 1)}× (linear is 10×).`, '');
  }
}
lines.push(
  '## Import cost',
  '',
  `\`require('cdk8s-gpu-inference')\` (compiled \`lib/\`) against \`require('cdk8s-plus-27')\` alone, ${IMPORT_REPS} fresh processes each, interleaved; medians.`,
  '',
  '| require | ms |',
  '|---|---:|',
  `| cdk8s-plus-27 | ${fmt(pi, 1)} |`,
  `| cdk8s-gpu-inference | ${fmt(li, 1)} |`,
  `| ratio | ${fmt(li / pi, 2)} |`,
  '',
  '## Machine and command',
  '',
  `- ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
  `- Node ${process.version}`,
  `- \`npm run bench\` (BENCH_REPS=${REPS}, BENCH_IMPORT_REPS=${IMPORT_REPS}, sizes ${SIZES.join(', ')}, layouts ${LAYOUTS.join(', ')}), ${new Date().toISOString().slice(0, 10)}`,
  '',
);
fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
fs.writeFileSync(path.join(root, 'docs', 'benchmarks.md'), lines.join('\n'));
console.log(lines.join('\n'));
fs.rmSync(work, { recursive: true, force: true });
