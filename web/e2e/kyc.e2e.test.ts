/**
 * The KYC page in a real browser against a real hub chain and the real KYC service: anyone checks
 * an address; a non-reviewer cannot sign in; Bank Y's reviewer signs in with a devnet test key,
 * sees an application filed (EIP-712-signed by the applicant), approves it, and the address turns
 * qualified on chain; the audit log verifies, anchored on the hub.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complianceRoutes } from '../../src/api/routes/compliance.ts';
import { startApi } from '../../src/api/server.ts';
import { devnetAccount } from '../../src/chain/accounts.ts';
import { startDevnet } from '../../src/chain/devnet/startDevnet.ts';
import { startKycService } from '../../src/cli/kycStack.ts';
import { applicationTypedData, normaliseApplication } from '../../src/compliance/signedRequests.ts';
import { loadConfig } from '../../src/shared/config.ts';
import type { Service } from '../../src/shared/service.ts';
import { launchChromium } from './browser.ts';

const PORT_BASE = 36545;
const API_PORT = 36080;
const TIMEOUT_MS = 180_000;

let scratch: string | undefined;
let devnet: Awaited<ReturnType<typeof startDevnet>> | undefined;
let api: Awaited<ReturnType<typeof startApi>> | undefined;
let browser: Browser | undefined;
let page: Page;
const services: Service[] = [];
const closers: Array<() => Promise<void>> = [];
const pageErrors: Error[] = [];
const applicant = devnetAccount(24);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'palisade-kyc-e2e-'));
  const webDir = join(scratch, 'dist');
  await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), build: { outDir: webDir, emptyOutDir: true }, logLevel: 'warn' });
  const stateDir = join(scratch, 'state');
  devnet = await startDevnet({ hubOnly: true, portBase: PORT_BASE, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
  const config = { ...loadConfig(), api: { host: '127.0.0.1', port: API_PORT }, stateDir };
  const kyc = await startKycService({ config, manifest: devnet.manifest, services, closers });
  api = await startApi({ devnet, port: API_PORT, webDir, services, register: async (app) => {
    await app.register(complianceRoutes, kyc);
  } });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err));
}, TIMEOUT_MS);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await api?.close().catch(() => {});
  for (const s of services.reverse()) await s.stop().catch(() => {});
  for (const c of closers.reverse()) await c().catch(() => {});
  await devnet?.stop().catch(() => {});
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, TIMEOUT_MS);

async function check(address: string) {
  await page.getByTestId('check-address').fill(address);
  await page.getByTestId('check-service').selectOption('LEND');
  await page.getByRole('button', { name: 'Check' }).click();
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ state: 'visible', timeout: 20_000 });
  return verdict;
}

describe('KYC page', { timeout: TIMEOUT_MS }, () => {
  it('checks an address, signs a reviewer in, and approves an application so the address qualifies', async () => {
    if (!api || !devnet) throw new Error('setup failed');
    const hub = devnet.manifest.chains.hub!;
    const fields = normaliseApplication({
      provider: devnetAccount('bank').address,
      applicant: applicant.address,
      legalName: 'Browser Test GmbH',
      subjectType: 'entity',
      category: 'INSTITUTIONAL',
      jurisdiction: 'DE',
      documents: [{ kind: 'register-extract', digest: `0x${'ab'.repeat(32)}` }],
    });
    const issuedAt = Math.floor(Date.now() / 1000);
    const signature = await applicant.signTypedData(applicationTypedData(hub.chainId, { ...fields, issuedAt }));
    const filed = await fetch(`${api.url}/kyc/applications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, issuedAt, signature }) });
    expect(filed.status).toBe(201);

    await page.goto(`${api.url}/#/kyc`);
    await expect.poll(() => page.title()).toBe('KYC · Palisade');
    expect(await (await check(applicant.address)).getAttribute('data-reason')).toBe('no grant');

    // a test account that no provider registered cannot sign in
    await page.getByTestId('devnet-account').selectOption('5');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('signin-error').textContent(), { timeout: 20_000 }).toContain('not a registered reviewer');

    await page.getByTestId('devnet-account').selectOption('3');
    await page.getByTestId('sign-in').click();
    const item = page.getByTestId('queue-item');
    await item.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await item.textContent()).toContain('Browser Test GmbH');
    expect(await page.getByTestId('signed-in-as').locator('code').first().getAttribute('data-address')).toBe(devnetAccount('bank').address);

    await item.getByTestId('approve').click();
    await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 60_000 }).toContain('Approved');
    await page.getByTestId('queue-empty').waitFor({ state: 'visible', timeout: 20_000 });
    await page.getByTestId('grant-row').first().waitFor({ state: 'visible', timeout: 20_000 });

    const verdict = await check(applicant.address);
    await expect.poll(() => verdict.getAttribute('data-qualified'), { timeout: 20_000 }).toBe('true');

    const audit = (await (await fetch(`${api.url}/kyc/audit/verify`)).json()) as { ok: boolean; anchoredSeq: number; entries: number };
    expect(audit).toMatchObject({ ok: true, anchorsChecked: true });
    expect(audit.anchoredSeq).toBe(audit.entries);
    await expect.poll(() => page.getByTestId('audit-status').getAttribute('data-ok'), { timeout: 20_000 }).toBe('true');
    expect(pageErrors).toEqual([]);
  });
});
