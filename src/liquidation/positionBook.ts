/**
 * The monitor's in-memory book of the positions of one lending market (one loan asset, several
 * collateral assets), laid out so a health pass over a million positions is a tight loop over
 * typed arrays that allocates nothing per position.
 *
 * Two representations of every position:
 * - float64 "screening" numbers (collateral and debt in smallest units, rounded to the nearest
 *   double) in dense per-asset arrays, read by every pass;
 * - the exact bigints in slot-indexed side arrays, read only for the few positions whose float
 *   answer is too close to the threshold to trust (see `SCREEN_MARGIN`).
 * The answer is always the one `isLiquidatable` (health.ts) gives; floats only make it cheap.
 *
 * Debts may be held in units that an index converts to the loan asset (a pool's borrow shares: debt =
 * ceil(units × index)). The index is one number per pass (`setDebtIndex`), folded into each asset's
 * factor, so interest accruing never touches per-position data.
 *
 * Incremental passes: a full pass also notes, per asset, the positions within NEAR_MARGIN of their
 * threshold. Until an asset's factor falls by more than that margin (a price drop, a rise of the debt
 * price or index, a stricter threshold), only those positions and the ones changed since can turn
 * liquidatable, so a pass scans just them. The answer is the same as a full pass's (tested).
 */
import { BaseError, InputError } from '../shared/errors.ts';
import { MAX_DECIMALS, isLiquidatable } from '../lending/health.ts';

/**
 * Relative width of the band around the threshold in which the float screen defers to the exact
 * bigint rule. Every float involved is a correctly rounded conversion or product (under 6
 * roundings of 2^-53 each, so under 1e-15 relative, and the bounds below keep every value far
 * from overflow and subnormals), so 1e-9 is a million times wider than the error it covers.
 */
export const SCREEN_MARGIN = 1e-9;
const BELOW = 1 - SCREEN_MARGIN;
const ABOVE = 1 + SCREEN_MARGIN;

/** Prices (8 decimals) and ratios (WAD) must be below this; it keeps the float screen in range. */
export const MAX_PRICE_OR_RATIO = 2n ** 128n;
/** Amounts are uint256 on chain. */
const AMOUNT_LIMIT = 2n ** 256n;
const NO_ASSET = 0xffffffff;
/**
 * Positions whose screen ratio is within this of their threshold at a full pass are noted; later
 * passes scan only them until the asset's factor has fallen by more than this.
 */
export const NEAR_MARGIN = 0.02;
const NEAR = 1 + NEAR_MARGIN;

export type CollateralAssetConfig = {
  /** For messages only; the book addresses assets by index. */
  symbol?: string;
  decimals: number;
  /** Liquidatable below this collateral ratio, e.g. 1.10e18 for ETH-like, 1.20e18 for volatile. */
  liquidationRatioWad: bigint | number;
};

export type PositionBookConfig = {
  /** Decimals of the market's loan asset (the debt). */
  debtDecimals: number;
  collateralAssets: CollateralAssetConfig[];
  /** Slots to allocate up front; the arrays double when full. */
  initialCapacity?: number;
};

export type PositionInput = {
  /** Index of the collateral asset in the book's asset list. */
  collateralAsset: number;
  /** Collateral held, smallest units of the collateral token. */
  collateral: bigint | number;
  /**
   * Debt owed including accrued interest, smallest units of the loan asset; or, once the book has a
   * debt index (`setDebtIndex`), units that the index converts to it (e.g. borrow shares).
   */
  debt: bigint | number;
};

export type Position = {
  id: string;
  slot: number;
  collateralAsset: number;
  collateral: bigint;
  debt: bigint;
};

/** The screening numbers of one collateral asset's positions, dense (no holes) so a pass is a sequential scan. */
type Bucket = {
  slots: Uint32Array;
  collateral: Float64Array;
  debt: Float64Array;
  length: number;
};

