/**
 * The matching engine's input journal, in the `exchange_journal` table (migration 0003) of the
 * shared database (PGlite by default, PostgreSQL when `DATABASE_URL` is set: see src/shared/db.ts).
 *
 * Off the hot path: `append` only pushes the command onto an in-memory batch and schedules one
 * flush (setImmediate); the flush writes the whole batch in one multi-row INSERT, one flush in
 * flight at a time, so matching never waits for the database. Durability is group commit: a
 * caller that must not acknowledge an order before it is durable awaits {@link ExchangeJournal.flushed}
 * (the API does so per request). A crash loses at most the unflushed tail, whose results were
 * therefore never acknowledged; replay of the rest gives the same books (the engine is deterministic).
 */
import { BaseError } from '../shared/errors.ts';
import type { Db } from '../shared/db.ts';
import { MatchingEngine, type Command, type JournalSink, type Result } from './engine.ts';

const BIGINT_FIELDS = ['id', 'owner', 'price', 'lots'] as const;
const ROWS_PER_INSERT = 500;

/** JSON-safe form of a command: bigints as decimal strings. */
export function encodeCommand(c: Command): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const k of BIGINT_FIELDS) if (typeof out[k] === 'bigint') out[k] = (out[k] as bigint).toString();
  return out;
}

export function decodeCommand(j: Record<string, unknown>): Command {
  const out: Record<string, unknown> = { ...j };
  for (const k of BIGINT_FIELDS) if (typeof out[k] === 'string') out[k] = BigInt(out[k] as string);
  return out as Command;
}

export class ExchangeJournal implements JournalSink {
  private pending: [bigint, Command][] = [];
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly db: Db) {}

  append(seq: bigint, command: Command): void {
    if (this.failure !== undefined) throw new BaseError('the exchange journal failed; the engine must stop', { cause: this.failure, code: 'EXCHANGE_JOURNAL' });
    this.pending.push([seq, command]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flushed().catch(() => undefined));
    }
  }

  /** Resolves when every command appended so far is committed. */
  flushed(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    this.chain = this.chain.then(() => this.write(batch));
    return this.chain;
  }

  private async write(batch: [bigint, Command][]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    try {
      for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
        const part = batch.slice(i, i + ROWS_PER_INSERT);
        const params: unknown[] = [];
        const values = part.map(([seq, c], j) => {
          params.push(seq, JSON.stringify(encodeCommand(c)));
          return `($${2 * j + 1}, $${2 * j + 2}::jsonb)`;
        });
        await this.db.query(`INSERT INTO exchange_journal (seq, command) VALUES ${values.join(', ')}`, params);
      }
    } catch (cause) {
      // a gap in the journal would make replay diverge: refuse every later append
      this.failure = new BaseError('cannot write the exchange journal', { cause, code: 'EXCHANGE_JOURNAL', retryable: false });
      throw this.failure;
    }
  }
}

/** The journal's commands in order, from `afterSeq` on. */
export async function readJournal(db: Db, afterSeq = 0n): Promise<{ seq: bigint; command: Command }[]> {
  const { rows } = await db.query<{ seq: bigint; command: Record<string, unknown> }>('SELECT seq, command FROM exchange_journal WHERE seq > $1 ORDER BY seq', [afterSeq]);
  return rows.map((r) => ({ seq: r.seq, command: decodeCommand(r.command) }));
}

/**
 * Rebuilds the engine after a crash: replays every journaled command (without journaling them
 * again), checks the sequence has no gap, then attaches a journal so new inputs continue after it.
 * `onReplay` sees each replayed result (tests compare them with the fills of the first run).
 */
export async function recoverEngine(db: Db, onReplay?: (r: Result) => void): Promise<{ engine: MatchingEngine; journal: ExchangeJournal }> {
  const engine = new MatchingEngine();
  for (const { seq, command } of await readJournal(db)) {
    if (seq !== engine.lastSeq + 1n) throw new BaseError('the exchange journal has a gap', { details: `expected ${engine.lastSeq + 1n}, found ${seq}`, code: 'EXCHANGE_JOURNAL' });
    const r = engine.submit(command);
    onReplay?.(r);
  }
  const journal = new ExchangeJournal(db);
  engine.journal = journal;
  return { engine, journal };
}
