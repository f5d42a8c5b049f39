/**
 * Test-only helpers for the KYC service: fixed keys for providers, reviewers and applicants, signed
 * requests built the way a client builds them, an in-memory anchor contract, and a deployment.
 */
import { type Hex, keccak256, toHex } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import type { AuditAnchorRecord } from '../auditLog.ts';
import type { AuditAnchorPort } from '../auditAnchor.ts';
import type { DeploymentBinding } from '../deployment.ts';
import { applicationInputSchema } from '../dossier.ts';
import { type ReviewerAuth, type Session, signInWithKey } from '../reviewerAuth.ts';
import { applicationTypedData, normaliseProviderRegistration, providerRegistrationTypedData } from '../signedRequests.ts';

/** A deterministic key per label (never a real key). */
export const keyOf = (label: string): PrivateKeyAccount => privateKeyToAccount(keccak256(toHex(`palisade test key: ${label}`)));

export const TEST_DEPLOYMENT: DeploymentBinding = {
  chainId: 31337,
  registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  deployedAtBlock: 42,
  blockHash: `0x${'11'.repeat(32)}`,
};

const DUMMY_SIGNATURE = `0x${'00'.repeat(65)}` as Hex;

/**
 * The application as the applicant's client would send it: normalised, dated and signed by `signer`
 * (the applicant itself unless a test says otherwise). Fields that do not validate are sent as
 * they are with a well-formed but meaningless signature, so the service's validation is what answers.
 */
export async function signedApplication(
  signer: PrivateKeyAccount,
  fields: Record<string, unknown>,
  o: { issuedAt: number; chainId?: number },
): Promise<Record<string, unknown>> {
  const parsed = applicationInputSchema.safeParse(fields);
  if (!parsed.success) return { ...fields, issuedAt: o.issuedAt, signature: DUMMY_SIGNATURE };
  const signature = await signer.signTypedData(applicationTypedData(o.chainId ?? TEST_DEPLOYMENT.chainId, { ...parsed.data, issuedAt: o.issuedAt }));
  return { ...parsed.data, issuedAt: o.issuedAt, signature };
}

export async function signedRegistration(
  signer: PrivateKeyAccount,
  fields: { address?: string; name: string; categories: string[]; jurisdictions?: string[]; reviewers: string[] },
  o: { issuedAt: number; chainId?: number },
): Promise<Record<string, unknown>> {
  const r = normaliseProviderRegistration({ address: signer.address, ...fields });
  const signature = await signer.signTypedData(providerRegistrationTypedData(o.chainId ?? TEST_DEPLOYMENT.chainId, { ...r, issuedAt: o.issuedAt }));
  return { ...r, issuedAt: o.issuedAt, signature };
}

export function signIn(auth: ReviewerAuth, account: PrivateKeyAccount, now: Date): Promise<Session> {
  return signInWithKey(auth, account, 'palisade:test', now);
}

/** AuditAnchor.sol's rules in memory: only increasing sequences. */
export class FakeAuditAnchor implements AuditAnchorPort {
  readonly records: AuditAnchorRecord[] = [];
  failNext: Error | undefined;
  async anchor(seq: number, head: string): Promise<{ txHash: Hex }> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const last = this.records.at(-1)?.seq ?? 0;
    if (seq <= last) throw new Error(`SequenceNotIncreasing(${seq}, ${last})`);
    this.records.push({ seq, head });
    return { txHash: keccak256(toHex(`anchor-${seq}`)) };
  }
  async anchors(): Promise<AuditAnchorRecord[]> {
    return [...this.records];
  }
}