type Asset = {
  symbol: string;
  decimals: number;
  ratioWad: bigint;
  price: bigint | undefined;
  /**
   * collateralPrice * 10^debtDecimals * WAD / (debtPrice * 10^collateralDecimals * ratioWad) as a
   * double: a position is liquidatable iff collateral * factor < debt. NaN while a price is unknown.
   */
  factor: number;
  bucket: Bucket;
  /** Factor and debt pad of the last full pass (NaN: none since the last price was unknown). */
  nearFactor: number;
  nearPad: number;
  /**
   * Positions noted near the threshold at the last full pass or written since: slot and a copy of its
   * screening numbers, dense so an incremental pass is a sequential scan. An entry whose position left
   * the asset has collateral +Infinity (never flagged).
   */
  near: Uint32Array;
  nearCollateral: Float64Array;
  nearDebt: Float64Array;
  nearLength: number;
};

export class PositionBook {
  private readonly debtDecimals: number;
  private debtPrice: bigint | undefined;
  /** debt = ceil(units × indexNum / indexDen); 1/1 while no index is set (units are the debt). */
  private indexNum = 1n;
  private indexDen = 1n;
  /** One debt unit in loan-asset units as a double: the most ceil() can add, in units. */
  private debtPad = 0;
  private indexFactor = 1;
  private readonly assets: Asset[] = [];

  // Slot-indexed state. A slot is a position's stable handle while it exists; freed slots are reused.
  private capacity: number;
  private slotsUsed = 0;
  private readonly freeSlots: number[] = [];
  private readonly slotById = new Map<string, number>();
  private idOfSlot: (string | undefined)[] = [];
  private exactCollateral: bigint[] = [];
  private exactDebt: bigint[] = [];
  private assetOfSlot: Uint32Array;
  /** Where the slot's screening numbers sit in its asset's bucket. */
  private rowOfSlot: Uint32Array;

  private unhealthy: Uint32Array;
  private exactChecks = 0;
  private scanned = 0;
  /** Asset index + 1 of the near list holding a live entry for the slot (0: none). */
  private nearMark: Uint32Array;
  /** Where that entry sits in the list. */
  private nearPos: Uint32Array;

  constructor(config: PositionBookConfig) {
    this.debtDecimals = decimals('debtDecimals', config.debtDecimals);
    const initial = config.initialCapacity ?? 1024;
    if (!Number.isInteger(initial) || initial < 1 || initial > 2 ** 31) {
      throw new InputError('initialCapacity must be a positive integer', { details: String(initial) });
    }
    this.capacity = initial;
    this.assetOfSlot = new Uint32Array(initial).fill(NO_ASSET);
    this.rowOfSlot = new Uint32Array(initial);
    this.unhealthy = new Uint32Array(initial);
    this.nearMark = new Uint32Array(initial);
    this.nearPos = new Uint32Array(initial);
    for (const asset of config.collateralAssets) this.addCollateralAsset(asset);
  }

  /** Adds a collateral asset and answers its index. Its positions are judged once it has a price. */
  addCollateralAsset(config: CollateralAssetConfig): number {
    const index = this.assets.length;
    const symbol = config.symbol ?? `asset ${index}`;
    const asset: Asset = {
      symbol,
      decimals: decimals(`${symbol} decimals`, config.decimals),
      ratioWad: bounded(`${symbol} liquidationRatioWad`, config.liquidationRatioWad, 1n, MAX_PRICE_OR_RATIO),
      price: undefined,
      factor: Number.NaN,
      bucket: { slots: new Uint32Array(16), collateral: new Float64Array(16), debt: new Float64Array(16), length: 0 },
      nearFactor: Number.NaN,
      nearPad: 0,
      near: new Uint32Array(16),
      nearCollateral: new Float64Array(16),
      nearDebt: new Float64Array(16),
      nearLength: 0,
    };
    this.assets.push(asset);
    return index;
  }

  /** Number of positions held. */
  get size(): number {
    return this.slotById.size;
  }

  get assetCount(): number {
    return this.assets.length;
  }

  /** Number of positions backed by one collateral asset. */
  countOf(assetIndex: number): number {
    return this.asset(assetIndex).bucket.length;
  }

  /** Sets a collateral asset's USD price (8 decimals, as its Chainlink-style feed answers). */
  setPrice(assetIndex: number, price8: bigint | number): void {
    const asset = this.asset(assetIndex);
    asset.price = bounded(`${asset.symbol} price`, price8, 1n, MAX_PRICE_OR_RATIO);
    this.refreshFactor(asset);
  }

