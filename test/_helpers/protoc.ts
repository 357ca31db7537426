/**
 * The config.pbtxt gate: every model configuration a test or an example synthesizes (validateManifests runs it on
 * every ConfigMap's `*.pbtxt` entry) is parsed by `protoc` against Triton's own `model_config.proto` (pinned in proto/triton, with its PROVENANCE). Missing protoc is a failure,
 * never a skip: CI installs protobuf-compiler (.ci/run), and the README lists it as the one system prerequisite.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where the pinned model_config.proto lives in the repository. */
export const TRITON_PROTO_DIR = path.join(REPO_ROOT, 'proto', 'triton');
const PROTO = 'model_config.proto';

function protocArgs(mode: string): string[] {
  if (!fs.existsSync(path.join(TRITON_PROTO_DIR, PROTO))) {
    throw new Error(`${PROTO} not found in ${TRITON_PROTO_DIR}: it is pinned in the repository (see proto/triton/PROVENANCE.md)`);
  }
  return [mode, `--proto_path=${TRITON_PROTO_DIR}`, PROTO];
}

function runProtoc(args: string[], input: string | Buffer): Buffer {
  const result = spawnSync('protoc', args, { input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`protoc could not run (${result.error.message}): install protoc (Debian/Ubuntu: apt-get install protobuf-compiler), as .ci/run does`);
  }
  if (result.status !== 0) {
    throw new Error(`protoc ${args[0]} failed:\n${result.stderr.toString()}`);
  }
  return result.stdout;
}

/** Texts protoc parsed, with their encoding: the same configs come back in many tests of one worker. */
const encoded = new Map<string, Buffer>();

/** Parses `text` as an `inference.ModelConfig`; throws with protoc's message when it does not parse. */
export function encodeModelConfig(text: string): Buffer {
  let out = encoded.get(text);
  if (out === undefined) {
    out = runProtoc(protocArgs('--encode=inference.ModelConfig'), text);
    encoded.set(text, out);
  }
  return out;
}

/** protoc's own rendering of a config: what Triton's parser sees, for semantic comparisons. */
export function canonicalModelConfig(text: string): string {
  return runProtoc(protocArgs('--decode=inference.ModelConfig'), encodeModelConfig(text)).toString();
}

/** Fails the test unless `text` parses as a Triton model configuration. */
export function expectValidPbtxt(text: string): void {
  encodeModelConfig(text);
}

/** Every `*.pbtxt` data entry of every ConfigMap among `objects`, keyed `<configmap>/<key>`. */
export function pbtxtEntries(objects: any[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of objects) {
    if (o.apiVersion !== 'v1' || o.kind !== 'ConfigMap') continue;
    for (const [key, value] of Object.entries(o.data ?? {})) {
      if (key.endsWith('.pbtxt')) out[`${o.metadata.name}/${key}`] = value as string;
    }
  }
  return out;
}

/** Checks every config.pbtxt among `objects` with protoc; returns how many were checked. */
export function checkAllPbtxt(objects: any[]): number {
  const entries = pbtxtEntries(objects);
  for (const [where, text] of Object.entries(entries)) {
    try {
      expectValidPbtxt(text);
    } catch (e: any) {
      throw new Error(`${where}: ${e.message}`);
    }
  }
  return Object.keys(entries).length;
}

/** The protoc version string, proving the tool is there (`libprotoc 3.21.12`). */
export function protocVersion(): string {
  return execFileSync('protoc', ['--version']).toString().trim();
}
