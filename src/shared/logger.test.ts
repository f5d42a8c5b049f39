import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { prettyLine } from './logger.ts';

describe('logger', () => {
  it('writes to stderr, never stdout (JSON lines when not a terminal)', () => {
    const logger = resolve(import.meta.dirname, 'logger.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { logger } = await import(${JSON.stringify(logger)}); logger.info({ chain: 'hub' }, 'hello'); process.exit(0);`], {
      encoding: 'utf8',
      env: { ...process.env, VITEST: '', PALISADE_LOG_LEVEL: 'info' },
      cwd: resolve(import.meta.dirname, '../..'),
    });
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ level: 30, chain: 'hub', msg: 'hello' });
  });

  it('formats a line for a terminal', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 3, 4), msg: 'relayer lane failed', lane: 'hub->bsc', n: 2 }));
    expect(line).toBe('12:03:04 warn  relayer lane failed  lane=hub->bsc n=2\n');
  });
});
