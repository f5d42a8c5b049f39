import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Hex } from 'viem';
import { artifactPaths, type ContractName } from './abi/generated.ts';
import { BaseError } from '../shared/errors.ts';
import { repoRoot } from '../shared/config.ts';

const cache = new Map<ContractName, Hex>();

/** Creation bytecode of a contract from forge's artifact (built by `npm run build:contracts`). */
export function bytecodeOf(name: ContractName): Hex {
  const hit = cache.get(name);
  if (hit) return hit;
  const path = resolve(repoRoot, artifactPaths[name]);
  if (!existsSync(path)) throw new BaseError(`artifact for ${name} is missing`, { details: 'run `npm run build` first', code: 'NO_ARTIFACT' });
  const art = JSON.parse(readFileSync(path, 'utf8')) as { bytecode: { object: Hex } };
  const code = art.bytecode.object;
  if (!code || code === '0x') throw new BaseError(`${name} has no bytecode (is it abstract or an interface?)`);
  cache.set(name, code);
  return code;
}
