import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../../shared/config.ts';
import { InputError } from '../../shared/errors.ts';
import { logger } from '../../shared/logger.ts';
import { chainClients, publicClient } from '../../chain/clients.ts';
import { rpcCall } from '../../chain/rpc.ts';
import { deploySystem, readMarketFile } from '../../chain/deploy/deploySystem.ts';
import { privilegeFindings, readPrivileges, type Privilege } from '../../chain/deploy/roles.ts';
import { readManifest, writeManifest, type Manifest } from '../../chain/manifest.ts';
import { printJson, progress } from '../output.ts';

export const DEPLOYER_KEY_ENV = 'PALISADE_DEPLOYER_KEY';

/** Asks the RPC for its chain id; a dead or wrong endpoint fails here with one line, before any transaction. */
async function probeChainId(rpcUrl: string): Promise<number> {
  return Number(BigInt(await rpcCall<string>(rpcUrl, 'eth_chainId', [], 5000)));
}

const optionalAddress = (flag: string, value: string | undefined): Address | undefined => {
  if (value === undefined) return undefined;
  if (!isAddress(value)) throw new InputError(`${flag} is not an address: ${value}`);
  return getAddress(value);
};

/**
 * The LayerZero verifier: `--verifier` (alias `--relayer`), else the configuration's `layerZero.verifiers`.
 * Never the deployer by default, and exactly one: SimpleMessageLib whitelists a single caller.
 */
export function chooseVerifier(flag: Address | undefined, configured: string[]): Address {
  if (flag) return flag;
  if (configured.length === 0)
    throw new InputError('no LayerZero verifier configured', {
      details: 'set layerZero.verifiers in palisade.config.json (or pass --verifier ADDRESS): the account whose relayer verifies packets; the deployer is never the verifier by default',
    });
  if (configured.length > 1)
    throw new InputError(`layerZero.verifiers lists ${configured.length} verifiers; this deployment's message library accepts exactly one`);
  return getAddress(configured[0]!);
}

