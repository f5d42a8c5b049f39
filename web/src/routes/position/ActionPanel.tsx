import { useState } from 'react';
import { parseUnits, type Address } from 'viem';
import { WAD, collateralRatioWad } from '../../../../src/lending/health.ts';
import type { AccountOnChain, Position } from '../../protocol.ts';
import { fmtRatio, fmtToken } from '../../format.ts';
import { describeError, runAction, type ChainEndpoint, type LendingAction, type Signer } from '../../wallet.ts';
import { HealthGauge } from './HealthGauge.tsx';

const TITLES: Record<LendingAction, string> = {
  supplyCollateral: 'Supply collateral',
  withdrawCollateral: 'Withdraw collateral',
  borrow: 'Borrow',
  repay: 'Repay',
  supply: 'Lend',
  withdraw: 'Withdraw lent',
};

/** The health factor after a change of collateral or debt, with the same exact maths as the API. */
function projectedHealth(p: Position, account: AccountOnChain, dCollateral: bigint, dDebt: bigint): string | null {
  const price = p.collateral.priceUsd8;
  const loanPrice = account.loanAsset.priceUsd8;
  if (price === null || loanPrice === null) return null;
  const collateral = BigInt(p.collateralAmount) + dCollateral;
  const debt = BigInt(p.debt) + dDebt;
  if (collateral < 0n || debt <= 0n) return null;
  const cr = collateralRatioWad({
    collateral,
    collateralDecimals: p.collateral.decimals,
    collateralPrice: BigInt(price),
    debt,
    debtDecimals: account.loanAsset.decimals,
    debtPrice: BigInt(loanPrice),
  });
  return ((cr * WAD) / BigInt(p.liquidationRatioWad)).toString();
}

export type ActionTarget = { action: LendingAction; position: Position | undefined };

/**
 * The form of one action (Aave's modal, inline): amount with a Max that knows the limit, the health
 * factor it would leave, then approve + send with each step shown.
 */
export function ActionPanel({
  target,
  account,
  signer,
  endpoint,
  onDone,
  onClose,
}: {
  target: ActionTarget;
  account: AccountOnChain;
  signer: Signer | undefined;
  endpoint: ChainEndpoint | undefined;
  onDone: () => void;
  onClose: () => void;
}) {
  const { action, position: p } = target;
  const [text, setText] = useState('');
  const [step, setStep] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const loan = account.loanAsset;
  const onCollateral = action === 'supplyCollateral' || action === 'withdrawCollateral';
  const token = onCollateral ? p!.collateral : loan;
  const walletOf = (addr: string) => BigInt(account.wallet.find((w) => w.token.toLowerCase() === addr.toLowerCase())?.balance ?? '0');

  const max: bigint = (() => {
    switch (action) {
      case 'supplyCollateral':
        return walletOf(p!.collateral.address);
      case 'withdrawCollateral':
        return BigInt(p!.withdrawable);
      case 'borrow':
        return BigInt(p!.borrowable);
      case 'repay': {
        const debt = BigInt(p!.debt);
        const bal = walletOf(loan.address);
        return debt < bal ? debt : bal;
      }
      case 'supply':
        return walletOf(loan.address);
      case 'withdraw':
        return BigInt(account.supplied);
    }
  })();

  let amount: bigint | undefined;
  let inputError: string | undefined;
  if (text.trim() !== '') {
    try {
      amount = parseUnits(text.trim(), token.decimals);
      if (amount <= 0n) inputError = 'Enter an amount above zero';
      else if (amount > max) inputError = `At most ${fmtToken(max, token.decimals, token.symbol, 6)}`;
    } catch {
      inputError = `Not a number with at most ${token.decimals} decimals`;
    }
  }
  const isAll = amount !== undefined && amount === max && (action === 'repay' ? max === BigInt(p!.debt) : action === 'withdraw');

  const delta = (): [bigint, bigint] => {
    const a = amount ?? 0n;
    if (action === 'supplyCollateral') return [a, 0n];
    if (action === 'withdrawCollateral') return [-a, 0n];
    if (action === 'borrow') return [0n, a];
    if (action === 'repay') return [0n, -a];
    return [0n, 0n];
  };
  const after = p && amount !== undefined && !inputError ? projectedHealth(p, account, ...delta()) : undefined;

  const submit = async () => {
    if (!signer || !endpoint || amount === undefined || inputError) return;
    setError(undefined);
    setDone(undefined);
    try {
      const all = isAll ? (action === 'repay' ? { shares: BigInt(p!.borrowShares), assets: BigInt(p!.debt) } : { shares: BigInt(account.supplyShares), assets: BigInt(account.supplied) }) : undefined;
      const r = await runAction(
        signer,
        endpoint,
        {
          action,
          pool: account.pool as Address,
          loanAsset: loan.address as Address,
          collateral: (p?.collateral.address ?? loan.address) as Address,
          amount,
          all,
        },
        setStep,
      );
      setDone(`${TITLES[action]} of ${fmtToken(amount, token.decimals, token.symbol, 6)} confirmed in block ${r.block}`);
      setText('');
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setStep(undefined);
    }
  };

  const title = `${TITLES[action]} ${token.symbol}`;
  return (
    <div className="action-panel" role="dialog" aria-label={title} data-testid="action-panel">
      <header>
        <h3>{title}</h3>
        <button type="button" className="link" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <label className="amount-field">
        <span>Amount</span>
        <span className="amount-input">
          <input
            inputMode="decimal"
            placeholder="0.0"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={inputError ? true : undefined}
            data-testid="amount"
          />
          <span className="amount-symbol">{token.symbol}</span>
          <button type="button" className="link" onClick={() => setText(fmtPlain(max, token.decimals))} data-testid="max">
            Max
          </button>
        </span>
      </label>
      <p className="muted small">Available: {fmtToken(max, token.decimals, token.symbol, 6)}</p>
      {inputError && (
        <p className="bad small" role="alert">
          {inputError}
        </p>
      )}
      {p && after !== undefined && (
        <div className="projection">
          <span>Health factor</span>
          <span>
            {p.healthFactorWad === null ? '∞' : fmtRatio(p.healthFactorWad)} → <strong data-testid="projected-health">{after === null ? '∞' : fmtRatio(after)}</strong>
          </span>
        </div>
      )}
      {after !== undefined && after !== null && BigInt(after) < WAD && <p className="bad small">This would leave the position liquidatable.</p>}
      {!signer && <p className="warn small">Pick a devnet account or connect a wallet to sign.</p>}
      {signer && signer.address.toLowerCase() !== account.account.toLowerCase() && <p className="warn small">You are viewing another account: the signer acts on its own position.</p>}
      {!account.qualification.qualified && <p className="warn small">This account is not qualified ({account.qualification.reason}): the pool will refuse it.</p>}
      <button
        type="button"
        className="primary"
        disabled={!signer || !endpoint || amount === undefined || !!inputError || step !== undefined}
        onClick={() => void submit()}
        data-testid="submit"
      >
        {step ?? title}
      </button>
      {done && (
        <p className="ok small" role="status" data-testid="action-done">
          {done}
        </p>
      )}
      {error && (
        <p className="bad small" role="alert" data-testid="action-error">
          {error}
        </p>
      )}
      {p && p.healthFactorWad !== null && <HealthGauge healthFactorWad={after ?? p.healthFactorWad} label="after this action" />}
    </div>
  );
}

/** An amount as the input expects it: plain decimal, no grouping. */
function fmtPlain(raw: bigint, decimals: number): string {
  const s = raw.toString().padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}
