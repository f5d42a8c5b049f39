import { join } from 'node:path';
import { isHex, type Account, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../shared/config.ts';
import { InputError } from '../shared/errors.ts';
import { readManifest, contractAddress, isDevnetManifest } from '../chain/manifest.ts';
import { DEVNET_ACCOUNT_COUNT, devnetAccount } from '../chain/accounts.ts';
import { RegistryClient } from '../compliance/registryClient.ts';
import { kycContext, kycSettingsFromEnv, type ChainHandle, type CliContext, type RegistryHandle } from '../compliance/context.ts';
import { readDeploymentBinding } from '../compliance/deployment.ts';
import { AuditAnchorClient } from '../compliance/auditAnchor.ts';
import { DEVNET_KYC_SERVICE_ACCOUNT_INDEX } from '../chain/deploy/deployAuditAnchor.ts';
import { isAlive, readState } from './devnetState.ts';
import { accountFromEnv } from './devnetKey.ts';

/**
 * Who signs for a provider: on the devnet the well-known actor keys; on a real network the key in
 * $PALISADE_PROVIDER_KEY (never a flag), which must belong to the provider.
 */
export function providerSigner(manifestIsDevnet: boolean, env: NodeJS.ProcessEnv = process.env): (a: Address) => Account | undefined {
  const key = env.PALISADE_PROVIDER_KEY;
  const fromEnv = key && isHex(key) && key.length === 66 ? privateKeyToAccount(key as Hex) : undefined;
  return (address) => {
    if (fromEnv && fromEnv.address.toLowerCase() === address.toLowerCase()) return fromEnv;
    if (!manifestIsDevnet) return undefined;
    for (let i = 0; i < DEVNET_ACCOUNT_COUNT; i++) {
      const a = devnetAccount(i);
      if (a.address.toLowerCase() === address.toLowerCase()) return a;
    }
    return undefined;
  };
}

/** The registry on `$PALISADE_CHAIN` (default hub) of the manifest the devnet or `deploy` wrote. */
export async function openRegistryFromManifest(env: NodeJS.ProcessEnv = process.env): Promise<RegistryHandle> {
  const manifestPath = env.PALISADE_MANIFEST ?? join(loadConfig().stateDir, 'manifest.json');
  const manifest = readManifest(manifestPath);
  const chainName = env.PALISADE_CHAIN ?? 'hub';
  const chain = manifest.chains[chainName];
  if (!chain) throw new InputError(`unknown chain "${chainName}"`, { details: `manifest has ${Object.keys(manifest.chains).join(', ')}` });
  const registry = new RegistryClient({
    chain: { name: chainName, chainId: chain.chainId, rpcUrl: chain.rpcUrl },
    registry: contractAddress(manifest, chainName, 'QualifiedClientRegistry'),
    signerFor: providerSigner(isDevnetManifest(manifestPath, manifest)),
  });
  return { registry, close: async () => {} };
}

/**
 * The local KYC service's chain side: the registry, the deployment its database must belong to
 * (chain id, registry, deployment block and its hash), and the audit anchors. The service key
 * that anchors comes from $PALISADE_KYC_SERVICE_KEY (or _FILE); on the devnet, its well-known key.
 */
export async function openChainFromManifest(env: NodeJS.ProcessEnv = process.env): Promise<ChainHandle> {
  const { registry } = await openRegistryFromManifest(env);
  const manifestPath = env.PALISADE_MANIFEST ?? join(loadConfig().stateDir, 'manifest.json');
  const manifest = readManifest(manifestPath);
  const chainName = env.PALISADE_CHAIN ?? 'hub';
  const chain = manifest.chains[chainName]!;
  const endpoint = { name: chainName, chainId: chain.chainId, rpcUrl: chain.rpcUrl };
  const deployment = await readDeploymentBinding(endpoint, contractAddress(manifest, chainName, 'QualifiedClientRegistry'), chain.deployedAtBlock);
  const anchorAddress = chain.contracts.AuditAnchor;
  const isDevnet = new URL(chain.rpcUrl).hostname === '127.0.0.1';
  const writer = accountFromEnv('PALISADE_KYC_SERVICE_KEY', env) ?? (isDevnet ? devnetAccount(DEVNET_KYC_SERVICE_ACCOUNT_INDEX) : undefined);
  const anchors = anchorAddress
    ? new AuditAnchorClient({ chain: endpoint, address: anchorAddress as Address, writer, fromBlock: BigInt(chain.deployedAtBlock) })
    : undefined;
  return { registry, deployment, anchors, close: async () => {} };
}

/** The running devnet's API, when `palisade devnet up` is running: the CLI then acts through it. */
export function runningApiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PALISADE_API_URL) return env.PALISADE_API_URL;
  const state = readState(loadConfig().stateDir);
  return state && state.status === 'ready' && state.apiUrl && isAlive(state.pid) ? state.apiUrl : undefined;
}

/** The CLI's KYC context: the running service's API when a devnet runs, else database and key from the environment. */
export function cliKycContext(): CliContext {
  const settings = kycSettingsFromEnv();
  return kycContext({ ...settings, apiUrl: () => runningApiUrl(), chain: () => openChainFromManifest(), registry: () => openRegistryFromManifest() });
}
