import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startDevnet, type Devnet } from '../chain/devnet/startDevnet.ts';
import { devnetAccount } from '../chain/accounts.ts';
import { Relayer } from '../crosschain/relayer.ts';
import { startApi, type Api } from '../api/server.ts';
import type { PalisadeConfig } from '../shared/config.ts';
import type { Service } from '../shared/service.ts';
import { complianceRoutes } from '../api/routes/compliance.ts';
import { chainServices, type ChainServices } from './services.ts';
import { pricesRoutes } from '../api/routes/prices.ts';
import { startKycService } from './kycStack.ts';

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
    const kyc = await startKycService({ config, manifest: devnet.manifest, services, closers });
    const api = await startApi({
      devnet,
      port: config.api.port,
      host: config.api.host,
      services,
      register: async (app) => {
        await app.register(complianceRoutes, kyc);
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