export function registerDeploy(program: Command): void {
  const deploy = program
    .command('deploy')
    .description(`deploy the whole system (governance, registry, LayerZero, oracle, pool, reserve, liquidator) to one chain and hand every role to its timelock; the key comes from $${DEPLOYER_KEY_ENV}, never from a flag`)
    .option('--rpc <url>', 'RPC endpoint of the chain (required)')
    .option('--chain <name>', 'name of the chain in the manifest, e.g. polygon (required)')
    .option('--eid <id>', 'LayerZero endpoint id for this chain (required)')
    .option('--verifier <address>', 'the LayerZero verifier (default: layerZero.verifiers from the config; never the deployer)')
    .option('--relayer <address>', 'same as --verifier')
    .option('--guardian <address>', 'the emergency guardian (default: governance.guardian from the config)')
    .option('--kyc-writer <address>', "the KYC service's key: deploys the audit anchor it publishes the audit log's head to (on the hub)")
    .option('--devnet-assets', 'deploy mintable USDC/WETH/WBTC stand-ins with pushable feeds (test networks only; needs --price-pusher)')
    .option('--price-pusher <address>', 'with --devnet-assets: the account that pushes feed prices')
    .option('--market <file>', 'a real network market: existing tokens and Chainlink-compatible feeds (JSON)')
    .option('--manifest <path>', 'manifest to add this chain to (default <stateDir>/manifest.<chain>.json)')
    .option('--json', 'print the deployed addresses as JSON')
    .action(
      async (opts: {
        rpc?: string;
        chain?: string;
        eid?: string;
        verifier?: string;
        relayer?: string;
        guardian?: string;
        kycWriter?: string;
        devnetAssets?: boolean;
        pricePusher?: string;
        market?: string;
        manifest?: string;
        json?: boolean;
      }) => {
        for (const flag of ['rpc', 'chain', 'eid'] as const) if (!opts[flag]) throw new InputError(`missing --${flag}`);
        const key = process.env[DEPLOYER_KEY_ENV];
        if (!key) throw new InputError(`missing deployer key: set $${DEPLOYER_KEY_ENV}`);
        if (!isHex(key) || key.length !== 66) throw new InputError(`$${DEPLOYER_KEY_ENV} is not a 32-byte hex private key`);
        const chain = opts.chain!;
        if (!/^[a-z][a-z0-9-]*$/.test(chain)) throw new InputError(`bad chain name "${chain}"`);
        const eid = Number(opts.eid);
        if (!Number.isInteger(eid) || eid <= 0 || eid > 0xffffffff) throw new InputError(`--eid must be a positive 32-bit integer, got "${opts.eid}"`);
        let url: URL;
        try {
          url = new URL(opts.rpc!);
        } catch {
          throw new InputError(`--rpc is not a URL: ${opts.rpc}`);
        }
        const config = loadConfig();
        const verifier = chooseVerifier(optionalAddress('--verifier', opts.verifier ?? opts.relayer), config.layerZero.verifiers);
        const guardian = optionalAddress('--guardian', opts.guardian) ?? optionalAddress('governance.guardian', config.governance.guardian);
        if (!!opts.devnetAssets === !!opts.market) throw new InputError('pass exactly one of --devnet-assets (test networks) and --market FILE');
        const pricePusher = optionalAddress('--price-pusher', opts.pricePusher);
        const kycWriter = optionalAddress('--kyc-writer', opts.kycWriter);
        if (opts.devnetAssets && !pricePusher) throw new InputError('--devnet-assets needs --price-pusher ADDRESS (who may push feed prices)');
        const market = opts.market ? readMarketFile(opts.market) : undefined;
        const account = privateKeyToAccount(key as Hex);
        if (!guardian) logger.warn('no guardian configured: nobody can cancel a queued proposal or pause new borrowing short of a vote');
        if (getAddress(verifier) === account.address) logger.warn('the configured LayerZero verifier is the deployer itself');

        const chainId = await probeChainId(url.toString());
        const clients = chainClients({ name: chain, chainId, rpcUrl: opts.rpc! }, account, 1000);
        const say = progress(`${chain}: `);
        say(`deploying as ${account.address} to chain id ${chainId}`);
        const firstBlock = Number(await clients.public.getBlockNumber());
        const contracts = await deploySystem(clients, {
          eid,
          verifier,
          governance: { ...config.governance, ...(guardian ? { guardian } : {}) },
          devnetAssets: opts.devnetAssets ? { pricePusher: pricePusher! } : undefined,
          market,
          auditAnchorWriter: kycWriter,
          onProgress: say,
        });
        const path = opts.manifest ?? join(config.stateDir, `manifest.${chain}.json`);
        const manifest: Manifest = existsSync(path) ? readManifest(path) : { version: 1, chains: {} };
        const block = await clients.public.getBlockNumber();
        manifest.chains[chain] = { chainId, eid, rpcUrl: opts.rpc!, deployedAtBlock: Number(block), contracts, deployer: account.address, firstBlock };
        writeManifest(path, manifest);
        say(`manifest written to ${path}`);
        if (opts.json) printJson({ chain, chainId, contracts });
        else for (const [name, addr] of Object.entries(contracts)) process.stdout.write(`${name.padEnd(18)} ${addr}\n`);
      },
    );

  deploy
    .command('check')
    .description('read a deployment (manifest + chain) and list every privileged role and who holds it')
    .option('--manifest <path>', 'the manifest to read (default $PALISADE_MANIFEST or <stateDir>/manifest.json)')
    .option('--chain <name>', 'only this chain of the manifest')
    .option('--json', 'print JSON')
    .action(async (_: unknown, cmd: Command) => {
      // commander hands --manifest/--chain/--json to `deploy` (which has the same flags) unless the whole
      // program uses positional options; the merged view sees them wherever they landed
      const opts = cmd.optsWithGlobals<{ manifest?: string; chain?: string; json?: boolean }>();
      const config = loadConfig();
      const path = opts.manifest ?? process.env.PALISADE_MANIFEST ?? join(config.stateDir, 'manifest.json');
      const manifest = readManifest(path);
      const names = opts.chain ? [opts.chain] : Object.keys(manifest.chains);
      const report: { chain: string; chainId: number; privileges: Privilege[]; findings: string[] }[] = [];
      for (const name of names) {
        const d = manifest.chains[name];
        if (!d) throw new InputError(`unknown chain "${name}"`, { details: `manifest has ${Object.keys(manifest.chains).join(', ')}` });
        const pub = publicClient({ name, chainId: d.chainId, rpcUrl: d.rpcUrl }, 1000);
        const chainId = await pub.getChainId();
        if (chainId !== d.chainId) throw new InputError(`${name}: the RPC answers chain id ${chainId}, the manifest says ${d.chainId}`);
        const privileges = await readPrivileges(pub, d.contracts, {
          deployer: d.deployer,
          guardian: config.governance.guardian ? getAddress(config.governance.guardian) : undefined,
          fromBlock: BigInt(d.firstBlock ?? 0),
        });
        report.push({ chain: name, chainId, privileges, findings: privilegeFindings(privileges) });
      }
      if (opts.json) printJson({ manifest: path, chains: report });
      else {
        for (const r of report) {
          process.stdout.write(`${r.chain} (chain id ${r.chainId})\n`);
          for (const p of r.privileges)
            process.stdout.write(`  ${`${p.contract}.${p.role}`.padEnd(36)} ${p.holder} ${p.holderName}\n`);
          for (const f of r.findings) process.stdout.write(`  ! ${f}\n`);
        }
      }
      // a privilege left with the deployer (or outside the deployment) fails the check, for CI
      if (report.some((r) => r.findings.length > 0)) process.exitCode = 1;
    });
}
