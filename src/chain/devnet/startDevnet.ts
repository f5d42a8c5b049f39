import { join } from 'node:path';
import { hubChain, loadConfig, type ChainConfig, type PalisadeConfig } from '../../shared/config.ts';
import { logger } from '../../shared/logger.ts';
import { devnetAccount } from '../accounts.ts';
import { chainClients } from '../clients.ts';
import { deployCore, type Progress } from '../deploy/deployCore.ts';
import { wireChains } from '../deploy/wire.ts';
import { newDevnetMarker, writeDevnetMarker, writeManifest, type Manifest } from '../manifest.ts';
import { startAnvil, type AnvilProcess } from './anvil.ts';
import { clearAnvilRecord, writeAnvilRecord } from './processes.ts';
import { fundDemoActors, openDemoPositions, seedDemoActors } from './demoActors.ts';
import { deployLending, devnetLendingOptions } from '../deploy/deployLending.ts';
import { DEVNET_KYC_SERVICE_ACCOUNT_INDEX, deployAuditAnchor } from '../deploy/deployAuditAnchor.ts';

export type DevnetChain = { name: string; chainId: number; eid: number; rpcUrl: string; port: number; blockTimeSeconds: number };

export type Devnet = {
  chains: DevnetChain[];
  manifest: Manifest;
  manifestPath: string;
  stop(): Promise<void>;
};

export type StartDevnetOptions = {
  config?: PalisadeConfig;
  /** Put chain i on portBase + i instead of the configured ports (tests run beside a running devnet). */
  portBase?: number;
  /** Override every chain's block interval (tests use 1 s). */
  blockTimeSeconds?: number;
  /** Start only the hub chain (single-chain tests and scenarios). */
  hubOnly?: boolean;
  /** Open the demo borrowers' positions (`npm start`: something to liquidate); tests that count positions leave them out. */
  demoPositions?: boolean;
  /** Where the manifest goes; defaults to the config's stateDir. */
  stateDir?: string;
  onProgress?: Progress;
};

/**
 * Starts the local multi-chain devnet: one anvil per configured chain, Palisade's contracts deployed on
 * each, LayerZero endpoints wired pairwise, then blocks on a clock. Stops everything it started if any
 * step fails, so no process is left behind.
 */
export async function startDevnet(opts: StartDevnetOptions = {}): Promise<Devnet> {
  const config = opts.config ?? loadConfig();
  const progress = opts.onProgress ?? ((m: string) => logger.info(m));
  const selected = opts.hubOnly ? [hubChain(config)] : config.chains;
  const chains: DevnetChain[] = selected.map((c: ChainConfig, i) => ({
    name: c.name,
    chainId: c.chainId,
    eid: c.eid,
    port: opts.portBase !== undefined ? opts.portBase + i : c.port,
    rpcUrl: `http://127.0.0.1:${opts.portBase !== undefined ? opts.portBase + i : c.port}`,
    blockTimeSeconds: opts.blockTimeSeconds ?? c.blockTimeSeconds,
  }));
  const started: AnvilProcess[] = [];
  const stateDir = opts.stateDir ?? config.stateDir;
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    clearAnvilRecord(stateDir);
  };
  try {
    progress(`starting ${chains.length} chains`);
    const results = await Promise.allSettled(chains.map((c) => startAnvil({ name: c.name, chainId: c.chainId, port: c.port })));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    // recorded before anything else can fail or hang, so a supervisor killed mid-deploy leaves findable anvils
    writeAnvilRecord(stateDir, { supervisor: process.pid, anvils: started.map((a) => ({ name: a.name, port: a.port, pid: a.pid })) });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const deployer = devnetAccount('deployer');
    const relayer = devnetAccount('relayer').address;
    const wired = await Promise.all(
      chains.map(async (c) => {
        const clients = chainClients(c, deployer, 50);
        const contracts = await deployCore(clients, {
          eid: c.eid,
          relayer,
          devnetAssets: true,
          governance: config.devnetGovernance,
          onProgress: (m) => progress(`${c.name}: ${m}`),
        });
        return { name: c.name, eid: c.eid, clients, contracts };
      }),
    );
    progress('wiring LayerZero endpoints and peers');
    await wireChains(wired, progress);
    progress('demo actors: seed authorities, banks, qualified clients');
    await Promise.all(wired.map((w) => seedDemoActors(w.clients, w.contracts)));
    progress('lending markets: oracle, pool, reserve, liquidator');
    await Promise.all(
      wired.map(async (w) => {
        Object.assign(w.contracts, await deployLending(w.clients, devnetLendingOptions(w.contracts)));
        await fundDemoActors(w.clients, w.contracts);
        if (opts.demoPositions) await openDemoPositions(w.clients, w.contracts);
      }),
    );
    // The KYC service lives on the hub, so its audit log is anchored there.
    const hubWired = wired[chains.findIndex((c) => c.name === hubChain(config).name)] ?? wired[0]!;
    Object.assign(hubWired.contracts, await deployAuditAnchor(hubWired.clients, { governance: hubWired.contracts.Timelock!, writer: devnetAccount(DEVNET_KYC_SERVICE_ACCOUNT_INDEX).address, onProgress: (m) => progress(`${hubWired.name}: ${m}`) }));

    // the marker is what lets the CLI use the well-known devnet keys with this manifest, and only this one
    const marker = newDevnetMarker();
    const manifest: Manifest = { version: 1, chains: {}, devnet: marker };
    for (const [i, c] of chains.entries()) {
      const w = wired[i]!;
      const block = await w.clients.public.getBlock({ blockTag: 'latest' });
      // deployer + firstBlock let `palisade deploy check` name what the devnet's deployer still holds
      manifest.chains[c.name] = {
        chainId: c.chainId,
        eid: c.eid,
        rpcUrl: c.rpcUrl,
        deployedAtBlock: Number(block.number),
        deployedAtBlockHash: block.hash,
        contracts: w.contracts,
        deployer: deployer.address,
        firstBlock: 0,
      };
    }
    const manifestPath = join(stateDir, 'manifest.json');
    writeDevnetMarker(manifestPath, marker);
    writeManifest(manifestPath, manifest);

    // From here on blocks come on a clock, like a real chain.
    await Promise.all(
      wired.map((w, i) => w.clients.public.request({ method: 'evm_setIntervalMining' as never, params: [chains[i]!.blockTimeSeconds] as never })),
    );
    progress(`devnet ready: ${chains.map((c) => `${c.name}@${c.port}`).join(', ')}`);
    return { chains, manifest, manifestPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
