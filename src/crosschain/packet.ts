import { getAddress, hexToBigInt, hexToNumber, keccak256, concat, size, slice, type Address, type Hex } from 'viem';
import { InputError } from '../shared/errors.ts';

/** A LayerZero V2 packet as the endpoint emits it in `PacketSent` (PacketV1Codec layout). */
export type Packet = {
  encoded: Hex;
  nonce: bigint;
  srcEid: number;
  sender: Hex; // bytes32
  dstEid: number;
  receiver: Address;
  guid: Hex;
  message: Hex;
};

// version(1) nonce(8) srcEid(4) sender(32) dstEid(4) receiver(32) | guid(32) message(...)
const HEADER = 81;
const GUID_END = HEADER + 32;

export function decodePacket(encoded: Hex): Packet {
  if (size(encoded) < GUID_END) throw new InputError(`packet too short: ${size(encoded)} bytes`);
  const version = hexToNumber(slice(encoded, 0, 1));
  if (version !== 1) throw new InputError(`unsupported packet version ${version}`);
  return {
    encoded,
    nonce: hexToBigInt(slice(encoded, 1, 9)),
    srcEid: hexToNumber(slice(encoded, 9, 13)),
    sender: slice(encoded, 13, 45),
    dstEid: hexToNumber(slice(encoded, 45, 49)),
    receiver: getAddress(slice(encoded, 61, 81)),
    guid: slice(encoded, 81, GUID_END),
    message: size(encoded) > GUID_END ? slice(encoded, GUID_END) : '0x',
  };
}

/** The hash the endpoint stores when a packet is verified: keccak256(guid ‖ message). */
export function payloadHash(p: Packet): Hex {
  return keccak256(concat([p.guid, p.message]));
}
