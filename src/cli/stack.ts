import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { Relayer } from '../crosschain/relayer.ts';
import { startApi, type Api } from '../api/server.ts';
import { hubChain, type PalisadeConfig } from '../shared/config.ts';
import type { Service } from '../shared/service.ts';
import { openDb, type Db } from '../shared/db.ts';
import { KycService } from '../compliance/kycService.ts';
import { RegistryClient } from '../compliance/registryClient.ts';
import { complianceRoutes } from '../api/routes/compliance.ts';
import { providerSigner } from './registryContext.ts';
import { devnetKycKey } from './devnetKey.ts';
import { chainServices, type ChainServices } from './services.ts';
import { pricesRoutes } from '../api/routes/prices.ts';

export type Stack = { devnet: Devnet; services: Service[]; chains: ChainServices[]; api: Api; stop(): Promise<void> };

/**
 * Everything `npm start` runs: the devnet, the off-chain services and the API + dashboard.
 * Later domains add their services here. Stops in reverse order of start; a failure stops what started.
 */
export async function startStack(config: PalisadeConfig, onProgress: (m: string) => void, register?: (app: FastifyInstance) => Promise<void>): Promise<Stack> {
  const devnet = await startDevnet({ config, onProgress, demoPositions: true });
  const services: Service[] = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    const relayer = new Relayer({ manifest: devnet.manifest, account: devnetAccount('relayer'), cursorPath: join(config.stateDir, 'relayer-cursor.json') });
    services.push(relayer);
    // every chain: price feed, executor, market maker, liquidation monitor, fee keeper
    const chains = chainServices(devnet.manifest, { priceFeed: config });
    for (const c of chains) services.push(...c.services);
    for (const s of services) {
      await s.start();
      onProgress(`service ${s.name} started`);
    }
    // The API's KYC service: PostgreSQL when DATABASE_URL is set, else its own PGlite under the state dir
    // (the chains are fresh at every start, so the devnet's database starts fresh too).
    if (!process.env.DATABASE_URL) rmSync(join(config.stateDir, 'api-db'), { recursive: true, force: true });
    const db: Db = await openDb(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: join(config.stateDir, 'api-db') });
    closers.push(() => db.close());
    const hub = devnet.manifest.chains[hubChain(config).name]!;
    const kyc = new KycService({
      db,
      encryptionKey: devnetKycKey(config.stateDir),
      registry: new RegistryClient({ chain: { name: 'hub', chainId: hub.chainId, rpcUrl: hub.rpcUrl }, registry: hub.contracts.QualifiedClientRegistry! as `0x${string}`, signerFor: providerSigner(true) }),
    });
    await kyc.registerProvider({ address: devnetAccount('bank').address, name: 'Bank Y (devnet)', categories: ['INSTITUTIONAL', 'ACCREDITED', 'RETAIL'] });
    const api = await startApi({
      devnet,
      port: config.api.port,
      host: config.api.host,
      services,
      register: async (app) => {
        await app.register(complianceRoutes, { kyc });
        await app.register(pricesRoutes, { feeds: Object.fromEntries(chains.map((c) => [c.chain, c.priceFeed])) });
        if (register) await register(app);
      },
    });
    onProgress(`API and dashboard on ${api.url}`);
    const stop = async () => {
      await api.close().catch(() => {});
      for (const s of [...services].reverse()) await s.stop().catch(() => {});
      for (const c of closers.reverse()) await c().catch(() => {});
      await devnet.stop();
    };
    return { devnet, services, chains, api, stop };
  } catch (err) {
    for (const s of [...services].reverse()) await s.stop().catch(() => {});
    for (const c of closers.reverse()) await c().catch(() => {});
    await devnet.stop();
    throw err;
  }
}
