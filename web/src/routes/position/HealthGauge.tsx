import { fmtRatio, wadToNumber } from '../../format.ts';

/** The gauge reads 0 to this; healthier positions pin the needle at the end. */
const GAUGE_MAX = 3;

/** Aave's colours: red below 1 (liquidatable), amber below 1.5, green above. */
export function healthTone(hf: number | null): 'ok' | 'warn' | 'bad' {
  if (hf === null) return 'ok';
  if (hf < 1) return 'bad';
  if (hf < 1.5) return 'warn';
  return 'ok';
}

/**
 * A half-circle gauge of the health factor (collateral ratio ÷ liquidation ratio). `null` means no
 * debt: nothing can be liquidated, shown as ∞.
 */
export function HealthGauge({ healthFactorWad, label = 'Health factor' }: { healthFactorWad: string | null; label?: string }) {
  const hf = healthFactorWad === null ? null : wadToNumber(healthFactorWad);
  const tone = healthTone(hf);
  const frac = hf === null ? 1 : Math.max(0, Math.min(1, hf / GAUGE_MAX));
  // the arc runs from 180° (left, 0) to 0° (right, GAUGE_MAX)
  const angle = Math.PI * (1 - frac);
  const cx = 100;
  const cy = 100;
  const r = 80;
  const needle = { x: cx + (r - 12) * Math.cos(angle), y: cy - (r - 12) * Math.sin(angle) };
  const arc = (from: number, to: number) => {
    const a0 = Math.PI * (1 - from / GAUGE_MAX);
    const a1 = Math.PI * (1 - to / GAUGE_MAX);
    return `M ${cx + r * Math.cos(a0)} ${cy - r * Math.sin(a0)} A ${r} ${r} 0 0 1 ${cx + r * Math.cos(a1)} ${cy - r * Math.sin(a1)}`;
  };
  const text = hf === null ? '∞' : fmtRatio(healthFactorWad!, 2);
  return (
    <figure className={`gauge gauge-${tone}`} data-testid="health-factor" data-value={healthFactorWad ?? ''} data-tone={tone}>
      <svg viewBox="0 0 200 140" role="img" aria-label={`${label} ${text}`}>
        <path d={arc(0, 1)} className="gauge-bad" />
        <path d={arc(1, 1.5)} className="gauge-warn" />
        <path d={arc(1.5, GAUGE_MAX)} className="gauge-ok" />
        <line x1={cx} y1={cy} x2={needle.x} y2={needle.y} className="gauge-needle" />
        <circle cx={cx} cy={cy} r={5} className="gauge-hub" />
        <text x={cx} y={cy + 34} textAnchor="middle" className="gauge-value">
          {text}
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
