import { hexToNumber, numberToHex, parseEventLogs, type Account, type Address, type Hex } from 'viem';
import { abis } from '../chain/abi/generated.ts';
import { chainClients, publicClient, type ChainEndpoint } from '../chain/clients.ts';
import { send } from '../chain/tx.ts';
import { BaseError } from '../shared/errors.ts';
import {
  CATEGORY_BITS,
  SERVICE_BITS,
  jurisdictionToBytes2,
  type ClientGrantRequest,
  type GrantId,
  type GrantState,
  type QualificationReason,
  type RegistryPort,
  type ServiceName,
} from './registryPort.ts';

/** `Reason` of IQualifiedClientRegistry.sol, in declaration order, in the words the CLI prints. */
export const REASON_WORDS: readonly QualificationReason[] = [
  'qualified', // QUALIFIED
  'no grant', // NO_GRANT
  'expired', // EXPIRED
  'revoked', // REVOKED
  'revoked ancestor', // ANCESTOR_REVOKED
  'expired ancestor', // ANCESTOR_EXPIRED
  'inactive seed', // SEED_INACTIVE
  'out of scope', // OUT_OF_SCOPE_SERVICE
  'out of scope', // OUT_OF_SCOPE_CATEGORY
  'out of scope', // OUT_OF_SCOPE_JURISDICTION
];

/** The registry's precise reason name for a code (the CLI's --json adds it beside the short word). */
export const REASON_CODES = [
  'QUALIFIED',
  'NO_GRANT',
  'EXPIRED',
  'REVOKED',
  'ANCESTOR_REVOKED',
  'ANCESTOR_EXPIRED',
  'SEED_INACTIVE',
  'OUT_OF_SCOPE_SERVICE',
  'OUT_OF_SCOPE_CATEGORY',
  'OUT_OF_SCOPE_JURISDICTION',
] as const;

export type RegistryClientOptions = {
  chain: ChainEndpoint;
  registry: Address;
  /** The account that signs for a provider (grants are sent by the grantor itself). */
  signerFor(address: Address): Account | undefined;
};

const toGrantId = (id: number | bigint): GrantId => numberToHex(BigInt(id), { size: 32 });
const fromGrantId = (id: GrantId): number => hexToNumber(id);

/** RegistryPort over the real QualifiedClientRegistry, through viem. */
export class RegistryClient implements RegistryPort {
  private readonly reader;

  constructor(private readonly opts: RegistryClientOptions) {
    this.reader = publicClient(opts.chain, 100);
  }

  private signer(address: Address, what: string) {
    const account = this.opts.signerFor(address);
    if (!account) throw new BaseError(`no key for ${address} to ${what}`, { status: 400, code: 'NO_SIGNER', details: 'set PALISADE_PROVIDER_KEY to the provider key' });
    return chainClients(this.opts.chain, account, 100);
  }

  /**
   * Makes sure the registry holds `account`'s consent to `provider` before a grant (issue 7): a signed
   * consent is relayed by the provider; without one, the account's own key consents when this process
   * holds it (the devnet's well-known actors); otherwise the grant cannot be sent.
   */
  private async ensureConsent(r: ClientGrantRequest, provider: ReturnType<RegistryClient['signer']>): Promise<void> {
    const args = { address: this.opts.registry, abi: abis.QualifiedClientRegistry } as const;
    // consented already (on chain, or a relayed consent whose grant then failed): the signature's nonce is spent
    const current = await this.reader.readContract({ ...args, functionName: 'consentOf', args: [r.account] });
    if (current.toLowerCase() === r.provider.toLowerCase()) return;
    if (r.consent) {
      await send(provider, { ...args, functionName: 'consentBySig', args: [r.account, r.provider, r.consent.deadline, r.consent.signature] });
      return;
    }
    const own = this.opts.signerFor(r.account);
    if (!own) {
      // the same grantor re-issuing its own lapsed grant needs no new consent: let the chain decide that
      const node = await this.reader.readContract({ ...args, functionName: 'grantOf', args: [r.account] });
      if (node !== 0) return;
      throw new BaseError(`${r.account} has not consented to a grant from ${r.provider}`, {
        status: 400,
        code: 'NO_CONSENT',
        details: 'the applicant signs a GrantConsent (EIP-712) or calls consent(provider) on the registry',
      });
    }
    await send(chainClients(this.opts.chain, own, 100), { ...args, functionName: 'consent', args: [r.provider] });
  }

