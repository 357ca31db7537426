import { compareStrings, sortedRecord } from '../src/_order';

describe('compareStrings', () => {
  test('orders by code unit, not by locale: upper case before lower, "-" before "." before digits', () => {
    const keys = ['b', 'B', 'a.b', 'a-b', 'a1', 'kubernetes.podspec-init-containers', 'kubernetes.podspec-affinity'];
    expect([...keys].sort(compareStrings)).toEqual(['B', 'a-b', 'a.b', 'a1', 'b', 'kubernetes.podspec-affinity', 'kubernetes.podspec-init-containers']);
    expect(['x', 'x', 'w'].sort(compareStrings)).toEqual(['w', 'x', 'x']);
  });

  test('sortedRecord keeps every entry and orders the keys', () => {
    expect(Object.entries(sortedRecord({ z: 1, A: 2, m: 3 }))).toEqual([['A', 2], ['m', 3], ['z', 1]]);
  });
});
