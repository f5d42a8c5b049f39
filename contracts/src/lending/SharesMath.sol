// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {FixedPointMath} from "../shared/FixedPointMath.sol";

/// @title SharesMath
/// @notice Converts assets and shares with virtual shares and assets, as Morpho Blue and OpenZeppelin's
///         ERC4626 offset do: the first depositor cannot set an extreme share price, and because the pool
///         counts assets in storage rather than reading its token balance, donations change nothing.
/// @dev Rounding always favours the pool: shares minted and assets paid out round down, shares burned and
///      assets owed round up.
library SharesMath {
    using FixedPointMath for uint256;

    /// @dev 1e6 virtual shares: an inflation attack must donate ~1e6 times what it wants to steal.
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    /// @dev One virtual asset.
    uint256 internal constant VIRTUAL_ASSETS = 1;

    function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return assets.mulDivDown(totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
    }

    function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return shares.mulDivDown(totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
    }

    function toSharesUp(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return assets.mulDivUp(totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
    }

    function toAssetsUp(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return shares.mulDivUp(totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
    }
}
