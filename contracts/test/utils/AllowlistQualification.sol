// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {IQualification} from "../../src/compliance/IQualification.sol";

/// @notice Test-only compliance view: an allowlist of accounts qualified for one service (LEND by default),
///         any category and jurisdiction; a query for another service answers false, so a contract that
///         asks for the wrong service shows up.
contract AllowlistQualification is IQualification {
    mapping(address account => bool) public allowed;
    uint8 public immutable service;

    constructor(uint8 service_) {
        service = service_;
    }

    function set(address account, bool ok) external {
        allowed[account] = ok;
    }

    function isQualified(address account, uint8 service_, uint8 categoryMask, bytes2 jurisdiction)
        external
        view
        returns (bool)
    {
        // the caller must ask for this allowlist's service, any category, any jurisdiction
        return allowed[account] && service_ == service && categoryMask != 0 && jurisdiction == bytes2(0);
    }
}
