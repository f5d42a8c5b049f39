/**
 * `palisade scenario run` on bad input: one line naming the field, exit 1, nothing started.
 * Runs the command through a tiny entry that registers it on a fresh program (main.ts registers
 * it the same way), so the test covers the command's own parsing and error path.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const dir = mkdtempSync(join(tmpdir(), 'palisade-scenario-cli-'));
const entry = join(dir, 'entry.mts');
writeFileSync(
  entry,
  `import { Command } from ${JSON.stringify(resolve(import.meta.dirname, '../../../node_modules/commander/esm.mjs'))};
import { registerScenario } from ${JSON.stringify(resolve(import.meta.dirname, 'scenario.ts'))};
const program = new Command().name('palisade').exitOverride();
registerScenario(program);
await program.parseAsync(process.argv);
`,
);
const root = resolve(import.meta.dirname, '../../..');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'scenario', 'run', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PALISADE_LOG_LEVEL: 'silent' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
};
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('palisade scenario run on bad input', () => {
  it('names the wrong field in one line and exits 1', () => {
    const p = file('bad-ltv.json', {
      borrowers: { count: 3, collateral: { asset: 'WETH', amount: [1, 2] }, ltv: [0.5, 1.5], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH', price: 2000 }],
    });
    const r = run([p, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^palisade: .*bad-ltv\.json: borrowers\.ltv\.1: /);
  });

  it('refuses a price path entry without a price', () => {
    const p = file('no-price.json', {
      borrowers: { count: 3, collateral: { asset: 'WETH', amount: [1, 2] }, ltv: [0.5, 0.7], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH' }],
    });
    const r = run([p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^palisade: .*no-price\.json: pricePath\.0\.price: /);
  });

  it('refuses JSON that does not parse, a missing file, and a bad port', () => {
    const bad = run([file('broken.json', '{ "borrowers": ')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^palisade: .*broken\.json: not valid JSON/);
    const missing = run([join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^palisade: scenario file not found: /);
    const good = file('good.json', {
      borrowers: { count: 3, collateral: { asset: 'WETH', amount: [1, 2] }, ltv: [0.5, 0.7], seed: 1 },
      pricePath: [{ t: 0, asset: 'WETH', price: 2000 }],
    });
    const port = run([good, '--port-base', 'x']);
    expect(port.code).toBe(1);
    expect(port.stderr).toBe('palisade: --port-base must be an integer from 1 to 65000, got "x"');
  });
});
