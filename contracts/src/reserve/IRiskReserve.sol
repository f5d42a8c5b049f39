// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILendingPool} from "../lending/ILendingPool.sol";

/// @title IRiskReserve
/// @notice The risk reserve of one loan asset on one chain (SPEC §F): it receives its share of liquidation fees
///         (and any deposit), and pays auction shortfalls — to the liquidation module only — so that no bad debt
///         is left on lenders. It exposes its balance, the pool's outstanding debt and the coverage ratio.
/// @dev The reserve tracks its balance explicitly: `balance()` equals the token balance whenever tokens arrive
///      through `deposit` (a direct transfer is booked by anyone calling `skim`). Nothing but `coverShortfall`
///      moves tokens out (collection to the multisig and the tiered replenishment come later).
interface IRiskReserve {
    /// @notice Thrown when a caller other than the liquidator asks for a shortfall payment.
    error NotLiquidator(address caller);
    /// @notice Thrown when an amount argument is zero.
    error ZeroAmount();
    /// @notice Thrown when the reserve asset is not the pool's loan asset.
    error AssetMismatch();

    /// @notice Emitted when `from` deposits `amount`; `balance` is the new tracked balance.
    event Deposited(address indexed from, uint256 amount, uint256 balance);
    /// @notice Emitted when tokens transferred directly are booked.
    event Skimmed(uint256 amount, uint256 balance);
    /// @notice Emitted when the liquidator draws `paid` of a `requested` shortfall.
    event ShortfallPaid(address indexed liquidator, uint256 requested, uint256 paid, uint256 balance);
    /// @notice Emitted when governance sets the liquidator allowed to draw.
    event LiquidatorSet(address indexed liquidator);

    /// @notice The reserve asset (the pool's loan asset).
    function asset() external view returns (IERC20);

    /// @notice The lending pool whose debt the reserve backs.
    function pool() external view returns (ILendingPool);

    /// @notice The only account that may draw shortfalls.
    function liquidator() external view returns (address);

    /// @notice Tracked balance of the reserve, in asset units.
    function balance() external view returns (uint256);

    /// @notice Debt the reserve backs: the pool's open debt with interest to now plus debt in auctions.
    function outstandingDebt() external view returns (uint256);

    /// @notice balance / outstandingDebt in WAD (type(uint256).max when there is no debt).
    function coverageRatio() external view returns (uint256);

    /// @notice Pulls `amount` from the caller into the reserve (fee shares, donations).
    function deposit(uint256 amount) external;

    /// @notice Books tokens sent to the reserve without `deposit`; anyone may call it.
    /// @return amount Newly booked amount.
    function skim() external returns (uint256 amount);

    /// @notice Pays up to `amount` (what the balance allows) to the liquidator, the only allowed caller.
    /// @return paid Amount transferred to the liquidator.
    function coverShortfall(uint256 amount) external returns (uint256 paid);

    /// @notice Sets the liquidator (governance only).
    function setLiquidator(address liquidator_) external;
}
