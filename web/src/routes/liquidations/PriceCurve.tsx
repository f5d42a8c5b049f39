import type { LiveLot } from '../../protocol.ts';

const PRICE_SCALE = 10n ** 36n;
const W = 560;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/** Auction price (loan smallest units per collateral smallest unit × 1e36) → loan tokens per whole collateral token. */
export function perToken(price: string | bigint, collateralDecimals: number, loanDecimals: number): number {
  const perWhole = (BigInt(price) * 10n ** BigInt(collateralDecimals)) / PRICE_SCALE; // loan smallest units
  return Number(perWhole) / 10 ** loanDecimals;
}

/**
 * The lot's Dutch auction as a stairstep: the price it started at, each 10 s step down, where it is
 * now (the dot, moving with the chain's clock), the oracle valuation and the floor below which the
 * lot must be reset, and every take on it.
 */
export function PriceCurve({ lot, now }: { lot: LiveLot; now: number }) {
  const cd = lot.collateral.decimals;
  const ld = lot.loanAsset.decimals;
  const valuation = perToken(lot.valuation, cd, ld);
  const floor = perToken(lot.floorPrice, cd, ld);
  const start = Number(lot.roundStartTime);
  // show the steps down to just below the floor (the rest of the curve cannot be taken)
  let last = lot.curve.findIndex((p) => perToken(p.price, cd, ld) < floor * 0.97);
  if (last < 0) last = lot.curve.length - 1;
  const points = lot.curve.slice(0, Math.max(last + 1, 6));
  const end = Number(points[points.length - 1]!.at) + (points.length > 1 ? Number(points[1]!.at) - start : 10);
  const prices = points.map((p) => perToken(p.price, cd, ld));
  const top = Math.max(...prices, valuation) * 1.02;
  const bottom = Math.min(...prices, floor) * 0.98;
  const x = (t: number) => PAD.left + ((t - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + ((top - p) / (top - bottom)) * (H - PAD.top - PAD.bottom);
  const clampedNow = Math.min(Math.max(now, start), end);

  let stairs = '';
  points.forEach((p, i) => {
    const t0 = Number(p.at);
    const t1 = i + 1 < points.length ? Number(points[i + 1]!.at) : end;
    const py = y(prices[i]!);
    stairs += `${i === 0 ? 'M' : 'L'} ${x(t0).toFixed(1)} ${py.toFixed(1)} L ${x(t1).toFixed(1)} ${py.toFixed(1)} `;
  });
  // the stairstep at the chain's clock now: the dot steps down between two answers of the API
  const reached = lot.curve.filter((p) => Number(p.at) <= now);
  const current = reached.length ? perToken(reached[reached.length - 1]!.price, cd, ld) : perToken(lot.price, cd, ld);
  const ticks = [top, (top + bottom) / 2, bottom].map((v) => ({ v, y: y(v) }));
  const fmt = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 4 : 0 });

  return (
    <svg className="price-curve" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Auction price of lot ${lot.sequence}: now ${fmt(current)} ${lot.loanAsset.symbol} per ${lot.collateral.symbol}`} data-testid="price-curve">
      <clipPath id={`past-${lot.id}`}>
        <rect x={0} y={0} width={x(clampedNow)} height={H} />
      </clipPath>
      {ticks.map((t) => (
        <g key={t.v}>
          <line x1={PAD.left} x2={W - PAD.right} y1={t.y} y2={t.y} className="grid" />
          <text x={PAD.left - 6} y={t.y + 4} textAnchor="end" className="axis">
            {fmt(t.v)}
          </text>
        </g>
      ))}
      <text x={PAD.left} y={H - 8} className="axis">
        kick
      </text>
      <text x={W - PAD.right} y={H - 8} textAnchor="end" className="axis">
        +{end - start} s
      </text>
      <line x1={PAD.left} x2={W - PAD.right} y1={y(valuation)} y2={y(valuation)} className="valuation" />
      <text x={W - PAD.right} y={y(valuation) - 4} textAnchor="end" className="axis">
        oracle {fmt(valuation)}
      </text>
      <line x1={PAD.left} x2={W - PAD.right} y1={y(floor)} y2={y(floor)} className="floor" />
      <text x={W - PAD.right} y={y(floor) + 12} textAnchor="end" className="axis">
        floor {fmt(floor)}
      </text>
      <path d={stairs} className="stairs-future" />
      <path d={stairs} className="stairs-past" clipPath={`url(#past-${lot.id})`} data-testid="curve-past" />
      {lot.takes.map((t) => (
        <circle key={t.txHash} cx={x(Number(t.timestamp))} cy={y(perToken(t.price, cd, ld))} r={5} className="take" />
      ))}
      <circle cx={x(clampedNow)} cy={y(current)} r={5} className="now" data-testid="curve-now" />
    </svg>
  );
}
