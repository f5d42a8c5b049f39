/**
 * The scenario file `palisade scenario run <file>` plays: who borrows (how many, against what,
 * at which loan-to-value spread, from which seed) and the price path. A wrong shape is refused
 * with one line naming the field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../shared/errors.ts';

const range = (what: string, min: number, max: number) =>
  z
    .tuple([z.number().min(min).max(max), z.number().min(min).max(max)])
    .refine(([a, b]) => a <= b, `${what}: the first number must not exceed the second`);

export const scenarioFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  borrowers: z.strictObject({
    count: z.number().int().min(1).max(5_000),
    /** Collateral asset symbol (WETH or WBTC on the devnet) and the amount range of whole tokens each borrower deposits. */
    collateral: z.strictObject({
      asset: z.string().min(1),
      amount: range('amount', 1e-6, 1e6),
    }),
    /** Loan-to-value at which each position borrows, drawn uniformly from [min, max]; the pool's limit is 0.8. */
    ltv: range('ltv', 0.01, 0.8),
    seed: z.number().int().nonnegative(),
  }),
  /** Price knots: `t` seconds of chain time from the start, USD price. Linear in between. */
  pricePath: z
    .array(z.strictObject({ t: z.number().nonnegative(), asset: z.string().min(1), price: z.number().positive() }))
    .min(1),
  executor: z
    .strictObject({
      /** Take when auction price <= oracle valuation × (1 + margin). */
      margin: z.number().min(-0.5).max(0.5).default(0),
    })
    .default({ margin: 0 }),
  pusher: z
    .strictObject({
      /**
       * Split a move beyond the oracle's deviation guard into guarded steps (true, the default), or push it
       * in ONE feed round (false), as a real feed publishes a crash: the oracle then holds it as a pending
       * move and liquidation runs on its lender-protective view.
       */
      splitMoves: z.boolean().default(true),
    })
    .default({ splitMoves: true }),
  /** Longest wait, in chain seconds after the path ends, for every auction to finish. */
  drainSeconds: z.number().int().positive().max(86_400).default(3_600),
});

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;

/** Validates a parsed scenario; a wrong shape throws an InputError naming the first bad field. */
export function parseScenario(raw: unknown, source = 'scenario'): ScenarioFile {
  const parsed = scenarioFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new InputError(`${source}: ${field}: ${issue.message}${extra}`.replace(/\s+/g, ' '));
  }
  const s = parsed.data;
  const assets = new Set(s.pricePath.map((p) => p.asset));
  if (!assets.has(s.borrowers.collateral.asset))
    throw new InputError(`${source}: pricePath: no price for the collateral asset ${s.borrowers.collateral.asset}`);
  const seen = new Set<string>();
  for (const [i, p] of s.pricePath.entries()) {
    const k = `${p.asset}@${p.t}`;
    if (seen.has(k)) throw new InputError(`${source}: pricePath.${i}.t: ${p.asset} has two prices at t=${p.t}`);
    seen.add(k);
  }
  return s;
}

/** Reads and validates a scenario file. */
export function readScenario(path: string): ScenarioFile {
  if (!existsSync(path)) throw new InputError(`scenario file not found: ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseScenario(raw, path);
}
