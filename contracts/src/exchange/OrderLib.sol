// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {Order} from "./ISettlement.sol";

/// @title OrderLib
/// @notice Pure order maths of the settlement: EIP-712 struct hash, price crossing, quote and fee amounts.
library OrderLib {
    /// @dev keccak256("Order(address signer,address base,address quote,uint8 side,uint256 price,uint256 amount,uint64 expiry,uint256 nonce)")
    bytes32 internal constant ORDER_TYPEHASH =
        keccak256("Order(address signer,address base,address quote,uint8 side,uint256 price,uint256 amount,uint64 expiry,uint256 nonce)");

    uint8 internal constant BUY = 0;
    uint8 internal constant SELL = 1;

    /// @dev quote smallest units per PRICE_UNIT base smallest units.
    uint256 internal constant PRICE_UNIT = 1e18;

    /// @notice EIP-712 struct hash: the typehash followed by the eight static fields, hashed straight from
    ///         calldata (an Order is 8 words, so abi.encode of it is exactly its encodeData).
    function hash(Order calldata o) internal pure returns (bytes32 h) {
        bytes32 typehash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            calldatacopy(add(m, 0x20), o, 0x100)
            h := keccak256(m, 0x120)
        }
    }

    /// @notice True when a maker at `makerPrice` and a taker on the other side at `takerPrice` cross:
    ///         a buying taker pays at least the maker's ask, a selling taker accepts at most the maker's bid.
    function crosses(uint8 makerSide, uint256 makerPrice, uint256 takerPrice) internal pure returns (bool) {
        return makerSide == SELL ? takerPrice >= makerPrice : takerPrice <= makerPrice;
    }

    /// @notice Quote amount of `baseAmount` at `price`, rounded down (in the buyer's favour by at most one unit).
    function quoteOf(uint256 baseAmount, uint256 price) internal pure returns (uint256) {
        return baseAmount * price / PRICE_UNIT;
    }
}
