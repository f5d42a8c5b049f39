// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualification, Service} from "../../src/compliance/IQualification.sol";

/// @notice Test-only compliance view: an allowlist of accounts qualified for LEND (any category, any
///         jurisdiction). Records the last query so tests can assert what the pool asked.
contract AllowlistQualification is IQualification {
    mapping(address account => bool) public allowed;

    function set(address account, bool ok) external {
        allowed[account] = ok;
    }

    function isQualified(address account, uint8 service, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (bool)
    {
        // the pool must ask for LEND, any category, any jurisdiction
        return allowed[account] && service == Service.LEND && categoryMask != 0 && jurisdiction == bytes2(0);
    }
}
