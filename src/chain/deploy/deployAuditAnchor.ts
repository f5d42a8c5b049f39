import type { Address } from 'viem';
import type { ChainClients } from '../clients.ts';
import { deploy } from '../tx.ts';
import type { Progress } from './deployCore.ts';

/**
 * The KYC service's own key on the devnet: the only writer of the audit anchors. A fixed index of
 * anvil's test mnemonic far from the named actors (0–15) and the test clients (20–22), so no other
 * service ever sends with it and its nonce stays the anchorer's alone.
 */
export const DEVNET_KYC_SERVICE_ACCOUNT_INDEX = 39;

/**
 * Deploys the KYC audit log's anchor contract (contracts/src/compliance/AuditAnchor.sol) on the hub:
 * `writer` (the KYC service's key) publishes the log's head; `governance` (the timelock) may rotate it.
 */
export async function deployAuditAnchor(c: ChainClients, o: { governance: Address; writer: Address; onProgress?: Progress }): Promise<Record<string, Address>> {
  o.onProgress?.('compliance: KYC audit anchor');
  return { AuditAnchor: await deploy(c, 'AuditAnchor', [o.governance, o.writer]) };
}
