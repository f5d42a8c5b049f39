// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
// Pulls the real LayerZero V2 endpoint and its simple message library into the build so forge emits their
// artifacts; the devnet deploys exactly these. On the devnet the project's relayer is the message library's
// whitelisted verifier (SPEC §E: "the instruction travels over LayerZero").
import {EndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/EndpointV2.sol";
import {SimpleMessageLib} from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/SimpleMessageLib.sol";
