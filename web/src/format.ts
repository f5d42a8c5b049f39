/** Number formatting for amounts that arrive as decimal strings in smallest units (bigint-safe). */
import { formatUnits } from 'viem';

const WAD_DECIMALS = 18;

/** `1234567.891` → `1,234,567.89`: rounded half up to at most `maxFrac` fraction digits, in bigint (no float error). */
export function fmtUnits(raw: string | bigint, decimals: number, maxFrac = 2): string {
  let v = BigInt(raw);
  const negative = v < 0n;
  if (negative) v = -v;
  if (decimals > maxFrac) v += 5n * 10n ** BigInt(decimals - maxFrac - 1);
  const s = formatUnits(v, decimals);
  const [int = '0', frac = ''] = s.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const f = frac.slice(0, maxFrac).replace(/0+$/, '');
  return `${negative ? '−' : ''}${grouped}${f ? `.${f}` : ''}`;
}

/** A token amount with its symbol: `12.5 WETH`. */
export const fmtToken = (raw: string | bigint, decimals: number, symbol: string, maxFrac = 4) => `${fmtUnits(raw, decimals, maxFrac)} ${symbol}`;

/** USD from an 8-decimal feed price or a WAD value. */
export const fmtUsd8 = (raw: string | bigint) => `$${fmtUnits(raw, 8, 2)}`;
export const fmtUsdWad = (raw: string | bigint) => `$${fmtUnits(raw, WAD_DECIMALS, 2)}`;

/** A WAD fraction as a percentage: 0.0075e18 → `0.75%`. */
export function fmtPct(wad: string | bigint, maxFrac = 2): string {
  return `${fmtUnits(BigInt(wad) * 100n, WAD_DECIMALS, maxFrac)}%`;
}

/** A WAD ratio as a plain number: 1.2121e18 → `1.21`. */
export const fmtRatio = (wad: string | bigint, maxFrac = 2) => fmtUnits(wad, WAD_DECIMALS, maxFrac);

/** WAD → float, for charts and gauges only (never for amounts). */
export const wadToNumber = (wad: string | bigint) => Number(formatUnits(BigInt(wad), WAD_DECIMALS));

/** Seconds → `1 min 20 s`. */
export function fmtSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}
