/**
 * Synthesizes every app under examples/ into dist/examples/<app>/, in one process.
 * Each example's main.ts exports `buildApp(props)`; run alone (`cdk8s synth` in its folder) it synthesizes itself.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const examples = fs.readdirSync(path.join(root, 'examples'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, 'examples', e.name, 'main.ts')))
  .map((e) => e.name)
  .sort();

for (const name of examples) {
  const outdir = path.join(root, 'dist', 'examples', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require(path.join(root, 'examples', name, 'main'));
  buildApp({ outdir }).synth();
  const files = fs.readdirSync(outdir).sort();
  console.log(`examples/${name} -> dist/examples/${name}/ (${files.join(', ')})`);
}
