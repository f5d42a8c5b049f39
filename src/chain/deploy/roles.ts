import { encodeFunctionData, getAddress, keccak256, toBytes, zeroAddress, type Abi, type AbiFunction, type Address, type PublicClient } from 'viem';
import { abis, type ContractName } from '../abi/generated.ts';
import type { ChainClients } from '../clients.ts';
import { send } from '../tx.ts';
import { throughTimelock } from './timelock.ts';
import type { Progress } from './deployCore.ts';

/** The artifact behind a manifest entry (the manifest names contracts by role: PLT, USDC, WETHFeed, …). */
export function artifactOf(manifestName: string): ContractName | undefined {
  const byRole: Record<string, ContractName> = { PLT: 'PalisadeToken', Timelock: 'PalisadeTimelock', Governor: 'PalisadeGovernor', USDC: 'DevnetToken', WETH: 'DevnetToken', WBTC: 'DevnetToken' };
  if (byRole[manifestName]) return byRole[manifestName];
  if (manifestName.endsWith('Feed')) return 'DevnetPriceFeed';
  return manifestName in abis ? (manifestName as ContractName) : undefined;
}

const hasFunction = (abi: Abi, name: string, inputs: number): AbiFunction | undefined =>
  abi.find((f): f is AbiFunction => f.type === 'function' && f.name === name && f.inputs.length === inputs);

/**
 * Getters that name a privileged account. Read from every contract whose ABI has them, so roles that
 * other contracts add later (a pool's `guardian`, say) are listed without changing this file.
 */
export const PRIVILEGE_GETTERS = ['owner', 'pendingOwner', 'governance', 'pendingGovernance', 'guardian', 'pusher', 'whitelistCaller', 'feeRecipient', 'treasury', 'liquidator', 'writer'] as const;

export const TIMELOCK_ROLES = ['DEFAULT_ADMIN_ROLE', 'PROPOSER_ROLE', 'CANCELLER_ROLE', 'EXECUTOR_ROLE'] as const;
export const roleId = (role: (typeof TIMELOCK_ROLES)[number]) => (role === 'DEFAULT_ADMIN_ROLE' ? (`0x${'00'.repeat(32)}` as const) : keccak256(toBytes(role)));

export type HandoverOptions = {
  /** Seconds a passed proposal waits, set once everything is handed over. */
  timelockDelaySeconds: number;
  /** The emergency guardian: CANCELLER on the timelock and `setGuardian` wherever a contract offers it. */
  guardian?: Address;
  /** Drop the deployer's timelock roles at the end (real networks). The devnet keeps them to drive demos. */
  renounce: boolean;
  onProgress?: Progress;
};

/**
 * Hands a freshly deployed chain to its timelock (issue 7): LayerZero contracts' ownership and the OApp's
 * delegate, the guardian wired in, the timelock's real delay set, and the deployer's own timelock roles
 * renounced. Lending contracts were handed over by `deployLending`; the registry was born governed.
 */
export async function handOverToTimelock(c: ChainClients, contracts: Record<string, Address>, o: HandoverOptions): Promise<void> {
  const step = o.onProgress ?? (() => {});
  const deployer = c.wallet.account.address;
  const timelock = contracts.Timelock!;

  for (const name of ['PingOApp', 'SimpleMessageLib', 'EndpointV2'] as const) {
    const at = contracts[name];
    if (!at) continue;
    const owner = await c.public.readContract({ address: at, abi: abis.PingOApp, functionName: 'owner' });
    if (getAddress(owner) !== getAddress(deployer)) continue;
    step(`governance: ${name} to the timelock`);
    // the OApp's delegate may change its LayerZero configuration: it follows the owner
    if (name === 'PingOApp') await send(c, { address: at, abi: abis.PingOApp, functionName: 'setDelegate', args: [timelock] });
    await send(c, { address: at, abi: abis.PingOApp, functionName: 'transferOwnership', args: [timelock] });
  }

  if (o.guardian) {
    step(`governance: guardian ${o.guardian}`);
    // the guardian may cancel a queued proposal, never schedule or execute one: it cannot move funds
    await throughTimelock(c, timelock, timelock, encodeFunctionData({ abi: abis.PalisadeTimelock, functionName: 'grantRole', args: [roleId('CANCELLER_ROLE'), o.guardian] }));
    for (const [name, at] of Object.entries(contracts)) {
      const artifact = artifactOf(name);
      const setter = artifact && hasFunction(abis[artifact] as Abi, 'setGuardian', 1);
      if (!setter) continue;
      // contracts that can pause new exposure (the pool's pause, the oracle's confirmation) take it here
      await throughTimelock(c, timelock, at, encodeFunctionData({ abi: [setter], functionName: 'setGuardian', args: [o.guardian] }));
    }
  }

  const delay = BigInt(o.timelockDelaySeconds);
  const current = await c.public.readContract({ address: timelock, abi: abis.PalisadeTimelock, functionName: 'getMinDelay' });
  if (current !== delay) {
    step(`governance: timelock delay ${o.timelockDelaySeconds} s`);
    await throughTimelock(c, timelock, timelock, encodeFunctionData({ abi: abis.PalisadeTimelock, functionName: 'updateDelay', args: [delay] }));
  }

  if (o.renounce) {
    step('governance: deployer renounces its timelock roles');
    for (const role of TIMELOCK_ROLES) {
      const held = await c.public.readContract({ address: timelock, abi: abis.PalisadeTimelock, functionName: 'hasRole', args: [roleId(role), deployer] });
      if (held) await send(c, { address: timelock, abi: abis.PalisadeTimelock, functionName: 'renounceRole', args: [roleId(role), deployer] });
    }
  }
}

