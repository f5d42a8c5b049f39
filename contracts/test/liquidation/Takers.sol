// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {ILiquidationTaker} from "../../src/liquidation/ILiquidationTaker.sol";
import {ILiquidator} from "../../src/liquidation/ILiquidator.sol";
import {LotId} from "../../src/liquidation/LotId.sol";
import {MockERC20} from "../utils/MockERC20.sol";

/// @notice Flash taker: holds no loan asset; in the callback it "sells" the collateral it received to a
///         venue modelled as burning the collateral and minting loan assets at `venuePrice` (loan units per
///         1e18 collateral units), then approves the liquidator to pull the payment.
contract FlashTaker is ILiquidationTaker {
    ILiquidator public immutable liquidator;
    MockERC20 public immutable loan;
    MockERC20 public immutable collateral;
    uint256 public venuePrice;
    uint256 public calls;
    uint256 public collateralSeen;
    uint256 public paymentSeen;

    constructor(ILiquidator liquidator_, MockERC20 loan_, MockERC20 collateral_, uint256 venuePrice_) {
        liquidator = liquidator_;
        loan = loan_;
        collateral = collateral_;
        venuePrice = venuePrice_;
    }

    function take(LotId id, uint256 maxCollateral, uint256 maxPrice) external returns (uint256, uint256) {
        return liquidator.take(id, maxCollateral, maxPrice, address(this), hex"01");
    }

    function onTake(LotId, address receiver, uint256 collateralOut, uint256 payment, bytes calldata) external {
        require(msg.sender == address(liquidator), "only liquidator");
        require(collateral.balanceOf(receiver) >= collateralOut, "collateral not delivered first");
        ++calls;
        collateralSeen = collateralOut;
        paymentSeen = payment;
        collateral.burn(address(this), collateralOut);
        loan.mint(address(this), collateralOut * venuePrice / 1e18);
        loan.approve(address(liquidator), payment);
    }
}

/// @notice A taker whose callback tries to take the same lot again.
contract ReentrantTaker is ILiquidationTaker {
    ILiquidator public immutable liquidator;

    constructor(ILiquidator liquidator_) {
        liquidator = liquidator_;
    }

    function take(LotId id, uint256 maxCollateral) external {
        liquidator.take(id, maxCollateral, type(uint256).max, address(this), hex"01");
    }

    function onTake(LotId id, address, uint256, uint256, bytes calldata) external {
        liquidator.take(id, 1, type(uint256).max, address(this), "");
    }
}
