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

// Dossier commitments for demo actors: hashes of a label, standing for the off-chain dossier's hash.
const dossier = (label: string) => keccak256(toHex(`palisade-devnet-dossier:${label}`));

/**
 * Gives the devnet its actors (DESIGN.md): two seed authorities (added by governance through the timelock),
 * a bank under each with every service and KYC power, and demo clients qualified by the first bank.
 */
export async function seedDemoActors(deployer: ChainClients, contracts: Record<string, Address>): Promise<void> {
  const registry = contracts.QualifiedClientRegistry!;
  const at = (who: DevnetActor) => chainClients({ name: deployer.chain.name, chainId: deployer.chain.id, rpcUrl: deployer.chain.rpcUrls.default.http[0]! }, devnetAccount(who), 50);
  const now = Number((await deployer.public.getBlock()).timestamp);

  for (const seed of ['seedAuthority', 'secondSeedAuthority'] as const) {
    const data = encodeFunctionData({ abi: abis.QualifiedClientRegistry, functionName: 'addSeed', args: [devnetAccount(seed).address] });
    await throughTimelock(deployer, contracts.Timelock!, registry, data);
  }
  const banks = [
    { seed: 'seedAuthority', bank: 'bank', jurisdiction: 'DE' },
    { seed: 'secondSeedAuthority', bank: 'secondBank', jurisdiction: 'NL' },
  ] as const;
  for (const b of banks) {
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
    await send(bank, {
      address: registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantClient',
      args: [devnetAccount(c.who).address, c.category, stringToHex('DE', { size: 2 }), dossier(c.who), now + YEAR, true],
    });
  }
}
