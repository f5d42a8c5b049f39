// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DevnetToken
/// @notice Stand-in for a listed asset on the local devnet (USDC 6, WETH 18, WBTC 8 decimals).
/// @dev Warning: the owner mints freely — deploy only on devnets; real networks use the real token addresses.
contract DevnetToken is ERC20, Ownable {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        ERC20(name_, symbol_)
        Ownable(owner_)
    {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to`; the devnet faucet.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
