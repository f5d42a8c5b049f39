/**
 * What the gas benches share: a fresh hub chain of their own on the hardfork, the devnet's own
 * deployment on it, and one lifecycle (the chain stops however the process ends; the JSON line goes to
 * stdout, logs to stderr; exit 1 when the bench's target is missed).
 */
import type { Address } from 'viem';
import { devnetAccount } from '../../src/chain/accounts.ts';
import type { ChainClients } from '../../src/chain/clients.ts';
import { deployCore } from '../../src/chain/deploy/deployCore.ts';
import { deployLending, devnetLendingOptions } from '../../src/chain/deploy/deployLending.ts';
import { seedDemoActors } from '../../src/chain/devnet/demoActors.ts';
import { DEVNET_GOVERNANCE } from '../../src/shared/config.ts';
import { BaseError, oneLine } from '../../src/shared/errors.ts';
import { startBenchAnvil, type BenchAnvil } from './anvil.ts';

/** The chain every gas bench measures on: the devnet's hub, on the fork the reference figures used. */
export const BENCH_CHAIN = { name: 'hub', chainId: 31337, eid: 40101 };
export const BENCH_HARDFORK = 'prague';

export type GasBench<R> = {
  /** Log prefix, e.g. `lending-gas`. */
  name: string;
  /** Default port, overridden by `--port N` or the `portEnv` variable. */
  port: number;
  portEnv: string;
  run(anvil: BenchAnvil): Promise<R>;
  /** Whether the result meets its target; when not, `failure` is logged and the exit code is 1. */
  passed(result: R): boolean;
  failure: string;
};

export function benchCheck(condition: boolean, what: string): asserts condition {
  if (!condition) throw new BaseError(`bench condition failed: ${what}`);
}

function portArg(fallback: number, env: string): number {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : process.env[env];
  const port = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new BaseError(`invalid port ${String(raw)}`);
  return port;
}

/** The devnet's deployment (core, demo actors, lending) on a fresh bench chain, as `npm start` deploys it. */
export async function deployBenchSystem(deployer: ChainClients, log: (m: string) => void): Promise<Record<string, Address>> {
  const core = await deployCore(deployer, {
    eid: BENCH_CHAIN.eid,
    relayer: devnetAccount('relayer').address,
    devnetAssets: true,
    governance: DEVNET_GOVERNANCE,
    onProgress: (m) => log(`setup: ${m}`),
  });
  log('setup: demo actors (seed authorities, banks, demo clients)');
  await seedDemoActors(deployer, core);
  const lending = await deployLending(deployer, { ...devnetLendingOptions(core), onProgress: (m) => log(`setup: ${m}`) });
  return { ...core, ...lending };
}

/** Runs a gas bench to completion and exits: 0 when its target is met, 1 when missed or on error. */
export function runGasBench<R>(bench: GasBench<R>): void {
  const log = (m: string) => console.error(`[${bench.name}] ${m}`);
  const main = async (): Promise<number> => {
    const anvil = await startBenchAnvil({ name: BENCH_CHAIN.name, chainId: BENCH_CHAIN.chainId, port: portArg(bench.port, bench.portEnv), hardfork: BENCH_HARDFORK });
    // the chain is ours: stop it however this process ends
    const onSignal = (signal: NodeJS.Signals) => {
      void anvil.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await bench.run(anvil);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (!bench.passed(result)) log(`FAIL: ${bench.failure}`);
      return bench.passed(result) ? 0 : 1;
    } finally {
      await anvil.stop();
    }
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      log(`error: ${oneLine(err)}`);
      process.exit(1);
    },
  );
}
