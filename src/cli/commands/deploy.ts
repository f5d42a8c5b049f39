import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { getAddress, isAddress, isHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../../shared/config.ts';
import { InputError } from '../../shared/errors.ts';
import { chainClients } from '../../chain/clients.ts';
import { rpcCall } from '../../chain/rpc.ts';
import { deployCore } from '../../chain/deploy/deployCore.ts';
import { readManifest, writeManifest, type Manifest } from '../../chain/manifest.ts';
import { printJson, progress } from '../output.ts';

export const DEPLOYER_KEY_ENV = 'PALISADE_DEPLOYER_KEY';

/** Asks the RPC for its chain id; a dead or wrong endpoint fails here with one line, before any transaction. */
async function probeChainId(rpcUrl: string): Promise<number> {
  return Number(BigInt(await rpcCall<string>(rpcUrl, 'eth_chainId', [], 5000)));
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description(`deploy Palisade's contracts to one chain given its RPC; the key comes from $${DEPLOYER_KEY_ENV}, never from a flag`)
    .requiredOption('--rpc <url>', 'RPC endpoint of the chain')
    .requiredOption('--chain <name>', 'name of the chain in the manifest, e.g. polygon')
    .requiredOption('--eid <id>', 'LayerZero endpoint id for this chain')
    .option('--relayer <address>', 'account allowed to verify LayerZero packets (default: the deployer)')
    .option('--timelock-delay <seconds>', 'seconds a passed proposal waits in the timelock', '172800')
    .option('--devnet-assets', 'also deploy mintable USDC/WETH/WBTC stand-ins (test networks only)')
    .option('--manifest <path>', 'manifest to add this chain to (default <stateDir>/manifest.<chain>.json)')
    .option('--json', 'print the deployed addresses as JSON')
    .action(async (opts: { rpc: string; chain: string; eid: string; relayer?: string; timelockDelay: string; devnetAssets?: boolean; manifest?: string; json?: boolean }) => {
      const key = process.env[DEPLOYER_KEY_ENV];
      if (!key) throw new InputError(`missing deployer key: set $${DEPLOYER_KEY_ENV}`);
      if (!isHex(key) || key.length !== 66) throw new InputError(`$${DEPLOYER_KEY_ENV} is not a 32-byte hex private key`);
      if (!/^[a-z][a-z0-9-]*$/.test(opts.chain)) throw new InputError(`bad chain name "${opts.chain}"`);
      const eid = Number(opts.eid);
      if (!Number.isInteger(eid) || eid <= 0 || eid > 0xffffffff) throw new InputError(`--eid must be a positive 32-bit integer, got "${opts.eid}"`);
      if (opts.relayer && !isAddress(opts.relayer)) throw new InputError(`--relayer is not an address: ${opts.relayer}`);
      if (!/^\d+$/.test(opts.timelockDelay)) throw new InputError(`--timelock-delay must be whole seconds`);
      let url: URL;
      try {
        url = new URL(opts.rpc);
      } catch {
        throw new InputError(`--rpc is not a URL: ${opts.rpc}`);
      }
      const chainId = await probeChainId(url.toString());
      const account = privateKeyToAccount(key as Hex);
      const clients = chainClients({ name: opts.chain, chainId, rpcUrl: opts.rpc }, account, 1000);
      const say = progress(`${opts.chain}: `);
      say(`deploying as ${account.address} to chain id ${chainId}`);
      const contracts = await deployCore(clients, {
        eid,
        relayer: opts.relayer ? getAddress(opts.relayer) : account.address,
        devnetAssets: !!opts.devnetAssets,
        timelockDelay: BigInt(opts.timelockDelay),
        onProgress: say,
      });
      const path = opts.manifest ?? join(loadConfig().stateDir, `manifest.${opts.chain}.json`);
      const manifest: Manifest = existsSync(path) ? readManifest(path) : { version: 1, chains: {} };
      const block = await clients.public.getBlockNumber();
      manifest.chains[opts.chain] = { chainId, eid, rpcUrl: opts.rpc, deployedAtBlock: Number(block), contracts };
      writeManifest(path, manifest);
      say(`manifest written to ${path}`);
      if (opts.json) printJson({ chain: opts.chain, chainId, contracts });
      else for (const [name, addr] of Object.entries(contracts)) process.stdout.write(`${name.padEnd(18)} ${addr}\n`);
    });
}
