import { useEffect, useState } from 'react';
import { getAuctions, type ChainAuctions, type LiveLot, type LotHistory } from '../../protocol.ts';
import { fmtSeconds, fmtToken } from '../../format.ts';
import { useLive } from '../../useLive.ts';
import { useStream, type StreamMessage } from '../../useStream.ts';
import { Address } from '../../components/Address.tsx';
import { PriceCurve, perToken } from './PriceCurve.tsx';
import '../../components/protocol.css';

const POLL_MS = 2_000;
const FEED_LENGTH = 12;
const LIQUIDATION_EVENTS = new Set(['Kick', 'Take', 'Reset', 'LotFinished', 'ShortfallCovered', 'Seize', 'PriceAccepted']);

/** Chain time now, from the last answer's block time plus the wall time since it arrived. */
function useChainNow(blockTime: number | undefined, receivedAt: Date | undefined): number {
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setTick(Date.now()), 500);
    return () => clearInterval(id);
  }, []);
  if (blockTime === undefined || !receivedAt) return 0;
  return blockTime + Math.max(0, Math.floor((tick - receivedAt.getTime()) / 1000));
}

function LiveLotCard({ lot, chain, now }: { lot: LiveLot; chain: string; now: number }) {
  const c = lot.collateral;
  const l = lot.loanAsset;
  const price = perToken(lot.price, c.decimals, l.decimals);
  const next = perToken(lot.nextPrice, c.decimals, l.decimals);
  const inSeconds = Math.max(0, Number(lot.nextStepAt) - now);
  const fmt = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return (
    <article className="lot-card" data-testid="lot-live" data-lot={lot.id} aria-label={`Lot ${lot.sequence} on ${chain}`}>
      <header className="lot-head">
        <h3>
          Lot #{lot.sequence} · {fmtToken(lot.collateralLeft, c.decimals, c.symbol)}
        </h3>
        <span className="muted">
          {chain} · borrower <Address address={lot.borrower} label="borrower" />
        </span>
        {lot.needsReset && <span className="pill warn">needs reset</span>}
        {lot.makerRebate && <span className="pill">maker rebate open</span>}
      </header>
      <div className="stats">
        <div className="stat">
          <span className="stat-label">Price now</span>
          <span className="stat-value" data-testid="lot-price" data-value={lot.price}>
            {fmt(price)} {l.symbol}/{c.symbol}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Next step</span>
          <span className="stat-value" data-testid="lot-next">
            {fmt(next)} in {inSeconds} s
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Oracle valuation</span>
          <span className="stat-value">{fmt(perToken(lot.valuation, c.decimals, l.decimals))}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Left to raise</span>
          <span className="stat-value">
            {fmtToken(lot.debtLeft, l.decimals, l.symbol, 2)} + fee {fmtToken(lot.feeLeft, l.decimals, l.symbol, 2)}
          </span>
        </div>
      </div>
      <PriceCurve lot={lot} now={now} />
    </article>
  );
}

function HistoryRow({ lot, chain }: { lot: LotHistory; chain: string }) {
  const c = lot.collateral;
  const l = lot.loanAsset;
  const f = lot.finished!;
  return (
    <tr data-testid="lot-finished" data-lot={lot.id} data-outcome={f.outcome}>
      <td>
        {chain} #{lot.sequence}
      </td>
      <td>
        <Address address={lot.borrower} label="borrower" />
      </td>
      <td className="num">{fmtToken(lot.collateralAmount, c.decimals, c.symbol)}</td>
      <td className="num">{fmtToken(lot.debt, l.decimals, l.symbol, 2)}</td>
      <td className="num">{fmtToken(lot.raised, l.decimals, l.symbol, 2)}</td>
      <td className="num">{fmtToken(f.collateralReturned, c.decimals, c.symbol)}</td>
      <td className="num">{BigInt(f.shortfall) > 0n ? `${fmtToken(f.shortfall, l.decimals, l.symbol, 2)} (reserve paid ${fmtToken(f.coveredByReserve, l.decimals, l.symbol, 2)})` : '—'}</td>
      <td className="num">{fmtSeconds(Number(BigInt(f.timestamp) - BigInt(lot.kickTime)))}</td>
      <td className="num">{lot.takes.length}</td>
      <td>
        <span className={`pill ${f.outcome === 'sold' ? 'ok' : 'warn'}`}>{f.outcome === 'sold' ? 'sold' : 'shortfall'}</span>
      </td>
    </tr>
  );
}

