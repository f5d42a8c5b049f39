import { useEffect, useState } from 'react';
import { getAddress, isAddress } from 'viem';
import { getChains, type ChainInfo } from '../../api.ts';
import { getPositions, type AccountOnChain, type LotHistory, type Position } from '../../protocol.ts';
import { fmtToken, fmtUnits, fmtUsd8, fmtUsdWad } from '../../format.ts';
import { usePoll } from '../../usePoll.ts';
import { useLive } from '../../useLive.ts';
import { useStream } from '../../useStream.ts';
import { Address } from '../../components/Address.tsx';
import { connectInjected, devnetSigners, hasInjectedWallet, describeError, type Signer } from '../../wallet.ts';
import { HealthGauge, healthTone } from './HealthGauge.tsx';
import { ActionPanel, type ActionTarget } from './ActionPanel.tsx';
import '../../components/protocol.css';

const POLL_MS = 3_000;
const STORAGE_KEY = 'palisade.position';

type Saved = { signer?: Signer; lookup?: string; chain?: string };
const load = (): Saved => {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Saved;
  } catch {
    return {};
  }
};

/** Who is shown: the signer's own account, or any address looked up (read-only). */
function AccountBar({ signer, setSigner, lookup, setLookup }: { signer: Signer | undefined; setSigner: (s: Signer | undefined) => void; lookup: string | undefined; setLookup: (a: string | undefined) => void }) {
  const [text, setText] = useState(lookup ?? '');
  const [error, setError] = useState<string | undefined>();
  const devnet = devnetSigners();
  const submitLookup = (e: React.FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (t === '') return setLookup(undefined);
    if (!isAddress(t)) return setError('Not an address: 0x and 40 hex digits');
    setError(undefined);
    setLookup(getAddress(t));
  };
  return (
    <div className="account-bar">
      <label>
        <span>Devnet account</span>
        <select
          data-testid="devnet-account"
          value={signer?.kind === 'devnet' ? String(signer.index) : ''}
          onChange={(e) => {
            const s = devnet.find((d) => String(d.index) === e.target.value);
            setSigner(s);
            if (s) setLookup(undefined);
          }}
        >
          <option value="">— pick a test key —</option>
          {devnet.map((d) => (
            <option key={d.index} value={d.index}>
              #{d.index} {d.label} ({d.address.slice(0, 6)}…{d.address.slice(-4)})
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={!hasInjectedWallet()}
        title={hasInjectedWallet() ? 'Sign with your browser wallet' : 'No browser wallet found'}
        onClick={() =>
          connectInjected()
            .then((address) => {
              setSigner({ kind: 'injected', address });
              setLookup(undefined);
              setError(undefined);
            })
            .catch((err: unknown) => setError(describeError(err)))
        }
      >
        {signer?.kind === 'injected' ? 'Wallet connected' : 'Connect wallet'}
      </button>
      <form onSubmit={submitLookup} className="lookup">
        <label>
          <span>Look up an address</span>
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="0x…" data-testid="lookup" spellCheck={false} />
        </label>
        <button type="submit">Show</button>
      </form>
      {error && (
        <p className="bad small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function LotLine({ lot }: { lot: LotHistory }) {
  const c = lot.collateral;
  const f = lot.finished;
  return (
    <li data-testid="lot" data-outcome={f?.outcome ?? 'live'}>
      Lot #{lot.sequence}: {fmtToken(lot.collateralAmount, c.decimals, c.symbol)} seized for {fmtToken(lot.debt, lot.loanAsset.decimals, lot.loanAsset.symbol, 2)} of debt
      {f
        ? ` — ${f.outcome === 'sold' ? 'sold' : 'sold with a shortfall'}: ${fmtToken(lot.collateralSold, c.decimals, c.symbol)} sold for ${fmtToken(lot.raised, lot.loanAsset.decimals, lot.loanAsset.symbol, 2)}, ${fmtToken(f.collateralReturned, c.decimals, c.symbol)} returned${BigInt(f.shortfall) > 0n ? `, ${fmtToken(f.shortfall, lot.loanAsset.decimals, lot.loanAsset.symbol, 2)} paid by the reserve` : ''}`
        : ' — in auction now'}
    </li>
  );
}

function PositionRow({ p, account, act }: { p: Position; account: AccountOnChain; act: (t: ActionTarget) => void }) {
  const c = p.collateral;
  const loan = account.loanAsset;
  const hf = p.healthFactorWad === null ? null : Number(BigInt(p.healthFactorWad) / 10n ** 14n) / 1e4;
  return (
    <tr data-testid={`position-${c.symbol}`} data-open={p.open}>
      <th scope="row">
        <span className="asset-icon" aria-hidden="true">{c.symbol.slice(0, 1)}</span>
        {c.symbol}
      </th>
      <td className="num" data-testid="collateral">{fmtUnits(p.collateralAmount, c.decimals, 6)}</td>
      <td className="num" data-testid="debt">{fmtUnits(p.debt, loan.decimals, 2)}</td>
      <td className={`num tone-${healthTone(hf)}`} data-testid="row-health">{p.healthFactorWad === null ? '∞' : hf!.toFixed(2)}</td>
      <td className="num" data-testid="liquidation-price">{p.liquidationPriceUsd8 === null ? '—' : fmtUsd8(p.liquidationPriceUsd8)}</td>
      <td className="num">{c.priceUsd8 === null ? 'refused' : fmtUsd8(c.priceUsd8)}</td>
      <td className="actions">
        <button type="button" onClick={() => act({ action: 'supplyCollateral', position: p })} data-testid={`supply-${c.symbol}`}>
          Supply
        </button>
        <button type="button" onClick={() => act({ action: 'borrow', position: p })} disabled={BigInt(p.collateralAmount) === 0n} data-testid={`borrow-${c.symbol}`}>
          Borrow
        </button>
        <button type="button" onClick={() => act({ action: 'repay', position: p })} disabled={BigInt(p.debt) === 0n} data-testid={`repay-${c.symbol}`}>
          Repay
        </button>
        <button type="button" onClick={() => act({ action: 'withdrawCollateral', position: p })} disabled={BigInt(p.collateralAmount) === 0n} data-testid={`withdraw-${c.symbol}`}>
          Withdraw
        </button>
      </td>
    </tr>
  );
}

function ChainAccount({ account, signer, chain, refresh }: { account: AccountOnChain; signer: Signer | undefined; chain: ChainInfo | undefined; refresh: () => void }) {
  const [target, setTarget] = useState<ActionTarget | undefined>();
  const loan = account.loanAsset;
  const open = account.positions.filter((p) => p.open);
  // the gauge shows the weakest open position: that is the one that gets liquidated first
  const weakest = open.filter((p) => p.healthFactorWad !== null).sort((a, b) => (BigInt(a.healthFactorWad!) < BigInt(b.healthFactorWad!) ? -1 : 1))[0];
  const totalCollateral = open.reduce((s, p) => s + BigInt(p.collateralValueWad ?? '0'), 0n);
  const totalDebt = open.reduce((s, p) => s + BigInt(p.debtValueWad ?? '0'), 0n);
  const lots = [...account.lots.live, ...account.lots.finished];
  const endpoint = chain ? { name: chain.name, chainId: chain.chainId, rpcUrl: chain.rpcUrl } : undefined;
  const q = account.qualification;
  return (
    <article className="position-card" data-testid={`account-${account.chain}`}>
      <div className="position-summary">
        <HealthGauge healthFactorWad={weakest?.healthFactorWad ?? null} />
        <div className="stats">
          <div className="stat">
            <span className="stat-label">Collateral value</span>
            <span className="stat-value" data-testid="collateral-value">{fmtUsdWad(totalCollateral)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Debt value</span>
            <span className="stat-value" data-testid="debt-value">{fmtUsdWad(totalDebt)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Liquidation price</span>
            <span className="stat-value" data-testid="summary-liquidation-price">
              {weakest?.liquidationPriceUsd8 ? `${fmtUsd8(weakest.liquidationPriceUsd8)} / ${weakest.collateral.symbol}` : '—'}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Qualification</span>
            <span className={`stat-value ${q.qualified ? 'ok' : 'bad'}`} data-testid="qualification" data-qualified={q.qualified}>
              {q.qualified ? 'Qualified to lend and borrow' : `Not qualified: ${q.reason}`}
            </span>
          </div>
        </div>
      </div>
      {weakest?.liquidatable && (
        <div className="error-banner" role="alert" data-testid="liquidatable">
          <strong>Liquidatable.</strong> The {weakest.collateral.symbol} position is below its liquidation threshold; an executor may auction its collateral at any moment.
        </div>
      )}

      <table className="data-table">
        <caption>Borrowing: one position per collateral</caption>
        <thead>
          <tr>
            <th scope="col">Collateral</th>
            <th scope="col" className="num">Deposited</th>
            <th scope="col" className="num">Debt ({loan.symbol})</th>
            <th scope="col" className="num">Health</th>
            <th scope="col" className="num">Liquidation price</th>
            <th scope="col" className="num">Oracle price</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {account.positions.map((p) => (
            <PositionRow key={p.collateral.address} p={p} account={account} act={setTarget} />
          ))}
        </tbody>
      </table>

      <table className="data-table">
        <caption>Lending</caption>
        <tbody>
          <tr data-testid="lending">
            <th scope="row">{loan.symbol} supplied</th>
            <td className="num" data-testid="supplied">{fmtToken(account.supplied, loan.decimals, loan.symbol, 2)}</td>
            <td className="actions">
              <button type="button" onClick={() => setTarget({ action: 'supply', position: undefined })}>
                Lend
              </button>
              <button type="button" onClick={() => setTarget({ action: 'withdraw', position: undefined })} disabled={BigInt(account.supplyShares) === 0n}>
                Withdraw
              </button>
            </td>
          </tr>
        </tbody>
      </table>

      {target && (
        <ActionPanel
          key={`${target.action}-${target.position?.collateral.address ?? ''}`}
          target={{ ...target, position: target.position && account.positions.find((p) => p.collateral.address === target.position!.collateral.address) }}
          account={account}
          signer={signer}
          endpoint={endpoint}
          onDone={refresh}
          onClose={() => setTarget(undefined)}
        />
      )}

      <h3>Liquidations</h3>
      {lots.length === 0 ? (
        <p className="muted" data-testid="no-lots">
          None on {account.chain}.
        </p>
      ) : (
        <ul className="lots" data-testid="lots">
          {lots.map((l) => (
            <LotLine key={l.id} lot={l} />
          ))}
        </ul>
      )}
      <p className="muted small">
        Wallet: {account.wallet.map((w) => fmtToken(w.balance, w.symbol === loan.symbol ? loan.decimals : (account.positions.find((p) => p.collateral.symbol === w.symbol)?.collateral.decimals ?? 18), w.symbol, 4)).join(' · ')}
      </p>
    </article>
  );
}

export function PositionPage() {
  const saved = load();
  const [signer, setSigner] = useState<Signer | undefined>(saved.signer);
  const [lookup, setLookup] = useState<string | undefined>(saved.lookup);
  const [chainName, setChainName] = useState<string | undefined>(saved.chain);
  useEffect(() => localStorage.setItem(STORAGE_KEY, JSON.stringify({ signer, lookup, chain: chainName } satisfies Saved)), [signer, lookup, chainName]);

  const address = lookup ?? signer?.address;
  const chains = usePoll(getChains, 10_000);
  const positions = useLive(address ? (s) => getPositions(address, s) : undefined, POLL_MS, address ?? '');
  useStream((m) => {
    if (m.kind === 'protocol') positions.refresh();
  });
  const accounts = positions.data?.chains ?? [];
  const selected = accounts.find((a) => a.chain === chainName) ?? accounts[0];

  return (
    <section className="position">
      <div className="page-head">
        <div>
          <h1>Position</h1>
          <p className="muted">Collateral, debt and health of one account on each chain; supply, borrow, repay and withdraw.</p>
        </div>
      </div>
      <AccountBar signer={signer} setSigner={setSigner} lookup={lookup} setLookup={setLookup} />
      {address && (
        <p className="viewing">
          Viewing <Address address={address} label="viewed account" /> {lookup ? '(read-only lookup)' : signer?.kind === 'devnet' ? `(devnet ${signer.label})` : '(your wallet)'}
        </p>
      )}
      {!address && <p className="muted">Pick a devnet account, connect a wallet, or look up any address.</p>}
      {positions.error && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          <strong>Cannot load the position.</strong> {positions.error.message}
        </div>
      )}
      {address && !positions.data && !positions.error && <p className="muted">Loading…</p>}
      {accounts.length > 0 && (
        <div className="tabs" role="tablist" aria-label="Chain">
          {accounts.map((a) => (
            <button key={a.chain} type="button" role="tab" aria-selected={a === selected} onClick={() => setChainName(a.chain)} data-testid={`tab-${a.chain}`}>
              {a.chain}
              {a.positions.some((p) => p.open) && <span className="dot" aria-label="has positions" />}
            </button>
          ))}
        </div>
      )}
      {positions.data?.errors.map((e) => (
        <div key={e.chain} className="error-banner" role="alert">
          <strong>{e.chain}:</strong> {e.error}
        </div>
      ))}
      {selected && <ChainAccount account={selected} signer={signer} chain={chains.data?.find((c) => c.name === selected.chain)} refresh={positions.refresh} />}
    </section>
  );
}