  /** Sets the loan asset's USD price (8 decimals); every collateral asset's factor depends on it. */
  setDebtPrice(price8: bigint | number): void {
    this.debtPrice = bounded('debt price', price8, 1n, MAX_PRICE_OR_RATIO);
    for (const asset of this.assets) this.refreshFactor(asset);
  }

  /**
   * Sets the index that converts stored debt units to loan-asset units: debt = ceil(units × assets /
   * shares), as a pool converts borrow shares (pass its totals plus any virtual offset). Changes one
   * number per asset, never per-position data.
   */
  setDebtIndex(assets: bigint, shares: bigint): void {
    const num = bounded('debt index assets', assets, 1n, AMOUNT_LIMIT);
    const den = bounded('debt index shares', shares, 1n, AMOUNT_LIMIT);
    this.indexNum = num;
    this.indexDen = den;
    // one rounding each and a division: covered by SCREEN_MARGIN like every other factor input
    this.indexFactor = Number(num) / Number(den);
    this.debtPad = 1 / this.indexFactor;
    for (const asset of this.assets) this.refreshFactor(asset);
  }

  /** Sets the collateral ratio (WAD) below which positions of this asset are liquidatable. */
  setThreshold(assetIndex: number, ratioWad: bigint | number): void {
    const asset = this.asset(assetIndex);
    asset.ratioWad = bounded(`${asset.symbol} liquidationRatioWad`, ratioWad, 1n, MAX_PRICE_OR_RATIO);
    this.refreshFactor(asset);
  }

  /** Inserts or replaces a position; answers its slot. Bad input throws InputError and changes nothing. */
  upsert(positionId: string, input: PositionInput): number {
    if (typeof positionId !== 'string' || positionId.length === 0) {
      throw new InputError('positionId must be a non-empty string');
    }
    const assetIndex = this.assetIndex(input.collateralAsset);
    const collateral = bounded(`position ${positionId} collateral`, input.collateral, 0n, AMOUNT_LIMIT);
    const debt = bounded(`position ${positionId} debt`, input.debt, 0n, AMOUNT_LIMIT);

    let slot = this.slotById.get(positionId);
    if (slot === undefined) {
      slot = this.allocateSlot();
      this.slotById.set(positionId, slot);
      this.idOfSlot[slot] = positionId;
    } else if (this.assetOfSlot[slot] !== assetIndex) {
      this.leaveBucket(slot);
    }
    this.exactCollateral[slot] = collateral;
    this.exactDebt[slot] = debt;
    if (this.assetOfSlot[slot] === NO_ASSET) this.joinBucket(slot, assetIndex);
    const bucket = this.assets[assetIndex]!.bucket;
    const row = this.rowOfSlot[slot]!;
    // Number(bigint) rounds to the nearest double: one rounding, covered by SCREEN_MARGIN
    bucket.collateral[row] = Number(collateral);
    bucket.debt[row] = Number(debt);
    this.noteIfNear(slot, assetIndex, bucket.collateral[row]!, bucket.debt[row]!);
    return slot;
  }

  /** Removes a position; answers whether it was there. Its slot is reused by a later upsert. */
  remove(positionId: string): boolean {
    const slot = this.slotById.get(positionId);
    if (slot === undefined) return false;
    this.leaveBucket(slot);
    this.slotById.delete(positionId);
    this.idOfSlot[slot] = undefined;
    this.exactCollateral[slot] = 0n;
    this.exactDebt[slot] = 0n;
    this.freeSlots.push(slot);
    return true;
  }

  has(positionId: string): boolean {
    return this.slotById.has(positionId);
  }

  slotOf(positionId: string): number | undefined {
    return this.slotById.get(positionId);
  }

  /** The exact position in a slot (e.g. one reported by a pass), or undefined for a free slot. */
  positionAt(slot: number): Position | undefined {
    const id = this.idOfSlot[slot];
    if (id === undefined) return undefined;
    return {
      id,
      slot,
      collateralAsset: this.assetOfSlot[slot]!,
      collateral: this.exactCollateral[slot]!,
      debt: this.exactDebt[slot]!,
    };
  }

  idAt(slot: number): string | undefined {
    return this.idOfSlot[slot];
  }

  /** Exact collateral of the position in a slot (0n for a free slot); allocates nothing. */
  collateralAt(slot: number): bigint {
    return this.exactCollateral[slot] ?? 0n;
  }

