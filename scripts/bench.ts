/**
 * `npm run bench`: what the library costs over raw cdk8s, measured, not assumed.
 *
 * For N = 1, 10, 100 and 1,000 stacks it synthesizes the library app and a baseline app that emits
 * byte-identical YAML through plain ApiObjects, each in a fresh process, REPS times, interleaved (library and
 * baseline alternate, the order flips every round). It reports the median wall time of build + synth, the
 * median peak RSS and the library / baseline ratio, checks the two outputs are byte-identical, times
 * `require('cdk8s-gpu-inference')` against `require('cdk8s-plus-27')` the same way, evaluates the targets of the
 * first variant from the numbers, and writes docs/benchmarks.md.
 * Needs the compiled library: the task runs `projen compile` first.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '1,10,100,1000').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 11);
/** Small apps take milliseconds, where one slow round moves a median most: three times the runs there. */
const repsFor = (n: number) => (n <= 100 ? 3 * REPS : REPS);
const IMPORT_REPS = Number(process.env.BENCH_IMPORT_REPS ?? 21);
/** `layout/naming` pairs (scripts/bench/stacks.ts); the targets are evaluated on the first. */
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'single-chart/explicit,single-chart/generated,chart-per-stack/explicit,chart-per-stack-folders/explicit')
  .split(',').map((v) => {
    const [layout, naming] = v.split('/');
    return { layout, naming, name: v };
  });
const TARGETS = { ratio: 1.3, growth: 12, seconds1000: 10, importRatio: 1.2 };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gpu-bench-'));

interface Sample { readonly ms: number; readonly rssMb: number; readonly buildMs?: number }

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

function child(mode: string, n: number, outdir = '', manifests = '', layout = '', naming = '', passes = 1): Sample {
  const out = execFileSync(process.execPath, [path.join(outDir, 'child.js'), mode, String(n), outdir, manifests, layout, naming, String(passes)], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BENCH_ROOT: root }, maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const fmt = (x: number, d = 0) => x.toFixed(d);
const med = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k] ?? NaN));
/** The part of each run after the app was built: `app.synth()`. */
const synthMs = (xs: Sample[]) => median(xs.map((x) => x.ms - (x.buildMs ?? NaN)));
/** The rounds' ratios of two series measured in rounds, a[i] / b[i]. */
const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
/**
 * The ratio of two series measured in rounds: the median of the rounds' ratios. Each round runs both back to back,
 * so a slow minute of the machine counts against both, which the ratio of the medians does not cancel.
 */
const pairedRatio = (a: number[], b: number[]) => median(ratios(a, b));

/** Whether two output folders hold the same files (folders included) with the same bytes. */
function sameOutput(a: string, b: string): boolean {
  const files = fs.readdirSync(a).sort();
  if (files.join() !== fs.readdirSync(b).sort().join()) return false;
  return files.every((f) => {
    const [x, y] = [path.join(a, f), path.join(b, f)];
    return fs.statSync(x).isDirectory() ? fs.statSync(y).isDirectory() && sameOutput(x, y) : fs.readFileSync(x).equals(fs.readFileSync(y));
  });
}

interface Row {
  readonly variant: string;
  readonly n: number;
  readonly lib: Sample[];
  readonly base: Sample[];
  /** The primary variant only: the same app synthesized a second time in the process. */
  readonly libSecond: Sample[];
  readonly baseSecond: Sample[];
}
const rows: Row[] = [];
for (const { layout, naming, name: variant } of VARIANTS) {
  const primary = variant === VARIANTS[0].name;
  for (const n of SIZES) {
    const tag = `${layout}-${naming}-${n}`;
    const manifests = path.join(work, `manifests-${tag}.json`);
    child('manifests', n, path.join(work, `seed-${tag}`), manifests, layout, naming);
    const row: Row = { variant, n, lib: [], base: [], libSecond: [], baseSecond: [] };
    for (let rep = 0; rep < repsFor(n); rep++) {
      const runs: Array<[string, Sample[], number]> = [['library', row.lib, 1], ['baseline', row.base, 1]];
      if (primary) runs.push(['library', row.libSecond, 2], ['baseline', row.baseSecond, 2]);
      if (rep % 2 === 1) runs.reverse();
      for (const [mode, into, passes] of runs) {
        const outdir = path.join(work, `${mode}-${passes}-${tag}-${rep}`);
        into.push(child(mode, n, outdir, manifests, layout, naming, passes));
        if (rep > 0) fs.rmSync(outdir, { recursive: true, force: true });
        for (let pass = 1; pass < passes; pass++) fs.rmSync(`${outdir}-untimed-${pass}`, { recursive: true, force: true });
      }
    }
    const expectSame = (mode: string, passes: number, other: string, otherPasses: number, problem: string) => {
      const dir = (m: string, p: number) => path.join(work, `${m}-${p}-${tag}-0`);
      if (!sameOutput(dir(mode, passes), dir(other, otherPasses))) throw new Error(`${tag}: ${problem}`);
    };
    expectSame('library', 1, 'baseline', 1, 'library and baseline output differ: the baseline no longer measures the same YAML');
    // The second synth in a process (module-level caches filled) must write what the first did.
    if (primary) for (const m of ['library', 'baseline']) expectSame(m, 1, m, 2, `the ${m} app's second synth in one process differs from its first`);
    rows.push(row);
    console.log(`${tag}: library ${fmt(med(row.lib, 'ms'))} ms, baseline ${fmt(med(row.base, 'ms'))} ms`);
  }
}

