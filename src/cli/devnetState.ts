import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What a running `palisade devnet up` leaves in the state dir so `down` and `status` can find it. */
export const devnetStateSchema = z.object({
  pid: z.number().int(),
  status: z.enum(['starting', 'ready']),
  startedAt: z.string(),
  apiUrl: z.string().optional(),
  manifestPath: z.string().optional(),
  chains: z.array(z.object({ name: z.string(), chainId: z.number(), rpcUrl: z.string() })).default([]),
});
export type DevnetState = z.infer<typeof devnetStateSchema>;

export const statePath = (stateDir: string) => join(stateDir, 'devnet.json');

export function readState(stateDir: string): DevnetState | undefined {
  const p = statePath(stateDir);
  if (!existsSync(p)) return undefined;
  const parsed = devnetStateSchema.safeParse(JSON.parse(readFileSync(p, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export function writeState(stateDir: string, state: DevnetState): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(statePath(stateDir), JSON.stringify(state, null, 2));
}

export function clearState(stateDir: string, pid = process.pid): void {
  const s = readState(stateDir);
  if (!s || s.pid === pid) rmSync(statePath(stateDir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
