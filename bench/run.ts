/**
 * `npm run bench -- NAME [args…]`: runs `bench/NAME.ts` in its own Node process (so one bench's
 * heap, JIT state and GC never colour another's figures), streams its output and exits with its code.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);

function available(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

const [name, ...args] = process.argv.slice(2);
// a plain name only: nothing that could walk out of bench/
const file = name !== undefined && /^[a-z0-9][a-z0-9-]*$/i.test(name) ? join(benchDir, `${name}.ts`) : undefined;
if (file === undefined || name === 'run' || !existsSync(file)) {
  const list = available();
  console.error(
    `unknown bench ${name === undefined ? '(none given)' : JSON.stringify(name)}; available: ${list.length > 0 ? list.join(', ') : 'none'}`,
  );
  process.exit(1);
}

const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; a plain kill of this process is passed on.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('error', (err) => {
  console.error(`bench ${name} could not start: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal !== null) console.error(`bench ${name} ended by ${signal}`);
  process.exit(code ?? 1);
});
