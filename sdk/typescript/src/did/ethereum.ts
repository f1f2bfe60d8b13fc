import { getAddress, isAddress, type Address } from "viem";

const PKH = /^did:pkh:eip155:([1-9][0-9]*):(0x[0-9a-fA-F]{40})$/;
const ETHR = /^did:ethr:(?:[A-Za-z0-9]+:)?(0x[0-9a-fA-F]{40})$/;

/** did:pkh:eip155 of an account on a chain (the form the server and the Python client use). */
export function didPkhFromAddress(chainId: number, address: string): string {
  if (!isAddress(address, { strict: false })) throw new TypeError(`'${address}' is not an Ethereum address`);
  return `did:pkh:eip155:${chainId}:${getAddress(address)}`;
}

/** The Ethereum account a did:pkh:eip155 or did:ethr names (checksummed), or null when the
 * DID names no Ethereum account (a did:key, a did:web, ...). */
export function ethereumAddressOfDid(did: string): Address | null {
  const match = PKH.exec(did) ?? ETHR.exec(did);
  const address = match?.[match.length - 1];
  return address ? getAddress(address.toLowerCase()) : null;
}

/** The EIP-155 chain a did:pkh:eip155 names, or null for other DIDs (did:ethr names none). */
export function chainIdOfDid(did: string): number | null {
  const chain = PKH.exec(did)?.[1];
  return chain ? Number(chain) : null;
}