  async consentNonce(grantee: Address): Promise<bigint> {
    return this.reader.readContract({ address: this.opts.registry, abi: abis.QualifiedClientRegistry, functionName: 'consentNonce', args: [grantee] });
  }

  async grantClient(r: ClientGrantRequest): Promise<{ grantId: GrantId; txHash: Hex }> {
    const c = this.signer(r.provider, 'grant a client');
    await this.ensureConsent(r, c);
    const receipt = await send(c, {
      address: this.opts.registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantClient',
      args: [r.account, CATEGORY_BITS[r.category], jurisdictionToBytes2(r.jurisdiction), r.dossierHash, Number(r.expiry), true],
    });
    const [issued] = parseEventLogs({ abi: abis.QualifiedClientRegistry, logs: receipt.logs, eventName: 'GrantIssued' });
    if (!issued) throw new BaseError('grantClient mined without a GrantIssued event');
    return { grantId: toGrantId(issued.args.id), txHash: receipt.transactionHash };
  }

  private async grantor(grantId: GrantId): Promise<Address> {
    const g = await this.reader.readContract({ address: this.opts.registry, abi: abis.QualifiedClientRegistry, functionName: 'getGrant', args: [fromGrantId(grantId)] });
    return g.grantor;
  }

  async grantState(grantId: GrantId): Promise<GrantState | undefined> {
    const g = await this.reader.readContract({ address: this.opts.registry, abi: abis.QualifiedClientRegistry, functionName: 'getGrant', args: [fromGrantId(grantId)] });
    if (g.grantee === '0x0000000000000000000000000000000000000000') return undefined;
    return { grantee: g.grantee, grantor: g.grantor, revoked: g.revoked, expiry: BigInt(g.expiry), dossierHash: g.dossierHash };
  }

  async renew(grantId: GrantId, expiry: bigint): Promise<{ txHash: Hex }> {
    const c = this.signer(await this.grantor(grantId), 'renew a grant');
    const receipt = await send(c, { address: this.opts.registry, abi: abis.QualifiedClientRegistry, functionName: 'renew', args: [fromGrantId(grantId), Number(expiry), '0x' + '00'.repeat(32) as Hex] });
    return { txHash: receipt.transactionHash };
  }

  async revoke(grantId: GrantId): Promise<{ txHash: Hex }> {
    const c = this.signer(await this.grantor(grantId), 'revoke a grant');
    const receipt = await send(c, { address: this.opts.registry, abi: abis.QualifiedClientRegistry, functionName: 'revoke', args: [fromGrantId(grantId)] });
    return { txHash: receipt.transactionHash };
  }

  async qualification(account: Address, service: ServiceName): Promise<{ qualified: boolean; reason: QualificationReason }> {
    const d = await this.detailedQualification(account, service);
    return { qualified: d.qualified, reason: d.reason };
  }

  /** The verdict with the registry's precise reason and the failing grant (0 when none). */
  async detailedQualification(account: Address, service: ServiceName, categoryMask = 7, jurisdiction: Hex = '0x0000') {
    const [code, failing] = await this.reader.readContract({
      address: this.opts.registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'qualification',
      args: [account, SERVICE_BITS[service], categoryMask, jurisdiction],
    });
    return { qualified: code === 0, reason: REASON_WORDS[code] ?? 'no grant', code: REASON_CODES[code] ?? 'NO_GRANT', failingGrant: failing };
  }
}