const imports = { library: [] as number[], plus: [] as number[] };
for (let rep = 0; rep < IMPORT_REPS; rep++) {
  const order: Array<'library' | 'plus'> = rep % 2 === 0 ? ['library', 'plus'] : ['plus', 'library'];
  for (const which of order) imports[which].push(child(`import-${which}`, 0).ms);
}

/** The rounds' library / baseline ratios, and the ratio of a row. */
const roundRatios = (r: Row) => ratios(r.lib.map((x) => x.ms), r.base.map((x) => x.ms));
const ratioOf = (r: Row) => median(roundRatios(r));
const li = median(imports.library);
const pi = median(imports.plus);
const importRatio = pairedRatio(imports.library, imports.plus);
const lines = [
  '# Synth benchmark',
  '',
  'What `cdk8s-gpu-inference` costs over raw cdk8s. Written by `npm run bench` (`scripts/bench.ts`); do not edit by hand.',
  '',
  '- **Library app**: N stacks, each a `GpuInferenceService`, an `EventTrigger` to it and a `TritonModelRepo` with one',
  '  model (`scripts/bench/stacks.ts`), plus one shared chart with `KnativeFeatures`.',
  '- **Baseline app**: the same app without the library: the same charts and the same stack scopes the app makes,',
  '  with plain cdk8s `ApiObject`s in place of the library\'s constructs. Its YAML is checked to be byte-identical to',
  '  the library\'s before the numbers count. It creates its objects with `JSON.parse` from a file read before the',
  '  clock starts: an app creates its objects at run time, and the cheapest way counts.',
  '- Each measurement is a fresh `node` process loading the compiled library (`lib/`), as `cdk8s synth` runs an app;',
  '  the time is building the app plus `app.synth()` (writing the YAML), measured in-process; memory is the',
  `  process's peak RSS. ${REPS} runs per cell (${3 * REPS} up to 100 stacks), library and baseline interleaved with the`,
  '  order flipped every round; medians. Each round runs both apps back to back: "ratio" is the median of the rounds\'',
  '  library / baseline ratios (a slow minute of the machine counts against both apps), "round ratios" their range,',
  '  and "ratio of medians" the other way to read the same runs.',
  '- Variants (`layout/naming`):',
  '  - `single-chart` puts every stack in one chart; `chart-per-stack` gives each stack its own chart and file. cdk8s',
  '    2.x writes each chart with `Chart.toJson`, which validates and resolves dependencies over the whole app again,',
  '    so that layout is quadratic for any cdk8s app, baseline included, and the library\'s share there grows with its',
  '    larger construct tree: 8 constructs per stack (its scope or chart, a construct and its `Resource` per object,',
  '    the claim reference) against the baseline\'s 4 (its scope or chart and 3 `ApiObject`s).',
  '    `chart-per-stack-folders` writes the same charts as a folder per chart and a file per object',
  '    (`YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE`), which cdk8s does without `Chart.toJson`.',
  '  - `explicit` names every object (`metadata.name`); `generated` lets cdk8s name them from the construct path',
  '    (`Names.toDnsLabel`, a path hash per object). Generating names is cdk8s\'s work, which the baseline, given the',
  '    names with its input, does not repeat: that variant shows what it costs, not what the library adds.',
  `- The targets are evaluated on \`${VARIANTS[0].name}\`, the variant that measures the library's own work.`,
  '',
];

const primary = rows.filter((r) => r.variant === VARIANTS[0].name);
const at = (rs: Row[], n: number) => rs.find((r) => r.n === n);
const growth = (rs: Row[], k: 'lib' | 'base') => med(at(rs, 1000)![k], 'ms') / med(at(rs, 100)![k], 'ms');
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
lines.push('## Targets', '', '| target | measured | |', '|---|---|---|');
if (primary.length > 0) {
  const worst = Math.max(...primary.map(ratioOf));
  lines.push(`| library / baseline ≤ ${TARGETS.ratio} at every N | ${primary.map((r) => `${r.n}: ${fmt(ratioOf(r), 2)}`).join(', ')} | ${verdict(worst <= TARGETS.ratio)} |`);
}
if (at(primary, 100) && at(primary, 1000)) {
  const g = growth(primary, 'lib');
  lines.push(`| 1,000 stacks ≤ ${TARGETS.growth}× the time of 100 | ${fmt(g, 1)}× | ${verdict(g <= TARGETS.growth)} |`);
  const s = med(at(primary, 1000)!.lib, 'ms') / 1000;
  lines.push(`| 1,000 stacks in under ${TARGETS.seconds1000} s | ${fmt(s, 2)} s | ${verdict(s < TARGETS.seconds1000)} |`);
}
lines.push(`| import ≤ ${TARGETS.importRatio}× cdk8s-plus-27 alone | ${fmt(importRatio, 2)}× | ${verdict(importRatio <= TARGETS.importRatio)} |`, '');

