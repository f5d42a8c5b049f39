import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

/**
 * DESIGN.md's dependency order, enforced: nothing imports upward.
 * shared → chain → compliance, oracle → assets → exchange, lending → liquidation, reserve, insurance →
 * crosschain, governance → api, cli. Folders on one level may not import each other.
 */
const LEVEL: Record<string, number> = {
  shared: 0,
  chain: 1,
  compliance: 2,
  oracle: 2,
  assets: 3,
  exchange: 4,
  lending: 4,
  liquidation: 5,
  reserve: 5,
  insurance: 5,
  crosschain: 6,
  governance: 6,
  api: 7,
  cli: 8,
};

const src = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') || p.endsWith('.tsx') ? [p] : [];
  });
}

const domainOf = (file: string) => relative(src, file).split('/')[0]!;

describe('dependency order', () => {
  it('every src folder has a level', () => {
    const folders = readdirSync(src).filter((f) => statSync(join(src, f)).isDirectory());
    expect(folders.filter((f) => LEVEL[f] === undefined)).toEqual([]);
  });

  it('no module imports a folder on its own level or above', () => {
    const violations: string[] = [];
    for (const file of files(src)) {
      if (file.endsWith('.test.ts')) continue; // tests may drive the whole stack
      const from = domainOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/g)) {
        const target = resolve(dirname(file), m[1]!);
        if (!target.startsWith(src)) continue;
        const to = domainOf(target);
        if (to !== from && LEVEL[to]! >= LEVEL[from]!) violations.push(`${relative(src, file)} → ${to}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
