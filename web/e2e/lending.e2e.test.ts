/**
 * A user's walk through lending and liquidation in a real browser, on a running devnet chain with
 * the API and the liquidation services: pick a devnet account, supply WETH, borrow USDC, read the
 * health factor and liquidation price; the price crashes; the Liquidations page shows the auction
 * stepping down its curve until a take finishes it; the Position page shows the position closed.
 *
 * The hub's services are the ones `npm start` runs (src/cli/services.ts: price feed, monitor → executor,
 * market maker, fee keeper), with the price feed moved by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/server.ts';
import { devnetAccount, devnetActorIndex } from '../../src/chain/accounts.ts';
import { startDevnet } from '../../src/chain/devnet/startDevnet.ts';
import { chainServices } from '../../src/cli/services.ts';
import type { PriceFeedService } from '../../src/oracle/priceFeedService.ts';
import type { Service } from '../../src/shared/service.ts';
import { launchChromium } from './browser.ts';

const PORT_BASE = 38545;
const API_PORT = 38580;
const TIMEOUT_MS = 240_000;

type Devnet = Awaited<ReturnType<typeof startDevnet>>;
type Api = Awaited<ReturnType<typeof startApi>>;

let scratch: string | undefined;
let devnet: Devnet | undefined;
let api: Api | undefined;
let browser: Browser | undefined;
let page: Page;
let priceFeed: PriceFeedService;
const services: Service[] = [];
const pageErrors: Error[] = [];
/** PALISADE_E2E_SHOTS=dir saves a screenshot of each step there (to look at the pages as a user sees them). */
const shot = async (name: string) => {
  if (process.env.PALISADE_E2E_SHOTS) await page.screenshot({ path: join(process.env.PALISADE_E2E_SHOTS, `${name}.png`), fullPage: true });
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'palisade-lending-e2e-'));
  const webDir = join(scratch, 'dist');
  await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), build: { outDir: webDir, emptyOutDir: true }, logLevel: 'warn' });

  devnet = await startDevnet({ hubOnly: true, portBase: PORT_BASE, blockTimeSeconds: 1, stateDir: join(scratch, 'state'), onProgress: () => {} });
  const chain = devnet.chains[0]!;
  // the hub's services exactly as `npm start` runs them (price feed by hand here, so the test decides the crash)
  const [hub] = chainServices(devnet.manifest, { priceFeed: { priceFeed: { mode: 'off' } }, pollMs: 100 });
  for (const s of hub!.services) {
    await s.start();
    services.push(s);
  }
  priceFeed = hub!.priceFeed;

  api = await startApi({ devnet, port: API_PORT, webDir, services });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(err));
}, TIMEOUT_MS);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await api?.close().catch(() => {});
  for (const s of services.reverse()) await s.stop().catch(() => {});
  await devnet?.stop().catch(() => {});
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, TIMEOUT_MS);

/** Opens an action on a position row, enters the amount and waits for its confirmation. */
async function act(button: string, amount: string): Promise<void> {
  const card = page.getByTestId('account-hub');
  await card.getByTestId(button).click();
  const panel = card.getByTestId('action-panel');
  await panel.getByTestId('amount').fill(amount);
  await panel.getByTestId('submit').click();
  await panel.getByTestId('action-done').waitFor({ state: 'visible', timeout: 30_000 });
  expect(await panel.getByTestId('action-error').count()).toBe(0);
}

const wad = async (testId: string) => {
  const v = await page.getByTestId('account-hub').getByTestId(testId).first().getAttribute('data-value');
  return v ? BigInt(v) : null;
};

