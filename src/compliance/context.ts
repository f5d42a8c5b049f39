/**
 * How the CLI (and anything else short-lived) reaches the KYC service: a context that opens it
 * on demand and closes it after one command. The lead wires `registry` to the devnet or to a
 * real network; the database comes from `DATABASE_URL` (PostgreSQL) or a PGlite data directory.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { type OpenDbOptions, openDb } from '../shared/db.ts';
import type { Logger } from '../shared/logger.ts';
import { parseEncryptionKey } from './dossierCipher.ts';
import { KycService } from './kycService.ts';
import type { RegistryPort } from './registryPort.ts';
import { parseInput } from './validation.ts';

export type KycHandle = { service: KycService; close(): Promise<void> };
export type RegistryHandle = { registry: RegistryPort; close(): Promise<void> };

export interface CliContext {
  /** The KYC service over its database, with the dossier key; close it when done. */
  openKyc(): Promise<KycHandle>;
  /** The registry alone, for read-only chain questions that need neither database nor key. */
  openRegistry(): Promise<RegistryHandle>;
}

export type KycContextOptions = {
  db: OpenDbOptions;
  /** PALISADE_KYC_KEY: 32 bytes as hex or base64. */
  encryptionKey: string | Uint8Array | undefined;
  registry: () => Promise<RegistryHandle>;
  now?: () => Date;
  logger?: Logger;
};

/** A context over a database, a key and a registry factory. */
export function kycContext(opts: KycContextOptions): CliContext {
  return {
    openRegistry: opts.registry,
    openKyc: async () => {
      // Check the key before touching the database, so a missing key creates nothing.
      const key = typeof opts.encryptionKey === 'string' || opts.encryptionKey === undefined ? parseEncryptionKey(opts.encryptionKey) : opts.encryptionKey;
      const db = await openDb(opts.db);
      let chain: RegistryHandle;
      try {
        chain = await opts.registry();
      } catch (err) {
        await db.close();
        throw err;
      }
      const service = new KycService({ db, registry: chain.registry, encryptionKey: key, now: opts.now, logger: opts.logger });
      return {
        service,
        close: async () => {
          await chain.close().catch(() => undefined);
          await db.close();
        },
      };
    },
  };
}

const envSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional(),
  PALISADE_DATA_DIR: z.string().trim().min(1).optional(),
  PALISADE_KYC_KEY: z.string().optional(),
});

/**
 * Database and key settings from the environment: PostgreSQL when `DATABASE_URL` is set, else a
 * PGlite directory `<PALISADE_DATA_DIR or .palisade>/db` (so CLI runs share their data).
 */
export function kycSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { db: OpenDbOptions; encryptionKey: string | undefined } {
  const e = parseInput(envSchema, { DATABASE_URL: env.DATABASE_URL, PALISADE_DATA_DIR: env.PALISADE_DATA_DIR, PALISADE_KYC_KEY: env.PALISADE_KYC_KEY }, 'invalid environment');
  const db: OpenDbOptions = e.DATABASE_URL ? { url: e.DATABASE_URL } : { dataDir: join(e.PALISADE_DATA_DIR ?? '.palisade', 'db') };
  return { db, encryptionKey: e.PALISADE_KYC_KEY };
}
