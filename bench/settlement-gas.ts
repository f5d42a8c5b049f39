/**
 * Gas per trade of Palisade's exchange settlement (issue 11, "Gas per trade, compliance included"), measured
 * as `receipt.gasUsed` on a fresh anvil chain (hardfork prague, like the reference figures) with the devnet's
 * own deployment: core (the real QualifiedClientRegistry, devnet USDC and WETH) + demo actors + lending (for
 * the real RiskReserve the settlement pays its 30% to) + Settlement, governed by the timelock.
 *
 * The trade: 1 WETH for 2,000 USDC (price 2000e6 quote units per 1e18 base units), maker sells, taker buys,
 * fee 10 bps out of the seller's proceeds. Both parties are fresh accounts qualified by the bank (two levels
 * below a seed) and the settlement re-asks the registry for both on every fill. Each party holds both tokens
 * (infinite approvals in setup) and has traded once before, so the measured trade is a client's ordinary
 * trade: fresh orders (new hashes, new nonces), non-zero balances, the signer's nonce word already in use.
 * Those first trades are measured too and reported as variants.
 *   singleFillGas: one fill in its own `settle` transaction (21,000 base and calldata included).
 *   batch10PerTradeGas: one `settle` of 10 fills between 10 distinct maker/taker pairs (20 accounts), / 10.
 * Progress goes to stderr; the last stdout line is one JSON object. Exit code 1 if a target is missed or on
 * any error. `--port N` (default 27555) picks the chain's port.
 */
