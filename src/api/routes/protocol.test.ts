/**
 * The protocol routes (markets, positions, auctions, reserve, stream) and the OpenAPI document on a
 * real devnet chain: answers match their documented schemas, bad input answers 400 with each bad
 * field, a dead chain is reported without hiding the others, and the stream carries blocks and events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { abis } from '../../chain/abi/generated.ts';
import { devnetAccount } from '../../chain/accounts.ts';
import { chainClients } from '../../chain/clients.ts';
import { startDevnet, type Devnet } from '../../chain/devnet/startDevnet.ts';
import { send } from '../../chain/tx.ts';
import { startApi, type Api } from '../server.ts';
import { ProtocolReaders, marketsResponse } from './markets.ts';
import { positionsResponse } from './positions.ts';
import { auctionsResponse } from './auctions.ts';
import { reserveResponse } from './reserve.ts';

const E6 = 10n ** 6n;

describe('protocol routes on a devnet chain', () => {
  let devnet: Devnet;
  let api: Api;
  let contracts: Record<string, Address>;
  const stateDir = mkdtempSync(join(tmpdir(), 'palisade-protocol-routes-'));
  const borrower = devnetAccount('borrower').address;

  beforeAll(async () => {
    devnet = await startDevnet({ hubOnly: true, portBase: 37545, blockTimeSeconds: 1, stateDir, onProgress: () => {} });
    contracts = devnet.manifest.chains.hub!.contracts as Record<string, Address>;
    api = await startApi({
      devnet,
      port: 37580,
      webDir: join(stateDir, 'no-dashboard'),
      // stands for a route another domain adds later: the document must list it too
      register: (app) => void app.get('/later/:id', async () => ({ ok: true })),
    });
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    await devnet?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('serves an OpenAPI document that lists every route, with the schemas of the documented ones', async () => {
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const paths = body.paths as Record<string, Record<string, { summary: string; parameters: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
    expect(Object.keys(paths).sort()).toEqual(['/auctions', '/chains', '/health', '/later/{id}', '/markets', '/openapi.json', '/positions/{address}', '/reserve', '/stream'].sort());
    for (const [path, ops] of Object.entries(paths)) expect(Object.keys(ops), path).toEqual(['get']);
    const position = paths['/positions/{address}']!.get!;
    expect(position.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'address', in: 'path', required: true, schema: expect.objectContaining({ type: 'string' }) }),
        expect.objectContaining({ name: 'chain', in: 'query', required: false }),
      ]),
    );
    const schema = position.responses['200']!.content!['application/json']!.schema;
    expect(JSON.stringify(schema)).toContain('healthFactorWad');
    expect(position.responses['400']).toBeDefined();
    expect(paths['/stream']!.get!.responses['200']!.content!['text/event-stream']).toBeDefined();
    expect(paths['/auctions']!.get!.parameters.map((p) => p.name)).toEqual(['chain', 'limit']);
  });

  it('answers markets, positions, auctions and reserve in their documented shapes', async () => {
    const markets = marketsResponse.parse((await get('/markets')).body);
    expect(markets.errors).toEqual([]);
    expect(markets.markets.map((m) => m.chain)).toEqual(['hub']);
    expect(markets.markets[0]!.totalSupplyAssets).toBe((1_000_000n * E6).toString());

    const positions = positionsResponse.parse((await get(`/positions/${borrower.toLowerCase()}?chain=hub`)).body);
    expect(positions.address).toBe(borrower); // checksummed
    expect(positions.chains[0]!.qualification.qualified).toBe(true);
    expect(positions.chains[0]!.positions.map((p) => p.collateral.symbol)).toEqual(['WETH', 'WBTC']);

    const auctions = auctionsResponse.parse((await get('/auctions?chain=hub&limit=5')).body);
    expect(auctions.auctions[0]!.live).toEqual([]);
    const reserve = reserveResponse.parse((await get('/reserve')).body);
    expect(reserve.reserves[0]!.balance).toBe((100_000n * E6).toString());
  });

  it.each([
    ['/positions/0x1234', 400, 'address'],
    ['/positions/0x0000000000000000000000000000000000000000', 400, 'address'],
    ['/markets?chain=mars', 400, 'chain'],
    ['/markets?color=blue', 400, ''],
    ['/auctions?limit=0', 400, 'limit'],
    ['/auctions?limit=ten', 400, 'limit'],
    ['/reserve?chain=', 400, 'chain'],
    ['/stream?chain=mars', 400, 'chain'],
  ])('GET %s answers %i naming the bad field', async (path, code, field) => {
    const { status, body } = await get(path);
    expect(status).toBe(code);
    expect(typeof body.error).toBe('string');
    const details = body.details as { path: string; message: string }[];
    expect(details.length).toBeGreaterThan(0);
    expect(details[0]!.path).toBe(field);
  });

  it('reports a chain that does not answer while the others still answer', async () => {
    const manifest = structuredClone(devnet.manifest);
    manifest.chains.dead = { ...manifest.chains.hub!, chainId: 99_999, rpcUrl: 'http://127.0.0.1:1' };
    const readers = new ProtocolReaders(manifest);
    const { results, errors } = await readers.each(undefined, (r) => r.lending.market());
    expect(results.map((m) => m.chain)).toEqual(['hub']);
    expect(errors).toEqual([{ chain: 'dead', error: expect.stringContaining('chain dead does not answer') }]);
    await expect(readers.each('dead', (r) => r.lending.market())).rejects.toMatchObject({ status: 502, code: 'CHAIN_UNREACHABLE' });
  });

  it('streams new blocks and protocol events as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${api.url}/stream?chain=hub`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const waitFor = async (pred: (e: { event: string; data: Record<string, unknown> }) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event in ${JSON.stringify(events.map((e) => e.event))}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    };
    const block = await waitFor((e) => e.event === 'block');
    expect(block.data).toMatchObject({ chain: 'hub', number: expect.stringMatching(/^\d+$/), hash: expect.stringMatching(/^0x/) });

    const lp = chainClients(devnet.chains[0]!, devnetAccount('secondLiquidityProvider'), 50);
    await send(lp, { address: contracts.USDC!, abi: abis.DevnetToken, functionName: 'approve', args: [contracts.LendingPool!, 5n * E6] });
    await send(lp, { address: contracts.LendingPool!, abi: abis.LendingPool, functionName: 'supply', args: [5n * E6] });
    const supply = await waitFor((e) => e.event === 'protocol' && e.data.event === 'Supply');
    expect(supply.data).toMatchObject({ chain: 'hub', contract: 'LendingPool', args: { lender: lp.wallet.account.address, assets: (5n * E6).toString() } });
    controller.abort();
  });
});
