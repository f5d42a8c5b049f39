import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The dossier key for the devnet's KYC service: $PALISADE_KYC_KEY when set, else a random key made once
 * and kept (mode 0600) in the state dir. Never committed; real deployments always set the variable.
 */
export function devnetKycKey(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.PALISADE_KYC_KEY) return env.PALISADE_KYC_KEY;
  const path = join(stateDir, 'kyc.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(stateDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(path, key + '\n', { mode: 0o600 });
  return key;
}
