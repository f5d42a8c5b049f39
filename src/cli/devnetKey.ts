import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { InputError } from '../shared/errors.ts';

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

/**
 * A signing key from the environment, never from a flag (flags end up in shell history and `ps`):
 * `$NAME` holding the 32-byte key as hex, or `$NAME_FILE` naming a file that holds it.
 */
export function accountFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount | undefined {
  let text = env[name];
  let from = `$${name}`;
  const file = env[`${name}_FILE`];
  if (!text && file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new InputError(`cannot read $${name}_FILE`, { details: `${file}: ${(cause as Error).message}` });
    }
    from = `$${name}_FILE (${file})`;
  }
  if (!text) return undefined;
  const hex = text.trim().replace(/^(0x)?/, '0x');
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new InputError(`${from} is not a private key`, { details: 'expected 32 bytes as 64 hex digits' });
  return privateKeyToAccount(hex as Hex);
}

/** Like accountFromEnv, but required, with what to set in the error. */
export function requireAccountFromEnv(name: string, who: string, env: NodeJS.ProcessEnv = process.env): PrivateKeyAccount {
  const a = accountFromEnv(name, env);
  if (!a) throw new InputError(`no ${who} key`, { details: `set $${name} (hex) or $${name}_FILE (a file holding it); keys are never taken from flags`, code: 'NO_KEY' });
  return a;
}
