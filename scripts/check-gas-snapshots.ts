/**
 * Gas snapshot check (run by `npm test` after forge): re-measures every step the project snapshots with
 * forge's `vm.snapshotGas*` cheatcodes and fails when one costs more than 1% above the figure COMMITTED
 * in `contracts/snapshots/*.json` (git HEAD), so a gas rise passes only if its snapshot is updated in the
 * same commit. A step measured now but absent from the committed file, or committed but no longer
 * measured, fails too. Falls are reported and pass.
 *
 * Why not forge's own check (`FORGE_SNAPSHOT_CHECK=true` / `gas_snapshot_check`): it compares exactly, so a
 * 1-gas change in either direction fails, and it has no tolerance. forge test always rewrites the snapshot
 * files (the lending and liquidation groups only under --isolate, see LendingGas.t.sol); the baseline is
 * therefore read from git, never from the working tree that forge just overwrote. Without git (an exported
 * tree) the files as they were before this run are the baseline.
 *
 * Usage: `tsx scripts/check-gas-snapshots.ts` (exit 1 on a rise or an uncommitted change). After a
 * deliberate change, commit the rewritten contracts/snapshots/*.json with it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOLERANCE_PPM = 10_000n; // 1%

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const contractsDir = join(repoRoot, 'contracts');
const snapshotsDir = join(contractsDir, 'snapshots');
const forgeBin = existsSync(join(repoRoot, 'node_modules/.bin/forge')) ? join(repoRoot, 'node_modules/.bin/forge') : 'forge';

/** The suites that write snapshots, with the flags under which their figures are meaningful. */
const SUITES: { path: string; args: string[] }[] = [
  // each call its own transaction: lending.json and liquidation.json are written only under --isolate
  { path: 'test/lending/LendingGas.t.sol', args: ['--isolate'] },
  // measures cold reads inside one test; writes compliance.json
  { path: 'test/compliance/QualifiedClientRegistry.gas.t.sol', args: [] },
];

type Snapshot = Record<string, bigint>;

function fail(message: string): never {
  process.stderr.write(`check-gas-snapshots: ${message}\n`);
  process.exit(1);
}

function parse(text: string, what: string): Snapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    fail(`${what} is not JSON: ${(cause as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${what} is not a JSON object`);
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' || !/^\d+$/.test(v)) fail(`${what}: entry ${k} is not a gas figure`);
    out[k] = BigInt(v);
  }
  return out;
}

/** Snapshot files committed at git HEAD, or undefined when this tree is not a git checkout. */
function committedFromGit(): Map<string, Snapshot> | undefined {
  const ls = spawnSync('git', ['ls-tree', '--name-only', 'HEAD', 'contracts/snapshots/'], { cwd: repoRoot, encoding: 'utf8' });
  if (ls.error || ls.status !== 0) return undefined;
  const out = new Map<string, Snapshot>();
  for (const path of ls.stdout.split('\n').filter((p) => p.endsWith('.json'))) {
    const show = spawnSync('git', ['show', `HEAD:${path}`], { cwd: repoRoot, encoding: 'utf8' });
    if (show.status !== 0) fail(`git show HEAD:${path} failed: ${show.stderr.trim()}`);
    out.set(path.slice('contracts/snapshots/'.length), parse(show.stdout, `HEAD:${path}`));
  }
  return out;
}

function onDisk(): Map<string, Snapshot> {
  const out = new Map<string, Snapshot>();
  if (!existsSync(snapshotsDir)) return out;
  for (const file of readdirSync(snapshotsDir).filter((f) => f.endsWith('.json')).sort()) {
    out.set(file, parse(readFileSync(join(snapshotsDir, file), 'utf8'), `contracts/snapshots/${file}`));
  }
  return out;
}

const fromGit = committedFromGit();
const committed = fromGit ?? onDisk();
if (!fromGit) process.stderr.write('check-gas-snapshots: not a git checkout; comparing with the snapshot files as found\n');

for (const suite of SUITES) {
  process.stderr.write(`check-gas-snapshots: forge test ${suite.args.join(' ')} --match-path ${suite.path}\n`);
  // FORGE_SNAPSHOT_CHECK would make forge compare exactly and write nothing: this script owns the comparison
  const res = spawnSync(forgeBin, ['test', ...suite.args, '--match-path', suite.path], {
    cwd: contractsDir,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, FORGE_SNAPSHOT_CHECK: 'false' },
  });
  if (res.error) fail(`could not run forge: ${res.error.message}`);
  if (res.status !== 0) fail(`forge test ${suite.path} failed (exit ${res.status})`);
}

const fresh = onDisk();
const problems: string[] = [];
const lines: string[] = [];
for (const file of [...new Set([...committed.keys(), ...fresh.keys()])].sort()) {
  const before = committed.get(file) ?? {};
  const now = fresh.get(file) ?? {};
  for (const step of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    const name = `${file.replace(/\.json$/, '')}/${step}`;
    const a = before[step];
    const b = now[step];
    if (a === undefined) {
      problems.push(`${name}: measured (${b}) but not in the committed snapshot`);
      continue;
    }
    if (b === undefined) {
      problems.push(`${name}: in the committed snapshot (${a}) but no longer measured`);
      continue;
    }
    const pct = a === 0n ? '' : ` (${b >= a ? '+' : ''}${(Number(((b - a) * 1_000_000n) / a) / 10_000).toFixed(2)}%)`;
    lines.push(`  ${name}: ${a} -> ${b}${pct}`);
    if (b * 1_000_000n > a * (1_000_000n + TOLERANCE_PPM)) {
      problems.push(`${name}: ${a} -> ${b}${pct}, more than 1% above the committed snapshot`);
    }
  }
}
process.stderr.write(`check-gas-snapshots: committed -> measured\n${lines.join('\n')}\n`);
if (problems.length > 0) {
  fail(
    `${problems.length} gas snapshot problem(s):\n  ${problems.join('\n  ')}\n` +
      'If the change is intended, commit the rewritten contracts/snapshots/*.json in the same commit.',
  );
}
process.stderr.write('check-gas-snapshots: every measured step is within 1% of (or below) its committed figure\n');
