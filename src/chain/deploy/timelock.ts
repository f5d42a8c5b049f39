import { keccak256, toHex, zeroHash, type Address, type Hex } from 'viem';
import { abis } from '../abi/generated.ts';
import type { ChainClients } from '../clients.ts';
import { send } from '../tx.ts';

let saltCounter = 0;

/**
 * Runs one call through the timelock (schedule, then execute once the delay has passed), so every
 * parameter change on the devnet takes the same path governance takes on a real network. The caller
 * must hold PROPOSER_ROLE; the devnet's timelock has a zero delay.
 */
export async function throughTimelock(c: ChainClients, timelock: Address, target: Address, data: Hex): Promise<void> {
  const salt = keccak256(toHex(`${Date.now()}-${process.pid}-${saltCounter++}`));
  const delay = await c.public.readContract({ address: timelock, abi: abis.PalisadeTimelock, functionName: 'getMinDelay' });
  await send(c, { address: timelock, abi: abis.PalisadeTimelock, functionName: 'schedule', args: [target, 0n, data, zeroHash, salt, delay] });
  if (delay > 0n) {
    await c.public.request({ method: 'evm_increaseTime' as never, params: [Number(delay)] as never });
    await c.public.request({ method: 'evm_mine' as never, params: [] as never });
  }
  await send(c, { address: timelock, abi: abis.PalisadeTimelock, functionName: 'execute', args: [target, 0n, data, zeroHash, salt] });
}
