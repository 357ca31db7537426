/**
 * A writer for protobuf text format (the `config.pbtxt` syntax of Triton's `model_config.proto`).
 *
 * Internal: the typed model config builds a PbMessage and renders it. The output is deterministic (fields in the
 * order they were set, map entries sorted by key) and parses with `protoc --encode=inference.ModelConfig`.
 * Style follows Triton's documentation: repeated scalars as `dims: [ 3, 224, 224 ]`, repeated messages as
 * `input [ { ... }, { ... } ]`, messages as `name { ... }`, maps as one `name { key: ... value: ... }` entry per key.
 */

import { compareStrings } from '../_order';

/**
 * A field as set: a scalar field already as its line (`name: value`, `name: [ v1, v2 ]`), or a message field with
 * its message, or a repeated one (`name [ { ... }, { ... } ]`) with its messages.
 */
type Node =
  | { readonly name: string; readonly line: string }
  | { readonly name: string; readonly messages: PbMessage[]; readonly repeated: boolean };

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;
/** Field names already checked: the writer sets the same few dozen on every config. */
const FIELD_NAMES = new Set<string>();
/** Printable ASCII without quotes or backslash: written as is. */
const PLAIN = /^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/;
const ENUM_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Bounds of the integer field types of proto3. */
export enum PbInt {
  INT32 = 'int32',
  UINT32 = 'uint32',
  INT64 = 'int64',
  UINT64 = 'uint64',
}

const INT_RANGE: Record<PbInt, { readonly min: number; readonly max: number }> = {
  [PbInt.INT32]: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  [PbInt.UINT32]: { min: 0, max: 2 ** 32 - 1 },
  // JavaScript numbers are exact up to 2^53; larger values cannot be given exactly, so they are refused.
  [PbInt.INT64]: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  [PbInt.UINT64]: { min: 0, max: Number.MAX_SAFE_INTEGER },
};

/**
 * Escapes a string the way protobuf's own text printer does (C escapes; bytes outside printable ASCII as
 * three-digit octal escapes of their UTF-8 encoding), so the literal survives any text-format parser.
 */
export function escapeString(value: string): string {
  if (PLAIN.test(value)) return `"${value}"`;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    switch (byte) {
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x22: out += '\\"'; break;
      case 0x27: out += "\\'"; break;
      case 0x5c: out += '\\\\'; break;
      default:
        out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '\\' + byte.toString(8).padStart(3, '0');
    }
  }
  return `"${out}"`;
}

function intText(field: string, value: number, type: PbInt): string {
  const { min, max } = INT_RANGE[type];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`pbtxt: field '${field}' must be an ${type} (${min}..${max}), got ${value}`);
  }
  return String(value);
}

function floatText(field: string, value: number): string {
  if (!Number.isFinite(value)) throw new Error(`pbtxt: field '${field}' must be a finite number, got ${value}`);
  return String(value);
}

function enumText(field: string, value: string): string {
  if (!ENUM_NAME.test(value)) throw new Error(`pbtxt: field '${field}' must be an enum value name, got '${value}'`);
  return value;
}

/** One text-format message, built field by field. Setters skip `undefined` and empty lists. */
export class PbMessage {
  private readonly nodes: Node[] = [];

  /** A string field. */
  public string(name: string, value: string | undefined): this {
    if (value !== undefined) this.scalar(name, escapeString(value));
    return this;
  }

  /** An integer field of the given proto type. */
  public int(name: string, value: number | undefined, type: PbInt = PbInt.INT32): this {
    if (value !== undefined) this.scalar(name, intText(name, value, type));
    return this;
  }

  /** A float or double field. */
  public float(name: string, value: number | undefined): this {
    if (value !== undefined) this.scalar(name, floatText(name, value));
    return this;
  }

  /** A bool field. */
  public bool(name: string, value: boolean | undefined): this {
    if (value !== undefined) this.scalar(name, value ? 'true' : 'false');
    return this;
  }

  /** An enum field, by value name. */
  public enum(name: string, value: string | undefined): this {
    if (value !== undefined) this.scalar(name, enumText(name, value));
    return this;
  }

  /** A repeated integer field. */
  public ints(name: string, values: number[] | undefined, type: PbInt = PbInt.INT32): this {
    if (values && values.length > 0) this.list(name, values.map((v) => intText(name, v, type)));
    return this;
  }

