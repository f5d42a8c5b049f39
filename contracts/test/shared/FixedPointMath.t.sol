// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {FixedPointMath} from "../../src/shared/FixedPointMath.sol";
import {WAD} from "../../src/shared/Constants.sol";

contract FixedPointMathTest is Test {
    function test_wPow_matchesKnownValues() public pure {
        assertEq(FixedPointMath.wPow(0.95e18, 0), WAD);
        assertEq(FixedPointMath.wPow(0.95e18, 1), 0.95e18);
        assertEq(FixedPointMath.wPow(0.95e18, 2), 0.9025e18);
        // 0.95^18 ~= 0.3972 (the seed's curve: about 40% of the start after 3 minutes of 10 s steps)
        assertApproxEqRel(FixedPointMath.wPow(0.95e18, 18), 0.397214318458218e18, 1e6);
    }

    function testFuzz_wPow_isNonIncreasingInExponent(uint256 x, uint256 n) public pure {
        x = bound(x, 0, WAD);
        n = bound(n, 0, 2_000);
        assertLe(FixedPointMath.wPow(x, n + 1), FixedPointMath.wPow(x, n));
    }

    function testFuzz_mulDivUp_isDownOrOneMore(uint128 x, uint128 y, uint128 d) public pure {
        vm.assume(d != 0);
        uint256 down = FixedPointMath.mulDivDown(x, y, d);
        uint256 up = FixedPointMath.mulDivUp(x, y, d);
        assertTrue(up == down || up == down + 1);
        assertEq(up == down, (uint256(x) * y) % d == 0);
    }

    function testFuzz_wTaylorCompounded_underestimatesButTracksExp(uint256 rate, uint256 elapsed) public pure {
        rate = bound(rate, 0, uint256(1e18) / 365 days); // up to 100% a year
        elapsed = bound(elapsed, 0, 365 days);
        uint256 growth = FixedPointMath.wTaylorCompounded(rate, elapsed);
        // first-order term is a lower bound; e - 1 (~1.71828) is the upper bound at 100% a year
        assertGe(growth, rate * elapsed);
        assertLe(growth, 1.7183e18);
    }

    function test_zeroFloorSub_floorsAtZero() public pure {
        assertEq(FixedPointMath.zeroFloorSub(3, 5), 0);
        assertEq(FixedPointMath.zeroFloorSub(5, 3), 2);
    }
}
