import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from './errors.ts';

/** One EVM chain of the devnet (or a real network the deployer targets). */
export const chainConfigSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  chainId: z.number().int().positive(),
  /** LayerZero endpoint id of this chain. */
  eid: z.number().int().positive().max(0xffffffff),
  port: z.number().int().min(1).max(65535),
  /** Seconds between blocks: like real chains, devnet blocks come on a clock. */
  blockTimeSeconds: z.number().positive().max(60).default(2),
  /** The high-liquidity chain where joint auctions gather (SPEC §E); exactly one. */
  role: z.enum(['hub', 'spoke']).default('spoke'),
});

const pricePointSchema = z.object({ t: z.number().nonnegative(), asset: z.string().min(1), price: z.number().positive() });

/**
 * The running devnet's price feed service, per chain. `random-walk`: every `intervalSeconds` each asset's
 * log price moves by a Gaussian shock of `volatility` plus a pull of `meanReversion` towards its anchor
 * (the start price, or the last `palisade prices set`). `replay`: plays a price file (`[{ t, asset, price }]`
 * or a scenario file's `pricePath`; `t` in seconds from start, times `speed`, looping). `off`: prices move
 * only by hand.
 */
const interval = z.number().min(0.5).max(3600).default(5);
export const priceFeedSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('random-walk'),
    intervalSeconds: interval,
    volatility: z.number().min(0).max(0.05).default(0.001),
    meanReversion: z.number().min(0).max(1).default(0.05),
    seed: z.number().int().default(1),
  }),
  z.object({
    mode: z.literal('replay'),
    file: z.string().min(1),
    intervalSeconds: interval,
    speed: z.number().positive().default(1),
    loop: z.boolean().default(true),
  }),
  z.object({ mode: z.literal('off') }),
]);
export type PriceFeedConfig = z.infer<typeof priceFeedSchema>;
export type PricePointConfig = z.infer<typeof pricePointSchema>;

const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x-prefixed 20-byte address');
const wholeSeconds = z.number().int().nonnegative();

/**
 * The governor and timelock of one deployment (SPEC §H). Defaults fit a real network: a proposer needs
 * 1,000,000 PLT (0.1% of the supply) of votes, voting opens a day after a proposal and lasts five days, 4%
 * of the supply must vote, and a passed proposal waits two days in the timelock.
 */
export const governanceSchema = z.object({
  votingDelaySeconds: wholeSeconds.max(2 ** 48 - 1).default(86_400),
  votingPeriodSeconds: z.number().int().positive().max(2 ** 32 - 1).default(5 * 86_400),
  /** Votes needed to propose, in whole PLT. */
  proposalThresholdPlt: z.number().int().nonnegative().default(1_000_000),
  quorumPercent: z.number().int().min(1).max(100).default(4),
  timelockDelaySeconds: wholeSeconds.default(2 * 86_400),
  /**
   * The emergency guardian (a multisig on a real network): it may cancel queued proposals and pause new
   * borrowing and new positions where a contract offers `setGuardian`, and can never move funds.
   */
  guardian: evmAddress.optional(),
});
export type GovernanceConfig = z.infer<typeof governanceSchema>;

/** The devnet's governance: seconds instead of days and no threshold, so demos and tests run through it. */
export const DEVNET_GOVERNANCE: GovernanceConfig = {
  votingDelaySeconds: 1,
  votingPeriodSeconds: 300,
  proposalThresholdPlt: 0,
  quorumPercent: 4,
  timelockDelaySeconds: 0,
};

/**
 * LayerZero verification for `palisade deploy` on a real network. `verifiers` are the accounts allowed to
 * verify packets: with the self-hosted SimpleMessageLib exactly one (that library whitelists one caller),
 * the relayer operated for this deployment. There is no default: the deployer is never silently the verifier.
 */
export const layerZeroSchema = z.object({
  verifiers: z.array(evmAddress).default([]),
});
export type LayerZeroConfig = z.infer<typeof layerZeroSchema>;

export const configSchema = z
  .object({
    chains: z.array(chainConfigSchema).min(2),
    api: z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535).default(8080) }).default({ host: '127.0.0.1', port: 8080 }),
    stateDir: z.string().default('.palisade'),
    priceFeed: priceFeedSchema.default({ mode: 'random-walk', intervalSeconds: 5, volatility: 0.001, meanReversion: 0.05, seed: 1 }),
    /** Governance of `palisade deploy` (real networks); the devnet uses `devnetGovernance`. */
    governance: governanceSchema.default(governanceSchema.parse({})),
    devnetGovernance: governanceSchema.default(DEVNET_GOVERNANCE),
    layerZero: layerZeroSchema.default({ verifiers: [] }),
  })
  .superRefine((cfg, ctx) => {
    for (const key of ['name', 'chainId', 'eid', 'port'] as const) {
      const seen = new Set<unknown>();
      for (const c of cfg.chains) {
        if (seen.has(c[key])) ctx.addIssue({ code: 'custom', path: ['chains'], message: `duplicate ${key} ${String(c[key])}` });
        seen.add(c[key]);
      }
    }
    if (cfg.chains.filter((c) => c.role === 'hub').length !== 1)
      ctx.addIssue({ code: 'custom', path: ['chains'], message: 'exactly one chain must have role "hub"' });
  });

export type ChainConfig = z.infer<typeof chainConfigSchema>;
/** The config after loading: a replay price file is read and checked up front, so a bad file fails `devnet up` before any chain starts. */
export type PalisadeConfig = z.infer<typeof configSchema> & { priceFeedPoints?: PricePointConfig[] };

/** The chain with role "hub" (the schema guarantees exactly one). */
export function hubChain(config: PalisadeConfig): ChainConfig {
  return config.chains.find((c) => c.role === 'hub')!;
}

export const repoRoot = resolve(new URL('../..', import.meta.url).pathname);
export const defaultConfigPath = resolve(repoRoot, 'palisade.config.json');

/** Reads and validates the config file; environment overrides (PALISADE_API_PORT) win. */
export function loadConfig(path: string = process.env.PALISADE_CONFIG ?? defaultConfigPath): PalisadeConfig {
  if (!existsSync(path)) throw new InputError(`config file not found: ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`config file ${path} is not valid JSON`, { details: (err as Error).message });
  }
  return parseConfig(raw, path, process.env);
}

export function parseConfig(raw: unknown, source = 'config', env: NodeJS.ProcessEnv = {}): PalisadeConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`malformed config ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const cfg = parsed.data;
  if (env.PALISADE_API_PORT) {
    const port = Number(env.PALISADE_API_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new InputError(`PALISADE_API_PORT must be a port number, got "${env.PALISADE_API_PORT}"`);
    cfg.api.port = port;
  }
  const out: PalisadeConfig = { ...cfg, stateDir: resolve(repoRoot, cfg.stateDir) };
  if (cfg.priceFeed.mode === 'replay') {
    const file = resolve(repoRoot, cfg.priceFeed.file);
    out.priceFeed = { ...cfg.priceFeed, file };
    out.priceFeedPoints = readPriceFile(file, source);
  }
  return out;
}

/** A replay file: a list of `{ t, asset, price }`, or a scenario file whose `pricePath` is one. */
export function readPriceFile(file: string, source = 'config'): PricePointConfig[] {
  if (!existsSync(file)) throw new InputError(`malformed config ${source}: priceFeed.file: ${file} not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`price file ${file} is not valid JSON`, { details: (err as Error).message });
  }
  const list = Array.isArray(raw) ? raw : (raw as { pricePath?: unknown })?.pricePath;
  const parsed = z.array(pricePointSchema).min(1).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`malformed price file ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
