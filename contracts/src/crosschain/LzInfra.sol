// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
// Pulls the real LayerZero V2 endpoint and message library into the build so forge emits
// their artifacts; the devnet deploys exactly these.
import {EndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/EndpointV2.sol";
import {SimpleMessageLib} from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/SimpleMessageLib.sol";
