/**
 * The Network page in a real browser against the real devnet and API: four chain cards appear,
 * each shows an EndpointV2 address, every block height advances on its own, and the page says
 * so when the API goes away.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/server.ts';
import { startDevnet } from '../../src/chain/devnet/startDevnet.ts';
import { launchChromium } from './browser.ts';

const PORT_BASE = 18545;
const API_PORT = 18080;
const TIMEOUT_MS = 120_000;
const CHAINS = ['hub', 'polygon', 'bsc', 'alaya'];

type Devnet = Awaited<ReturnType<typeof startDevnet>>;
type Api = Awaited<ReturnType<typeof startApi>>;
type ChainsAnswer = Array<{ name: string; chainId: number; contracts: Record<string, string> }>;

let scratch: string | undefined;
let devnet: Devnet | undefined;
let api: Api | undefined;
let apiClosed = false;
let browser: Browser | undefined;
let page: Page;
const pageErrors: Error[] = [];

/** The height a card shows, or NaN while it shows none. */
async function heightOf(card: Locator): Promise<number> {
  const value = await card.getByTestId('block-height').getAttribute('data-value');
  return value ? Number(value) : Number.NaN;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'palisade-web-e2e-'));
  // Build the dashboard from the current sources so the test never runs a stale web/dist.
  const webDir = join(scratch, 'dist');
  await build({
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    build: { outDir: webDir, emptyOutDir: true },
    logLevel: 'warn',
  });

  devnet = await startDevnet({ portBase: PORT_BASE, blockTimeSeconds: 1, stateDir: join(scratch, 'state'), onProgress: () => {} });
  api = await startApi({ devnet, port: API_PORT, webDir });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err));
}, TIMEOUT_MS);

afterAll(async () => {
  // every step runs even if an earlier one fails: a leftover anvil or chromium is worse than noise
  await browser?.close().catch(() => {});
  if (api && !apiClosed) await api.close().catch(() => {});
  await devnet?.stop().catch(() => {});
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, TIMEOUT_MS);

describe('Network page', { timeout: TIMEOUT_MS }, () => {
  it('shows the four devnet chains with EndpointV2 and block heights that advance', async () => {
    if (!api || !devnet) throw new Error('setup failed');
    expect(devnet.chains.map((c) => c.name).sort()).toEqual([...CHAINS].sort());

    const answer = (await (await fetch(`${api.url}/chains`)).json()) as ChainsAnswer;

    await page.goto(api.url);
    await expect.poll(() => page.title()).toBe('Network · Palisade');
    expect(await page.getByRole('link', { name: 'Network' }).getAttribute('aria-current')).toBe('page');

    const cards = page.getByRole('article');
    await cards.nth(3).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await cards.count()).toBe(4);

    const initial = new Map<string, number>();
    for (const chain of devnet.chains) {
      const card = page.getByTestId(`chain-${chain.name}`);
      await card.waitFor({ state: 'visible' });
      await expect.poll(() => heightOf(card), { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
      initial.set(chain.name, await heightOf(card));

      expect(await card.getByRole('heading', { level: 2 }).textContent()).toBe(chain.name);
      expect(await card.getByTestId('chain-id').textContent()).toContain(String(chain.chainId));

      const endpoint = card.getByTestId('contract-EndpointV2').locator('code');
      const shown = await endpoint.getAttribute('data-address');
      expect(shown).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(shown).toBe(answer.find((c) => c.name === chain.name)?.contracts.EndpointV2);
      expect(await endpoint.getAttribute('title')).toBe(shown);
      expect(await endpoint.textContent()).toBe(`${shown!.slice(0, 6)}…${shown!.slice(-4)}`);
    }
    expect(await page.getByTestId('last-updated').textContent()).toMatch(/^Last updated/);

    // One-second blocks and two-second polling: each card must show a higher block soon.
    for (const chain of devnet.chains) {
      const card = page.getByTestId(`chain-${chain.name}`);
      const before = initial.get(chain.name)!;
      await expect.poll(() => heightOf(card), { timeout: 20_000, interval: 500 }).toBeGreaterThan(before);
    }
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('shows an error banner and keeps the last data when the API goes away', async () => {
    if (!api) throw new Error('setup failed');
    await api.close();
    apiClosed = true;

    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await banner.textContent()).toContain('Cannot reach the Palisade API');
    expect(await page.getByRole('article').count()).toBe(4);
    expect(pageErrors).toEqual([]);
  });
});
