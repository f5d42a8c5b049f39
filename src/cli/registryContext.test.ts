import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetAccount } from '../chain/accounts.ts';
import { isDevnetManifest, newDevnetMarker, readManifest, writeDevnetMarker, writeManifest, type Manifest } from '../chain/manifest.ts';
import { providerSigner } from './registryContext.ts';

const local = (marker?: { id: string }): Manifest => ({
  version: 1,
  chains: { hub: { chainId: 1, eid: 30101, rpcUrl: 'http://127.0.0.1:8545', deployedAtBlock: 1, contracts: {} } },
  ...(marker ? { devnet: marker } : {}),
});

describe('devnet keys only with a manifest the devnet wrote', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'palisade-manifest-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const bank = devnetAccount('bank').address;

  it('a local node of a real network on 127.0.0.1 does not get the devnet keys', () => {
    const path = join(dir(), 'manifest.mainnet.json');
    writeManifest(path, local());
    const m = readManifest(path);
    expect(isDevnetManifest(path, m)).toBe(false);
    expect(providerSigner(isDevnetManifest(path, m), {})(bank)).toBeUndefined();
  });

  it('a manifest claiming to be a devnet without the devnet marker file, or with another id, does not either', () => {
    const d = dir();
    const path = join(d, 'manifest.json');
    writeManifest(path, local(newDevnetMarker()));
    expect(isDevnetManifest(path, readManifest(path))).toBe(false);
    writeFileSync(join(d, 'devnet.id'), newDevnetMarker().id + '\n');
    expect(isDevnetManifest(path, readManifest(path))).toBe(false);
  });

  it('the manifest the devnet wrote, beside its marker, gets them', () => {
    const path = join(dir(), 'manifest.json');
    const marker = newDevnetMarker();
    writeDevnetMarker(path, marker);
    writeManifest(path, local(marker));
    const m = readManifest(path);
    expect(isDevnetManifest(path, m)).toBe(true);
    expect(providerSigner(isDevnetManifest(path, m), {})(bank)?.address).toBe(bank);
  });

  it('refuses a malformed marker', () => {
    const path = join(dir(), 'manifest.json');
    writeFileSync(path, JSON.stringify({ ...local(), devnet: { id: 'yes' } }));
    expect(() => readManifest(path)).toThrow(/malformed manifest .*devnet\.id/);
  });
});
