// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {MockERC20} from "../utils/MockERC20.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";
import {LendingPool} from "../../src/lending/LendingPool.sol";
import {RateParams} from "../../src/lending/InterestRateModel.sol";
import {IPriceOracle} from "../../src/oracle/IPriceOracle.sol";
import {IQualification} from "../../src/compliance/IQualification.sol";
import {IGoverned} from "../../src/shared/IGoverned.sol";

contract LendingPoolTest is LendingTestBase {
    // ------------------------------------------------------------------ supply / withdraw

    function test_supply_mintsSharesAndPullsAssets() public {
        usdc.mint(lender, 1_000e6);
        vm.expectEmit(address(pool));
        emit ILendingPool.Supply(lender, 1_000e6, 1_000e6 * 1e6);
        vm.prank(lender);
        uint256 shares = pool.supply(1_000e6);
        assertEq(shares, 1_000e12);
        assertEq(pool.supplyShares(lender), shares);
        assertEq(usdc.balanceOf(address(pool)), 1_000e6);
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalSupplyAssets, 1_000e6);
        assertEq(m.totalSupplyShares, shares);
    }

    function test_supply_revertsWhenZero() public {
        vm.prank(lender);
        vm.expectRevert(ILendingPool.ZeroAmount.selector);
        pool.supply(0);
    }

    function test_supply_revertsWhenNotQualified() public {
        usdc.mint(outsider, 1e6);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, outsider));
        pool.supply(1e6);
    }

    function test_supply_revertsWhenQualificationRevoked() public {
        _supply(lender, 10e6);
        allowlist.set(lender, false);
        usdc.mint(lender, 1e6);
        vm.prank(lender);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, lender));
        pool.supply(1e6);
    }

    function test_withdraw_byAssetsBurnsSharesRoundedUp() public {
        _supply(lender, 1_000e6);
        vm.prank(lender);
        (uint256 assets, uint256 shares) = pool.withdraw(400e6, 0);
        assertEq(assets, 400e6);
        assertEq(shares, 400e12);
        assertEq(usdc.balanceOf(lender), 400e6);
        assertEq(pool.supplyShares(lender), 600e12);
    }

    function test_withdraw_byAllSharesEmptiesTheLender() public {
        uint256 shares = _supply(lender, 1_000e6);
        vm.prank(lender);
        (uint256 assets,) = pool.withdraw(0, shares);
        assertEq(assets, 1_000e6);
        assertEq(pool.supplyShares(lender), 0);
        assertEq(pool.market().totalSupplyAssets, 0);
    }

    function test_withdraw_revertsWhenInputInconsistent() public {
        _supply(lender, 1_000e6);
        vm.startPrank(lender);
        vm.expectRevert(ILendingPool.InconsistentInput.selector);
        pool.withdraw(0, 0);
        vm.expectRevert(ILendingPool.InconsistentInput.selector);
        pool.withdraw(1, 1);
        vm.stopPrank();
    }

    function test_withdraw_revertsWhenMoreSharesThanHeld() public {
        _supply(lender, 1_000e6);
        _supply(lender2, 1_000e6);
        vm.prank(lender);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.InsufficientShares.selector, 1_001e12, 1_000e12));
        pool.withdraw(1_001e6, 0);
    }

    function test_withdraw_revertsWhenLiquidityBorrowed() public {
        _openPosition(borrower, weth, 10e18, 10_000e6); // lender supplied 1M
        vm.prank(lender);
        vm.expectRevert(ILendingPool.InsufficientLiquidity.selector);
        pool.withdraw(995_000e6, 0);
    }

    function test_supply_donationDoesNotChangeSharePrice() public {
        _supply(lender, 1e6);
        usdc.mint(address(pool), 1_000_000e6); // a donation straight to the pool
        uint256 shares = _supply(lender2, 1e6);
        assertEq(shares, pool.supplyShares(lender)); // same price as the first lender
        vm.prank(lender2);
        (uint256 out,) = pool.withdraw(0, shares);
        assertEq(out, 1e6);
    }

    /// First-depositor inflation: an attacker supplies 1 unit, donates a fortune, and hopes the next lender's
    /// shares round to zero. Internal accounting ignores donations and virtual shares bound rounding.
    function testFuzz_supply_inflationAttackCannotStealDeposits(uint256 seed, uint256 victimAssets) public {
        victimAssets = bound(victimAssets, 1, 1e15);
        uint256 attackerSeed = bound(seed, 1, 1e6);
        uint256 attackerShares = _supply(lender, attackerSeed);
        usdc.mint(address(pool), 1e18);
        uint256 victimShares = _supply(lender2, victimAssets);
        assertGt(victimShares, 0);
        vm.prank(lender2);
        (uint256 out,) = pool.withdraw(0, victimShares);
        assertGe(out + 1, victimAssets); // loses at most one unit to rounding
        vm.prank(lender);
        (uint256 attackerOut,) = pool.withdraw(0, attackerShares);
        assertLe(attackerOut, attackerSeed);
    }

    // ------------------------------------------------------------------ collateral

    function test_supplyCollateral_creditsBorrowerPosition() public {
        weth.mint(lender, 5e18);
        vm.expectEmit(address(pool));
        emit ILendingPool.SupplyCollateral(lender, borrower, address(weth), 5e18);
        vm.prank(lender);
        pool.supplyCollateral(address(weth), 5e18, borrower);
        assertEq(pool.position(borrower, address(weth)).collateral, 5e18);
        assertEq(weth.balanceOf(address(pool)), 5e18);
    }

    function test_supplyCollateral_revertsWhenNotEnabled() public {
        MockERC20 other = new MockERC20("X", "X", 18);
        other.mint(borrower, 1e18);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.CollateralNotEnabled.selector, address(other)));
        pool.supplyCollateral(address(other), 1e18, borrower);
    }

    function test_supplyCollateral_revertsWhenZeroOrNoBorrower() public {
        vm.startPrank(borrower);
        vm.expectRevert(ILendingPool.ZeroAmount.selector);
        pool.supplyCollateral(address(weth), 0, borrower);
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        pool.supplyCollateral(address(weth), 1, address(0));
        vm.stopPrank();
    }

    function test_supplyCollateral_revertsWhenNotQualified() public {
        weth.mint(outsider, 1e18);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, outsider));
        pool.supplyCollateral(address(weth), 1e18, outsider);
    }

    function test_withdrawCollateral_withoutDebtNeedsNoPrice() public {
        _deposit(borrower, weth, 2e18);
        _setPrice(address(weth), 0.0001e8); // even a broken feed...
        vm.prank(pusher);
        wethFeed.updateAnswer(0); // ...cannot lock an unborrowed position
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 2e18);
        assertEq(weth.balanceOf(borrower), 2e18);
    }

    function test_withdrawCollateral_revertsWhenMoreThanHeld() public {
        _deposit(borrower, weth, 2e18);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.InsufficientCollateral.selector, 3e18, 2e18));
        pool.withdrawCollateral(address(weth), 3e18);
    }

    function test_withdrawCollateral_revertsBeyondBorrowLimit() public {
        _openPosition(borrower, weth, 10e18, 15_000e6); // 75% LTV of 20,000
        vm.prank(borrower);
        vm.expectRevert(); // 9 WETH -> 18,000 * 0.8 = 14,400 < 15,000
        pool.withdrawCollateral(address(weth), 1e18);
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 0.5e18); // 9.5 WETH -> 15,200 >= 15,000
        assertEq(pool.position(borrower, address(weth)).collateral, 9.5e18);
    }

    function test_withdrawCollateral_revertsWhenPriceStale() public {
        _openPosition(borrower, weth, 10e18, 1_000e6);
        vm.warp(block.timestamp + HEARTBEAT + 1);
        vm.prank(borrower);
        vm.expectRevert(
            abi.encodeWithSelector(IPriceOracle.StalePrice.selector, address(weth), START, uint256(HEARTBEAT))
        );
        pool.withdrawCollateral(address(weth), 1e18);
    }

    // ------------------------------------------------------------------ borrow / repay

    function test_borrow_sendsAssetsAndMintsDebt() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.expectEmit(address(pool));
        emit ILendingPool.Borrow(borrower, address(weth), 10_000e6, 10_000e6 * 1e6);
        vm.prank(borrower);
        pool.borrow(address(weth), 10_000e6);
        assertEq(usdc.balanceOf(borrower), 10_000e6);
        assertEq(pool.debtOf(borrower, address(weth)), 10_000e6);
        assertEq(pool.market().totalBorrowAssets, 10_000e6);
    }

    function test_borrow_allowsExactlyTheLimit() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        _borrow(borrower, weth, 16_000e6); // 80% of 20,000
        (uint256 cv, uint256 dv, bool liquidatable) = pool.health(borrower, address(weth));
        assertEq(cv, 20_000e18);
        assertEq(dv, 16_000e18);
        assertFalse(liquidatable);
    }

    function test_borrow_revertsBeyondTheLimit() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 16_000.000001e18, 16_000e18));
        pool.borrow(address(weth), 16_000.000001e6);
    }

    function test_borrow_revertsWithoutCollateral() public {
        _supply(lender, 1_000_000e6);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 1e12, 0));
        pool.borrow(address(weth), 1);
    }

    function test_borrow_revertsWhenLiquidityShort() public {
        _supply(lender, 1_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(borrower);
        vm.expectRevert(ILendingPool.InsufficientLiquidity.selector);
        pool.borrow(address(weth), 1_001e6);
    }

    function test_borrow_revertsWhenNotQualified() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        allowlist.set(borrower, false);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotQualified.selector, borrower));
        pool.borrow(address(weth), 1e6);
    }

    function test_borrow_revertsWhenCollateralDisabled() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(gov);
        pool.setCollateral(address(weth), WETH_RATIO, WETH_LTV, false);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.CollateralNotEnabled.selector, address(weth)));
        pool.borrow(address(weth), 1e6);
    }

    function test_borrow_revertsWhenPriceZero() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(pusher);
        wethFeed.updateAnswer(0);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.InvalidPrice.selector, address(weth), int256(0)));
        pool.borrow(address(weth), 1e6);
    }

    function test_borrow_revertsWhenPriceStale() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.warp(block.timestamp + HEARTBEAT + 1);
        vm.prank(borrower);
        vm.expectRevert(
            abi.encodeWithSelector(IPriceOracle.StalePrice.selector, address(weth), START, uint256(HEARTBEAT))
        );
        pool.borrow(address(weth), 1e6);
    }

    function test_borrow_cannotUseAnUpwardSpikeBeyondTheGuard() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        vm.prank(pusher);
        wethFeed.updateAnswer(6000e8); // +200%: a broken feed would let the borrower drain the pool
        // the risk view prices the collateral at the last accepted 2,000: limit 10 * 2,000 * 0.8 = 16,000
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.ExceedsBorrowLimit.selector, 30_000e18, 16_000e18));
        pool.borrow(address(weth), 30_000e6);
    }

    function test_borrow_usesLoanAssetPrice() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 10e18);
        _setPrice(address(usdc), 1.25e8); // a dearer loan asset shrinks what can be borrowed
        vm.prank(borrower);
        vm.expectRevert();
        pool.borrow(address(weth), 12_801e6);
        _borrow(borrower, weth, 12_800e6); // 12,800 * 1.25 = 16,000
    }

    function test_borrow_positionsAreIndependentPerCollateral() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1e18);
        _deposit(borrower, wbtc, 1e8);
        _borrow(borrower, wbtc, 42_000e6); // 70% of 60,000
        vm.prank(borrower);
        vm.expectRevert();
        pool.borrow(address(weth), 1_601e6);
        _borrow(borrower, weth, 1_600e6);
    }

    function test_repay_byAssetsReducesDebt() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        vm.prank(borrower);
        (uint256 assets, uint256 shares) = pool.repay(address(weth), 4_000e6, 0, borrower);
        assertEq(assets, 4_000e6);
        assertEq(shares, 4_000e12);
        assertEq(pool.debtOf(borrower, address(weth)), 6_000e6);
    }

    function test_repay_bySharesClearsDebtWithInterest() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        vm.warp(block.timestamp + 30 days);
        _refreshFeeds();
        uint256 debt = pool.debtOf(borrower, address(weth));
        assertGt(debt, 10_000e6);
        usdc.mint(borrower, debt - 10_000e6);
        uint256 shares = pool.position(borrower, address(weth)).borrowShares;
        vm.prank(borrower);
        (uint256 assets,) = pool.repay(address(weth), 0, shares, borrower);
        assertEq(assets, debt);
        assertEq(pool.position(borrower, address(weth)).borrowShares, 0);
        vm.prank(borrower);
        pool.withdrawCollateral(address(weth), 10e18);
    }

    function test_repay_onBehalfByAnotherQualifiedAccount() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        allowlist.set(borrower, false); // a disqualified borrower's debt can still be repaid for it
        usdc.mint(lender2, 10_000e6);
        vm.expectEmit(address(pool));
        emit ILendingPool.Repay(lender2, borrower, address(weth), 10_000e6, 10_000e12);
        vm.prank(lender2);
        pool.repay(address(weth), 10_000e6, 0, borrower);
        assertEq(pool.debtOf(borrower, address(weth)), 0);
    }

    function test_repay_revertsWhenMoreThanOwed() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        usdc.mint(borrower, 1e6);
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.RepayExceedsDebt.selector, 10_001e12, 10_000e12));
        pool.repay(address(weth), 10_001e6, 0, borrower);
    }

    function test_repay_revertsWhenInputInconsistent() public {
        vm.prank(borrower);
        vm.expectRevert(ILendingPool.InconsistentInput.selector);
        pool.repay(address(weth), 0, 0, borrower);
    }

    // ------------------------------------------------------------------ interest

    function test_accrueInterest_followsTheKinkedModel() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1_000e18);
        _borrow(borrower, weth, 500_000e6); // 50% utilization: 4% * 50/80 = 2.5% a year
        uint256 rate = pool.borrowRate();
        assertApproxEqRel(rate * 365 days, 0.025e18, 1e12);
        vm.warp(block.timestamp + 365 days);
        pool.accrueInterest();
        // e^0.025 - 1 ~= 2.5315%
        assertApproxEqRel(pool.market().totalBorrowAssets, 512_657e6, 1e15);
        assertEq(pool.market().totalSupplyAssets - 1_000_000e6, pool.market().totalBorrowAssets - 500_000e6);
    }

    function test_accrueInterest_isSteepAboveTheKink() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1_000e18);
        _borrow(borrower, weth, 900_000e6); // 90%: 4% + 60% * 10/20 = 34%
        assertApproxEqRel(pool.borrowRate() * 365 days, 0.34e18, 1e12);
    }

    function test_expectedMarket_matchesAccrual() public {
        _openPosition(borrower, weth, 10e18, 10_000e6);
        vm.warp(block.timestamp + 7 days);
        ILendingPool.Market memory expected = pool.expectedMarket();
        assertEq(pool.outstandingDebt(), expected.totalBorrowAssets);
        pool.accrueInterest();
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalBorrowAssets, expected.totalBorrowAssets);
        assertEq(m.totalSupplyAssets, expected.totalSupplyAssets);
        assertEq(m.lastUpdate, block.timestamp);
    }

    function testFuzz_accrueInterest_lendersEarnWhatBorrowersPay(uint256 borrowed, uint256 elapsed) public {
        borrowed = bound(borrowed, 1e6, 1_000_000e6);
        elapsed = bound(elapsed, 1, 365 days);
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1_000e18);
        _borrow(borrower, weth, borrowed);
        vm.warp(block.timestamp + elapsed);
        pool.accrueInterest();
        ILendingPool.Market memory m = pool.market();
        assertEq(m.totalSupplyAssets - 1_000_000e6, m.totalBorrowAssets - borrowed);
        assertGe(m.totalBorrowAssets, borrowed);
    }

    // ------------------------------------------------------------------ health

    function test_health_followsTheRuleAtTheThreshold() public {
        _openPosition(borrower, weth, 10e18, 16_000e6);
        // liquidatable iff 10 * P < 16,000 * 1.10 = 17,600 -> P < 1,760
        _setPrice(address(weth), 1760e8);
        (,, bool liquidatable) = pool.health(borrower, address(weth));
        assertFalse(liquidatable);
        _setPrice(address(weth), 1759.99999999e8);
        (,, liquidatable) = pool.health(borrower, address(weth));
        assertTrue(liquidatable);
    }

    function testFuzz_health_matchesTheStatedFormula(uint96 coll, uint64 debt, uint64 price8) public {
        coll = uint96(bound(coll, 1e15, 1e24));
        price8 = uint64(bound(price8, 1e8, 1e13));
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, coll);
        uint256 limit = uint256(coll) * 2000e18 / 1e18 * 0.8e18 / 1e18 / 1e12; // 80% of value in USDC units
        debt = uint64(bound(debt, 1, limit < 1_000_000e6 ? limit : 1_000_000e6));
        vm.assume(debt > 0);
        _borrow(borrower, weth, debt);
        vm.prank(gov);
        oracle.setFeed(address(weth), wethFeed, HEARTBEAT, 0);
        vm.prank(pusher);
        wethFeed.updateAnswer(int256(uint256(price8)));
        (uint256 cv, uint256 dv, bool liquidatable) = pool.health(borrower, address(weth));
        uint256 expectedCv = uint256(coll) * (uint256(price8) * 1e10) / 1e18;
        uint256 expectedDv = (uint256(debt) * 1e30 + 1e18 - 1) / 1e18;
        assertEq(cv, expectedCv);
        assertEq(dv, expectedDv);
        assertEq(liquidatable, expectedCv * 1e18 < expectedDv * uint256(WETH_RATIO));
    }

    // ------------------------------------------------------------------ liquidator hooks

    function test_seize_revertsWhenCallerIsNotLiquidator() public {
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotLiquidator.selector, address(this)));
        pool.seize(borrower, address(weth));
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotLiquidator.selector, address(this)));
        pool.settleLiquidation(address(weth), address(this), 1, address(0), 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotLiquidator.selector, address(this)));
        pool.releaseLiquidationFees(address(this), 1);
    }

    // ------------------------------------------------------------------ governance

    function test_setCollateral_revertsOnInvalidConfig() public {
        vm.startPrank(gov);
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(weth), 1e18, 0.5e18, true); // ratio must exceed 100%
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(weth), 1.1e18, 0, true);
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(weth), 1.1e18, 0.91e18, true); // LTV not stricter than 1/1.10
        vm.expectRevert(ILendingPool.InvalidCollateralConfig.selector);
        pool.setCollateral(address(usdc), 1.1e18, 0.8e18, true);
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        pool.setCollateral(address(0), 1.1e18, 0.8e18, true);
        vm.stopPrank();
    }

    function test_setCollateral_recordsAndEmits() public {
        vm.expectEmit(address(pool));
        emit ILendingPool.CollateralSet(address(wbtc), 1.15e18, 0.75e18, true);
        vm.prank(gov);
        pool.setCollateral(address(wbtc), 1.15e18, 0.75e18, true);
        ILendingPool.CollateralConfig memory c = pool.collateralConfig(address(wbtc));
        assertEq(c.liquidationRatio, 1.15e18);
        assertEq(c.maxLtv, 0.75e18);
        assertTrue(c.enabled);
    }

    function test_governedSetters_revertWhenCallerIsNotGovernance() public {
        vm.startPrank(lender);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, lender));
        pool.setCollateral(address(weth), 1.1e18, 0.8e18, true);
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, lender));
        pool.setRateModel(defaultRate());
        vm.expectRevert(abi.encodeWithSelector(IGoverned.NotGovernance.selector, lender));
        pool.setLiquidator(lender);
        vm.stopPrank();
    }

    function test_setRateModel_accruesUnderTheOldModelFirst() public {
        _supply(lender, 1_000_000e6);
        _deposit(borrower, weth, 1_000e18);
        _borrow(borrower, weth, 500_000e6);
        vm.warp(block.timestamp + 100 days);
        uint256 expected = pool.expectedMarket().totalBorrowAssets;
        vm.expectEmit(address(pool));
        emit ILendingPool.RateModelSet(100, 500, 7_000, 9_000);
        vm.prank(gov);
        pool.setRateModel(RateParams(100, 500, 7_000, 9_000));
        assertEq(pool.market().totalBorrowAssets, expected);
        ILendingPool.Market memory m = pool.market();
        assertEq(m.baseRateBps, 100);
        assertEq(m.kinkBps, 9_000);
    }

    function test_setRateModel_revertsWhenKinkOutOfRange() public {
        vm.startPrank(gov);
        vm.expectRevert(ILendingPool.InvalidRateParams.selector);
        pool.setRateModel(RateParams(0, 1, 1, 0));
        vm.expectRevert(ILendingPool.InvalidRateParams.selector);
        pool.setRateModel(RateParams(0, 1, 1, 10_000));
        vm.stopPrank();
    }

    function test_constructor_revertsOnZeroAddressesOrBadRate() public {
        vm.expectRevert(IGoverned.ZeroAddress.selector);
        new LendingPool(usdc, IPriceOracle(address(0)), IQualification(address(allowlist)), gov, defaultRate());
        vm.expectRevert(ILendingPool.InvalidRateParams.selector);
        new LendingPool(
            usdc, IPriceOracle(address(oracle)), IQualification(address(allowlist)), gov, RateParams(0, 0, 0, 0)
        );
    }
}
