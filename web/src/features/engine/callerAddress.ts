import { ethereumAddressOfDid } from "@cms/sdk";
import { getAddress, keccak256, slice, stringToBytes, type Address } from "viem";

/** The address a DID acts as inside the engine (cms.domain.engine.callers): an Ethereum DID's
 * own address, any other DID the last 20 bytes of keccak256 of the DID string. (A did:ethr
 * named by a public key is not derived here: the server's answer is the authority.) */
export function engineAddressOf(did: string): Address {
  return ethereumAddressOfDid(did) ?? getAddress(slice(keccak256(stringToBytes(did)), 12));
}
