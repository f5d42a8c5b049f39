// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";
import {InterestRateModel} from "../../src/lending/InterestRateModel.sol";
import {LendingDefaults} from "../../src/lending/LendingDefaults.sol";
import {ILiquidator} from "../../src/liquidation/ILiquidator.sol";
import {LotId} from "../../src/liquidation/LotId.sol";
import {FixedPointMath} from "../../src/shared/FixedPointMath.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

/// @notice Exits of lapsed clients, the guardian's pause, the minimum debt, and the places where lending and
///         liquidation meet: accrual in every entry point, interest while auction debt is outstanding, lenders'
///         withdrawals while a lot runs, share rounding and the collateral bound.
contract LendingPoolExitsTest is LendingTestBase {
    using FixedPointMath for uint256;

    address internal guardian = makeAddr("guardian");

    // ------------------------------------------------------------------ exits of lapsed clients

    function test_lapsedBorrower_repaysTopsUpAndWithdrawsOnceTheDebtAllows() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        allowlist.set(borrower, false); // the lease lapsed or was revoked

        // new exposure is refused
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, borrower));
        pool.borrow(address(weth), 1e6);

        // adding collateral to its own debt position only makes it safer
        weth.mint(borrower, 1e18);
        vm.prank(borrower);
        pool.supplyCollateral(address(weth), 1e18, borrower);
        assertEq(pool.position(borrower, address(weth)).collateral, 11e18);

        // withdrawing beyond the borrow limit is still refused: 1 WETH left is worth 1,600 of limit
        vm.prank(borrower);
        vm.expectRevert(
            abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 10_000e18, uint256(1_600e18))
        );
        pool.withdrawCollateral(address(weth), 10e18);

        // within the limit it may withdraw
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 1e18);

        // repay everything, then take the rest out
        uint256 shares = pool.position(borrower, address(weth)).borrowShares;
        vm.prank(borrower);
        (uint256 repaid,) = pool.repay(address(weth), 0, shares, borrower);
        assertEq(repaid, 10_000e6);
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 10e18);
        assertEq(weth.balanceOf(borrower), 11e18);
        assertEq(pool.position(borrower, address(weth)).collateral, 0);

        // a position without debt is not an exit: depositing into it again asks for qualification
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, borrower));
        pool.supplyCollateral(address(weth), 1e18, borrower);
    }

    function test_lapsedLender_withdrawsButCannotSupply() public {
        uint256 shares = _supply(lender, 1_000e6);
        allowlist.set(lender, false);
        usdc.mint(lender, 1e6);
        vm.prank(lender);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, lender));
        pool.supply(1e6);
        vm.prank(lender);
        (uint256 out,) = pool.withdraw(0, shares);
        assertEq(out, 1_000e6);
        assertEq(pool.supplyShares(lender), 0);
    }

    function test_supplyCollateral_unqualifiedCannotTopUpAnotherPosition() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        weth.mint(outsider, 1e18);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, outsider));
        pool.supplyCollateral(address(weth), 1e18, borrower);
        assertEq(pool.position(borrower, address(weth)).collateral, 10e18);
    }

    function test_lapsedBorrower_canStillBeLiquidated() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        allowlist.set(borrower, false);
        _setPrice(address(weth), 1700e8);
        vm.prank(taker);
        liquidator.kick(borrower, address(weth));
        assertEq(pool.position(borrower, address(weth)).borrowShares, 0);
    }

    // ------------------------------------------------------------------ guardian pause

    function _pausedWithPosition() internal {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        vm.prank(gov);
        pool.setGuardian(guardian);
        vm.expectEmit(address(pool));
        emit ILendingPool.PauseSet(guardian, true);
        vm.prank(guardian);
        pool.pause();
    }

    function test_pause_stopsNewSupplyAndBorrowing() public {
        _pausedWithPosition();
        assertTrue(pool.market().paused);
        usdc.mint(lender2, 1e6);
        vm.prank(lender2);
        vm.expectRevert(ILendingPool.Paused.selector);
        pool.supply(1e6);
        vm.prank(borrower);
        vm.expectRevert(ILendingPool.Paused.selector);
        pool.borrow(address(weth), 1e6);
        // interest accrual keeps the flag (it rewrites the slot)
        vm.warp(block.timestamp + 1 days);
        pool.accrueInterest();
        _refreshFeeds();
        vm.prank(borrower);
        vm.expectRevert(ILendingPool.Paused.selector);
        pool.borrow(address(weth), 1e6);
    }

    function test_pause_neverStopsRepayCollateralWithdrawalsOrLiquidation() public {
        _pausedWithPosition();
        // repay
        vm.prank(borrower);
        pool.repay(address(weth), 1_000e6, 0, borrower);
        // add collateral, withdraw it within the limit
        _deposit(borrower, weth, 1e18);
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 1e18);
        // a lender's withdrawal
        vm.prank(lender);
        pool.withdraw(1_000e6, 0);
        // liquidation: kick and take (9,000 of debt against 10 WETH at 900: a 100% ratio)
        _setPrice(address(weth), 900e8);
        vm.prank(taker);
        LotId id = liquidator.kick(borrower, address(weth));
        usdc.mint(taker, 20_000e6);
        vm.prank(taker);
        liquidator.take(id, type(uint256).max, type(uint256).max, taker, "");
        assertEq(pool.market().auctionDebt, 0);
        assertTrue(pool.market().paused);
    }

    function test_pause_unpauseByGuardianOrGovernance() public {
        _pausedWithPosition();
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.AlreadyInState.selector, true));
        pool.pause();
        vm.expectEmit(address(pool));
        emit ILendingPool.PauseSet(guardian, false);
        vm.prank(guardian);
        pool.unpause();
        assertFalse(pool.market().paused);
        _supply(lender2, 1e6); // supply runs again
        vm.prank(gov);
        pool.pause();
        vm.prank(gov);
        pool.unpause();
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.AlreadyInState.selector, false));
        pool.unpause();
    }

    function test_pause_revertsForAnyoneElse() public {
        vm.prank(gov);
        pool.setGuardian(guardian);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotGuardian.selector, outsider));
        pool.pause();
        vm.prank(gov);
        pool.pause();
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotGuardian.selector, borrower));
        pool.unpause();
        assertTrue(pool.market().paused);
    }

    function test_guardian_cannotMoveFundsOrChangeParameters() public {
        vm.prank(gov);
        pool.setGuardian(guardian);
        vm.startPrank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotLiquidator.selector, guardian));
        pool.releaseLiquidationFees(guardian, 1);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, guardian));
        pool.setLiquidator(guardian);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, guardian));
        pool.setGuardian(guardian);
        vm.stopPrank();
    }

    function test_setGuardian_onlyGovernanceAndEmits() public {
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, outsider));
        pool.setGuardian(outsider);
        vm.expectEmit(address(pool));
        emit ILendingPool.GuardianSet(guardian);
        vm.prank(gov);
        pool.setGuardian(guardian);
        assertEq(pool.guardian(), guardian);
    }

    // ------------------------------------------------------------------ minimum debt

    function _minDebt(uint112 amount) internal {
        vm.expectEmit(address(pool));
        emit ILendingPool.MinDebtSet(address(weth), amount);
        vm.prank(gov);
        pool.setMinDebt(address(weth), amount);
    }

    function test_borrow_revertsBelowTheMinimumDebt() public {
        _minDebt(1_000e6);
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.DebtBelowMinimum.selector, 999_999999, 1_000e6));
        pool.borrow(address(weth), 999_999999);
        _borrow(borrower, weth, 1_000e6); // exactly the minimum
        _borrow(borrower, weth, 1); // above it, any amount
        assertEq(pool.debtOf(borrower, address(weth)), 1_000_000001);
    }

    function test_repay_partialMustLeaveTheMinimumFullAlwaysWorks() public {
        _openPosition(borrower, weth, 10e18, 5_000e6);
        _minDebt(1_000e6);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.DebtBelowMinimum.selector, 999_999999, 1_000e6));
        pool.repay(address(weth), 4_000_000001, 0, borrower);
        vm.prank(borrower);
        pool.repay(address(weth), 4_000e6, 0, borrower); // leaves exactly the minimum
        uint256 shares = pool.position(borrower, address(weth)).borrowShares;
        vm.prank(borrower);
        pool.repay(address(weth), 0, shares, borrower);
        assertEq(pool.position(borrower, address(weth)).borrowShares, 0);
    }

    function test_setMinDebt_guardedAndKeptBySetCollateral() public {
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, outsider));
        pool.setMinDebt(address(weth), 1);
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.CollateralNotListed.selector, address(usdc)));
        pool.setMinDebt(address(usdc), 1);
        _minDebt(500e6);
        vm.prank(gov);
        pool.setCollateral(address(weth), WETH_RATIO, 0.7e18, true);
        assertEq(pool.collateralConfig(address(weth)).minDebt, 500e6);
        assertEq(pool.collateralConfig(address(weth)).maxLtv, 0.7e18);
    }

    // ------------------------------------------------------------------ accrual in every entry point

    /// 20,000 supplied, 10 WETH against 15,000 (75% utilization, 3.75% a year), then a year passes.
    function _aYearAt75PercentUtilization() internal {
        _supply(lender, 20_000e6);
        _deposit(borrower, weth, 10e18);
        _borrow(borrower, weth, 15_000e6);
        vm.warp(block.timestamp + 365 days);
        _refreshFeeds();
    }

    function test_withdrawCollateral_accruesAndChecksTheLimitOnTheAccruedDebt() public {
        _aYearAt75PercentUtilization();
        uint256 debt = pool.debtOf(borrower, address(weth));
        assertGt(debt, 15_520e6); // ~15,573 with a year of interest
        // 9.7 WETH leave a limit of 15,520: enough for last year's debt, not for today's
        vm.prank(borrower);
        vm.expectPartialRevert(ILendingPool.ExceedsBorrowLimit.selector);
        pool.withdrawCollateral(address(weth), 0.3e18);
        ILendingPool.Market memory expected = pool.expectedMarket();
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 0.2e18);
        ILendingPool.Market memory m = pool.market();
        assertEq(m.lastUpdate, block.timestamp);
        assertEq(m.totalBorrowAssets, expected.totalBorrowAssets);
        assertEq(m.totalSupplyAssets, expected.totalSupplyAssets);
    }

    function test_seize_accruesBeforeMovingTheDebtToTheAuction() public {
        _aYearAt75PercentUtilization();
        _setPrice(address(weth), 1700e8);
        uint256 debt = pool.debtOf(borrower, address(weth));
        ILendingPool.Market memory expected = pool.expectedMarket();
        vm.prank(taker);
        LotId id = liquidator.kick(borrower, address(weth));
        ILendingPool.Market memory m = pool.market();
        assertEq(liquidator.lot(id).debtLeft, debt);
        assertEq(m.auctionDebt, debt);
        assertEq(m.lastUpdate, block.timestamp);
        assertEq(m.totalSupplyAssets, expected.totalSupplyAssets); // lenders keep the year's interest
    }

    function test_repay_accrues() public {
        _aYearAt75PercentUtilization();
        ILendingPool.Market memory expected = pool.expectedMarket();
        vm.prank(borrower);
        pool.repay(address(weth), 1_000e6, 0, borrower);
        assertEq(pool.market().lastUpdate, block.timestamp);
        assertEq(pool.market().totalSupplyAssets, expected.totalSupplyAssets);
    }

    // ------------------------------------------------------------------ interest while a lot runs

    function test_accrueInterest_rateCountsAuctionDebt() public {
        _supply(lender, 20_000e6);
        _deposit(borrower, weth, 10e18);
        _borrow(borrower, weth, 15_000e6);
        _deposit(borrower2, weth, 10e18);
        _borrow(borrower2, weth, 1_000e6);
        _setPrice(address(weth), 1600e8);
        vm.prank(taker);
        liquidator.kick(borrower, address(weth));
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalBorrowAssets, 1_000e6);
        assertGt(m.auctionDebt, 0);
        // utilization is (1,000 + 15,000) / 20,000 = 80%: the kink, 4% a year, not the 0.25% of 5%
        uint256 rate = InterestRateModel.ratePerSecond(
            uint256(m.totalBorrowAssets) + m.auctionDebt, m.totalSupplyAssets, LendingDefaults.rate()
        );
        assertGt(rate, 10 * InterestRateModel.ratePerSecond(m.totalBorrowAssets, m.totalSupplyAssets, LendingDefaults.rate()));
        assertEq(pool.borrowRate(), rate);
        vm.warp(block.timestamp + 30 days);
        pool.accrueInterest();
        uint256 interest = uint256(m.totalBorrowAssets).wMulDown(FixedPointMath.wTaylorCompounded(rate, 30 days));
        assertEq(pool.market().totalBorrowAssets, m.totalBorrowAssets + interest);
        assertEq(pool.market().totalSupplyAssets, m.totalSupplyAssets + interest);
    }

    // ------------------------------------------------------------------ liquidity while a lot runs

    function test_withdraw_whileALotRunsKeepsItsDebtOutOfReach() public {
        _supply(lender, 20_000e6);
        _deposit(borrower, weth, 10e18);
        _borrow(borrower, weth, 15_000e6);
        _setPrice(address(weth), 1600e8);
        vm.prank(taker);
        liquidator.kick(borrower, address(weth));
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalBorrowAssets, 0);
        uint256 free = uint256(m.totalSupplyAssets) - m.auctionDebt;
        vm.prank(lender);
        vm.expectRevert(ILendingPool.InsufficientLiquidity.selector);
        pool.withdraw(free + 1, 0);
        _deposit(borrower2, weth, 100e18);
        vm.prank(borrower2);
        vm.expectRevert(ILendingPool.InsufficientLiquidity.selector);
        pool.borrow(address(weth), free + 1);
        vm.prank(lender);
        (uint256 out,) = pool.withdraw(free, 0);
        assertEq(out, free);
        // the lender's remaining shares are still worth the auction's debt
        uint256 left = pool.supplyShares(lender);
        m = pool.market();
        assertEq(m.totalSupplyShares, left);
        assertEq(m.totalSupplyAssets, m.auctionDebt);
    }

    // ------------------------------------------------------------------ rounding of borrow shares

    function test_borrowAndRepay_roundSharesAgainstTheBorrower() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1_000e18);
        _borrow(borrower, weth, 500_000e6);
        vm.warp(block.timestamp + 365 days + 17);
        _refreshFeeds();
        pool.accrueInterest();
        _deposit(borrower2, weth, 10e18);
        uint256[3] memory amounts = [uint256(1), 7, 333_333_333];
        for (uint256 i; i < amounts.length; ++i) {
            ILendingPool.Market memory m = pool.market();
            uint256 up = amounts[i].mulDivUp(uint256(m.totalBorrowShares) + 1e6, uint256(m.totalBorrowAssets) + 1);
            assertTrue(up * (uint256(m.totalBorrowAssets) + 1) != amounts[i] * (uint256(m.totalBorrowShares) + 1e6));
            uint256 shares = _borrow(borrower2, weth, amounts[i]);
            assertEq(shares, up, "borrow mints shares rounded up");
        }
        // repaying assets burns shares rounded down; repaying shares pulls assets rounded up
        ILendingPool.Market memory n = pool.market();
        uint256 down = uint256(1_000_001).mulDivDown(uint256(n.totalBorrowShares) + 1e6, uint256(n.totalBorrowAssets) + 1);
        vm.prank(borrower2);
        (, uint256 burnt) = pool.repay(address(weth), 1_000_001, 0, borrower2);
        assertEq(burnt, down, "repay by assets burns shares rounded down");
        n = pool.market();
        uint256 assetsUp = uint256(999_999).mulDivUp(uint256(n.totalBorrowAssets) + 1, uint256(n.totalBorrowShares) + 1e6);
        vm.prank(borrower2);
        (uint256 pulled,) = pool.repay(address(weth), 0, 999_999, borrower2);
        assertEq(pulled, assetsUp, "repay by shares pulls assets rounded up");
    }

    // ------------------------------------------------------------------ collateral bound

    function test_setCollateral_maxLtvTimesRatioMustStayBelowOne() public {
        vm.startPrank(gov);
        // 80% x 125% is exactly 1: borrowing to the limit would be liquidatable at once
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(wbtc), 1.25e18, 0.8e18, true);
        pool.setCollateral(address(wbtc), 1.25e18, 0.8e18 - 1, true);
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(wbtc), 1e18 + 1, 1e18, true);
        vm.stopPrank();
        assertEq(pool.collateralConfig(address(wbtc)).maxLtv, 0.8e18 - 1);
    }
}
