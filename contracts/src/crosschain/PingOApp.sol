// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.24;

import {OApp, Origin, MessagingFee, MessagingReceipt} from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title PingOApp
/// @notice The smallest LayerZero application: carries a message between Palisade chains so tests and
///         `palisade` can prove the endpoints and the relayer deliver each message exactly once.
contract PingOApp is OApp {
    /// @notice Messages received, per source endpoint id.
    mapping(uint32 srcEid => uint64) public received;
    /// @notice How many times each message guid was delivered (must never exceed 1).
    mapping(bytes32 guid => uint256) public deliveries;

    /// @notice Emitted when a ping leaves for `dstEid`.
    event PingSent(uint32 indexed dstEid, bytes32 indexed guid, uint64 nonce, bytes message);
    /// @notice Emitted when a ping arrives from `srcEid`.
    event PingReceived(uint32 indexed srcEid, bytes32 indexed guid, uint64 nonce, bytes message);

    constructor(address endpoint, address owner) OApp(endpoint, owner) Ownable(owner) {}

    /// @notice The native fee the endpoint charges to send `message` to `dstEid`.
    function quote(uint32 dstEid, bytes calldata message) external view returns (uint256 nativeFee) {
        return _quote(dstEid, message, "", false).nativeFee;
    }

    /// @notice Sends `message` to the peer on `dstEid`; pay at least `quote` in msg.value (excess is refunded).
    function ping(uint32 dstEid, bytes calldata message) external payable returns (bytes32 guid) {
        MessagingReceipt memory receipt = _lzSend(dstEid, message, "", MessagingFee(msg.value, 0), payable(msg.sender));
        emit PingSent(dstEid, receipt.guid, receipt.nonce, message);
        return receipt.guid;
    }

    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        received[origin.srcEid] += 1;
        deliveries[guid] += 1;
        emit PingReceived(origin.srcEid, guid, origin.nonce, message);
    }
}
