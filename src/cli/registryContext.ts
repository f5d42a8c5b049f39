import { join } from 'node:path';
import { isHex, type Account, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../shared/config.ts';
import { InputError } from '../shared/errors.ts';
import { readManifest, contractAddress, isDevnetManifest } from '../chain/manifest.ts';
import { DEVNET_ACCOUNT_COUNT, devnetAccount } from '../chain/accounts.ts';
import { RegistryClient } from '../compliance/registryClient.ts';
import { kycContext, kycSettingsFromEnv, type CliContext, type RegistryHandle } from '../compliance/context.ts';

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

/** The CLI's KYC context: database and key from the environment, registry from the manifest. */
export function cliKycContext(): CliContext {
  const settings = kycSettingsFromEnv();
  return kycContext({ ...settings, registry: () => openRegistryFromManifest() });
}
