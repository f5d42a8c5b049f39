import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
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
      /** Who deployed (`palisade deploy check` names it), and the block before the first deployment. */
      deployer: address.optional(),
      firstBlock: z.number().int().nonnegative().optional(),
    }),
  ),
  /**
   * Present only in a manifest the devnet wrote: a random id that the devnet also keeps in
   * `devnet.id` beside the manifest. The well-known devnet keys are used only when both agree
   * (an RPC on 127.0.0.1 proves nothing: a real network's local node listens there too).
   */
  devnet: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/) }).optional(),
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

/** The file beside a devnet's manifest that holds its marker id. */
export const devnetMarkerPath = (manifestPath: string) => join(dirname(manifestPath), 'devnet.id');

/** A fresh marker: the devnet puts it in its manifest and in `devnet.id` (mode 0600) beside it. */
export function newDevnetMarker(): { id: string } {
  return { id: randomBytes(16).toString('hex') };
}

export function writeDevnetMarker(manifestPath: string, marker: { id: string }): void {
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(devnetMarkerPath(manifestPath), marker.id + '\n', { mode: 0o600 });
}

/**
 * True only for a manifest the devnet itself wrote: it carries a devnet marker and the devnet's
 * marker file beside it holds the same id. Anything else (a real network, even one whose node
 * listens on 127.0.0.1, or a devnet manifest copied elsewhere) gets no well-known keys.
 */
export function isDevnetManifest(manifestPath: string, manifest: Manifest): boolean {
  const id = manifest.devnet?.id;
  if (!id) return false;
  const marker = devnetMarkerPath(manifestPath);
  if (!existsSync(marker)) return false;
  return readFileSync(marker, 'utf8').trim() === id;
}

export function contractAddress(manifest: Manifest, chain: string, name: string): Address {
  const c = manifest.chains[chain];
  if (!c) throw new InputError(`unknown chain "${chain}"`, { details: `known: ${Object.keys(manifest.chains).join(', ')}` });
  const a = c.contracts[name];
  if (!a) throw new InputError(`${name} is not deployed on ${chain}`);
  return a as Address;
}
