import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { abis } from '../chain/abi/generated.ts';
import { publicClient } from '../chain/clients.ts';
import { openDb, type Db } from '../shared/db.ts';
import { KycService } from './kycService.ts';
import { RegistryClient } from './registryClient.ts';
import { providerSigner } from '../cli/registryContext.ts';
import { readDeploymentBinding } from './deployment.ts';
import { AuditAnchorClient, AuditAnchorer } from './auditAnchor.ts';
import { DEVNET_KYC_SERVICE_ACCOUNT_INDEX } from '../chain/deploy/deployAuditAnchor.ts';
import { applicationTypedData, normaliseApplication, normaliseProviderRegistration, providerRegistrationTypedData } from './signedRequests.ts';
import { logger } from '../shared/logger.ts';
import type { Reviewer } from './reviewerAuth.ts';

// seed → bank → client on a real devnet chain, through the KYC service and the real registry.
describe('Qualified Client Protocol on the devnet', () => {
  let devnet: Devnet;
  let dir: string;
  let db: Db;
  let registry: RegistryClient;
  let kyc: KycService;
  const client = devnetAccount(20).address; // a fresh applicant under the first seed's bank
  const otherTreeClient = devnetAccount(21).address; // qualified under the second seed's bank
  const bank = devnetAccount('bank').address;
  const reviewer: Reviewer = { address: bank, provider: bank };
  let anchorer: AuditAnchorer;
  const signedApplication = async (index: number, fields: Record<string, unknown>) => {
    const key = devnetAccount(index);
    const a = normaliseApplication({ ...fields, applicant: key.address });
    const issuedAt = Math.floor(Date.now() / 1000);
    return { ...a, issuedAt, signature: await key.signTypedData(applicationTypedData(devnet.manifest.chains.hub!.chainId, { ...a, issuedAt })) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-compliance-'));
    devnet = await startDevnet({ portBase: 21545, blockTimeSeconds: 1, stateDir: dir, onProgress: () => {} });
    const hub = devnet.manifest.chains.hub!;
    registry = new RegistryClient({
      chain: { name: 'hub', chainId: hub.chainId, rpcUrl: hub.rpcUrl },
      registry: hub.contracts.QualifiedClientRegistry! as `0x${string}`,
      signerFor: providerSigner(true),
    });
    db = await openDb({});
    const endpoint = { name: 'hub', chainId: hub.chainId, rpcUrl: hub.rpcUrl };
    const deployment = await readDeploymentBinding(endpoint, hub.contracts.QualifiedClientRegistry! as `0x${string}`, hub.deployedAtBlock);
    const anchors = new AuditAnchorClient({ chain: endpoint, address: hub.contracts.AuditAnchor! as `0x${string}`, writer: devnetAccount(DEVNET_KYC_SERVICE_ACCOUNT_INDEX), fromBlock: BigInt(hub.deployedAtBlock) });
    anchorer = new AuditAnchorer({ db, port: anchors, logger });
    kyc = new KycService({ db, registry, encryptionKey: randomBytes(32), deployment, anchors, anchorNow: () => anchorer.anchorNow() });
    const r = normaliseProviderRegistration({ address: bank, name: 'Bank Y', categories: ['INSTITUTIONAL', 'ACCREDITED'], jurisdictions: ['DE', 'FR'], reviewers: [bank] });
    const issuedAt = Math.floor(Date.now() / 1000);
    await kyc.registerProvider({ ...r, issuedAt, signature: await devnetAccount('bank').signTypedData(providerRegistrationTypedData(hub.chainId, { ...r, issuedAt })) });
  });
  afterAll(async () => {
    await db?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cliCheck = (address: string) => {
    const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../bin/palisade.js'), 'compliance', 'check', address, '--service', 'DCE', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, PALISADE_MANIFEST: devnet.manifestPath, PALISADE_CHAIN: 'hub' },
    });
    return { code: r.status, json: r.stdout ? (JSON.parse(r.stdout) as { qualified: boolean; reason: string }) : undefined, stderr: r.stderr };
  };

  it('an approved application qualifies the client on chain; a second seed’s client stands apart', async () => {
    expect((await registry.qualification(client, 'DCE')).reason).toBe('no grant');
    const app = await kyc.apply(await signedApplication(20, {
      provider: bank,
      legalName: 'Acme Treasury GmbH',
      subjectType: 'entity',
      category: 'INSTITUTIONAL',
      jurisdiction: 'DE',
      documents: [{ kind: 'register-extract', digest: '0x' + 'ab'.repeat(32) }],
    }));
    await kyc.approve(reviewer, { applicationId: app.id, leaseDays: 180 });
    expect(await registry.qualification(client, 'DCE')).toEqual({ qualified: true, reason: 'qualified' });
    expect(cliCheck(client).json).toMatchObject({ qualified: true, reason: 'qualified' });

    await registry.grantClient({
      provider: devnetAccount('secondBank').address,
      account: otherTreeClient,
      category: 'ACCREDITED',
      jurisdiction: 'NL',
      dossierHash: ('0x' + 'cd'.repeat(32)) as `0x${string}`,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400 * 30),
    });
    expect((await registry.qualification(otherTreeClient, 'LEND')).qualified).toBe(true);
  });

  it('revoking the bank disqualifies its client with the reason, and leaves the other tree qualified', async () => {
    const hub = devnet.manifest.chains.hub!;
    const reader = publicClient({ name: 'hub', chainId: hub.chainId, rpcUrl: hub.rpcUrl });
    const bankGrant = await reader.readContract({ address: hub.contracts.QualifiedClientRegistry! as `0x${string}`, abi: abis.QualifiedClientRegistry, functionName: 'grantOf', args: [bank] });
    // the seed authority (the bank's grantor) revokes; the registry checks it is an ancestor
    await registry.revoke(('0x' + bankGrant.toString(16).padStart(64, '0')) as `0x${string}`);

    const d = await registry.detailedQualification(client, 'DCE');
    expect(d).toMatchObject({ qualified: false, reason: 'revoked ancestor', code: 'ANCESTOR_REVOKED' });
    expect(d.failingGrant).toBe(bankGrant);
    const cli = cliCheck(client);
    expect(cli.code).toBe(0);
    expect(cli.json).toMatchObject({ qualified: false, reason: 'revoked ancestor' });
    expect(await registry.qualification(otherTreeClient, 'DCE')).toEqual({ qualified: true, reason: 'qualified' });
    // the demo clients under the revoked bank fall with it, at once
    expect((await registry.qualification(devnetAccount('borrower').address, 'LEND')).reason).toBe('revoked ancestor');
  });

  it('a revoked bank can no longer qualify anyone, and nothing is recorded off chain', async () => {
    const app = await kyc.apply(await signedApplication(22, {
      provider: bank,
      legalName: 'Late Applicant BV',
      subjectType: 'entity',
      category: 'ACCREDITED',
      jurisdiction: 'FR',
      documents: [{ kind: 'passport', digest: '0x' + '12'.repeat(32) }],
    }));
    await expect(kyc.approve(reviewer, { applicationId: app.id })).rejects.toThrow(/GrantorNotLive|grantClient|chain/i);
    expect((await kyc.getApplication(reviewer, app.id)).status).toBe('pending');
    expect((await kyc.verifyAuditLog()).ok).toBe(true);
  });

  it('anchors the audit head on the hub; deleting the anchored tail is detected from the chain', async () => {
    await anchorer.anchorNow();
    const v = await kyc.verifyAuditLog();
    expect(v).toMatchObject({ ok: true, entries: 4, anchoredSeq: 4, unanchored: 0, anchorsChecked: true });
    await db.exec('ALTER TABLE kyc_audit_log DISABLE TRIGGER kyc_audit_log_append_only; DELETE FROM kyc_audit_log WHERE seq = 4;');
    await expect(kyc.verifyAuditLog()).resolves.toMatchObject({ ok: false, problem: 'anchored entries are missing (tail deleted)' });
  });
});
