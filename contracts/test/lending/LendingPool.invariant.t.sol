// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {LendingTestBase} from "../utils/LendingTestBase.sol";
import {LendingHandler} from "./handlers/LendingHandler.sol";
import {ILendingPool} from "../../src/lending/ILendingPool.sol";

/// @notice Lending invariants under random supply / withdraw / collateral / borrow / repay / donation / time,
///         with liquidations (kicks, partial and whole takes, lots left running while time passes) mixed in.
contract LendingPoolInvariantTest is LendingTestBase {
    LendingHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory ls = new address[](2);
        ls[0] = lender;
        ls[1] = lender2;
        address[] memory bs = new address[](2);
        bs[0] = borrower;
        bs[1] = borrower2;
        handler = new LendingHandler(LendingHandler.Env(pool, oracle, usdc, weth, usdcFeed, wethFeed, pusher), ls, bs);
        handler.enableLiquidation(liquidator, taker);
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = LendingHandler.supply.selector;
        selectors[1] = LendingHandler.withdraw.selector;
        selectors[2] = LendingHandler.donate.selector;
        selectors[3] = LendingHandler.depositCollateral.selector;
        selectors[4] = LendingHandler.borrow.selector;
        selectors[5] = LendingHandler.repay.selector;
        selectors[6] = LendingHandler.withdrawCollateral.selector;
        selectors[7] = LendingHandler.elapse.selector;
        selectors[8] = LendingHandler.liquidate.selector;
        selectors[9] = LendingHandler.settleLots.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Borrowed assets never exceed supplied assets.
    function invariant_solvency_borrowsNeverExceedSupply() public view {
        ILendingPool.Market memory m = pool.market();
        assertLe(uint256(m.totalBorrowAssets) + m.auctionDebt, m.totalSupplyAssets);
    }

    /// The pool's cash covers every unborrowed supplied asset (donations only add to it).
    function invariant_cash_coversFreeLiquidity() public view {
        ILendingPool.Market memory m = pool.market();
        uint256 free = uint256(m.totalSupplyAssets) - m.totalBorrowAssets - m.auctionDebt;
        assertGe(usdc.balanceOf(address(pool)), free);
    }

    /// Shares are conserved: the sums over accounts equal the totals.
    function invariant_shares_sumToTotals() public view {
        ILendingPool.Market memory m = pool.market();
        assertEq(handler.sumSupplyShares(), m.totalSupplyShares);
        assertEq(handler.sumBorrowShares(), m.totalBorrowShares);
    }

    /// Collateral is conserved: deposited = withdrawn + held in positions or open lots + sold or returned by
    /// lots, and the pool holds exactly the positions' and open lots' collateral.
    function invariant_collateral_conserved() public view {
        uint256 held = handler.sumPositionCollateral() + handler.sumOpenLotCollateral();
        assertEq(
            handler.ghost_collateralDeposited(), handler.ghost_collateralWithdrawn() + held + handler.ghost_collateralAuctioned()
        );
        assertEq(weth.balanceOf(address(pool)), held);
    }

    /// Interest follows the rate model at a utilization that counts debt in auction lots as borrowed.
    function invariant_interest_rateCountsAuctionDebt() public view {
        assertEq(handler.ghost_interestMismatches(), 0);
    }

    /// Donations never reach lenders' accounting: lenders' claims are backed by the pool's cash net of
    /// donations plus what is lent out.
    function invariant_donations_notCountedForLenders() public view {
        ILendingPool.Market memory m = pool.market();
        assertLe(
            m.totalSupplyAssets,
            usdc.balanceOf(address(pool)) - handler.ghost_donated() - pool.liquidationFees() + m.totalBorrowAssets
                + m.auctionDebt
        );
    }
}
