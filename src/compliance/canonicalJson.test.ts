import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonicalJson.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
  });
  it('gives equal values the same text whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: 'é' })).toBe(canonicalJson({ y: 'é', x: 1 }));
  });
  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(/\$\.a is a bigint/);
    expect(() => canonicalJson([Number.NaN])).toThrow(/not a finite number/);
    expect(() => canonicalJson({ d: new Date() })).toThrow(/not a JSON value/);
  });
});
