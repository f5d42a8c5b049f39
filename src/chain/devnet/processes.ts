import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The anvils a devnet started, written to `<stateDir>/anvils.json` the moment each one runs (before any
 * deployment), so whatever a crashed supervisor left behind can be found by pid and port: `devnet down`
 * and `status` report and stop it, `devnet up` clears it before starting.
 */
const recordSchema = z.object({
  supervisor: z.number().int(),
  anvils: z.array(z.object({ name: z.string(), port: z.number().int(), pid: z.number().int() })),
});
export type AnvilRecord = z.infer<typeof recordSchema>;

export const anvilRecordPath = (stateDir: string) => join(stateDir, 'anvils.json');

export function writeAnvilRecord(stateDir: string, record: AnvilRecord): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(anvilRecordPath(stateDir), JSON.stringify(record, null, 2));
}

export function readAnvilRecord(stateDir: string): AnvilRecord | undefined {
  const p = anvilRecordPath(stateDir);
  if (!existsSync(p)) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(readFileSync(p, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the record, unless another supervisor has written its own since. */
export function clearAnvilRecord(stateDir: string, supervisor = process.pid): void {
  const r = readAnvilRecord(stateDir);
  if (!r || r.supervisor === supervisor) rmSync(anvilRecordPath(stateDir), { force: true });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True if `pid` is an anvil listening on `port` (its command line says so): a recycled pid is never killed. */
function isOurAnvil(pid: number, port: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (argv[0] ?? '').endsWith('anvil') && argv.includes('--port') && argv[argv.indexOf('--port') + 1] === String(port);
  } catch {
    return false;
  }
}

/** Anvils of the record still running although their supervisor is gone. */
export function leftoverAnvils(stateDir: string): AnvilRecord['anvils'] {
  const r = readAnvilRecord(stateDir);
  if (!r || pidAlive(r.supervisor)) return [];
  return r.anvils.filter((a) => isOurAnvil(a.pid, a.port));
}

/** Stops leftover anvils (TERM, then KILL after 3 s) and forgets the record; returns what it stopped. */
export async function killLeftoverAnvils(stateDir: string): Promise<AnvilRecord['anvils']> {
  const left = leftoverAnvils(stateDir);
  for (const a of left) signal(a.pid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (left.some((a) => isOurAnvil(a.pid, a.port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const a of left) if (isOurAnvil(a.pid, a.port)) signal(a.pid, 'SIGKILL');
  const r = readAnvilRecord(stateDir);
  if (r && !pidAlive(r.supervisor)) rmSync(anvilRecordPath(stateDir), { force: true });
  return left;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
