import { encodeFunctionData, keccak256, stringToHex, toHex, type Address, type Hex } from 'viem';
import { abis } from '../abi/generated.ts';
import { devnetAccount, type DevnetActor } from '../accounts.ts';
import { chainClients, type ChainClients } from '../clients.ts';
import { throughTimelock } from '../deploy/timelock.ts';
import { send } from '../tx.ts';

const YEAR = 365 * 24 * 3600;
const ALL_SERVICES = 0b1111; // STO | DCE | DCS | LEND
const INSTITUTIONAL = 1;
const ACCREDITED = 2;
const ANY_CATEGORY = 7;
const ANY_JURISDICTION = '0x0000' as Hex;

/** Demo clients the bank qualifies on every chain: they lend, borrow, execute and make markets. */
export const DEMO_CLIENTS: { who: DevnetActor; category: number }[] = [
  { who: 'institutionalClient', category: INSTITUTIONAL },
  { who: 'accreditedClient', category: ACCREDITED },
  { who: 'liquidityProvider', category: INSTITUTIONAL },
  { who: 'secondLiquidityProvider', category: INSTITUTIONAL },
  { who: 'borrower', category: ACCREDITED },
  { who: 'executor', category: INSTITUTIONAL },
  { who: 'secondExecutor', category: INSTITUTIONAL },
  { who: 'marketMaker', category: INSTITUTIONAL },
];

/** Clients for devnet actor `who` on the same chain as `c`. */
const actorOn = (c: ChainClients, who: DevnetActor) =>
  chainClients({ name: c.chain.name, chainId: c.chain.id, rpcUrl: c.chain.rpcUrls.default.http[0]! }, devnetAccount(who), 50);

// Dossier commitments for demo actors: hashes of a label, standing for the off-chain dossier's hash.
const dossier = (label: string) => keccak256(toHex(`palisade-devnet-dossier:${label}`));

/**
 * Gives the devnet its actors (DESIGN.md): two seed authorities (added by governance through the timelock),
 * a bank under each with every service and KYC power, and demo clients qualified by the first bank.
 */
export async function seedDemoActors(deployer: ChainClients, contracts: Record<string, Address>): Promise<void> {
  const registry = contracts.QualifiedClientRegistry!;
  const at = (who: DevnetActor) => actorOn(deployer, who);
  const now = Number((await deployer.public.getBlock()).timestamp);

  for (const seed of ['seedAuthority', 'secondSeedAuthority'] as const) {
    const data = encodeFunctionData({ abi: abis.QualifiedClientRegistry, functionName: 'addSeed', args: [devnetAccount(seed).address] });
    await throughTimelock(deployer, contracts.Timelock!, registry, data);
  }
  const banks = [
    { seed: 'seedAuthority', bank: 'bank', jurisdiction: 'DE' },
    { seed: 'secondSeedAuthority', bank: 'secondBank', jurisdiction: 'NL' },
  ] as const;
  // every grantee consents to its grantor first: the registry refuses grants nobody asked for (issue 7)
  const consent = (who: DevnetActor, grantor: DevnetActor) =>
    send(at(who), { address: registry, abi: abis.QualifiedClientRegistry, functionName: 'consent', args: [devnetAccount(grantor).address] });
  for (const b of banks) {
    await consent(b.bank, b.seed);
    await send(at(b.seed), {
      address: registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantProvider',
      args: [
        devnetAccount(b.bank).address,
        { services: ALL_SERVICES, category: INSTITUTIONAL, jurisdiction: stringToHex(b.jurisdiction, { size: 2 }), kycCategories: ANY_CATEGORY, kycJurisdictions: [ANY_JURISDICTION] },
        dossier(b.bank),
        now + YEAR,
        true,
      ],
    });
  }
  const bank = at('bank');
  for (const c of DEMO_CLIENTS) {
    await consent(c.who, 'bank');
    await send(bank, {
      address: registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantClient',
      args: [devnetAccount(c.who).address, c.category, stringToHex('DE', { size: 2 }), dossier(c.who), now + YEAR, true],
    });
  }
}

/**
 * Devnet balances and a live market: every demo actor gets USDC, WETH and WBTC; the first liquidity
 * provider supplies 1,000,000 USDC to the pool and the reserve starts with 100,000 USDC.
 */
export async function fundDemoActors(deployer: ChainClients, contracts: Record<string, Address>): Promise<void> {
  const at = (who: DevnetActor) => actorOn(deployer, who);
  const mint = (token: string, to: Address, amount: bigint) =>
    send(deployer, { address: contracts[token]!, abi: abis.DevnetToken, functionName: 'mint', args: [to, amount] });
  for (const { who } of DEMO_CLIENTS) {
    const a = devnetAccount(who).address;
    await mint('USDC', a, 10_000_000n * 10n ** 6n);
    await mint('WETH', a, 1_000n * 10n ** 18n);
    await mint('WBTC', a, 50n * 10n ** 8n);
  }
  const lp = at('liquidityProvider');
  const supply = 1_000_000n * 10n ** 6n;
  await send(lp, { address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, supply] });
  await send(lp, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supply', args: [supply] });
  const seed = 100_000n * 10n ** 6n;
  await mint('USDC', deployer.wallet.account.address, seed);
  await send(deployer, { address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.RiskReserve!, seed] });
  await send(deployer, { address: contracts.RiskReserve!, abi: abis.RiskReserve, functionName: 'deposit', args: [seed] });
}

/**
 * Demo borrowers with open positions, so the running devnet has something to liquidate: with WETH at
 * 2,000 and WBTC at 60,000 (110% liquidation ratio) they stay healthy while prices wander, and a crash
 * of WETH below ~1,650 (`palisade prices set WETH 1200`) makes both WETH positions liquidatable.
 */
export const DEMO_POSITIONS: { who: DevnetActor; collateral: 'WETH' | 'WBTC'; amount: bigint; borrow: bigint; liquidatableBelow: number }[] = [
  { who: 'borrower', collateral: 'WETH', amount: 10n * 10n ** 18n, borrow: 14_000n * 10n ** 6n, liquidatableBelow: 1540 },
  { who: 'accreditedClient', collateral: 'WETH', amount: 5n * 10n ** 18n, borrow: 7_500n * 10n ** 6n, liquidatableBelow: 1650 },
  { who: 'institutionalClient', collateral: 'WBTC', amount: 1n * 10n ** 8n, borrow: 42_000n * 10n ** 6n, liquidatableBelow: 46_200 },
];

export async function openDemoPositions(deployer: ChainClients, contracts: Record<string, Address>): Promise<void> {
  for (const p of DEMO_POSITIONS) {
    const c = actorOn(deployer, p.who);
    const token = contracts[p.collateral]!;
    await send(c, { address: token, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, p.amount] });
    await send(c, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supplyCollateral', args: [token, p.amount, c.wallet.account.address] });
    await send(c, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'borrow', args: [token, p.borrow] });
  }
}