  /** Exact debt units of the position in a slot (0n for a free slot); allocates nothing. */
  debtAt(slot: number): bigint {
    return this.exactDebt[slot] ?? 0n;
  }

  /** Collateral asset index of the position in a slot, or -1 for a free slot. */
  assetAt(slot: number): number {
    const a = this.assetOfSlot[slot];
    return a === undefined || a === NO_ASSET ? -1 : a;
  }

  /**
   * The book's own result buffer: slots written by the last pass that used it, valid up to the
   * count that pass answered and until the next pass or upsert (it is replaced when the book grows).
   */
  get unhealthySlots(): Uint32Array {
    return this.unhealthy;
  }

  /** How many positions the last pass had to settle with the exact bigint rule. */
  get lastExactChecks(): number {
    return this.exactChecks;
  }

  /** How many rows the last pass looked at (all of them on a full pass, fewer on an incremental one). */
  get lastScanned(): number {
    return this.scanned;
  }

  /**
   * Health pass over every position: writes the slots of liquidatable positions into `out`
   * (default: `unhealthySlots`) and answers how many. Throws if a collateral asset that has
   * positions has no price yet, or the loan asset has none: skipping them would hide unhealthy positions.
   */
  findUnhealthy(out: Uint32Array = this.unhealthy): number {
    this.requireRoom(out, this.size);
    this.exactChecks = 0;
    this.scanned = 0;
    let count = 0;
    for (let a = 0; a < this.assets.length; a++) count = this.scan(a, out, count);
    return count;
  }

  /**
   * Health pass over the positions backed by one collateral asset: what a price update of that
   * asset can change. Same output contract as `findUnhealthy`.
   */
  findUnhealthyForAsset(assetIndex: number, out: Uint32Array = this.unhealthy): number {
    const asset = this.asset(assetIndex);
    this.requireRoom(out, asset.bucket.length);
    this.exactChecks = 0;
    this.scanned = 0;
    return this.scan(assetIndex, out, 0);
  }

  private scan(assetIndex: number, out: Uint32Array, start: number): number {
    const asset = this.assets[assetIndex]!;
    const n = asset.bucket.length;
    if (n === 0) return start;
    if (this.debtPrice === undefined || asset.price === undefined) {
      throw new BaseError(`no price for ${asset.price === undefined ? asset.symbol : 'the loan asset'}`, {
        code: 'PRICE_NOT_SET',
        details: `${n} positions of ${asset.symbol} cannot be judged`,
        retryable: true,
      });
    }
    // the near list answers for every position as long as no factor fell, nor the pad grew, by more
    // than NEAR since the full pass (see noteIfNear); past half the bucket (dead entries included) a
    // full pass is as cheap, and rebuilds the list
    const incremental =
      asset.factor * NEAR >= asset.nearFactor && this.debtPad <= asset.nearPad * NEAR && asset.nearLength * 2 < n;
    return incremental ? this.scanNear(asset, out, start) : this.scanAll(asset, out, start);
  }

  // The hot loop. Locals instead of property reads keep V8 on typed-array fast paths; nothing is
  // allocated unless a position falls inside the margin band and needs the bigint rule.
  private scanAll(asset: Asset, out: Uint32Array, start: number): number {
    const bucket = asset.bucket;
    const n = bucket.length;
    const factor = asset.factor;
    const pad = this.debtPad;
    // a position is noted near when c < (d + farPad) * farAbove (see noteIfNear)
    const farPad = pad * NEAR;
    const farAbove = ABOVE * NEAR;
    const collateral = bucket.collateral;
    const debt = bucket.debt;
    const slots = bucket.slots;
    const mark = this.nearMark;
    const pos = this.nearPos;
    const tag = this.assets.indexOf(asset) + 1;
    // forget the old near list: unmark the live entries it held
    for (let i = 0; i < asset.nearLength; i++) if (mark[asset.near[i]!] === tag) mark[asset.near[i]!] = 0;
    asset.nearLength = 0;
    let count = start;
    for (let row = 0; row < n; row++) {
      const c = collateral[row]! * factor;
      const d = debt[row]!;
      if (c >= (d + farPad) * farAbove) continue; // far from the threshold (also every debt-free position)
      const slot = slots[row]!;
      if (asset.nearLength === asset.near.length) growNear(asset);
      const at = asset.nearLength++;
      asset.near[at] = slot;
      asset.nearCollateral[at] = collateral[row]!;
      asset.nearDebt[at] = d;
      mark[slot] = tag;
      pos[slot] = at;
      if (c >= (d + pad) * ABOVE) continue; // clearly healthy
      if (c < d * BELOW || this.exactlyLiquidatable(slot, asset)) out[count++] = slot;
    }
    asset.nearFactor = factor;
    asset.nearPad = pad;
    this.scanned += n;
    return count;
  }

