import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

describe('bench/matching.ts', () => {
  it('runs a small mix, agrees with both peer libraries and prints its JSON line last', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/matching.ts', '20000', '7'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(last).toMatchObject({ ops: 20000, seed: 7, fillsMatch: true, peer: { name: 'hft-limit-order-book@7.0.2' } });
    for (const k of ['opsPerSecond', 'p50Us', 'p99Us', 'p999Us']) expect(last[k]).toBeGreaterThan(0);
    expect(last.peer.opsPerSecond).toBeGreaterThan(0);
    expect(last.peers.map((p: { name: string }) => p.name)).toEqual(['hft-limit-order-book@7.0.2', 'nodejs-order-book@10.1.1']);
  });
});
