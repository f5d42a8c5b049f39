/**
 * A liquidation instruction: what the monitor tells executors to do. Plain data (strings and
 * numbers only) so it can be logged, stored, or carried to another chain's executor as a message.
 */
import { getAddress, isAddress, type Address } from 'viem';
import { z } from 'zod';

export type LiquidationReason = 'unhealthy';

export type LiquidationInstruction = {
  /** Chain name (as in the manifest) the position lives on. */
  chain: string;
  pool: Address;
  /** Liquidator contract whose `kick(borrower, collateral)` starts the auction. */
  liquidator: Address;
  borrower: Address;
  collateral: Address;
  reason: LiquidationReason;
  /** Block at which the monitor judged the position liquidatable. */
  observedBlock: number;
  /** Block of the last price update of the collateral (or loan asset) the judgement used. */
  priceBlock: number;
  /** Health at `observedBlock` as the pool reports it: USD values in WAD, decimal strings. */
  collateralValue: string;
  debtValue: string;
};

const address = z.string().refine((s) => isAddress(s, { strict: false }), 'not an address').transform((s) => getAddress(s));

export const liquidationInstructionSchema = z.object({
  chain: z.string().min(1),
  pool: address,
  liquidator: address,
  borrower: address,
  collateral: address,
  reason: z.literal('unhealthy'),
  observedBlock: z.number().int().nonnegative(),
  priceBlock: z.number().int().nonnegative(),
  collateralValue: z.string().regex(/^\d+$/),
  debtValue: z.string().regex(/^\d+$/),
});

/** Reads an instruction that arrived as JSON (from a log, a queue or a cross-chain message). */
export function parseInstruction(raw: unknown): LiquidationInstruction {
  return liquidationInstructionSchema.parse(raw) as LiquidationInstruction;
}

/** The position an instruction is about, as one key (lower-case). */
export function positionKey(i: { borrower: string; collateral: string }): string {
  return `${i.borrower.toLowerCase()}:${i.collateral.toLowerCase()}`;
}
