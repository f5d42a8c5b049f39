import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeEventLog, toHex, type Hex } from 'viem';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { chainClients, type ChainClients } from '../chain/clients.ts';
import { abis } from '../chain/abi/generated.ts';
import { send } from '../chain/tx.ts';
import { Relayer, deploymentId } from './relayer.ts';
import { readAnvilRecord } from '../chain/devnet/processes.ts';
import { writeFileSync, readFileSync } from 'node:fs';
import { decodePacket } from './packet.ts';

// Real anvil chains, real LayerZero EndpointV2 + message library, the real relayer.
describe('relayer over the devnet', () => {
  let devnet: Devnet;
  let dir: string;
  const clients = new Map<string, ChainClients>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-relayer-'));
    devnet = await startDevnet({ portBase: 20545, blockTimeSeconds: 1, stateDir: dir, onProgress: () => {} });
    for (const c of devnet.chains) clients.set(c.name, chainClients(c, devnetAccount('deployer'), 100));
  });
  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const contracts = (chain: string) => devnet.manifest.chains[chain]!.contracts;
  const eid = (chain: string) => devnet.manifest.chains[chain]!.eid;

  async function ping(from: string, to: string, text: string): Promise<{ guid: Hex; encoded: Hex }> {
    const c = clients.get(from)!;
    const app = contracts(from).PingOApp!;
    const fee = await c.public.readContract({ address: app, abi: abis.PingOApp, functionName: 'quote', args: [eid(to), toHex(text)] });
    const receipt = await send(c, { address: app, abi: abis.PingOApp, functionName: 'ping', args: [eid(to), toHex(text)], value: fee });
    for (const log of receipt.logs) {
      try {
        const ev = decodeEventLog({ abi: abis.EndpointV2, data: log.data, topics: log.topics });
        if (ev.eventName === 'PacketSent') {
          const encoded = ev.args.encodedPayload;
          return { guid: decodePacket(encoded).guid, encoded };
        }
      } catch {
        // not an endpoint event
      }
    }
    throw new Error('no PacketSent in receipt');
  }

  const deliveries = (chain: string, guid: Hex) =>
    clients.get(chain)!.public.readContract({ address: contracts(chain).PingOApp!, abi: abis.PingOApp, functionName: 'deliveries', args: [guid] });
  const received = (chain: string, fromChain: string) =>
    clients.get(chain)!.public.readContract({ address: contracts(chain).PingOApp!, abi: abis.PingOApp, functionName: 'received', args: [eid(fromChain)] });

  async function until(cond: () => Promise<boolean>, ms = 30_000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('timed out');
  }

  it('delivers a message from every chain to every other exactly once', async () => {
    const relayer = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath: join(dir, 'cursor-a.json'), pollMs: 200 });
    const names = devnet.chains.map((c) => c.name);
    const sent: { to: string; guid: Hex }[] = [];
    for (const from of names) for (const to of names) if (from !== to) sent.push({ to, ...(await ping(from, to, `${from}->${to}`)) });
    await relayer.start();
    try {
      for (const s of sent) await until(async () => (await deliveries(s.to, s.guid)) === 1n);
      // one more full pass must not deliver anything twice
      await relayer.pollOnce();
      for (const s of sent) expect(await deliveries(s.to, s.guid)).toBe(1n);
      for (const to of names) for (const from of names) if (from !== to) expect(await received(to, from)).toBe(1n);
    } finally {
      await relayer.stop();
    }
  });

  it('survives a restart mid-flight: verified-not-executed and unseen packets land once, old ones are not replayed', async () => {
    const cursorPath = join(dir, 'cursor-b.json');
    const first = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath, pollMs: 200 });
    const before = await received('bsc', 'hub');
    const a = await ping('hub', 'bsc', 'a');
    await first.pollOnce();
    expect(await deliveries('bsc', a.guid)).toBe(1n);

    // mid-flight: b is verified on the destination but the relayer "crashes" before lzReceive; c is not seen at all
    const b = await ping('hub', 'bsc', 'b');
    const relayerClients = chainClients(devnet.chains.find((c) => c.name === 'bsc')!, devnetAccount('relayer'), 100);
    await send(relayerClients, { address: contracts('bsc').SimpleMessageLib!, abi: abis.SimpleMessageLib, functionName: 'validatePacket', args: [b.encoded] });
    const c = await ping('hub', 'bsc', 'c');
    await first.stop();

    // a fresh process reads the cursor and resumes; a third one with the cursor lost rescans from deployment
    const second = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath, pollMs: 200 });
    expect(await second.state(decodePacket(b.encoded))).toBe('verified');
    await second.pollOnce();
    const third = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath: join(dir, 'lost.json'), pollMs: 200 });
    await third.pollOnce();
    expect(third.delivered).toBe(0);

    for (const m of [a, b, c]) expect(await deliveries('bsc', m.guid)).toBe(1n);
    expect(await received('bsc', 'hub')).toBe(before + 3n);
  });

  it('keeps delivering on every other lane while one chain is hung', async () => {
    const relayer = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath: join(dir, 'cursor-c.json'), pollMs: 200, rpcTimeoutMs: 1_000 });
    const bsc = readAnvilRecord(dir)!.anvils.find((a) => a.name === 'bsc')!;
    const toBsc = await ping('hub', 'bsc', 'stuck');
    await relayer.start();
    process.kill(bsc.pid, 'SIGSTOP'); // bsc hangs: accepts connections, answers nothing
    try {
      const m = await ping('alaya', 'hub', 'while bsc hangs');
      const n = await ping('hub', 'polygon', 'while bsc hangs');
      await until(async () => (await deliveries('hub', m.guid)) === 1n && (await deliveries('polygon', n.guid)) === 1n, 20_000);
      expect(relayer.health().ok).toBe(false);
      expect(relayer.health().detail).toMatch(/->bsc|bsc->/);
    } finally {
      process.kill(bsc.pid, 'SIGCONT');
    }
    // and once bsc answers again, its lanes catch up
    await until(async () => (await deliveries('bsc', toBsc.guid)) === 1n, 30_000);
    await relayer.stop();
  });

  it('discards a cursor file written for another deployment and rescans its own', async () => {
    const cursorPath = join(dir, 'cursor-d.json');
    const m = await ping('polygon', 'hub', 'after a restart');
    // what a relayer of an earlier devnet run left: same chains, ports and addresses, cursors far ahead
    const earlier = structuredClone(devnet.manifest);
    for (const c of Object.values(earlier.chains)) c.deployedAtBlockHash = ('0x' + 'ee'.repeat(32)) as Hex;
    const lanes = Object.fromEntries(Object.keys(devnet.manifest.chains).flatMap((a) => Object.keys(devnet.manifest.chains).filter((b) => b !== a).map((b) => [`${a}->${b}`, '1000000'])));
    writeFileSync(cursorPath, JSON.stringify({ version: 2, deployment: deploymentId(earlier), lanes }));

    const relayer = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath, pollMs: 200 });
    expect(relayer.discardedCursor).toMatch(/another deployment/);
    for (const l of relayer.laneStatus()) expect(l.nextBlock).toBe(BigInt(devnet.manifest.chains[l.lane.split('->')[0]!]!.deployedAtBlock));
    await relayer.pollOnce();
    expect(await deliveries('hub', m.guid)).toBe(1n);
    // the file now belongs to this deployment, and a relayer of this deployment resumes from it
    expect(JSON.parse(readFileSync(cursorPath, 'utf8')).deployment).toEqual(deploymentId(devnet.manifest));
    const again = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath, pollMs: 200 });
    expect(again.discardedCursor).toBeUndefined();
    expect(again.laneStatus().find((l) => l.lane === 'polygon->hub')!.nextBlock).toBeGreaterThan(BigInt(devnet.manifest.chains.polygon!.deployedAtBlock));
  });

  it('refuses to verify for anyone but the whitelisted relayer', async () => {
    const m = await ping('polygon', 'alaya', 'x');
    const stranger = chainClients(devnet.chains.find((c) => c.name === 'alaya')!, devnetAccount('borrower'), 100);
    await expect(
      send(stranger, { address: contracts('alaya').SimpleMessageLib!, abi: abis.SimpleMessageLib, functionName: 'validatePacket', args: [m.encoded] }),
    ).rejects.toThrow(/OnlyWhitelistCaller/);
  });
});
