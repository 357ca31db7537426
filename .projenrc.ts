import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-gpu-inference',
  description:
    'cdk8s constructs for GPU model serving on Kubernetes: scale-to-zero Knative services, Triton model repositories, event-driven inference and GPU training jobs',
  keywords: ['cdk8s', 'kubernetes', 'knative', 'triton', 'gpu', 'inference', 'nvidia'],
  author: 'cdk8s-gpu-inference maintainers',
  authorAddress: 'maintainers@cdk8s-gpu-inference.dev',
  repositoryUrl: 'https://github.com/cdk8s-gpu-inference/cdk8s-gpu-inference.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Node 20 is what the machines run; a higher floor asks npm for an @types/node tag that does not resolve.
  minNodeVersion: '20.0.0',
  jsiiVersion: '~6.0.0',
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.4.2',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  devDeps: [
    'cdk8s-cli@^2.207.0',
    'cdk8s-plus-27@^2.9.5',
    // ESM-only 5.x/4.x need Node 22: stay on the CommonJS lines (Kubernetes 1.33 schemas).
    'kubernetes-models@~4.5.1',
    '@kubernetes-models/knative@~2.4.4',
    'ajv@^8.17.0',
    'yaml@^2.8.0',
    'cloudevents@^10.0.0',
  ],
  // No hosted CI here: .ci/run is the pipeline.
  github: false,
  // Python bindings (jsii-pacmak; .ci/run generates and byte-compiles them). Nothing is published from here.
  publishToPypi: { distName: 'cdk8s-gpu-inference', module: 'cdk8s_gpu_inference' },
  release: false,
  sampleCode: false,
  docgen: true,
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts'],
    ignorePatterns: ['src/imports/**', '*.js', '*.d.ts', 'node_modules/', 'dist/', 'lib/', 'coverage/'],
  },
  jestOptions: {
    // jest 30 and eslint-import-resolver-typescript 4 pull unrs-resolver, whose optional per-platform bindings
    // the registry here does not carry, so `npm ci` rejects the lock file: stay on jest 29 / resolver 3.6.
    jestVersion: '^29',
    // CI fails on snapshot drift; `npm run test:update` rewrites snapshots on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // A testMatch that found nothing would pass CI with zero tests.
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      collectCoverage: false,
    },
  },
  // Compiled JS without inline source maps: they doubled the size of lib/ and a fifth of the library's import time
  // went into reading them (npm run bench). .d.ts and sources still ship.
  tsconfig: {
    compilerOptions: { inlineSourceMap: false, inlineSources: false },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
    compilerOptions: {},
  },
  gitignore: ['/dist/', '/crds/.merged/', '/scripts/bench/.out/'],
});

// eslint-import-resolver-typescript 4 pulls unrs-resolver (see jestVersion above): pin the 3.6 line.
project.deps.removeDependency('eslint-import-resolver-typescript');
project.addDevDeps('eslint-import-resolver-typescript@~3.6.3');

// `cdk8s import` reads one merged multi-document file per upstream bundle (importing several files into one
// folder overwrites the API-group file), so the task merges the pinned copies first. Offline: local files only.
const CRD_BUNDLES = ['knative-serving', 'knative-eventing', 'prometheus-operator', 'karmada'];
const importTask = project.addTask('import', {
  description: 'Regenerate src/imports/ from the pinned CRDs in crds/ (never edit src/imports/ by hand)',
});
importTask.exec('mkdir -p crds/.merged');
for (const bundle of CRD_BUNDLES) {
  importTask.exec(`awk 'FNR == 1 && NR != 1 { print "---" } { print }' crds/${bundle}/*.yaml > crds/.merged/${bundle}.yaml`);
  importTask.exec(`cdk8s import crds/.merged/${bundle}.yaml -l typescript -o src/imports --check-upgrade=false`);
}

const bench = project.addTask('bench', {
  description: 'Synth benchmark: library vs plain ApiObjects at 1..1,000 stacks, and import cost; writes docs/benchmarks.md',
});
bench.spawn(project.compileTask);
bench.exec('ts-node --transpile-only --project scripts/tsconfig.json scripts/bench.ts');

const jsiiRuntimeCheck = project.addTask('jsii-runtime-check', {
  description: 'Build one app through the jsii runtime, as Python calls the library, and compare it with the TypeScript app',
});
jsiiRuntimeCheck.spawn(project.compileTask);
jsiiRuntimeCheck.exec('ts-node --transpile-only --project scripts/tsconfig.json scripts/jsii-runtime-check.ts');

project.addTask('synth:examples', {
  description: 'Synthesize every app under examples/ into dist/examples/<app>/',
  exec: 'ts-node --transpile-only --project test/tsconfig.json scripts/synth-examples.ts',
});

project.addPackageIgnore('/examples/');
project.addPackageIgnore('/scripts/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/docs/');
project.addPackageIgnore('/proto/');

project.synth();
