import { describe, expect, it } from "vitest";
import { chainIdOfDid, didPkhFromAddress, ethereumAddressOfDid } from "../src/index";

const ADDRESS = "0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c";

describe("Ethereum DIDs", () => {
  it("names an account on a chain as did:pkh:eip155, checksummed", () => {
    expect(didPkhFromAddress(31337, ADDRESS.toLowerCase())).toBe(`did:pkh:eip155:31337:${ADDRESS}`);
    expect(() => didPkhFromAddress(1, "0x1234")).toThrow(TypeError);
  });

  it.each([
    [`did:pkh:eip155:1:${ADDRESS}`, ADDRESS, 1],
    [`did:pkh:eip155:31337:${ADDRESS.toLowerCase()}`, ADDRESS, 31337],
    [`did:ethr:${ADDRESS}`, ADDRESS, null],
    [`did:ethr:sepolia:${ADDRESS}`, ADDRESS, null],
    ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", null, null],
    [`did:pkh:solana:1:${ADDRESS}`, null, null],
    [`did:pkh:eip155:1:${ADDRESS}x`, null, null],
  ])("%s names account %s on chain %s", (did, address, chain) => {
    expect(ethereumAddressOfDid(did)).toBe(address);
    expect(chainIdOfDid(did)).toBe(chain);
  });
});
