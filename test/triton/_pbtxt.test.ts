import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { escapeString, PbInt, PbMessage } from '../../src/triton/_pbtxt';
import { canonicalModelConfig, expectValidPbtxt, protocVersion, TRITON_PROTO_DIR } from '../_helpers/protoc';

describe('protoc gate', () => {
  test('protoc is installed and the pinned proto is found', () => {
    expect(protocVersion()).toMatch(/^libprotoc \d+\.\d+/);
    expect(() => expectValidPbtxt('name: "x"\n')).not.toThrow();
  });

  test('the pinned proto is the upstream file its PROVENANCE names, byte for byte', () => {
    const provenance = fs.readFileSync(path.join(TRITON_PROTO_DIR, 'PROVENANCE.md'), 'utf8');
    const pinned = /sha256 `([0-9a-f]{64})`/.exec(provenance)![1];
    expect(createHash('sha256').update(fs.readFileSync(path.join(TRITON_PROTO_DIR, 'model_config.proto'))).digest('hex')).toBe(pinned);
  });

  test('fails on a field model_config.proto does not have', () => {
    expect(() => expectValidPbtxt('max_batch_sise: 4\n')).toThrow(/has no field named "max_batch_sise"/);
  });
});

describe('escapeString', () => {
  test('escapes like protobuf\'s own printer', () => {
    expect(escapeString('plain')).toBe('"plain"');
    expect(escapeString(' !#&(~')).toBe('" !#&(~"');
    expect(escapeString('')).toBe('""');
    expect(escapeString('a"b\\c\nd\te\rf\'g')).toBe('"a\\"b\\\\c\\nd\\te\\rf\\\'g"');
    expect(escapeString('é')).toBe('"\\303\\251"');
    expect(escapeString('\u0001\u007f')).toBe('"\\001\\177"');
  });

  test('round-trips through protoc byte for byte', () => {
    const tricky = 'quote " backslash \\ newline \n tab \t apostrophe \' unicode é ✓ nul-free \u0007';
    const text = new PbMessage().string('name', tricky).render();
    // protoc prints strings with the same escapes, so the decoded literal is the one we wrote.
    expect(canonicalModelConfig(text)).toBe(`name: ${escapeString(tricky)}\n`);
  });
});

describe('PbMessage', () => {
  test('renders scalars, lists, messages, empty messages and repeated messages in Triton\'s style', () => {
    const text = new PbMessage()
      .string('name', 'm')
      .int('max_batch_size', 8)
      .message('version_policy', new PbMessage().message('all', new PbMessage()))
      .messages('input', [
        new PbMessage().string('name', 'a').enum('data_type', 'TYPE_FP32').ints('dims', [3, -1], PbInt.INT64),
        new PbMessage().string('name', 'b').enum('data_type', 'TYPE_INT64').ints('dims', [1], PbInt.INT64).message('reshape', new PbMessage()),
      ])
      .message('dynamic_batching', new PbMessage().ints('preferred_batch_size', [2, 4]).bool('preserve_ordering', true))
      .render();
    expect(text).toBe([
      'name: "m"',
      'max_batch_size: 8',
      'version_policy {',
      '  all { }',
      '}',
      'input [',
      '  {',
      '    name: "a"',
      '    data_type: TYPE_FP32',
      '    dims: [ 3, -1 ]',
      '  },',
      '  {',
      '    name: "b"',
      '    data_type: TYPE_INT64',
      '    dims: [ 1 ]',
      '    reshape { }',
      '  }',
      ']',
      'dynamic_batching {',
      '  preferred_batch_size: [ 2, 4 ]',
      '  preserve_ordering: true',
      '}',
      '',
    ].join('\n'));
    expectValidPbtxt(text);
  });

  test('skips undefined values and empty lists', () => {
    const text = new PbMessage().string('name', undefined).ints('dims', []).messages('input', []).message('x', undefined).render();
    expect(text).toBe('\n');
  });

  test('renders maps as one entry per key, sorted, whatever the insertion order', () => {
    const a = new PbMessage().messageMap('parameters', {
      zeta: new PbMessage().string('string_value', '1'),
      alpha: new PbMessage().string('string_value', '2'),
    }).render();
    const b = new PbMessage().messageMap('parameters', {
      alpha: new PbMessage().string('string_value', '2'),
      zeta: new PbMessage().string('string_value', '1'),
    }).render();
    expect(a).toBe(b);
    expect(a).toBe([
      'parameters {',
      '  key: "alpha"',
      '  value {',
      '    string_value: "2"',
      '  }',
      '}',
      'parameters {',
      '  key: "zeta"',
      '  value {',
      '    string_value: "1"',
      '  }',
      '}',
      '',
    ].join('\n'));
    expectValidPbtxt(a);
  });

  test('renders integer-keyed maps sorted numerically', () => {
    const text = new PbMessage().message('dynamic_batching', new PbMessage()
      .int('priority_levels', 10, PbInt.UINT64)
      .intKeyMap('priority_queue_policy', [
        [10, new PbMessage().int('max_queue_size', 1, PbInt.UINT32)],
        [2, new PbMessage().enum('timeout_action', 'DELAY')],
      ], PbInt.UINT64)).render();
    expect(text.indexOf('key: 2')).toBeLessThan(text.indexOf('key: 10'));
    expect(canonicalModelConfig(text)).toContain('priority_queue_policy {\n    key: 2\n    value {\n      timeout_action: DELAY');
  });

  test('renders repeated floats, bools and strings', () => {
    const text = new PbMessage()
      .messages('instance_group', [new PbMessage().strings('profile', ['0', '1'])])
      .message('sequence_batching', new PbMessage().messages('control_input', [new PbMessage()
        .string('name', 'START')
        .messages('control', [
          new PbMessage().enum('kind', 'CONTROL_SEQUENCE_START').floats('fp32_false_true', [0, 1.5]),
          new PbMessage().enum('kind', 'CONTROL_SEQUENCE_READY').bools('bool_false_true', [false, true]),
        ])]))
      .render();
    expect(text).toContain('profile: [ "0", "1" ]');
    expect(text).toContain('fp32_false_true: [ 0, 1.5 ]');
    expect(text).toContain('bool_false_true: [ false, true ]');
    expectValidPbtxt(text);
  });

  test('fails on an integer outside its proto type', () => {
    expect(() => new PbMessage().int('count', -1, PbInt.UINT32)).toThrow(/field 'count' must be an uint32/);
    expect(() => new PbMessage().int('count', 2 ** 31)).toThrow(/must be an int32/);
    expect(() => new PbMessage().int('count', 1.5)).toThrow(/must be an int32/);
  });

  test('fails on a non-finite float, a bad enum name or a bad field name', () => {
    expect(() => new PbMessage().float('x', Infinity)).toThrow(/finite number/);
    expect(() => new PbMessage().enum('kind', 'kind_gpu')).toThrow(/enum value name/);
    expect(() => new PbMessage().string('Bad-Name', 'x')).toThrow(/invalid field name/);
  });
});
