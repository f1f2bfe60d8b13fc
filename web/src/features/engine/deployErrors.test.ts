import { CmsProblem } from "@cms/sdk";
import { describe, expect, it } from "vitest";
import { deployErrors } from "./deployErrors";

const refused = (errors: { pointer: string; message: string }[]) => new CmsProblem(400, {
  type: "about:blank", title: "Invalid contract", status: 400, code: "engine_validation_error",
  detail: "the manifest does not match", errors: errors });

describe("a refused deployment, by field", () => {
  it("puts manifest errors against their place in the manifest", () => {
    expect(deployErrors(refused([{ pointer: "/manifest/functions/transfer/params/0/type", message: "unknown type" },
      { pointer: "/code", message: "not a module" }]), ["/manifest", "/init_args"])).toEqual({
      "/manifest": { "functions › transfer › params › 0 › type": "unknown type" },
      "": { code: "not a module" } });
  });
  it("keeps a problem without fields whole", () => {
    expect(deployErrors(refused([]), ["/manifest"])[""]?.[""]).toMatch(/the manifest does not match/);
  });
});
