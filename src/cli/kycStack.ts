/**
 * The devnet's KYC service, as `npm start` runs it: one store (the CLI goes through the API while
 * the devnet runs), bound to this devnet's hub deployment, its audit head anchored on the hub, and
 * the two demo banks registered with their reviewers (each bank reviews for itself on the devnet).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from 'viem';
import { devnetAccount } from '../chain/accounts.ts';
import { DEVNET_KYC_SERVICE_ACCOUNT_INDEX } from '../chain/deploy/deployAuditAnchor.ts';
import type { Manifest } from '../chain/manifest.ts';
import { AuditAnchorClient, AuditAnchorer } from '../compliance/auditAnchor.ts';
import { readDeploymentBinding } from '../compliance/deployment.ts';
import { KycService } from '../compliance/kycService.ts';
import { RegistryClient } from '../compliance/registryClient.ts';
import { ReviewerAuth } from '../compliance/reviewerAuth.ts';
import { normaliseProviderRegistration, providerRegistrationTypedData } from '../compliance/signedRequests.ts';
import { allowedHosts } from '../api/security.ts';
import { hubChain, type PalisadeConfig } from '../shared/config.ts';
import { type Db, openDb } from '../shared/db.ts';
import { logger } from '../shared/logger.ts';
import type { Service } from '../shared/service.ts';
import { devnetKycKey } from './devnetKey.ts';
import { providerSigner } from './registryContext.ts';

/** On the devnet the head moves with every demo action; anchor it within a minute rather than ten. */
const DEVNET_ANCHOR_INTERVAL_MS = 60_000;

export const DEVNET_PROVIDERS = [
  { actor: 'bank', name: 'Bank Y (devnet)' },
  { actor: 'secondBank', name: 'Bank Z (devnet)' },
] as const;

export async function startKycService(o: {
  config: PalisadeConfig;
  manifest: Manifest;
  services: Service[];
  closers: Array<() => Promise<void>>;
  anchorIntervalMs?: number;
}): Promise<{ kyc: KycService; auth: ReviewerAuth }> {
  const hubName = hubChain(o.config).name;
  const hub = o.manifest.chains[hubName]!;
  const endpoint = { name: hubName, chainId: hub.chainId, rpcUrl: hub.rpcUrl };
  const registryAddress = hub.contracts.QualifiedClientRegistry! as Address;
  const deployment = await readDeploymentBinding(endpoint, registryAddress, hub.deployedAtBlock);
  // The chains are fresh at every start, so the devnet's store is too: a new embedded directory, or
  // on PostgreSQL a schema named after this deployment (a database never mixes two devnets).
  let db: Db;
  if (process.env.DATABASE_URL) {
    db = await openDb({ url: process.env.DATABASE_URL, ownerUrl: process.env.DATABASE_OWNER_URL, schema: `kyc_devnet_${deployment.blockHash.slice(2, 18)}` });
  } else {
    rmSync(join(o.config.stateDir, 'api-db'), { recursive: true, force: true });
    db = await openDb({ dataDir: join(o.config.stateDir, 'api-db') });
  }
  o.closers.push(() => db.close());
  const anchors = new AuditAnchorClient({
    chain: endpoint,
    address: hub.contracts.AuditAnchor! as Address,
    writer: devnetAccount(DEVNET_KYC_SERVICE_ACCOUNT_INDEX),
    fromBlock: BigInt(hub.deployedAtBlock),
  });
  const anchorer = new AuditAnchorer({ db, port: anchors, intervalMs: o.anchorIntervalMs ?? DEVNET_ANCHOR_INTERVAL_MS, logger });
  const kyc = new KycService({
    db,
    encryptionKey: devnetKycKey(o.config.stateDir),
    deployment,
    anchors,
    anchorNow: () => anchorer.anchorNow(),
    registry: new RegistryClient({ chain: endpoint, registry: registryAddress, signerFor: providerSigner(true) }),
  });
  const issuedAt = Math.floor(Date.now() / 1000);
  for (const p of DEVNET_PROVIDERS) {
    const bank = devnetAccount(p.actor);
    const registration = normaliseProviderRegistration({
      address: bank.address,
      name: p.name,
      categories: ['INSTITUTIONAL', 'ACCREDITED', 'RETAIL'],
      reviewers: [bank.address],
    });
    const signature = await bank.signTypedData(providerRegistrationTypedData(deployment.chainId, { ...registration, issuedAt }));
    await kyc.registerProvider({ ...registration, issuedAt, signature });
  }
  await anchorer.anchorNow();
  await anchorer.start();
  o.services.push(anchorer);
  const auth = new ReviewerAuth({ db, domains: allowedHosts(o.config.api.host, o.config.api.port), chainId: deployment.chainId });
  return { kyc, auth };
}
