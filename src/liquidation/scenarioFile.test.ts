import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseScenario, readScenario } from './scenarioFile.ts';
import { drawBorrowers, boundedStep } from './scenario.ts';
import { assetPaths } from '../oracle/pricePath.ts';
import { InputError } from '../shared/errors.ts';

const good = () => ({
  name: 't',
  borrowers: { count: 3, collateral: { asset: 'WETH', amount: [1, 2] }, ltv: [0.5, 0.8], seed: 1 },
  pricePath: [
    { t: 0, asset: 'WETH', price: 2000 },
    { t: 60, asset: 'WETH', price: 1000 },
  ],
});

function errorOf(raw: unknown): string {
  try {
    parseScenario(raw, 'f.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario file', () => {
  it('accepts a well-formed file and fills defaults', () => {
    const s = parseScenario(good());
    expect(s.executor.margin).toBe(0);
    expect(s.drainSeconds).toBe(3600);
    expect(s.pusher.splitMoves).toBe(true);
  });

  it('takes a pusher that pushes a move in one round, and refuses a wrong flag', () => {
    expect(parseScenario({ ...good(), pusher: { splitMoves: false } }).pusher.splitMoves).toBe(false);
    expect(errorOf({ ...good(), pusher: { splitMoves: 'no' } })).toMatch(/^f\.json: pusher\.splitMoves: /);
    expect(errorOf({ ...good(), pusher: { split: false } })).toMatch(/pusher.*split/);
  });

  it('names the field of a wrong shape in one line', () => {
    expect(errorOf({ ...good(), borrowers: { ...good().borrowers, count: 'many' } })).toMatch(/^f\.json: borrowers\.count: /);
    expect(errorOf({ ...good(), borrowers: { ...good().borrowers, ltv: [0.5, 0.95] } })).toMatch(/^f\.json: borrowers\.ltv\.1: /);
    expect(errorOf({ ...good(), borrowers: { ...good().borrowers, ltv: [0.7, 0.6] } })).toMatch(/borrowers\.ltv: ltv: the first number must not exceed the second/);
    expect(errorOf({ ...good(), borrowers: { ...good().borrowers, seed: -1 } })).toMatch(/borrowers\.seed/);
    expect(errorOf({ ...good(), pricePath: [] })).toMatch(/^f\.json: pricePath: /);
    expect(errorOf({ ...good(), pricePath: [{ t: 0, asset: 'WETH', price: -5 }] })).toMatch(/pricePath\.0\.price/);
    expect(errorOf({ ...good(), pricePath: [{ t: 0, asset: 'WETH' }] })).toMatch(/pricePath\.0\.price/);
    expect(errorOf({ ...good(), borrowers: undefined })).toMatch(/^f\.json: borrowers: /);
    expect(errorOf([])).toMatch(/^f\.json: \(root\): /);
  });

  it('refuses unknown fields, naming them', () => {
    expect(errorOf({ ...good(), borrower: {} })).toMatch(/\(root\).*borrower/);
    expect(errorOf({ ...good(), borrowers: { ...good().borrowers, lvt: [0.1, 0.2] } })).toMatch(/borrowers.*lvt/);
  });

  it('refuses a path without the collateral price, or with two prices at one time', () => {
    expect(errorOf({ ...good(), pricePath: [{ t: 0, asset: 'WBTC', price: 1 }] })).toMatch(/pricePath: no price for the collateral asset WETH/);
    expect(errorOf({ ...good(), pricePath: [{ t: 0, asset: 'WETH', price: 1 }, { t: 0, asset: 'WETH', price: 2 }] })).toMatch(/pricePath\.1\.t/);
  });

  it('reports a missing file and bad JSON in one line', () => {
    expect(() => readScenario('/nonexistent/x.json')).toThrow(/scenario file not found/);
  });

  it('ships scenarios that parse', () => {
    const dir = resolve(import.meta.dirname, '../../scenarios');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['crash-30pct-1h.json', 'crash-60pct-minutes.json', 'crash-60pct-one-round.json']));
    expect(readScenario(join(dir, 'crash-60pct-one-round.json')).pusher.splitMoves).toBe(false);
    for (const f of files) expect(readScenario(join(dir, f)).borrowers.count).toBeGreaterThanOrEqual(20);
  });
});

describe('borrower draws', () => {
  it('are reproducible from the seed and inside the ranges', () => {
    const s = parseScenario({ ...good(), borrowers: { ...good().borrowers, count: 50 } });
    const a = drawBorrowers(s);
    expect(drawBorrowers(s)).toEqual(a);
    for (const d of a) {
      expect(d.ltv).toBeGreaterThanOrEqual(0.5);
      expect(d.ltv).toBeLessThanOrEqual(0.8);
      expect(d.amount).toBeGreaterThanOrEqual(1);
      expect(d.amount).toBeLessThanOrEqual(2);
    }
    const other = drawBorrowers({ ...s, borrowers: { ...s.borrowers, seed: 2 } });
    expect(other).not.toEqual(a);
  });
});

describe('boundedStep', () => {
  it('keeps each quiet block within the path move limit', () => {
    const fast = assetPaths([{ t: 0, asset: 'WETH', price: 2000 }, { t: 300, asset: 'WETH', price: 800 }]); // 4 USD/s
    expect(boundedStep(fast, 0, 30, 0.005)).toBe(2); // 0.5% of 2000 = 10 USD: 2.5 s
    const slow = assetPaths([{ t: 0, asset: 'WETH', price: 2000 }, { t: 3600, asset: 'WETH', price: 1400 }]);
    expect(boundedStep(slow, 0, 30, 0.005)).toBe(30);
    expect(boundedStep(slow, 4000, 30, 0.005)).toBe(30);
  });
});
