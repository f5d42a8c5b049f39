// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRiskReserve} from "./IRiskReserve.sol";
import {ILendingPool} from "../lending/ILendingPool.sol";
import {Governed} from "../shared/Governed.sol";
import {WAD} from "../shared/Constants.sol";

/// @title RiskReserve
/// @notice Per-chain, per-asset risk reserve paying auction shortfalls to the liquidation module.
contract RiskReserve is IRiskReserve, Governed {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRiskReserve
    IERC20 public immutable asset;
    /// @inheritdoc IRiskReserve
    ILendingPool public immutable pool;
    /// @inheritdoc IRiskReserve
    address public liquidator;
    /// @inheritdoc IRiskReserve
    uint256 public balance;

    /// @param asset_ the reserve asset; must be `pool_`'s loan asset.
    /// @param pool_ the lending pool whose debt the reserve backs.
    /// @param governance_ sets the liquidator (the timelock in production).
    constructor(IERC20 asset_, ILendingPool pool_, address governance_) Governed(governance_) {
        if (address(pool_.loanAsset()) != address(asset_)) revert AssetMismatch();
        asset = asset_;
        pool = pool_;
    }

    /// @inheritdoc IRiskReserve
    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 b = balance + amount;
        balance = b;
        emit Deposited(msg.sender, amount, b);
        asset.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRiskReserve
    function skim() external returns (uint256 amount) {
        uint256 b = balance;
        uint256 held = asset.balanceOf(address(this));
        if (held <= b) revert ZeroAmount();
        amount = held - b;
        b = held;
        balance = b;
        emit Skimmed(amount, b);
    }

    /// @inheritdoc IRiskReserve
    function coverShortfall(uint256 amount) external returns (uint256 paid) {
        if (msg.sender != liquidator) revert NotLiquidator(msg.sender);
        uint256 b = balance;
        paid = amount < b ? amount : b;
        // unchecked: paid <= b by construction
        unchecked {
            b -= paid;
        }
        balance = b;
        emit ShortfallPaid(msg.sender, amount, paid, b);
        if (paid != 0) asset.safeTransfer(msg.sender, paid);
    }

    /// @inheritdoc IRiskReserve
    function setLiquidator(address liquidator_) external onlyGovernance {
        liquidator = liquidator_;
        emit LiquidatorSet(liquidator_);
    }

    /// @inheritdoc IRiskReserve
    function outstandingDebt() public view returns (uint256) {
        return pool.outstandingDebt();
    }

    /// @inheritdoc IRiskReserve
    function coverageRatio() external view returns (uint256) {
        uint256 debt = outstandingDebt();
        if (debt == 0) return type(uint256).max;
        return balance * WAD / debt;
    }
}
