import { describe, expect, it } from "vitest";
import { engineAddressOf } from "./callerAddress";

describe("the caller's engine address", () => {
  it("is an Ethereum DID's own address", () => {
    expect(engineAddressOf("did:pkh:eip155:31337:0x5b38da6a701c568545dcfcb03fcb875f56beddc4"))
      .toBe("0x5B38Da6a701c568545dCfcB03FcB875f56beddC4");
  });
  it("is keccak256's last 20 bytes for any other DID (as Python's caller_address)", () => {
    // Python's cms.domain.engine.callers.caller_address gives this for the same DID.
    expect(engineAddressOf("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
      .toBe("0xa1f333CBd96Af938e03b24B9d2527305c4Bc8490");
  });
});
