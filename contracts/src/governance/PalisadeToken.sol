// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title PalisadeToken (PLT)
/// @notice Governance and utility token (SPEC §G, §H): votes through ERC20Votes, fixed supply minted once.
/// @dev Warning: supply is minted at construction to `treasury`; later tiered replenishment (SPEC §F, tier 3)
///      will add a governed, capped mint through its own module rather than an owner mint here.
contract PalisadeToken is ERC20, ERC20Permit, ERC20Votes {
    constructor(address treasury, uint256 supply) ERC20("Palisade", "PLT") ERC20Permit("Palisade") {
        _mint(treasury, supply);
    }

    /// @dev Votes are checkpointed by timestamp so governance periods read in seconds on every chain,
    ///      whatever its block time.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
