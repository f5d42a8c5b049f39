// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

/// @notice Identifier of an auction lot: the collateral asset in the high 160 bits, the liquidator's lot
///         sequence number (from 1) in the low 96 bits. Carrying the collateral in the id saves a storage slot
///         per lot; off chain, `id >> 96` is the collateral address.
type LotId is uint256;

using LotIdLib for LotId global;

/// @title LotIdLib
library LotIdLib {
    function make(address collateral_, uint256 sequence_) internal pure returns (LotId) {
        // truncation intended: the sequence is the low 96 bits (the liquidator's counter is 48 bits)
        // forge-lint: disable-next-line(unsafe-typecast)
        return LotId.wrap((uint256(uint160(collateral_)) << 96) | uint96(sequence_));
    }

    function collateral(LotId id) internal pure returns (address) {
        return address(uint160(LotId.unwrap(id) >> 96));
    }

    function sequence(LotId id) internal pure returns (uint256) {
        return uint96(LotId.unwrap(id));
    }
}
