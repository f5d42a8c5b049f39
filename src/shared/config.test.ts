import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseConfig } from './config.ts';
import { InputError } from './errors.ts';

const chain = (name: string, i: number, role: 'hub' | 'spoke' = 'spoke') => ({ name, chainId: 100 + i, eid: 40100 + i, port: 9000 + i, role });
const good = { chains: [chain('hub', 0, 'hub'), chain('polygon', 1)] };

describe('parseConfig', () => {
  it('accepts a valid config and fills defaults', () => {
    const cfg = parseConfig(good);
    expect(cfg.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(cfg.chains[1]!.blockTimeSeconds).toBe(2);
  });

  it('takes the API port from PALISADE_API_PORT', () => {
    expect(parseConfig(good, 'x', { PALISADE_API_PORT: '9999' }).api.port).toBe(9999);
    expect(() => parseConfig(good, 'x', { PALISADE_API_PORT: 'eighty' })).toThrow(/PALISADE_API_PORT/);
  });

  it.each([
    ['a duplicate port', { chains: [chain('hub', 0, 'hub'), { ...chain('polygon', 1), port: 9000 }] }, /duplicate port 9000/],
    ['a duplicate chain id', { chains: [chain('hub', 0, 'hub'), { ...chain('polygon', 1), chainId: 100 }] }, /duplicate chainId/],
    ['no hub', { chains: [chain('a', 0), chain('b', 1)] }, /exactly one chain/],
    ['a port out of range', { chains: [chain('hub', 0, 'hub'), { ...chain('polygon', 1), port: 70000 }] }, /chains\.1\.port/],
    ['a bad name', { chains: [chain('hub', 0, 'hub'), chain('Poly Gon', 1)] }, /chains\.1\.name/],
    ['one chain', { chains: [chain('hub', 0, 'hub')] }, /chains/],
  ])('rejects %s with an error naming the field', (_what, raw, msg) => {
    expect(() => parseConfig(raw)).toThrow(InputError);
    expect(() => parseConfig(raw)).toThrow(msg);
  });

  it('defaults the devnet price feed to a gentle random walk', () => {
    expect(parseConfig(good).priceFeed).toEqual({ mode: 'random-walk', intervalSeconds: 5, volatility: 0.001, meanReversion: 0.05, seed: 1 });
  });

  it('reads and checks a replay price file up front (a list, or a scenario file\'s pricePath)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-prices-'));
    writeFileSync(join(dir, 'path.json'), JSON.stringify({ pricePath: [{ t: 0, asset: 'WETH', price: 2000 }, { t: 60, asset: 'WETH', price: 1500 }] }));
    const cfg = parseConfig({ ...good, priceFeed: { mode: 'replay', file: join(dir, 'path.json') } });
    expect(cfg.priceFeedPoints).toHaveLength(2);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ t: 0, asset: 'WETH', price: -1 }]));
    expect(() => parseConfig({ ...good, priceFeed: { mode: 'replay', file: join(dir, 'bad.json') } })).toThrow(/bad\.json: 0\.price/);
    expect(() => parseConfig({ ...good, priceFeed: { mode: 'replay', file: join(dir, 'missing.json') } })).toThrow(/priceFeed\.file: .*not found/);
  });

  it.each([
    ['an unknown mode', { mode: 'sine' }, /priceFeed\.mode/],
    ['a volatility above 5% per step', { mode: 'random-walk', volatility: 0.5 }, /priceFeed\.volatility/],
    ['a sub-second interval', { mode: 'random-walk', intervalSeconds: 0.1 }, /priceFeed\.intervalSeconds/],
  ])('rejects a price feed with %s', (_what, priceFeed, msg) => {
    expect(() => parseConfig({ ...good, priceFeed })).toThrow(msg);
  });
});
