/**
 * Which chain deployment a KYC database records. Grants, their ids and the audit anchors only mean
 * something on the registry that issued them; a database written against one devnet and opened
 * against the next (same chain id, same addresses, fresh state) would otherwise send grants it
 * cannot record. The first use binds the database; any other deployment is refused, clearly.
 */
import { type Address, type Hex, getAddress } from 'viem';
import { type ChainEndpoint, publicClient } from '../chain/clients.ts';
import type { Db } from '../shared/db.ts';
import { BaseError } from '../shared/errors.ts';

export type DeploymentBinding = {
  chainId: number;
  registry: Address;
  /** The manifest's `deployedAtBlock` and that block's hash: a redeployed devnet differs here. */
  deployedAtBlock: number;
  blockHash: Hex;
};

/** Reads the hash of the deployment block from the chain (so a restarted devnet is told apart). */
export async function readDeploymentBinding(chain: ChainEndpoint, registry: Address, deployedAtBlock: number): Promise<DeploymentBinding> {
  let block;
  try {
    block = await publicClient(chain).getBlock({ blockNumber: BigInt(deployedAtBlock) });
  } catch (cause) {
    throw new BaseError(`cannot read the deployment from chain ${chain.name}`, {
      details: `${chain.rpcUrl}: is the chain running?`,
      cause,
      retryable: true,
      code: 'CHAIN_UNREACHABLE',
    });
  }
  return { chainId: chain.chainId, registry: getAddress(registry), deployedAtBlock, blockHash: block.hash!.toLowerCase() as Hex };
}

const describe = (b: { chainId: number | bigint; registry: string; deployedAtBlock: number | bigint; blockHash: string }) =>
  `chain ${b.chainId}, registry ${b.registry}, deployed at block ${b.deployedAtBlock} (${b.blockHash.slice(0, 10)}…)`;

/** Binds an unbound database to `b`, or checks it is bound to `b`; throws naming both otherwise. */
export async function bindDeployment(db: Db, b: DeploymentBinding, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO kyc_deployment (id, chain_id, registry, deployed_at_block, block_hash, bound_at) VALUES (1, $1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [b.chainId, getAddress(b.registry), b.deployedAtBlock, b.blockHash.toLowerCase(), now],
    );
    const { rows } = await tx.query<{ chain_id: bigint; registry: string; deployed_at_block: bigint; block_hash: string }>('SELECT * FROM kyc_deployment WHERE id = 1');
    const r = rows[0]!;
    const same =
      Number(r.chain_id) === b.chainId && r.registry === getAddress(b.registry) && Number(r.deployed_at_block) === b.deployedAtBlock && r.block_hash === b.blockHash.toLowerCase();
    if (!same) {
      throw new BaseError('this KYC database belongs to another chain deployment', {
        details: `it records ${describe({ chainId: r.chain_id, registry: r.registry, deployedAtBlock: r.deployed_at_block, blockHash: r.block_hash })}; the manifest names ${describe(b)}. Use the database of that deployment (PALISADE_DATA_DIR or DATABASE_URL), or move this one away to start afresh`,
        status: 409,
        code: 'WRONG_DEPLOYMENT',
      });
    }
  });
}
