import { readFileSync } from 'node:fs';
import { getAddress, parseUnits, type Address } from 'viem';
import { z } from 'zod';
import type { ChainClients } from '../clients.ts';
import type { GovernanceConfig } from '../../shared/config.ts';
import { InputError } from '../../shared/errors.ts';
import { deployCore, type Progress } from './deployCore.ts';
import { deployLending, devnetLendingOptions, type LendingDeployOptions } from './deployLending.ts';
import { deployAuditAnchor } from './deployAuditAnchor.ts';
import { handOverToTimelock } from './roles.ts';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address').transform((s) => getAddress(s));
const wadRatio = z.string().regex(/^\d+(\.\d{1,18})?$/, 'a decimal ratio such as "1.1"').transform((s) => parseUnits(s, 18));

/**
 * A real network's lending market (`palisade deploy --market FILE`): existing tokens and their existing
 * Chainlink-compatible feeds, nothing minted or pushed by the deployer.
 */
export const marketFileSchema = z.object({
  loanAsset: z.object({ symbol: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/), address, feed: address }),
  collaterals: z
    .array(z.object({ symbol: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/), address, feed: address, liquidationRatio: wadRatio, maxLtv: wadRatio }))
    .min(1),
  heartbeatSeconds: z.number().int().positive(),
  maxDeviationBps: z.number().int().min(1).max(10_000),
  makers: z.array(address).default([]),
});
export type MarketFile = z.infer<typeof marketFileSchema>;

export function readMarketFile(path: string): MarketFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read market file ${path}`, { details: (err as Error).message });
  }
  const parsed = marketFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`malformed market file ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export type SystemDeployOptions = {
  eid: number;
  /** The LayerZero verifier (SimpleMessageLib's one whitelisted caller), from configuration. */
  verifier: Address;
  governance: GovernanceConfig;
  /** Test networks: mintable stand-ins with pushable feeds, prices pushed by `pricePusher`. */
  devnetAssets?: { pricePusher: Address };
  /** Real networks: existing tokens and feeds. Exactly one of `devnetAssets` and `market`. */
  market?: MarketFile;
  /** The KYC service's key: when given, the audit anchor is deployed too (on the hub), governed by the timelock. */
  auditAnchorWriter?: Address;
  onProgress?: Progress;
};

/**
 * Deploys the whole system the devnet has on one chain (governance, registry, LayerZero endpoint and OApp,
 * oracle, pool, reserve, liquidator), then hands every role to the timelock and has the deployer renounce
 * its own timelock roles, so the deployment answers only to governance (and the guardian, who can only
 * cancel and pause).
 */
export async function deploySystem(c: ChainClients, o: SystemDeployOptions): Promise<Record<string, Address>> {
  if (!!o.devnetAssets === !!o.market) throw new InputError('deploy needs exactly one of --devnet-assets and --market FILE');
  const contracts = await deployCore(c, { eid: o.eid, relayer: o.verifier, devnetAssets: !!o.devnetAssets, governance: o.governance, onProgress: o.onProgress });
  let lending: LendingDeployOptions;
  if (o.devnetAssets) {
    lending = { ...devnetLendingOptions(contracts, o.devnetAssets.pricePusher), makers: [] };
  } else {
    const m = o.market!;
    lending = {
      loanAsset: { symbol: m.loanAsset.symbol, address: m.loanAsset.address, feed: m.loanAsset.feed, initialPrice8: 0n },
      collaterals: m.collaterals.map((col) => ({ ...col, initialPrice8: 0n })),
      registry: contracts.QualifiedClientRegistry!,
      timelock: contracts.Timelock!,
      pricePusher: c.wallet.account.address, // unused: every feed is an existing one
      heartbeat: m.heartbeatSeconds,
      maxDeviationBps: m.maxDeviationBps,
      makers: m.makers,
    };
  }
  Object.assign(contracts, await deployLending(c, { ...lending, onProgress: o.onProgress }));
  if (o.auditAnchorWriter) Object.assign(contracts, await deployAuditAnchor(c, { governance: contracts.Timelock!, writer: o.auditAnchorWriter, onProgress: o.onProgress }));
  await handOverToTimelock(c, contracts, {
    timelockDelaySeconds: o.governance.timelockDelaySeconds,
    guardian: o.governance.guardian ? getAddress(o.governance.guardian) : undefined,
    renounce: true,
    onProgress: o.onProgress,
  });
  return contracts;
}
