import { describe, expect, it } from 'vitest';
import { InputError } from '../shared/errors.ts';
import { MatchingEngine, type Command } from './engine.ts';

function engine() {
  const journaled: [bigint, Command][] = [];
  const e = new MatchingEngine({ journal: { append: (seq, c) => void journaled.push([seq, c]) } });
  e.submit({ type: 'list', pair: 'WETH/USDC', tickCount: 4096 });
  e.submit({ type: 'list', pair: 'WBTC/USDC' });
  return { e, journaled };
}

describe('MatchingEngine', () => {
  it('keeps one independent book per listed pair and reports fills as plain objects with bigints', () => {
    const { e, journaled } = engine();
    expect(e.submit({ type: 'limit', pair: 'WETH/USDC', id: 1n, owner: 7n, side: 'sell', price: 2000n, lots: 5n })).toMatchObject({
      seq: 3n,
      status: 'RESTING',
      resting: 5n,
    });
    e.submit({ type: 'limit', pair: 'WBTC/USDC', id: 1n, owner: 7n, side: 'sell', price: 2000n, lots: 5n }); // same id, other pair
    const r = e.submit({ type: 'limit', pair: 'WETH/USDC', id: 2n, owner: 8n, side: 'buy', price: 2001n, lots: 3n, tif: 'IOC' });
    expect(r).toEqual({
      seq: 5n,
      pair: 'WETH/USDC',
      type: 'limit',
      status: 'FILLED',
      filled: 3n,
      resting: 0n,
      fills: [{ pair: 'WETH/USDC', takerId: 2n, takerSide: 'buy', makerId: 1n, makerOwner: 7n, price: 2000n, lots: 3n, makerLeft: 2n }],
      selfTradeCancelled: [],
    });
    expect(e.view('WBTC/USDC').asks).toEqual([{ id: 1n, owner: 7n, side: 'sell', price: 2000n, lots: 5n, postOnly: false }]);
    expect(e.view('WETH/USDC').asks[0]?.lots).toBe(2n);
    expect(journaled.map(([s]) => s)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('reports self-trade prevention, FOK kills and post-only refusals as statuses, and journals them', () => {
    const { e, journaled } = engine();
    e.submit({ type: 'limit', pair: 'WETH/USDC', id: 1n, owner: 7n, side: 'sell', price: 100n, lots: 5n });
    expect(e.submit({ type: 'limit', pair: 'WETH/USDC', id: 2n, owner: 7n, side: 'buy', price: 100n, lots: 1n, tif: 'FOK' }).status).toBe('KILLED');
    expect(e.submit({ type: 'limit', pair: 'WETH/USDC', id: 3n, owner: 8n, side: 'buy', price: 100n, lots: 1n, postOnly: true }).status).toBe('POST_ONLY_REJECTED');
    const stp = e.submit({ type: 'market', pair: 'WETH/USDC', id: 4n, owner: 7n, side: 'buy', lots: 1n });
    expect(stp).toMatchObject({ status: 'REST_CANCELLED', filled: 0n, selfTradeCancelled: [1n] });
    expect(e.submit({ type: 'cancel', pair: 'WETH/USDC', id: 1n }).status).toBe('UNKNOWN_ORDER');
    expect(journaled).toHaveLength(2 + 5);
  });

  it('refuses anything but integer ticks and lots (and bad pairs, sides, types) with a clear error; nothing changes, nothing is journaled', () => {
    const { e, journaled } = engine();
    e.submit({ type: 'limit', pair: 'WETH/USDC', id: 1n, owner: 7n, side: 'sell', price: 100n, lots: 5n });
    const before = JSON.stringify(e.view('WETH/USDC'), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    const n = journaled.length;
    const base = { type: 'limit', pair: 'WETH/USDC', id: 9n, owner: 1n, side: 'buy', price: 100n, lots: 1n } as const;
    const bad: [unknown, RegExp][] = [
      [{ ...base, price: 100.5 }, /integer ticks and lots only/],
      [{ ...base, lots: 0.25 }, /integer ticks and lots only/],
      [{ ...base, lots: '1' }, /whole number/],
      [{ ...base, lots: 0n }, /out of range/],
      [{ ...base, lots: 2n ** 53n }, /out of range/],
      [{ ...base, price: 4096n }, /below 4096 ticks/],
      [{ ...base, price: -1n }, /out of range/],
      [{ ...base, side: 'long' }, /side/],
      [{ ...base, tif: 'GTD' }, /time in force/],
      [{ ...base, postOnly: 'yes' }, /postOnly/],
      [{ ...base, pair: 'DOGE/USDC' }, /not listed/],
      [{ ...base, type: 'stop' }, /unknown command type/],
      [{ type: 'replace', pair: 'WETH/USDC', id: 1n, price: 100n, lots: 1.5 }, /integer/],
      [{ type: 'cancel', pair: 'WETH/USDC', id: -1n }, /out of range/],
      [{ type: 'list', pair: 'WETH/USDC' }, /already listed/],
      [{ type: 'list', pair: 'weth-usdc' }, /BASE\/QUOTE/],
      [{ type: 'list', pair: 'X/Y', tickCount: 1000 }, /tick range/],
    ];
    for (const [c, msg] of bad) {
      expect(() => e.submit(c as Command), JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(msg);
      expect(() => e.submit(c as Command)).toThrow(InputError);
    }
    expect(journaled).toHaveLength(n);
    expect(e.lastSeq).toBe(BigInt(n));
    expect(JSON.stringify(e.view('WETH/USDC'), (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
    expect(e.pairs()).toEqual(['WETH/USDC', 'WBTC/USDC']);
  });
});