export type Privilege = {
  contract: string;
  address: Address;
  /** A getter (`owner`, `governance`, …), a timelock role, or `endpoint delegate`. */
  role: string;
  holder: Address;
  /** What the holder is, when it is part of the deployment: `Timelock`, `Governor`, `deployer`, `guardian`, … */
  holderName: string;
};

/**
 * Every privileged role of one chain's deployment and who holds it, read from the chain. Timelock roles
 * come from its RoleGranted/RoleRevoked history (AccessControl does not enumerate holders), each
 * confirmed with `hasRole`.
 */
export async function readPrivileges(
  pub: PublicClient,
  contracts: Record<string, Address>,
  known: { deployer?: Address; guardian?: Address; fromBlock: bigint },
): Promise<Privilege[]> {
  const names = new Map<string, string>();
  for (const [name, at] of Object.entries(contracts)) names.set(getAddress(at), name);
  if (known.deployer) names.set(getAddress(known.deployer), 'deployer');
  if (known.guardian && !names.has(getAddress(known.guardian))) names.set(getAddress(known.guardian), 'guardian');
  names.set(zeroAddress, 'anyone (zero address)');
  const nameOf = (a: Address) => names.get(getAddress(a)) ?? 'external';
  const out: Privilege[] = [];
  const add = (contract: string, address: Address, role: string, holder: Address) =>
    out.push({ contract, address, role, holder: getAddress(holder), holderName: nameOf(holder) });

  for (const [name, at] of Object.entries(contracts)) {
    const artifact = artifactOf(name);
    if (!artifact) continue;
    const abi = abis[artifact] as Abi;
    for (const getter of PRIVILEGE_GETTERS) {
      const fn = hasFunction(abi, getter, 0);
      if (!fn || fn.outputs.length !== 1 || fn.outputs[0]!.type !== 'address') continue;
      let holder: Address;
      try {
        holder = (await pub.readContract({ address: at, abi: [fn], functionName: getter })) as Address;
      } catch {
        continue; // an external contract (a real Chainlink feed, say) under a familiar name
      }
      // an empty pending slot is no privilege
      if (getter.startsWith('pending') && holder === zeroAddress) continue;
      add(name, at, getter, holder);
    }
  }

  if (contracts.PingOApp && contracts.EndpointV2) {
    const delegate = await pub.readContract({ address: contracts.EndpointV2, abi: abis.EndpointV2, functionName: 'delegates', args: [contracts.PingOApp] });
    add('PingOApp', contracts.PingOApp, 'endpoint delegate', delegate);
  }

  // registered market makers earn the auction rebate: a privilege granted by governance, listed from MakerSet
  if (contracts.Liquidator) {
    const makerSet = abis.Liquidator.filter((e) => e.type === 'event' && e.name === 'MakerSet');
    const logs = await pub.getContractEvents({ address: contracts.Liquidator, abi: makerSet, fromBlock: known.fromBlock, toBlock: 'latest' });
    const seen = new Set<Address>();
    for (const l of logs) seen.add(getAddress((l.args as { maker: Address }).maker));
    for (const maker of seen) {
      const is = await pub.readContract({ address: contracts.Liquidator, abi: abis.Liquidator, functionName: 'isMaker', args: [maker] });
      if (is) add('Liquidator', contracts.Liquidator, 'market maker', maker);
    }
  }

  const timelock = contracts.Timelock;
  if (timelock) {
    const events = abis.PalisadeTimelock.filter((e) => e.type === 'event' && (e.name === 'RoleGranted' || e.name === 'RoleRevoked'));
    const logs = await pub.getContractEvents({ address: timelock, abi: events, fromBlock: known.fromBlock, toBlock: 'latest' });
    const candidates = new Map<string, Set<Address>>();
    for (const l of logs) {
      const args = l.args as { role: `0x${string}`; account: Address };
      if (!candidates.has(args.role)) candidates.set(args.role, new Set());
      candidates.get(args.role)!.add(getAddress(args.account));
    }
    for (const role of TIMELOCK_ROLES) {
      for (const account of candidates.get(roleId(role)) ?? []) {
        const held = await pub.readContract({ address: timelock, abi: abis.PalisadeTimelock, functionName: 'hasRole', args: [roleId(role), account] });
        if (held) add('Timelock', timelock, role, account);
      }
    }
  }
  return out;
}

/**
 * What a real network's deployment must not show: a privilege left with the deployer (or any account
 * outside the deployment other than the guardian and the configured verifier/pusher roles, which are
 * operational; and the test-network stand-in tokens' minter). Returned as one line per finding.
 */
export function privilegeFindings(list: Privilege[]): string[] {
  // operational keys held outside the deployment by design: feed pushers, the LayerZero verifier, the KYC service's anchor writer
  const operational = new Set(['pusher', 'whitelistCaller', 'guardian', 'feeRecipient', 'treasury', 'market maker', 'writer']);
  const findings: string[] = [];
  for (const p of list) {
    // the mintable stand-ins exist only on test networks (--devnet-assets): minting them is the faucet
    if (p.role === 'owner' && artifactOf(p.contract) === 'DevnetToken') continue;
    if (p.holderName === 'deployer' && !operational.has(p.role))
      findings.push(`${p.contract}.${p.role} is still held by the deployer ${p.holder}`);
    else if (p.holderName === 'external' && !operational.has(p.role) && p.role !== 'CANCELLER_ROLE')
      findings.push(`${p.contract}.${p.role} is held by ${p.holder}, outside the deployment`);
  }
  return findings;
}