for (const { name: variant } of VARIANTS) {
  const mine = rows.filter((r) => r.variant === variant);
  lines.push(`## ${variant}`, '',
    '| N stacks | library (ms) | baseline (ms) | ratio | round ratios | ratio of medians | library peak RSS (MB) | baseline peak RSS (MB) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...mine.map((r) => {
      const rr = roundRatios(r);
      return `| ${r.n} | ${fmt(med(r.lib, 'ms'))} | ${fmt(med(r.base, 'ms'))} | ${fmt(ratioOf(r), 2)} | ${fmt(Math.min(...rr), 2)}–${fmt(Math.max(...rr), 2)} | ` +
        `${fmt(med(r.lib, 'ms') / med(r.base, 'ms'), 2)} | ${fmt(med(r.lib, 'rssMb'))} | ${fmt(med(r.base, 'rssMb'))} |`;
    }), '');
  if (at(mine, 100) && at(mine, 1000)) {
    const perStack = (k: 'lib' | 'base') => (med(at(mine, 1000)![k], 'ms') - med(at(mine, 100)![k], 'ms')) / 900;
    lines.push(`Growth from 100 to 1,000 stacks: library ${fmt(growth(mine, 'lib'), 1)}×, baseline ${fmt(growth(mine, 'base'), 1)}× (linear is 10×); ` +
      `each stack past 100 costs ${fmt(perStack('lib'), 2)} ms with the library, ${fmt(perStack('base'), 2)} ms as plain ApiObjects.`, '');
  }
  if (mine.length > 0 && mine[0].libSecond.length > 0) {
    lines.push(`### ${variant}: building against synthesizing`, '',
      'The same runs, split where the app calls `app.synth()`. Building is the constructors: the library checks its props',
      'and renders what it can (pod specs, config.pbtxt), the baseline makes ApiObjects from parsed JSON. Synthesizing',
      'is cdk8s resolving, validating and writing the objects, with the library\'s lazy parts rendered on the way.', '',
      '| N stacks | library build (ms) | baseline build (ms) | library synth (ms) | baseline synth (ms) |',
      '|---:|---:|---:|---:|---:|',
      ...mine.map((r) => `| ${r.n} | ${fmt(med(r.lib, 'buildMs'))} | ${fmt(med(r.base, 'buildMs'))} | ${fmt(synthMs(r.lib))} | ${fmt(synthMs(r.base))} |`),
      '');
    const first = (r: Row, k: 'lib' | 'base') => med(r[k], 'ms');
    const second = (r: Row, k: 'libSecond' | 'baseSecond') => med(r[k], 'ms');
    lines.push(`### ${variant}: the same app a second time in the process`, '',
      'What is left without first-use costs (V8 compiling each function on its first call, caches filling); the first',
      'synth of a process pays them once, the difference below.', '',
      '| N stacks | library (ms) | baseline (ms) | ratio | library first-use cost (ms) | baseline first-use cost (ms) |',
      '|---:|---:|---:|---:|---:|---:|',
      ...mine.map((r) => `| ${r.n} | ${fmt(second(r, 'libSecond'))} | ${fmt(second(r, 'baseSecond'))} | ` +
        `${fmt(second(r, 'libSecond') / second(r, 'baseSecond'), 2)} | ${fmt(first(r, 'lib') - second(r, 'libSecond'))} | ${fmt(first(r, 'base') - second(r, 'baseSecond'))} |`),
      '');
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
  `| ratio (median of the rounds) | ${fmt(importRatio, 2)} |`,
  `| ratio of medians | ${fmt(li / pi, 2)} |`,
  '',
  '## Machine and command',
  '',
  `- ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
  `- Node ${process.version}`,
  `- \`npm run bench\` (BENCH_REPS=${REPS}, BENCH_IMPORT_REPS=${IMPORT_REPS}, BENCH_SIZES=${SIZES.join(',')}, BENCH_VARIANTS=${VARIANTS.map((v) => v.name).join(',')}), ${new Date().toISOString().slice(0, 10)}`,
  '',
);
/** Where the report goes: docs/benchmarks.md, or BENCH_OUT (CI's smoke run writes elsewhere). */
const report = process.env.BENCH_OUT ?? path.join(root, 'docs', 'benchmarks.md');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.writeFileSync(report, lines.join('\n'));
console.log(lines.join('\n'));
fs.rmSync(work, { recursive: true, force: true });