  /** A repeated float field. */
  public floats(name: string, values: number[] | undefined): this {
    if (values && values.length > 0) this.list(name, values.map((v) => floatText(name, v)));
    return this;
  }

  /** A repeated bool field. */
  public bools(name: string, values: boolean[] | undefined): this {
    if (values && values.length > 0) this.list(name, values.map((v) => (v ? 'true' : 'false')));
    return this;
  }

  /** A repeated string field. */
  public strings(name: string, values: string[] | undefined): this {
    if (values && values.length > 0) this.list(name, values.map(escapeString));
    return this;
  }

  /** A message field; an empty message is still written (`all { }` means "set"). */
  public message(name: string, message: PbMessage | undefined): this {
    if (message !== undefined) this.push({ name, messages: [message], repeated: false });
    return this;
  }

  /** A repeated message field. */
  public messages(name: string, messages: PbMessage[] | undefined): this {
    if (messages && messages.length > 0) this.push({ name, messages: [...messages], repeated: true });
    return this;
  }

  /** A `map<string, string>` field, entries sorted by key. */
  public stringMap(name: string, map: Record<string, string> | undefined): this {
    for (const key of sortedKeys(map)) {
      this.message(name, new PbMessage().string('key', key).string('value', map![key]));
    }
    return this;
  }

  /** A `map<string, Message>` field, entries sorted by key. */
  public messageMap(name: string, map: Record<string, PbMessage> | undefined): this {
    for (const key of sortedKeys(map)) {
      this.message(name, new PbMessage().string('key', key).message('value', map![key]));
    }
    return this;
  }

  /** A map with integer keys (`map<uint64, Message>`), entries sorted by key. */
  public intKeyMap(name: string, entries: Array<[number, PbMessage]> | undefined, keyType: PbInt): this {
    if (!entries) return this;
    const sorted = [...entries].sort(([a], [b]) => a - b);
    for (const [key, value] of sorted) {
      this.message(name, new PbMessage().int('key', key, keyType).message('value', value));
    }
    return this;
  }

  /** True when no field is set. */
  public get isEmpty(): boolean {
    return this.nodes.length === 0;
  }

  /** The message as text, one field per line, indented by two spaces per level, ending in a newline. */
  public render(): string {
    const out: string[] = [];
    this.renderLines(0, out);
    return out.join('\n') + '\n';
  }

  /** Appends the fields to `out` as lines at `depth` levels of indentation. */
  public renderLines(depth: number, out: string[]): void {
    const pad = '  '.repeat(depth);
    for (const node of this.nodes) {
      if ('line' in node) {
        out.push(pad + node.line);
      } else if (!node.repeated) {
        block(`${pad}${node.name} `, node.messages[0], depth, out);
      } else {
        out.push(`${pad}${node.name} [`);
        node.messages.forEach((m, i) => {
          block(`${pad}  `, m, depth + 1, out);
          if (i < node.messages.length - 1) out[out.length - 1] += ',';
        });
        out.push(`${pad}]`);
      }
    }
  }

  private scalar(name: string, text: string): void {
    this.push({ name, line: `${name}: ${text}` });
  }

  /** A repeated scalar field, its values already as text: `name: [ v1, v2 ]`. */
  private list(name: string, texts: string[]): void {
    this.scalar(name, `[ ${texts.join(', ')} ]`);
  }

  private push(node: Node): void {
    if (!FIELD_NAMES.has(node.name)) {
      if (!FIELD_NAME.test(node.name)) throw new Error(`pbtxt: invalid field name '${node.name}'`);
      FIELD_NAMES.add(node.name);
    }
    this.nodes.push(node);
  }
}

/** Appends `head { ... }`, or `head{ }` for an empty message, to `out`. */
function block(head: string, message: PbMessage, depth: number, out: string[]): void {
  if (message.isEmpty) {
    out.push(`${head}{ }`);
    return;
  }
  out.push(`${head}{`);
  message.renderLines(depth + 1, out);
  out.push(`${'  '.repeat(depth)}}`);
}

function sortedKeys(map: Record<string, unknown> | undefined): string[] {
  return map ? Object.keys(map).sort(compareStrings) : [];
}