describe('a borrower on the dashboard', { timeout: TIMEOUT_MS }, () => {
  it('supplies, borrows and sees the health factor and liquidation price', async () => {
    if (!api) throw new Error('setup failed');
    await page.goto(`${api.url}/#/position`);
    await expect.poll(() => page.title()).toBe('Position · Palisade');
    await page.getByTestId('devnet-account').selectOption(String(devnetActorIndex.borrower));
    const card = page.getByTestId('account-hub');
    await card.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await card.getByTestId('qualification').getAttribute('data-qualified')).toBe('true');
    expect(await wad('health-factor')).toBeNull(); // no debt yet: ∞

    await act('supply-WETH', '10');
    await expect.poll(() => card.getByTestId('position-WETH').getByTestId('collateral').textContent(), { timeout: 10_000 }).toBe('10');

    await card.getByTestId('borrow-WETH').click();
    const panel = card.getByTestId('action-panel');
    await panel.getByTestId('amount').fill('15000');
    // the panel projects the health factor before anything is signed: 20,000 / 15,000 / 1.1
    expect(await panel.getByTestId('projected-health').textContent()).toBe('1.21');
    await panel.getByTestId('submit').click();
    await panel.getByTestId('action-done').waitFor({ state: 'visible', timeout: 30_000 });

    await expect.poll(() => wad('health-factor'), { timeout: 10_000 }).not.toBeNull();
    const hf = Number(await wad('health-factor')) / 1e18;
    expect(hf).toBeGreaterThan(1.21);
    expect(hf).toBeLessThan(1.22);
    expect(await card.getByTestId('health-factor').first().getAttribute('data-tone')).toBe('warn');
    expect(await card.getByTestId('summary-liquidation-price').textContent()).toMatch(/^\$1,650(\.\d+)? \/ WETH$/);
    expect(await card.getByTestId('position-WETH').getByTestId('debt').textContent()).toMatch(/^15,000(\.\d+)?$/);

    await shot('1-position-borrowed');
    // the market shows the new borrow
    await page.getByRole('link', { name: 'Markets' }).click();
    const market = page.getByTestId('market-hub');
    await market.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await market.getByTestId('utilization').textContent()).toBe('1.5%');
    expect(await market.getByTestId('collateral-WETH').getByTestId('price').textContent()).toBe('$2,000');
    await shot('2-markets');
    expect(pageErrors).toEqual([]);
  });

  it('watches the position liquidated after a price crash: the auction steps down and finishes', async () => {
    if (!api) throw new Error('setup failed');
    await page.getByRole('link', { name: 'Liquidations' }).click();
    await page.getByTestId('no-live').waitFor({ state: 'visible', timeout: 20_000 });

    // 16,000 USD of collateral against 15,000 of debt: a 107% ratio, below the 110% threshold
    await priceFeed.set('WETH', 1600);
    const lot = page.getByTestId('lot-live');
    await lot.waitFor({ state: 'visible', timeout: 30_000 });
    await lot.getByTestId('price-curve').waitFor({ state: 'visible' });
    expect(await lot.textContent()).toContain('10 WETH');
    const first = BigInt((await lot.getByTestId('lot-price').getAttribute('data-value'))!);
    // the price steps down 5% every 10 s until the executor takes the lot at the oracle valuation
    await expect
      .poll(async () => {
        const v = await lot.getByTestId('lot-price').getAttribute('data-value').catch(() => null);
        return v === null ? 0n : BigInt(v);
      }, { timeout: 30_000, interval: 500 })
      .toBeLessThan(first);
    await shot('3-auction-running');
    await expect.poll(() => page.getByTestId('lot-live').count(), { timeout: 60_000, interval: 1_000 }).toBe(0);
    const row = page.getByTestId('lot-finished').first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row.getAttribute('data-outcome')).toBe('sold');
    expect(await page.getByTestId('feed').textContent()).toMatch(/lot finished/);
    await shot('4-auction-finished');
    expect(pageErrors).toEqual([]);
  });

  it('shows the position closed, with the liquidation in its history', async () => {
    if (!api) throw new Error('setup failed');
    await page.getByRole('link', { name: 'Position' }).click();
    const card = page.getByTestId('account-hub');
    await card.waitFor({ state: 'visible', timeout: 20_000 });
    await expect.poll(() => card.getByTestId('position-WETH').getAttribute('data-open'), { timeout: 15_000 }).toBe('false');
    expect(await card.getByTestId('position-WETH').getByTestId('debt').textContent()).toBe('0');
    expect(await wad('health-factor')).toBeNull();
    const lot = card.getByTestId('lot');
    expect(await lot.getAttribute('data-outcome')).toBe('sold');
    await shot('5-position-closed');
    expect(await lot.textContent()).toMatch(/10 WETH seized for 15,000(\.\d+)? USDC of debt — sold/);
    expect(pageErrors).toEqual([]);
  });

  it('lets anyone look up an address read-only, and a browser wallet lend through EIP-1193', async () => {
    if (!api || !devnet) throw new Error('setup failed');
    // another visitor: no devnet key, only the lookup box
    const visitor = await browser!.newPage();
    visitor.on('pageerror', (err) => pageErrors.push(err));
    await visitor.goto(`${api.url}/#/position`);
    await visitor.getByTestId('lookup').fill(devnetAccount('borrower').address.toLowerCase());
    await visitor.getByRole('button', { name: 'Show' }).click();
    const card = visitor.getByTestId('account-hub');
    await card.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await visitor.locator('.viewing').textContent()).toContain('read-only lookup');
    expect(await card.getByTestId('lot').getAttribute('data-outcome')).toBe('sold');
    await visitor.getByTestId('lookup').fill('0x1234');
    await visitor.getByRole('button', { name: 'Show' }).click();
    expect(await visitor.getByRole('alert').first().textContent()).toContain('Not an address');
    await visitor.close();

    // a wallet extension stands in at the far side: an EIP-1193 provider whose account the devnet node
    // holds unlocked (anvil's test mnemonic), so eth_sendTransaction is signed by the node as a wallet would
    const chain = devnet.chains[0]!;
    const lender = devnetAccount('accreditedClient').address;
    const wallet = await browser!.newPage();
    wallet.on('pageerror', (err) => pageErrors.push(err));
    await wallet.addInitScript(
      ({ rpcUrl, chainIdHex, account }) => {
        const rpc = async (method: string, params: unknown) => {
          const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }) });
          const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
          if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
          return body.result;
        };
        (window as unknown as { ethereum: unknown }).ethereum = {
          request: async ({ method, params }: { method: string; params?: unknown[] }) => {
            if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account];
            if (method === 'wallet_switchEthereumChain') {
              if ((params?.[0] as { chainId: string }).chainId.toLowerCase() !== chainIdHex) throw Object.assign(new Error('unknown chain'), { code: 4902 });
              return null;
            }
            return rpc(method, params);
          },
          on: () => {},
          removeListener: () => {},
        };
      },
      { rpcUrl: chain.rpcUrl, chainIdHex: `0x${chain.chainId.toString(16)}`, account: lender },
    );
    await wallet.goto(`${api.url}/#/position`);
    await wallet.getByRole('button', { name: 'Connect wallet' }).click();
    const mine = wallet.getByTestId('account-hub');
    await mine.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await wallet.locator('.viewing').textContent()).toContain('(your wallet)');
    await mine.getByRole('button', { name: 'Lend' }).click();
    const panel = mine.getByTestId('action-panel');
    await panel.getByTestId('amount').fill('1000');
    await panel.getByTestId('submit').click();
    await panel.getByTestId('action-done').waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => mine.getByTestId('supplied').textContent(), { timeout: 10_000 }).toMatch(/^1,000(\.\d+)? USDC$/);
    await wallet.close();
    expect(pageErrors).toEqual([]);
  });
});
