// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LotId} from "./LotId.sol";

/// @title ILiquidationTaker
/// @notice Callback of a flash take: the liquidator has already delivered the collateral to `receiver`; the
///         taker may sell it here, then must hold `payment` of the loan asset approved to the liquidator,
///         which pulls it right after this call returns.
interface ILiquidationTaker {
    /// @param id The lot taken.
    /// @param receiver Where the collateral was sent.
    /// @param collateralOut Collateral delivered (collateral smallest units).
    /// @param payment Loan asset the liquidator will pull from the taker (loan smallest units).
    /// @param data The bytes passed to `take`.
    function onTake(LotId id, address receiver, uint256 collateralOut, uint256 payment, bytes calldata data) external;
}
