/**
 * How the CLI (and anything else short-lived) reaches the KYC service: a context that opens a
 * client on demand and closes it after one command. The client is either the running devnet's API
 * (one KYC store, the service's) or, when no service runs, the service in this process over its
 * database, which records the chain deployment it belongs to and refuses any other.
 */
import { join } from 'node:path';
import type { Account } from 'viem';
import { z } from 'zod';
import { type OpenDbOptions, openDb } from '../shared/db.ts';
import type { Logger } from '../shared/logger.ts';
import { logger as rootLogger } from '../shared/logger.ts';
import { AuditAnchorer, type AuditAnchorPort } from './auditAnchor.ts';
import type { DeploymentBinding } from './deployment.ts';
import { parseEncryptionKey } from './dossierCipher.ts';
import { HttpKycClient, type KycClient, LocalKycClient } from './kycClient.ts';
import { KycService } from './kycService.ts';
import type { RegistryPort } from './registryPort.ts';
import { ReviewerAuth } from './reviewerAuth.ts';
import { parseInput } from './validation.ts';

export type KycHandle = { client: KycClient; close(): Promise<void> };
export type RegistryHandle = { registry: RegistryPort; close(): Promise<void> };
/** The chain side of a local service: registry, the deployment it belongs to, and the audit anchors. */
export type ChainHandle = RegistryHandle & { deployment: DeploymentBinding; anchors?: AuditAnchorPort & { canWrite?: boolean }; anchorWriter?: Account };

export interface CliContext {
  /** A KYC client (the running service's API, or the service in this process); close it when done. */
  openKyc(): Promise<KycHandle>;
  /** The registry alone, for read-only chain questions that need neither database nor key. */
  openRegistry(): Promise<RegistryHandle>;
}

export type KycContextOptions = {
  /** The running service's API URL, when one runs: every command goes there. */
  apiUrl?: () => string | undefined;
  db: OpenDbOptions;
  /** PALISADE_KYC_KEY: 32 bytes as hex or base64. */
  encryptionKey: string | Uint8Array | undefined;
  /** The registry plus the deployment binding (and anchors) for a service in this process. */
  chain: () => Promise<ChainHandle>;
  registry?: () => Promise<RegistryHandle>;
  now?: () => Date;
  logger?: Logger;
};

/** A context over a running API, or else a database, a key and a chain. */
export function kycContext(opts: KycContextOptions): CliContext {
  return {
    openRegistry: opts.registry ?? opts.chain,
    openKyc: async () => {
      const url = opts.apiUrl?.();
      if (url) return { client: new HttpKycClient(url), close: async () => {} };
      // Check the key before touching the database, so a missing key creates nothing.
      const key = typeof opts.encryptionKey === 'string' || opts.encryptionKey === undefined ? parseEncryptionKey(opts.encryptionKey) : opts.encryptionKey;
      const chain = await opts.chain();
      let db;
      try {
        db = await openDb(opts.db);
      } catch (err) {
        await chain.close().catch(() => undefined);
        throw err;
      }
      const log = opts.logger ?? rootLogger;
      const anchorer = chain.anchors && chain.anchors.canWrite !== false ? new AuditAnchorer({ db, port: chain.anchors, logger: log }) : undefined;
      const service = new KycService({
        db,
        registry: chain.registry,
        encryptionKey: key,
        deployment: chain.deployment,
        anchors: chain.anchors,
        anchorNow: anchorer ? () => anchorer.anchorNow() : undefined,
        now: opts.now,
        logger: log,
      });
      const auth = new ReviewerAuth({ db, domains: ['cli.palisade.local'], chainId: chain.deployment.chainId, now: opts.now });
      return {
        client: new LocalKycClient(service, auth),
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
  DATABASE_OWNER_URL: z.string().trim().min(1).optional(),
  PALISADE_DATA_DIR: z.string().trim().min(1).optional(),
  PALISADE_KYC_KEY: z.string().optional(),
});

/**
 * Database and key settings from the environment: PostgreSQL when `DATABASE_URL` is set (migrated
 * as `DATABASE_OWNER_URL` when given), else a PGlite directory `<PALISADE_DATA_DIR or .palisade>/db`.
 */
export function kycSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { db: OpenDbOptions; encryptionKey: string | undefined } {
  const e = parseInput(
    envSchema,
    { DATABASE_URL: env.DATABASE_URL, DATABASE_OWNER_URL: env.DATABASE_OWNER_URL, PALISADE_DATA_DIR: env.PALISADE_DATA_DIR, PALISADE_KYC_KEY: env.PALISADE_KYC_KEY },
    'invalid environment',
  );
  const db: OpenDbOptions = e.DATABASE_URL
    ? { url: e.DATABASE_URL, ...(e.DATABASE_OWNER_URL ? { ownerUrl: e.DATABASE_OWNER_URL } : {}) }
    : { dataDir: join(e.PALISADE_DATA_DIR ?? '.palisade', 'db') };
  return { db, encryptionKey: e.PALISADE_KYC_KEY };
}
