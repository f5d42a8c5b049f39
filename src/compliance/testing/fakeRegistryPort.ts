/**
 * Test-only far side of `RegistryPort`: an in-memory registry with just enough of the on-chain
 * rules (leases, revocation, a provider's own grant above its clients, service scope) for the
 * KYC service's unit tests. Never used outside tests: the devnet and real networks use the viem
 * implementation against the registry contract.
 */
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { BaseError } from '../../shared/errors.ts';
import type { ClientGrantRequest, GrantId, GrantState, QualificationReason, RegistryPort, ServiceName } from '../registryPort.ts';

type FakeGrant = ClientGrantRequest & { grantId: GrantId; revoked: boolean };
type FakeProvider = { services: ServiceName[]; expiry: bigint; revoked: boolean };

export class FakeRegistryPort implements RegistryPort {
  readonly grants = new Map<GrantId, FakeGrant>();
  readonly providers = new Map<Address, FakeProvider>();
  readonly calls: Array<{ method: keyof RegistryPort; args: unknown[] }> = [];
  /** The next chain call throws this (once). */
  failNext: Error | undefined;
  #nonce = 0;

  constructor(private readonly nowSeconds: () => bigint) {}

  /** The provider's own grant from a seed: its services and lease. */
  addProvider(address: Address, services: ServiceName[], expiry: bigint): void {
    this.providers.set(address, { services, expiry, revoked: false });
  }

  revokeProvider(address: Address): void {
    const p = this.providers.get(address);
    if (p) p.revoked = true;
  }

  #tx(): Hex {
    return keccak256(toHex(`tx-${++this.#nonce}`));
  }

  #maybeFail(): void {
    const err = this.failNext;
    if (err) {
      this.failNext = undefined;
      throw err;
    }
  }

  async grantClient(request: ClientGrantRequest): Promise<{ grantId: GrantId; txHash: Hex }> {
    this.calls.push({ method: 'grantClient', args: [request] });
    this.#maybeFail();
    const p = this.providers.get(request.provider);
    if (!p || p.revoked || p.expiry <= this.nowSeconds()) {
      throw new BaseError('registry reverted: GrantorNotQualified', { code: 'CHAIN_REVERT' });
    }
    if (request.expiry <= this.nowSeconds()) throw new BaseError('registry reverted: ExpiryInPast', { code: 'CHAIN_REVERT' });
    const grantId = keccak256(toHex(`grant-${this.grants.size + 1}-${request.account}`));
    this.grants.set(grantId, { ...request, grantId, revoked: false });
    return { grantId, txHash: this.#tx() };
  }

  async renew(grantId: GrantId, expiry: bigint): Promise<{ txHash: Hex }> {
    this.calls.push({ method: 'renew', args: [grantId, expiry] });
    this.#maybeFail();
    const g = this.grants.get(grantId);
    if (!g || g.revoked) throw new BaseError('registry reverted: GrantNotActive', { code: 'CHAIN_REVERT' });
    g.expiry = expiry;
    return { txHash: this.#tx() };
  }

  async revoke(grantId: GrantId): Promise<{ txHash: Hex }> {
    this.calls.push({ method: 'revoke', args: [grantId] });
    this.#maybeFail();
    const g = this.grants.get(grantId);
    if (!g || g.revoked) throw new BaseError('registry reverted: GrantNotActive', { code: 'CHAIN_REVERT' });
    g.revoked = true;
    return { txHash: this.#tx() };
  }

  async grantState(grantId: GrantId): Promise<GrantState | undefined> {
    const g = this.grants.get(grantId);
    return g && { grantee: g.account, grantor: g.provider, revoked: g.revoked, expiry: g.expiry, dossierHash: g.dossierHash };
  }

  async qualification(account: Address, service: ServiceName): Promise<{ qualified: boolean; reason: QualificationReason }> {
    this.calls.push({ method: 'qualification', args: [account, service] });
    this.#maybeFail();
    const now = this.nowSeconds();
    const mine = [...this.grants.values()].filter((g) => g.account === account);
    if (mine.length === 0) return { qualified: false, reason: 'no grant' };
    let reason: QualificationReason = 'no grant';
    for (const g of mine) {
      const p = this.providers.get(g.provider);
      if (g.revoked) reason = 'revoked';
      else if (g.expiry <= now) reason = 'expired';
      else if (!p || p.revoked) reason = 'revoked ancestor';
      else if (p.expiry <= now) reason = 'expired ancestor';
      else if (!p.services.includes(service)) reason = 'out of scope';
      else return { qualified: true, reason: 'qualified' };
    }
    return { qualified: false, reason };
  }
}
