// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

// Units used across Palisade's on-chain maths, in one place.

/// @dev 1.0 in 18-decimal fixed point: ratios (collateral ratios, LTVs) and rates per second.
uint256 constant WAD = 1e18;

/// @dev 100% in basis points: governed percentages (fees, premiums, floors, rate-model slopes).
uint256 constant BPS = 10_000;

/// @dev Scale of every oracle price: a price is the USD value of ONE SMALLEST UNIT of the asset times 1e36.
///      Equivalently: the USD value, in WAD, of 1e18 smallest units. So for `amount` smallest units,
///      `amount * price / VALUE_DIVISOR` is a USD value in WAD (1e18 = 1 USD).
///      Examples: WETH (18 decimals) at 2,000 USD -> 2000e18; USDC (6) at 1 USD -> 1e30; WBTC (8) at 60,000 USD -> 6e32.
///      Auction prices use the same scale for a different pair: loan-asset smallest units per collateral
///      smallest unit, times 1e36 (so `collateral * auctionPrice / PRICE_SCALE` is in loan-asset smallest units).
uint256 constant PRICE_SCALE = 1e36;

/// @dev Divisor turning `amount * price` into a WAD USD value: PRICE_SCALE / WAD.
uint256 constant VALUE_DIVISOR = 1e18;

/// @dev Seconds in the 365-day year over which annual rates are quoted.
uint256 constant SECONDS_PER_YEAR = 365 days;
