import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { signGrantConsent } from '../chain/grantConsent.ts';
import { openDb, type Db } from '../shared/db.ts';
import { InputError } from '../shared/errors.ts';
import { KycService } from './kycService.ts';
import { RegistryClient } from './registryClient.ts';
import { providerSigner } from '../cli/registryContext.ts';
import { readDeploymentBinding } from './deployment.ts';
import { applicationTypedData, normaliseApplication, normaliseProviderRegistration, providerRegistrationTypedData } from './signedRequests.ts';
import type { Reviewer } from './reviewerAuth.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

// An applicant whose key no devnet process holds: only its signed GrantConsent lets the bank grant it.
describe('KYC application with a signed grant consent, on a real registry', () => {
  let devnet: Devnet;
  let dir: string;
  let db: Db;
  let registry: RegistryClient;
  let kyc: KycService;
  let registryAddress: Address;
  let chainId: number;
  const bank = devnetAccount('bank').address;
  const secondBank = devnetAccount('secondBank').address;
  const reviewer: Reviewer = { address: bank, provider: bank };
  const applicant = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());

  const signedApplication = async () => {
    const a = normaliseApplication({
      provider: bank,
      applicant: applicant.address,
      legalName: 'Nobody Special',
      subjectType: 'person',
      category: 'INSTITUTIONAL',
      jurisdiction: 'DE',
      documents: [{ kind: 'passport', digest: '0x' + 'ef'.repeat(32) }],
    });
    const issuedAt = Math.floor(Date.now() / 1000);
    return { ...a, issuedAt, signature: await applicant.signTypedData(applicationTypedData(chainId, { ...a, issuedAt })) };
  };
  const consent = async (o: { signer?: typeof applicant; grantor?: Address; nonce?: bigint; deadline?: number } = {}) => {
    const deadline = o.deadline ?? Math.floor(Date.now() / 1000) + 3600;
    const nonce = o.nonce ?? BigInt((await kyc.consentTerms(applicant.address)).nonce);
    const signature = await signGrantConsent(o.signer ?? applicant, registryAddress, chainId, { grantee: applicant.address, grantor: o.grantor ?? bank, nonce, deadline: BigInt(deadline) });
    return { nonce: nonce.toString(), deadline, signature };
  };
  const counts = async () => {
    const a = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM kyc_applications');
    const l = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM kyc_audit_log');
    return { applications: a.rows[0]!.n, audit: l.rows[0]!.n };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-kyc-consent-'));
    devnet = await startDevnet({ hubOnly: true, portBase: 38545, blockTimeSeconds: 1, stateDir: dir, onProgress: () => {} });
    const hub = devnet.manifest.chains.hub!;
    chainId = hub.chainId;
    registryAddress = hub.contracts.QualifiedClientRegistry! as Address;
    const endpoint = { name: 'hub', chainId: hub.chainId, rpcUrl: hub.rpcUrl };
    registry = new RegistryClient({ chain: endpoint, registry: registryAddress, signerFor: providerSigner(true) });
    db = await openDb({});
    const deployment = await readDeploymentBinding(endpoint, registryAddress, hub.deployedAtBlock);
    kyc = new KycService({ db, registry, encryptionKey: randomBytes(32), deployment });
    const r = normaliseProviderRegistration({ address: bank, name: 'Bank Y', categories: ['INSTITUTIONAL', 'ACCREDITED'], jurisdictions: ['DE', 'FR'], reviewers: [bank] });
    const issuedAt = Math.floor(Date.now() / 1000);
    await kyc.registerProvider({ ...r, issuedAt, signature: await devnetAccount('bank').signTypedData(providerRegistrationTypedData(chainId, { ...r, issuedAt })) });
  });
  afterAll(async () => {
    await db?.close();
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the consent terms name the registry, the chain and the registry’s nonce for the applicant', async () => {
    expect(await kyc.consentTerms(applicant.address)).toEqual({ registry: registryAddress, chainId, grantee: applicant.address, nonce: '0' });
  });

  it('a wrongly signed, misdirected, stale or expired consent is refused with 400 and nothing is stored', async () => {
    const before = await counts();
    const cases: Array<[string, unknown, string]> = [
      ['signed by another key', await consent({ signer: stranger }), 'grant consent not signed by the applicant for this provider'],
      ['for another provider', await consent({ grantor: secondBank }), 'grant consent not signed by the applicant for this provider'],
      ['with a nonce the registry is not at', await consent({ nonce: 5n }), 'grant consent carries a stale nonce'],
      ['expired', await consent({ deadline: Math.floor(Date.now() / 1000) - 60 }), 'grant consent expired'],
    ];
    for (const [what, c, message] of cases) {
      const err = await kyc.apply({ ...(await signedApplication()), consent: c }).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(InputError);
      expect((err as InputError).status, what).toBe(400);
      expect((err as Error).message, what).toBe(message);
    }
    expect(await counts()).toEqual(before);
  });

  it('a non-devnet applicant with a signed consent is approved: the consent is relayed and the grant mined', async () => {
    expect(providerSigner(true)(applicant.address)).toBeUndefined();
    expect((await registry.qualification(applicant.address, 'DCE')).reason).toBe('no grant');
    const app = await kyc.apply({ ...(await signedApplication()), consent: await consent() });
    const { grant } = await kyc.approve(reviewer, { applicationId: app.id, leaseDays: 90 });
    expect(grant).toMatchObject({ account: applicant.address, provider: bank, status: 'active' });
    expect(await registry.qualification(applicant.address, 'DCE')).toEqual({ qualified: true, reason: 'qualified' });
    expect(await registry.consentNonce(applicant.address)).toBe(1n);
    expect(await kyc.verifyAuditLog()).toMatchObject({ ok: true });
  });
});