function describe(m: Extract<StreamMessage, { kind: 'protocol' }>): string {
  const a = m.args;
  switch (m.event) {
    case 'Kick':
      return `lot kicked for ${String(a.borrower).slice(0, 8)}…`;
    case 'Take':
      return `take by ${String(a.taker).slice(0, 8)}…`;
    case 'LotFinished':
      return `lot finished${a.shortfall && a.shortfall !== '0' ? ' with a shortfall' : ''}`;
    case 'Seize':
      return `position of ${String(a.borrower).slice(0, 8)}… seized`;
    case 'PriceAccepted':
      return `price accepted: ${(Number(a.answer) / 1e8).toLocaleString('en-US')}`;
    default:
      return m.event;
  }
}

export function LiquidationsPage() {
  const auctions = useLive((s) => getAuctions(s), POLL_MS);
  const [feed, setFeed] = useState<Extract<StreamMessage, { kind: 'protocol' }>[]>([]);
  const { connected } = useStream((m) => {
    if (m.kind !== 'protocol' || !LIQUIDATION_EVENTS.has(m.event)) return;
    setFeed((f) => [m, ...f].slice(0, FEED_LENGTH));
    auctions.refresh();
  });
  const data = auctions.data;
  const first: ChainAuctions | undefined = data?.auctions[0];
  const now = useChainNow(first ? Number(first.timestamp) : undefined, auctions.updatedAt);
  const live = data?.auctions.flatMap((a) => a.live.map((lot) => ({ lot, chain: a.chain, now: Number(a.timestamp) + (now - Number(first!.timestamp)) }))) ?? [];
  const history = data?.auctions.flatMap((a) => a.recent.map((lot) => ({ lot, chain: a.chain }))).sort((x, y) => Number(BigInt(y.lot.finished!.timestamp) - BigInt(x.lot.finished!.timestamp))) ?? [];
  const params = first?.params;

  return (
    <section className="liquidations">
      <div className="page-head">
        <div>
          <h1>Liquidations</h1>
          <p className="muted">
            Dutch auctions of unhealthy positions' collateral
            {params && `: start at ${params.startPremiumBps / 100}% of the oracle valuation, ×${params.stepFactorBps / 10_000} every ${params.stepSeconds} s, reset below ${params.floorBps / 100}%`}.
          </p>
        </div>
        <span className={connected ? 'badge badge-ok' : 'badge badge-starting'} data-testid="live">
          {connected ? 'Live' : 'Connecting…'}
        </span>
      </div>
      {auctions.error && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          <strong>Cannot load the auctions.</strong> {auctions.error.message}
        </div>
      )}
      {data?.errors.map((e) => (
        <div key={e.chain} className="error-banner" role="alert">
          <strong>{e.chain}:</strong> {e.error}
        </div>
      ))}

      <div className="liquidations-grid">
        <div>
          <h2>Running auctions</h2>
          {data && live.length === 0 && (
            <p className="muted" data-testid="no-live">
              No lot is being auctioned.
            </p>
          )}
          {live.map(({ lot, chain, now: chainNow }) => (
            <LiveLotCard key={`${chain}-${lot.id}`} lot={lot} chain={chain} now={chainNow} />
          ))}
        </div>
        <aside className="feed" aria-label="Live events">
          <h2>Live events</h2>
          {feed.length === 0 ? (
            <p className="muted small">Kicks, takes and finished lots appear here as they happen.</p>
          ) : (
            <ol data-testid="feed">
              {feed.map((m) => (
                <li key={`${m.chain}-${m.block}-${m.logIndex}`}>
                  <span className="muted">
                    {m.chain} #{m.block}
                  </span>{' '}
                  {describe(m)}
                </li>
              ))}
            </ol>
          )}
        </aside>
      </div>

      <h2>History</h2>
      {history.length === 0 ? (
        <p className="muted">No liquidation has finished yet.</p>
      ) : (
        <table className="data-table" data-testid="history">
          <thead>
            <tr>
              <th scope="col">Lot</th>
              <th scope="col">Borrower</th>
              <th scope="col" className="num">Seized</th>
              <th scope="col" className="num">Debt</th>
              <th scope="col" className="num">Raised</th>
              <th scope="col" className="num">Returned</th>
              <th scope="col" className="num">Shortfall</th>
              <th scope="col" className="num">Duration</th>
              <th scope="col" className="num">Takes</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {history.map(({ lot, chain }) => (
              <HistoryRow key={`${chain}-${lot.id}`} lot={lot} chain={chain} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
