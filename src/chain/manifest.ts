import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { getAddress, isAddress, type Address } from 'viem';
import { InputError } from '../shared/errors.ts';

const address = z.string().refine((s) => isAddress(s, { strict: false }), 'not an address').transform((s) => getAddress(s));

/** What is deployed where: chain → contract name → address. Every service reads this. */
export const manifestSchema = z.object({
  version: z.literal(1),
  chains: z.record(
    z.string(),
    z.object({
      chainId: z.number().int().positive(),
      eid: z.number().int().positive(),
      rpcUrl: z.string().url(),
      deployedAtBlock: z.number().int().nonnegative(),
      /** Hash of block `deployedAtBlock`: tells this deployment from a fresh chain at the same addresses and heights. */
      deployedAtBlockHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/).optional(),
      contracts: z.record(z.string(), address),
    }),
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ChainDeployment = Manifest['chains'][string];

export function readManifest(path: string): Manifest {
  if (!existsSync(path)) throw new InputError(`no deployment manifest at ${path}`, { details: 'start the devnet or run `palisade deploy` first' });
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new InputError(`malformed manifest ${path}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function writeManifest(path: string, manifest: Manifest): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(manifestSchema.parse(manifest), null, 2) + '\n');
}

export function contractAddress(manifest: Manifest, chain: string, name: string): Address {
  const c = manifest.chains[chain];
  if (!c) throw new InputError(`unknown chain "${chain}"`, { details: `known: ${Object.keys(manifest.chains).join(', ')}` });
  const a = c.contracts[name];
  if (!a) throw new InputError(`${name} is not deployed on ${chain}`);
  return a as Address;
}
