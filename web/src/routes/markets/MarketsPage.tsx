import { getMarkets, getReserves, type Market, type Reserve } from '../../protocol.ts';
import { fmtPct, fmtRatio, fmtToken, fmtUnits, fmtUsd8, fmtUsdWad } from '../../format.ts';
import { useLive } from '../../useLive.ts';
import { useStream } from '../../useStream.ts';
import { Address } from '../../components/Address.tsx';
import '../../components/protocol.css';

const POLL_MS = 5_000;

/** USD value (WAD) of a loan-asset amount at its 8-decimal price. */
function loanUsdWad(m: Market, raw: string): bigint | null {
  if (m.loanAsset.priceUsd8 === null) return null;
  return (BigInt(raw) * BigInt(m.loanAsset.priceUsd8) * 10n ** 10n) / 10n ** BigInt(m.loanAsset.decimals);
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function MarketCard({ m, reserve }: { m: Market; reserve: Reserve | undefined }) {
  const loan = m.loanAsset;
  const supplyUsd = loanUsdWad(m, m.totalSupplyAssets);
  const borrowUsd = loanUsdWad(m, m.totalBorrowAssets);
  return (
    <article className="market-card" data-testid={`market-${m.chain}`} aria-labelledby={`market-${m.chain}-title`}>
      <header className="market-head">
        <h2 id={`market-${m.chain}-title`}>{m.chain}</h2>
        {m.paused && (
          <span className="pill warn" data-testid="paused" title="The guardian paused new risk; repay and liquidation go on">
            paused
          </span>
        )}
        <span className="muted">
          chain id {m.chainId} · block {fmtUnits(m.block, 0)} · pool <Address address={m.contracts.pool} label={`${m.chain} pool`} />
        </span>
      </header>
      <div className="stats">
        <Stat label="Total supplied" value={supplyUsd === null ? fmtToken(m.totalSupplyAssets, loan.decimals, loan.symbol, 2) : fmtUsdWad(supplyUsd)} testId="total-supplied" />
        <Stat label="Total borrowed" value={borrowUsd === null ? fmtToken(m.totalBorrowAssets, loan.decimals, loan.symbol, 2) : fmtUsdWad(borrowUsd)} testId="total-borrowed" />
        <Stat label="Available liquidity" value={fmtToken(m.liquidity, loan.decimals, loan.symbol, 2)} />
        <Stat label="Utilization" value={fmtPct(m.utilizationWad)} testId="utilization" />
        {reserve && <Stat label="Risk reserve" value={fmtToken(reserve.balance, reserve.asset.decimals, reserve.asset.symbol, 0)} testId="reserve-balance" />}
        {reserve && <Stat label="Reserve coverage" value={reserve.coverageRatioWad === null ? 'no debt' : fmtPct(reserve.coverageRatioWad, 1)} testId="reserve-coverage" />}
      </div>

      <table className="data-table">
        <caption>Loan asset</caption>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Supplied</th>
            <th scope="col" className="num">Borrowed</th>
            <th scope="col" className="num">In auctions</th>
            <th scope="col" className="num">Supply APR</th>
            <th scope="col" className="num">Borrow APR</th>
          </tr>
        </thead>
        <tbody>
          <tr data-testid={`loan-${loan.symbol}`}>
            <th scope="row">
              <span className="asset-icon" aria-hidden="true">{loan.symbol.slice(0, 1)}</span>
              {loan.symbol}
            </th>
            <td className="num">{loan.priceUsd8 === null ? <span className="bad" title={loan.priceError}>refused</span> : fmtUsd8(loan.priceUsd8)}</td>
            <td className="num">{fmtUnits(m.totalSupplyAssets, loan.decimals)}</td>
            <td className="num">{fmtUnits(m.totalBorrowAssets, loan.decimals)}</td>
            <td className="num">{fmtUnits(m.auctionDebt, loan.decimals)}</td>
            <td className="num" data-testid="supply-apr">{fmtPct(m.supplyAprWad, 3)}</td>
            <td className="num" data-testid="borrow-apr">{fmtPct(m.borrowAprWad, 3)}</td>
          </tr>
        </tbody>
      </table>

      <table className="data-table">
        <caption>Collateral</caption>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col" className="num">Oracle price</th>
            <th scope="col" className="num">Deposited</th>
            <th scope="col" className="num">Value</th>
            <th scope="col" className="num" title="Loans can be taken up to this loan-to-value">Max LTV</th>
            <th scope="col" className="num" title="Below this collateral ratio a position is liquidated">Liquidation at</th>
            <th scope="col" className="num" title="Smallest debt a position may keep">Min debt</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {m.collaterals.map((c) => (
            <tr key={c.token.address} data-testid={`collateral-${c.token.symbol}`}>
              <th scope="row">
                <span className="asset-icon" aria-hidden="true">{c.token.symbol.slice(0, 1)}</span>
                {c.token.symbol}
              </th>
              <td className="num" data-testid="price">
                {c.token.priceUsd8 === null ? <span className="bad" title={c.token.priceError}>refused ({c.token.priceError})</span> : fmtUsd8(c.token.priceUsd8)}
              </td>
              <td className="num">{fmtUnits(c.totalCollateral, c.token.decimals, 4)}</td>
              <td className="num">{c.totalCollateralUsdWad === null ? '—' : fmtUsdWad(c.totalCollateralUsdWad)}</td>
              <td className="num">{fmtPct(c.maxLtvWad, 0)}</td>
              <td className="num">{fmtPct(c.liquidationRatioWad, 0)} ratio</td>
              <td className="num">{fmtToken(c.minDebt, loan.decimals, loan.symbol, 2)}</td>
              <td>{c.enabled ? <span className="pill ok">enabled</span> : <span className="pill warn">frozen</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Rate model: {m.rateModel.baseRateBps / 100}% + {m.rateModel.slope1Bps / 100}% to {m.rateModel.kinkBps / 100}% utilization, then +{m.rateModel.slope2Bps / 100}%. Health factor = collateral ratio ÷{' '}
        {m.collaterals[0] ? fmtRatio(m.collaterals[0].liquidationRatioWad) : 'threshold'}.
      </p>
    </article>
  );
}

export function MarketsPage() {
  const markets = useLive(getMarkets, POLL_MS);
  const reserves = useLive(getReserves, POLL_MS * 2);
  // prices and balances change with protocol events: reload at once instead of waiting for the poll
  const { connected } = useStream((m) => {
    if (m.kind === 'protocol') markets.refresh();
  });
  const data = markets.data;
  return (
    <section className="markets">
      <div className="page-head">
        <div>
          <h1>Markets</h1>
          <p className="muted">USDC lending against WETH and WBTC on every chain: prices from the oracle, rates from utilization.</p>
        </div>
        <span className={connected ? 'badge badge-ok' : 'badge badge-starting'} data-testid="live">
          {connected ? 'Live' : 'Connecting…'}
        </span>
      </div>
      {markets.error && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          <strong>Cannot load the markets.</strong> {markets.error.message}
        </div>
      )}
      {data?.errors.map((e) => (
        <div key={e.chain} className="error-banner" role="alert">
          <strong>{e.chain}:</strong> {e.error}
        </div>
      ))}
      {!data && !markets.error && <p className="muted">Loading markets…</p>}
      <div className="market-list">
        {data?.markets.map((m) => (
          <MarketCard key={m.chain} m={m} reserve={reserves.data?.reserves.find((r) => r.chain === m.chain)} />
        ))}
      </div>
    </section>
  );
}
