// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

/// @notice A deliberately badly behaved ERC20 for failure-path tests. Modes:
///         Normal; NoReturnValue (USDT-style, transfer functions return nothing); ReturnFalse (returns false
///         instead of moving tokens); Revert (every transfer reverts); Reenter (before moving tokens, calls
///         `reenterTarget` with `reenterData` once and records whether that call succeeded). Independently,
///         transfers to `blocked` always revert (a blocklist).
contract MisbehavingERC20 {
    enum Mode {
        Normal,
        NoReturnValue,
        ReturnFalse,
        Revert,
        Reenter
    }

    error TransferBlocked();

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    Mode public mode;
    /// @notice Transfers to this address revert in every mode (a token blocklist).
    address public blocked;
    address public reenterTarget;
    bytes public reenterData;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryReturnData;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setBlocked(address who) external {
        blocked = who;
    }

    function setReentry(address target, bytes calldata data) external {
        reenterTarget = target;
        reenterData = data;
        reentered = false;
    }

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _transfer(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (mode == Mode.Normal || mode == Mode.NoReturnValue || mode == Mode.Reenter) {
            uint256 a = allowance[from][msg.sender];
            if (a != type(uint256).max) allowance[from][msg.sender] = a - amount;
        }
        return _transfer(from, to, amount);
    }

    function _transfer(address from, address to, uint256 amount) private returns (bool) {
        Mode m = mode;
        if (m == Mode.Revert || (to == blocked && to != address(0))) revert TransferBlocked();
        if (m == Mode.ReturnFalse) return false;
        if (m == Mode.Reenter && !reentered) {
            reentered = true;
            (reentrySucceeded, reentryReturnData) = reenterTarget.call(reenterData);
        }
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        if (m == Mode.NoReturnValue) {
            assembly {
                return(0, 0)
            }
        }
        return true;
    }
}
