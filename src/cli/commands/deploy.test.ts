import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, toHex, type Address } from 'viem';
import { abis } from '../../chain/abi/generated.ts';
import { devnetAccount } from '../../chain/accounts.ts';
import { chainClients } from '../../chain/clients.ts';
import { deployCore } from '../../chain/deploy/deployCore.ts';
import { startAnvil, type AnvilProcess } from '../../chain/devnet/anvil.ts';
import { writeManifest } from '../../chain/manifest.ts';
import { signGrantConsent } from '../../chain/grantConsent.ts';
import { deploy, send } from '../../chain/tx.ts';
import { DEVNET_GOVERNANCE } from '../../shared/config.ts';

// A real anvil standing for a real network: `palisade deploy` deploys the whole system there and hands
// every role to the timelock; `palisade deploy check` reads it back. Run under flock (fixed port).
const PORT = 36545;
const CHAIN_ID = 36545;
const bin = resolve(import.meta.dirname, '../../../bin/palisade.js');
const deployer = devnetAccount('deployer');
const deployerKey = toHex(deployer.getHdKey().privateKey!);
const verifier = devnetAccount('relayer').address;
const guardian = devnetAccount('auditor').address; // stands for the guardian multisig
const pusher = devnetAccount('pricePusher').address;

type Run = { code: number | null; stdout: string; stderr: string };
const run = (args: string[], env: Record<string, string>): Promise<Run> =>
  new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr: stderr.trim() }));
  });

type Check = { chains: { chain: string; privileges: { contract: string; role: string; holder: Address; holderName: string }[]; findings: string[] }[] };