  private scanNear(asset: Asset, out: Uint32Array, start: number): number {
    const factor = asset.factor;
    const pad = this.debtPad;
    const near = asset.near;
    const nearCollateral = asset.nearCollateral;
    const nearDebt = asset.nearDebt;
    const n = asset.nearLength;
    let count = start;
    for (let i = 0; i < n; i++) {
      const c = nearCollateral[i]! * factor;
      const d = nearDebt[i]!;
      if (c >= (d + pad) * ABOVE) continue;
      const slot = near[i]!;
      if (c < d * BELOW || this.exactlyLiquidatable(slot, asset)) out[count++] = slot;
    }
    this.scanned += n;
    return count;
  }

  /**
   * Keeps the near list's promise for a position written after the full pass: every position left out
   * satisfies c × nearFactor >= (d + nearPad × NEAR) × ABOVE × NEAR, so while factor >= nearFactor / NEAR
   * and pad <= nearPad × NEAR it satisfies c × factor >= (d + pad) × ABOVE: clearly healthy.
   */
  private noteIfNear(slot: number, assetIndex: number, collateral: number, debt: number): void {
    const asset = this.assets[assetIndex]!;
    if (Number.isNaN(asset.nearFactor)) return; // no full pass yet: the next pass is a full one
    const tag = assetIndex + 1;
    if (this.nearMark[slot] === tag) {
      // listed already: keep its copy current
      const at = this.nearPos[slot]!;
      asset.nearCollateral[at] = collateral;
      asset.nearDebt[at] = debt;
      return;
    }
    if (collateral * asset.nearFactor >= (debt + asset.nearPad * NEAR) * ABOVE * NEAR) return;
    if (asset.nearLength === asset.near.length) growNear(asset);
    const at = asset.nearLength++;
    asset.near[at] = slot;
    asset.nearCollateral[at] = collateral;
    asset.nearDebt[at] = debt;
    this.nearMark[slot] = tag;
    this.nearPos[slot] = at;
  }

  /** A position leaves an asset: its near entry, if any, can no longer be flagged. */
  private dropNear(slot: number, assetIndex: number): void {
    if (this.nearMark[slot] !== assetIndex + 1) return;
    const asset = this.assets[assetIndex]!;
    asset.nearCollateral[this.nearPos[slot]!] = Number.POSITIVE_INFINITY;
    this.nearMark[slot] = 0;
  }

  private exactlyLiquidatable(slot: number, asset: Asset): boolean {
    this.exactChecks++;
    const units = this.exactDebt[slot]!;
    return isLiquidatable({
      collateral: this.exactCollateral[slot]!,
      collateralDecimals: asset.decimals,
      collateralPrice: asset.price!,
      debt: this.indexDen === 1n && this.indexNum === 1n ? units : (units * this.indexNum + this.indexDen - 1n) / this.indexDen,
      debtDecimals: this.debtDecimals,
      debtPrice: this.debtPrice!,
      liquidationRatioWad: asset.ratioWad,
    });
  }

  private refreshFactor(asset: Asset): void {
    if (asset.price === undefined || this.debtPrice === undefined) {
      asset.factor = Number.NaN;
      return;
    }
    // Both sides stay below 2^128 * 10^36 * 2^128 (about 1e113), far inside double range, and the
    // quotient is at least ~1e-95, so multiplying by an amount >= 1 never reaches subnormals.
    const numerator = asset.price * 10n ** BigInt(this.debtDecimals) * 10n ** 18n;
    const denominator = this.debtPrice * 10n ** BigInt(asset.decimals) * asset.ratioWad;
    // debt = units × index, so comparing collateral × factor with units divides the factor by the index
    asset.factor = Number(numerator) / Number(denominator) / this.indexFactor;
  }

