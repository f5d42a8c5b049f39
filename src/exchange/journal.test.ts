import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, testDatabases, type Db } from '../shared/db.ts';
import { seededRandom } from '../shared/seededRandom.ts';
import { MatchingEngine, type Command, type Result } from './engine.ts';
import { ExchangeJournal, readJournal, recoverEngine } from './journal.ts';

const PAIRS = ['WETH/USDC', 'WBTC/USDC'];
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** A random stream of commands over two pairs: every type, few owners (self-trades), some refusals. */
function commands(seed: number, n: number): Command[] {
  const rnd = seededRandom(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const out: Command[] = PAIRS.map((pair) => ({ type: 'list', pair, tickCount: 2048 }));
  let id = 1n;
  for (let i = 0; i < n; i++) {
    const pair = PAIRS[int(2)]!;
    const side = rnd() < 0.5 ? 'buy' : 'sell';
    const price = BigInt(1000 + int(30));
    const lots = BigInt(1 + int(20));
    const owner = BigInt(int(5));
    const r = rnd();
    if (r < 0.55) out.push({ type: 'limit', pair, id: id++, owner, side, price, lots, tif: (['GTC', 'GTC', 'IOC', 'FOK'] as const)[int(4)], postOnly: rnd() < 0.1 });
    else if (r < 0.75) out.push({ type: 'cancel', pair, id: BigInt(1 + int(Number(id))) });
    else if (r < 0.85) out.push({ type: 'market', pair, id: id++, owner, side, lots });
    else out.push({ type: 'replace', pair, id: BigInt(1 + int(Number(id))), price, lots });
  }
  return out;
}

describe.each(testDatabases())('exchange journal on $name', ({ open }) => {
  it('a crash is recovered by replaying the journal to the same books and the same fills', async () => {
    const db = await open();
    try {
      const journal = new ExchangeJournal(db);
      let engine: MatchingEngine | undefined = new MatchingEngine({ journal });
      const first: Result[] = commands(3, 3000).map((c) => engine!.submit(c));
      const books = json(PAIRS.map((p) => engine!.view(p)));
      expect(first.some((r) => r.fills.length > 0)).toBe(true);
      expect(first.some((r) => r.selfTradeCancelled.length > 0)).toBe(true);
      await journal.flushed();
      engine = undefined; // the crash: the engine's memory is gone, only the journal remains

      const replayed: Result[] = [];
      const rec = await recoverEngine(db, (r) => replayed.push(r));
      expect(json(PAIRS.map((p) => rec.engine.view(p)))).toBe(books);
      expect(json(replayed)).toBe(json(first));
      expect(rec.engine.lastSeq).toBe(BigInt(first.length));

      // it goes on after the replayed sequence, journaled, and a second recovery still agrees
      const more = commands(4, 500).slice(PAIRS.length).map((c) => rec.engine.submit(c));
      expect(more[0]!.seq).toBe(BigInt(first.length + 1));
      await rec.journal.flushed();
      const again = await recoverEngine(db);
      expect(json(PAIRS.map((p) => again.engine.view(p)))).toBe(json(PAIRS.map((p) => rec.engine.view(p))));
      expect((await readJournal(db)).length).toBe(first.length + more.length);
    } finally {
      await db.close();
    }
  });

  it('refuses to replay a journal with a gap', async () => {
    const db = await open();
    try {
      await db.query(`INSERT INTO exchange_journal (seq, command) VALUES (1, '{"type":"list","pair":"A/B"}'), (3, '{"type":"cancel","pair":"A/B","id":"1"}')`);
      await expect(recoverEngine(db)).rejects.toThrow(/gap/);
    } finally {
      await db.close();
    }
  });
});

describe('exchange journal failure', () => {
  it('a failed write rejects the flush and refuses every later append (no gap can form)', async () => {
    const failing = { query: async () => Promise.reject(new Error('disk full')) } as unknown as Db;
    const journal = new ExchangeJournal(failing);
    const engine = new MatchingEngine({ journal });
    engine.submit({ type: 'list', pair: 'A/B' });
    await expect(journal.flushed()).rejects.toThrow(/cannot write the exchange journal/);
    expect(() => engine.submit({ type: 'cancel', pair: 'A/B', id: 1n })).toThrow(/journal failed/);
    expect(engine.lastSeq).toBe(1n);
  });
});

describe('exchange journal across a process restart (PGlite on disk)', () => {
  it('recovers the same books from a reopened data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-exchange-'));
    try {
      let db = await openDb({ dataDir: join(dir, 'db') });
      const journal = new ExchangeJournal(db);
      const engine = new MatchingEngine({ journal });
      for (const c of commands(9, 1500)) engine.submit(c);
      const books = json(PAIRS.map((p) => engine.view(p)));
      await journal.flushed();
      await db.close();
      db = await openDb({ dataDir: join(dir, 'db') });
      try {
        const rec = await recoverEngine(db);
        expect(json(PAIRS.map((p) => rec.engine.view(p)))).toBe(books);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