import {
  encodeFunctionData,
  keccak256,
  maxUint256,
  parseEventLogs,
  parseSignature,
  signatureToCompactSignature,
  stringToHex,
  toHex,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { abis } from '../src/chain/abi/generated.ts';
import { devnetAccount } from '../src/chain/accounts.ts';
import { chainClients, type ChainClients, type ChainEndpoint } from '../src/chain/clients.ts';
import { throughTimelock } from '../src/chain/deploy/timelock.ts';
import { deploy, send } from '../src/chain/tx.ts';
import { BaseError } from '../src/shared/errors.ts';
import type { BenchAnvil } from './lib/anvil.ts';
import { BENCH_CHAIN as CHAIN, benchCheck as check, deployBenchSystem, runGasBench } from './lib/gasBench.ts';

/** The figures on the same trade (gasUsed, anvil prague). */
const REFERENCE = {
  zeroExV4FillLimitOrder: 105_118,
  seaport16FulfillOrder: 107_327,
  cowSettleOnePair: 168_656,
  cowSettlePerTradeTenPairs: 60_184,
} as const;
const TARGET = { singleFillGas: 90_000, batch10PerTradeGas: 50_000 } as const;

const MEASURED_GAS_LIMIT = 5_000_000n;
const FEE_BPS = 10n;
const PRICE = 2000n * 10n ** 6n; // USDC smallest units per 1e18 WETH smallest units
const ONE_WETH = 10n ** 18n;
const QUOTE = (ONE_WETH * PRICE) / 10n ** 18n;
const DCE_SERVICE = 1 << 1;
const ANY_CATEGORY = 7;
const INSTITUTIONAL = 1;
const LISTED = 1;
const SELL = 0 + 1;
const BUY = 0;
/** Fresh accounts beyond the named devnet actors: an operator, one pair for the single fill, ten pairs for the batch. */
const OPERATOR_INDEX = 17;
const FIRST_CLIENT_INDEX = 18;
const PAIRS = 11;

const log = (m: string) => console.error(`[settlement-gas] ${m}`);

type Order = { signer: Address; base: Address; quote: Address; side: number; price: bigint; amount: bigint; expiry: bigint; nonce: bigint };
type Fill = { maker: Order; taker: Order; makerR: Hex; makerVS: Hex; takerR: Hex; takerVS: Hex; baseAmount: bigint };

const ORDER_TYPES = {
  Order: [
    { name: 'signer', type: 'address' },
    { name: 'base', type: 'address' },
    { name: 'quote', type: 'address' },
    { name: 'side', type: 'uint8' },
    { name: 'price', type: 'uint256' },
    { name: 'amount', type: 'uint256' },
    { name: 'expiry', type: 'uint64' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const;

async function run(anvil: BenchAnvil) {
  const endpoint: ChainEndpoint = { name: CHAIN.name, chainId: CHAIN.chainId, rpcUrl: anvil.rpcUrl };
  const at = (who: Parameters<typeof devnetAccount>[0]): ChainClients => chainClients(endpoint, devnetAccount(who), 50);
  const deployer = at('deployer');
  const pub = deployer.public;

  // ---- setup (not measured): the devnet's own deployment on a fresh chain
  log(`chain ${CHAIN.name} on ${anvil.rpcUrl}, hardfork ${anvil.hardfork}`);
  const c = await deployBenchSystem(deployer, log);
  const [registry, usdc, weth, timelock, reserve] = [c.QualifiedClientRegistry!, c.USDC!, c.WETH!, c.Timelock!, c.RiskReserve!];
  log('setup: Settlement (governed by the timelock, 30% of fees to the RiskReserve)');
  const settlement = await deploy(deployer, 'Settlement', [registry, reserve, timelock, FEE_BPS, timelock]);
  const operator = at(OPERATOR_INDEX);
  const govern = (data: Hex) => throughTimelock(deployer, timelock, settlement, data);
  await govern(encodeFunctionData({ abi: abis.Settlement, functionName: 'setOperator', args: [operator.wallet.account.address] }));
  await govern(encodeFunctionData({ abi: abis.Settlement, functionName: 'setPairStatus', args: [weth, usdc, LISTED] }));

  // ---- clients: fresh accounts qualified by the bank, both tokens minted, infinite approvals
  const bank = at('bank');
  const now = Number((await pub.getBlock()).timestamp);
  const clients: ChainClients[] = [];
  for (let i = 0; i < 2 * PAIRS; i++) {
    const client = at(FIRST_CLIENT_INDEX + i);
    const address = client.wallet.account.address;
    // the registry grants only to an account that consented to its grantor (as the lending bench does)
    await send(client, { address: registry, abi: abis.QualifiedClientRegistry, functionName: 'consent', args: [bank.wallet.account.address] });
    await send(bank, {
      address: registry,
      abi: abis.QualifiedClientRegistry,
      functionName: 'grantClient',
      args: [address, INSTITUTIONAL, stringToHex('DE', { size: 2 }), keccak256(toHex(`palisade-bench-dossier:trader-${i}`)), now + 365 * 24 * 3600, true],
    });
    const qualified = await pub.readContract({ address: registry, abi: abis.QualifiedClientRegistry, functionName: 'isQualified', args: [address, DCE_SERVICE, ANY_CATEGORY, '0x0000'] });
    check(qualified, `trader ${i} is a qualified DCE client`);
    for (const [token, amount] of [[weth, 10n * ONE_WETH], [usdc, 100_000n * 10n ** 6n]] as const) {
      await send(deployer, { address: token, abi: abis.DevnetToken, functionName: 'mint', args: [address, amount] });
      await send(client, { address: token, abi: abis.DevnetToken, functionName: 'approve', args: [settlement, maxUint256] });
    }
    clients.push(client);
  }
  log(`setup: ${clients.length} traders qualified, funded and approved`);

  const expiry = BigInt(now + 30 * 24 * 3600);
  const order = (c: ChainClients, side: number, nonce: bigint): Order => ({
    signer: c.wallet.account.address, base: weth, quote: usdc, side, price: PRICE, amount: ONE_WETH, expiry, nonce,
  });
  const sign = async (c: ChainClients, o: Order) => {
    const account = c.wallet.account;
    check(account.signTypedData !== undefined, 'trader accounts sign locally');
    const signature = await account.signTypedData({
      domain: { name: 'Palisade Settlement', version: '1', chainId: CHAIN.chainId, verifyingContract: settlement },
      types: ORDER_TYPES,
      primaryType: 'Order',
      message: o,
    });
    const { r, yParityAndS } = signatureToCompactSignature(parseSignature(signature));
    return { r, vs: yParityAndS };
  };
  const fillOf = async (pair: number, nonce: bigint): Promise<Fill> => {
    const makerC = clients[2 * pair]!;
    const takerC = clients[2 * pair + 1]!;
    const maker = order(makerC, SELL, nonce);
    const taker = order(takerC, BUY, nonce);
    const m = await sign(makerC, maker);
    const t = await sign(takerC, taker);
    return { maker, taker, makerR: m.r, makerVS: m.vs, takerR: t.r, takerVS: t.vs, baseAmount: ONE_WETH };
  };
  const balance = (token: Address, of: Address) => pub.readContract({ address: token, abi: abis.DevnetToken, functionName: 'balanceOf', args: [of] });

  const settle = async (label: string, fills: Fill[]): Promise<{ gas: number; receipt: TransactionReceipt }> => {
    const hash = await operator.wallet.writeContract({
      address: settlement, abi: abis.Settlement, functionName: 'settle', args: [fills], gas: MEASURED_GAS_LIMIT,
      chain: operator.wallet.chain, account: operator.wallet.account,
    });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new BaseError(`${label} reverted`, { details: `tx ${hash}` });
    const filled = parseEventLogs({ abi: abis.Settlement, logs: receipt.logs, eventName: 'Filled' });
    check(filled.length === fills.length, `${label}: one Filled event per fill`);
    const gas = Number(receipt.gasUsed);
    log(`${label}: ${gas.toLocaleString('en-US')} gas (${fills.length} fill${fills.length > 1 ? 's' : ''})`);
    return { gas, receipt };
  };

  // ---- first trades (variants): each trader's first order, the settlement's first fee
  const firstSingle = await settle('single fill, first trade of both traders', [await fillOf(0, 1n)]);
  const firstBatch = await settle('10-fill batch, first trade of all twenty traders', await Promise.all(Array.from({ length: 10 }, (_, k) => fillOf(k + 1, 1n))));

  // ---- the measured trades: fresh orders of traders who traded before
  const makerAddress = clients[0]!.wallet.account.address;
  const takerAddress = clients[1]!.wallet.account.address;
  const before = await Promise.all([balance(weth, makerAddress), balance(usdc, makerAddress), balance(weth, takerAddress), balance(usdc, takerAddress), balance(usdc, settlement)]);
  const single = await settle('single fill', [await fillOf(0, 2n)]);
  const after = await Promise.all([balance(weth, makerAddress), balance(usdc, makerAddress), balance(weth, takerAddress), balance(usdc, takerAddress), balance(usdc, settlement)]);
  const fee = (QUOTE * FEE_BPS) / 10_000n;
  check(before[0]! - after[0]! === ONE_WETH && after[2]! - before[2]! === ONE_WETH, 'the single fill delivered 1 WETH from maker to taker');
  check(before[3]! - after[3]! === QUOTE && after[1]! - before[1]! === QUOTE - fee, 'the taker paid 2,000 USDC, the maker received it less the fee');
  check(after[4]! - before[4]! === fee, 'the fee stayed in the settlement until distributed');
  const batch = await settle('10-fill batch', await Promise.all(Array.from({ length: 10 }, (_, k) => fillOf(k + 1, 2n))));

  // variant: the order-book shape, one resting ask of 10 WETH filled by ten takers in one batch
  const bookMaker = clients[1]!; // bought 2 WETH above: holds 12
  const ask: Order = { ...order(bookMaker, SELL, 3n), amount: 10n * ONE_WETH };
  const askSig = await sign(bookMaker, ask);
  const bookFills = await Promise.all(
    Array.from({ length: 10 }, async (_, k): Promise<Fill> => {
      const takerC = clients[2 * (k + 1) + 1]!;
      const bid = order(takerC, BUY, 3n);
      const t = await sign(takerC, bid);
      return { maker: ask, taker: bid, makerR: askSig.r, makerVS: askSig.vs, takerR: t.r, takerVS: t.vs, baseAmount: ONE_WETH };
    }),
  );
  const book = await settle('10-fill batch against one resting maker order', bookFills);
  const askClosed = await pub.readContract({ address: settlement, abi: abis.Settlement, functionName: 'isClosed', args: [ask.signer, ask.nonce] });
  check(askClosed, 'the maker order of 10 WETH is filled completely by the ten takers');

  // fees out: 30% to the reserve (not measured, checked)
  const collected = await balance(usdc, settlement);
  const reserveBefore = await balance(usdc, reserve);
  await send(operator, { address: settlement, abi: abis.Settlement, functionName: 'distributeFees', args: [usdc] });
  check((await balance(usdc, reserve)) - reserveBefore === (collected * 3000n) / 10_000n, 'the reserve received 30% of the fees');

  const singleFillGas = single.gas;
  const batch10PerTradeGas = Math.round(batch.gas / 10);
  const meetsTargets = singleFillGas <= TARGET.singleFillGas && batch10PerTradeGas <= TARGET.batch10PerTradeGas;
  return {
    bench: 'settlement-gas',
    singleFillGas,
    batch10PerTradeGas,
    batch10Gas: batch.gas,
    targets: TARGET,
    meetsTargets,
    reference: REFERENCE,
    variants: {
      singleFillFirstTrade: { gas: firstSingle.gas, note: "both traders' first order: their nonce-bitmap word goes from zero (and the settlement's first fee balance)" },
      batch10PerTradeFirstTrade: { gas: Math.round(firstBatch.gas / 10), note: 'first order of all twenty traders' },
      batch10OneMakerPerTrade: { gas: Math.round(book.gas / 10), note: 'one resting ask of 10 WETH filled 1 WETH at a time by ten distinct takers in one batch' },
    },
    trade: { base: 'WETH', quote: 'USDC', baseAmount: '1', quoteAmount: '2000', feeBps: Number(FEE_BPS), compliance: 'isQualified(DCE) for maker and taker on every fill, real registry, bank-granted clients' },
    chain: { hardfork: anvil.hardfork, chainId: CHAIN.chainId },
  };
}

runGasBench({
  name: 'settlement-gas',
  port: 27555,
  portEnv: 'SETTLEMENT_GAS_PORT',
  run,
  passed: (r) => r.meetsTargets,
  failure: `a target is missed (single ≤ ${TARGET.singleFillGas}, batch per trade ≤ ${TARGET.batch10PerTradeGas})`,
});
