import { oneLine } from '../shared/errors.ts';

/** CLI failure: one line on stderr naming the problem, non-zero exit. */
export function fail(err: unknown, code = 1): never {
  process.stderr.write(`palisade: ${oneLine(err)}\n`);
  process.exit(code);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}

/** Progress lines for long work, on stderr so `--json` output stays clean. */
export function progress(prefix: string): (message: string) => void {
  const started = Date.now();
  return (message) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${prefix}${message}\n`);
}