describe('palisade deploy on a real anvil', () => {
  let anvil: AnvilProcess;
  let dir: string;
  const config = (extra: object) => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        chains: [
          { name: 'hub', chainId: 1, eid: 1, port: 1, role: 'hub' },
          { name: 'side', chainId: 2, eid: 2, port: 2 },
        ],
        stateDir: dir,
        ...extra,
      }),
    );
    return path;
  };
  const nonce = () => chainClients({ name: 'net', chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl }, deployer).public.getTransactionCount({ address: deployer.address });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-deploy-'));
    anvil = await startAnvil({ name: 'net', chainId: CHAIN_ID, port: PORT });
  }, 30_000);
  afterAll(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to deploy without a configured LayerZero verifier, sending nothing', async () => {
    const before = await nonce();
    const r = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30999', '--devnet-assets', '--price-pusher', pusher], {
      PALISADE_DEPLOYER_KEY: deployerKey,
      PALISADE_CONFIG: config({}),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').pop()).toMatch(/^palisade: no LayerZero verifier configured: set layerZero\.verifiers .*the deployer is never the verifier by default$/);
    expect(await nonce()).toBe(before);
  });

  it('deploys the whole system, hands every role to the timelock, and deploy check lists who holds what', async () => {
    const cfg = config({
      governance: { votingDelaySeconds: 7200, votingPeriodSeconds: 3 * 86_400, proposalThresholdPlt: 250_000, quorumPercent: 5, timelockDelaySeconds: 86_400, guardian },
      layerZero: { verifiers: [verifier] },
    });
    const manifestPath = join(dir, 'manifest.net.json');
    const env = { PALISADE_DEPLOYER_KEY: deployerKey, PALISADE_CONFIG: cfg };
    const kycWriter = devnetAccount(31).address;
    const r = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30999', '--devnet-assets', '--price-pusher', pusher, '--kyc-writer', kycWriter, '--json'], env);
    expect(r.stderr).not.toMatch(/palisade: /);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { contracts: Record<string, Address> };
    for (const name of ['Timelock', 'Governor', 'QualifiedClientRegistry', 'EndpointV2', 'PingOApp', 'PriceOracle', 'LendingPool', 'RiskReserve', 'Liquidator', 'AuditAnchor'])
      expect(out.contracts[name], name).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.devnet).toBeUndefined(); // a deployment never claims to be a devnet
    expect(manifest.chains.net.deployer).toBe(deployer.address);

    const c = chainClients({ name: 'net', chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl }, deployer);
    const gov = out.contracts.Governor!;
    expect(await c.public.readContract({ address: gov, abi: abis.PalisadeGovernor, functionName: 'votingDelay' })).toBe(7200n);
    expect(await c.public.readContract({ address: gov, abi: abis.PalisadeGovernor, functionName: 'votingPeriod' })).toBe(3n * 86_400n);
    expect(await c.public.readContract({ address: gov, abi: abis.PalisadeGovernor, functionName: 'proposalThreshold' })).toBe(250_000n * 10n ** 18n);
    expect(await c.public.readContract({ address: gov, abi: abis.PalisadeGovernor, functionName: 'quorumNumerator' })).toBe(5n);
    expect(await c.public.readContract({ address: out.contracts.Timelock!, abi: abis.PalisadeTimelock, functionName: 'getMinDelay' })).toBe(86_400n);

    const check = await run(['deploy', 'check', '--manifest', manifestPath, '--json'], env);
    expect(check.stderr).toBe('');
    const report = JSON.parse(check.stdout) as Check;
    const net = report.chains[0]!;
    expect(net.findings).toEqual([]);
    expect(check.code).toBe(0);
    const holders = (contract: string, role: string) =>
      net.privileges.filter((p) => p.contract === contract && p.role === role).map((p) => p.holderName).sort();
    expect(holders('Timelock', 'DEFAULT_ADMIN_ROLE')).toEqual(['Timelock']);
    expect(holders('Timelock', 'PROPOSER_ROLE')).toEqual(['Governor']);
    expect(holders('Timelock', 'CANCELLER_ROLE')).toEqual(['Governor', 'guardian']);
    expect(holders('Timelock', 'EXECUTOR_ROLE')).toEqual(['anyone (zero address)']);
    for (const contract of ['EndpointV2', 'SimpleMessageLib', 'PingOApp']) expect(holders(contract, 'owner'), contract).toEqual(['Timelock']);
    expect(holders('PingOApp', 'endpoint delegate')).toEqual(['Timelock']);
    for (const contract of ['QualifiedClientRegistry', 'PriceOracle', 'LendingPool', 'RiskReserve', 'Liquidator', 'USDCFeed', 'WETHFeed', 'WBTCFeed'])
      expect(holders(contract, 'governance'), contract).toEqual(['Timelock']);
    expect(net.privileges.find((p) => p.contract === 'SimpleMessageLib' && p.role === 'whitelistCaller')?.holder).toBe(getAddress(verifier));
    expect(holders('LendingPool', 'liquidator')).toEqual(['Liquidator']);
    expect(holders('RiskReserve', 'liquidator')).toEqual(['Liquidator']);
    expect(net.privileges.find((p) => p.contract === 'WETHFeed' && p.role === 'pusher')?.holder).toBe(getAddress(pusher));
    // the KYC audit anchor: governed by the timelock, written only by the KYC service's key
    expect(holders('AuditAnchor', 'governance')).toEqual(['Timelock']);
    expect(net.privileges.find((p) => p.contract === 'AuditAnchor' && p.role === 'writer')?.holder).toBe(kycWriter);
    // the deployer holds nothing but the test tokens it may mint (test networks only)
    expect(net.privileges.filter((p) => p.holderName === 'deployer').map((p) => `${p.contract}.${p.role}`).sort()).toEqual(['USDC.owner', 'WBTC.owner', 'WETH.owner']);

    // the registry takes a grantee's EIP-712 consent relayed by anyone (the typed data here is what wallets sign)
    const applicant = devnetAccount(30);
    const bank = devnetAccount('bank').address;
    const registry = out.contracts.QualifiedClientRegistry!;
    const signature = await signGrantConsent(applicant, registry, CHAIN_ID, { grantee: applicant.address, grantor: bank, nonce: 0n, deadline: 2n ** 40n });
    await send(c, { address: registry, abi: abis.QualifiedClientRegistry, functionName: 'consentBySig', args: [applicant.address, bank, 2n ** 40n, signature] });
    expect(await c.public.readContract({ address: registry, abi: abis.QualifiedClientRegistry, functionName: 'consentOf', args: [applicant.address] })).toBe(bank);

    // the human-readable listing names the same holders
    const text = await run(['deploy', 'check', '--manifest', manifestPath], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Timelock\.PROPOSER_ROLE\s+0x[0-9a-fA-F]{40} Governor/);
  }, 240_000);

  it('deploy check fails (exit 1) and names every privilege a deployer kept', async () => {
    // the core alone, as the devnet deploys it: the deployer still proposes and owns the endpoint
    const c = chainClients({ name: 'net', chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl }, deployer);
    const firstBlock = Number(await c.public.getBlockNumber());
    const contracts = await deployCore(c, { eid: 30998, relayer: verifier, devnetAssets: false, governance: DEVNET_GOVERNANCE });
    const manifestPath = join(dir, 'manifest.core.json');
    writeManifest(manifestPath, {
      version: 1,
      chains: { net: { chainId: CHAIN_ID, eid: 30998, rpcUrl: anvil.rpcUrl, deployedAtBlock: firstBlock, contracts, deployer: deployer.address, firstBlock } },
    });
    const r = await run(['deploy', 'check', '--manifest', manifestPath, '--json'], { PALISADE_CONFIG: config({}) });
    expect(r.code).toBe(1);
    const findings = (JSON.parse(r.stdout) as Check).chains[0]!.findings;
    expect(findings).toEqual(
      expect.arrayContaining([
        `Timelock.DEFAULT_ADMIN_ROLE is still held by the deployer ${deployer.address}`,
        `Timelock.PROPOSER_ROLE is still held by the deployer ${deployer.address}`,
        `EndpointV2.owner is still held by the deployer ${deployer.address}`,
        `PingOApp.owner is still held by the deployer ${deployer.address}`,
      ]),
    );
  }, 120_000);

  it('deploys a real-network market from a --market file of existing tokens and feeds', async () => {
    const c = chainClients({ name: 'net', chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl }, devnetAccount('secondBank'));
    // "existing" tokens and Chainlink-style feeds, deployed by someone else beforehand
    const usdc = await deploy(c, 'DevnetToken', ['USD Coin', 'USDC', 6, c.wallet.account.address]);
    const weth = await deploy(c, 'DevnetToken', ['Wrapped Ether', 'WETH', 18, c.wallet.account.address]);
    const usdcFeed = await deploy(c, 'DevnetPriceFeed', ['USDC / USD', c.wallet.account.address, c.wallet.account.address, 1_00000000n]);
    const wethFeed = await deploy(c, 'DevnetPriceFeed', ['ETH / USD', c.wallet.account.address, c.wallet.account.address, 2_000_00000000n]);
    const marketPath = join(dir, 'market.json');
    writeFileSync(
      marketPath,
      JSON.stringify({
        loanAsset: { symbol: 'USDC', address: usdc, feed: usdcFeed },
        collaterals: [{ symbol: 'WETH', address: weth, feed: wethFeed, liquidationRatio: '1.1', maxLtv: '0.8' }],
        heartbeatSeconds: 3600,
        maxDeviationBps: 2000,
        makers: [guardian],
      }),
    );
    const manifestPath = join(dir, 'manifest.market.json');
    const env = { PALISADE_DEPLOYER_KEY: deployerKey, PALISADE_CONFIG: config({ layerZero: { verifiers: [verifier] }, governance: { guardian } }) };
    const r = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30997', '--market', marketPath, '--manifest', manifestPath, '--json'], env);
    expect(r.stderr).not.toMatch(/palisade: /);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { contracts: Record<string, Address> };
    expect(out.contracts.USDC).toBeUndefined(); // nothing minted: the market's tokens are used as they are
    expect(out.contracts.WETHFeed).toBe(wethFeed);
    const pool = out.contracts.LendingPool!;
    expect(await c.public.readContract({ address: pool, abi: abis.LendingPool, functionName: 'loanAsset' })).toBe(usdc);
    // the real defaults: two days in the timelock
    expect(await c.public.readContract({ address: out.contracts.Timelock!, abi: abis.PalisadeTimelock, functionName: 'getMinDelay' })).toBe(2n * 86_400n);
    // check names who controls the feeds the market relies on: here their (outside) owner, not the deployer
    const check = await run(['deploy', 'check', '--manifest', manifestPath, '--json'], env);
    const owner = c.wallet.account.address;
    expect((JSON.parse(check.stdout) as Check).chains[0]!.findings).toEqual([
      `USDCFeed.governance is held by ${owner}, outside the deployment`,
      `WETHFeed.governance is held by ${owner}, outside the deployment`,
    ]);
    expect(check.code).toBe(1);
    const makers = (JSON.parse(check.stdout) as Check).chains[0]!.privileges.filter((p) => p.role === 'market maker');
    expect(makers.map((p) => p.holder)).toEqual([getAddress(guardian)]);

    const bad = join(dir, 'bad-market.json');
    writeFileSync(bad, JSON.stringify({ loanAsset: { symbol: 'USDC', address: usdc, feed: usdcFeed }, collaterals: [], heartbeatSeconds: 3600, maxDeviationBps: 2000 }));
    const refused = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30997', '--market', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n').pop()).toMatch(/^palisade: malformed market file .*: collaterals: /);
  }, 240_000);

  it('refuses a verifier list the message library cannot hold, and a missing price pusher', async () => {
    const two = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30999', '--devnet-assets', '--price-pusher', pusher], {
      PALISADE_DEPLOYER_KEY: deployerKey,
      PALISADE_CONFIG: config({ layerZero: { verifiers: [verifier, guardian] } }),
    });
    expect(two.code).toBe(1);
    expect(two.stderr.split('\n').pop()).toBe('palisade: layerZero.verifiers lists 2 verifiers; this deployment\'s message library accepts exactly one');
    const noPusher = await run(['deploy', '--rpc', anvil.rpcUrl, '--chain', 'net', '--eid', '30999', '--devnet-assets', '--verifier', verifier], {
      PALISADE_DEPLOYER_KEY: deployerKey,
      PALISADE_CONFIG: config({}),
    });
    expect(noPusher.code).toBe(1);
    expect(noPusher.stderr.split('\n').pop()).toBe('palisade: --devnet-assets needs --price-pusher ADDRESS (who may push feed prices)');
  });
});