  private allocateSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.slotsUsed === this.capacity) this.growSlots();
    return this.slotsUsed++;
  }

  private growSlots(): void {
    const capacity = this.capacity * 2;
    const assetOfSlot = new Uint32Array(capacity).fill(NO_ASSET);
    assetOfSlot.set(this.assetOfSlot);
    const rowOfSlot = new Uint32Array(capacity);
    rowOfSlot.set(this.rowOfSlot);
    this.assetOfSlot = assetOfSlot;
    this.rowOfSlot = rowOfSlot;
    // a pass can report every position, so the result buffer follows the slot capacity
    this.unhealthy = new Uint32Array(capacity);
    const nearMark = new Uint32Array(capacity);
    nearMark.set(this.nearMark);
    this.nearMark = nearMark;
    const nearPos = new Uint32Array(capacity);
    nearPos.set(this.nearPos);
    this.nearPos = nearPos;
    this.capacity = capacity;
  }

  private joinBucket(slot: number, assetIndex: number): void {
    const bucket = this.assets[assetIndex]!.bucket;
    if (bucket.length === bucket.slots.length) growBucket(bucket);
    bucket.slots[bucket.length] = slot;
    this.assetOfSlot[slot] = assetIndex;
    this.rowOfSlot[slot] = bucket.length++;
  }

  // Swap-remove: the bucket's last row fills the hole, so buckets stay dense and passes sequential.
  private leaveBucket(slot: number): void {
    this.dropNear(slot, this.assetOfSlot[slot]!);
    const bucket = this.assets[this.assetOfSlot[slot]!]!.bucket;
    const row = this.rowOfSlot[slot]!;
    const last = --bucket.length;
    if (row !== last) {
      const moved = bucket.slots[last]!;
      bucket.slots[row] = moved;
      bucket.collateral[row] = bucket.collateral[last]!;
      bucket.debt[row] = bucket.debt[last]!;
      this.rowOfSlot[moved] = row;
    }
    this.assetOfSlot[slot] = NO_ASSET;
  }

  private requireRoom(out: Uint32Array, positions: number): void {
    if (!(out instanceof Uint32Array) || out.length < positions) {
      throw new InputError('result buffer too small: it must hold one slot per position scanned', {
        details: `${positions} positions`,
      });
    }
  }

  private asset(index: number): Asset {
    return this.assets[this.assetIndex(index)]!;
  }

  private assetIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.assets.length) {
      throw new InputError(`unknown collateral asset index ${index}`, { details: `${this.assets.length} assets` });
    }
    return index;
  }
}

function growBucket(bucket: Bucket): void {
  const capacity = bucket.slots.length * 2;
  const slots = new Uint32Array(capacity);
  slots.set(bucket.slots);
  const collateral = new Float64Array(capacity);
  collateral.set(bucket.collateral);
  const debt = new Float64Array(capacity);
  debt.set(bucket.debt);
  bucket.slots = slots;
  bucket.collateral = collateral;
  bucket.debt = debt;
}

function growNear(asset: Asset): void {
  const capacity = asset.near.length * 2;
  const near = new Uint32Array(capacity);
  near.set(asset.near);
  const c = new Float64Array(capacity);
  c.set(asset.nearCollateral);
  const d = new Float64Array(capacity);
  d.set(asset.nearDebt);
  asset.near = near;
  asset.nearCollateral = c;
  asset.nearDebt = d;
}

function decimals(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > MAX_DECIMALS) {
    throw new InputError(`${name} must be an integer from 0 to ${MAX_DECIMALS}`, { details: String(v) });
  }
  return v;
}

/**
 * An integer in [min, limit) as bigint. A number must hold an integer (NaN, fractions and
 * Infinity are refused) and is taken at its exact value, so `1.1e18` means 1100000000000000000.
 */
function bounded(name: string, v: bigint | number, min: bigint, limit: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else throw new InputError(`${name} must be an integer`, { details: String(v) });
  if (b < min || b >= limit) throw new InputError(`${name} out of range`, { details: `${b} not in [${min}, ${limit})` });
  return b;
}
