import { describe, expect, it } from "vitest";
import { rolesAfter, selfLockout } from "./identityRules";

describe("rolesAfter", () => {
  it("grants a role once and keeps the others", () => {
    expect(rolesAfter(["enclave"], "auditor", true)).toEqual(["auditor", "enclave"]);
    expect(rolesAfter(["auditor"], "auditor", true)).toEqual(["auditor"]);
  });
  it("revokes only the role named", () => {
    expect(rolesAfter(["admin", "auditor"], "admin", false)).toEqual(["auditor"]);
    expect(rolesAfter([], "admin", false)).toEqual([]);
  });
});

describe("selfLockout", () => {
  const me = "did:key:z6MkMe";
  it("stops an admin suspending or demoting themselves", () => {
    expect(selfLockout(me, me, { status: "suspended" })).toMatch(/cannot suspend your own/);
    expect(selfLockout(me, me, { status: "inactive" })).toMatch(/cannot suspend your own/);
    expect(selfLockout(me, me, { revoke: "admin" })).toMatch(/cannot remove your own admin/);
  });
  it("allows what does not lock them out, and anything on another identity", () => {
    expect(selfLockout(me, me, { status: "active" })).toBeNull();
    expect(selfLockout(me, me, { revoke: "auditor" })).toBeNull();
    expect(selfLockout(me, "did:key:z6MkOther", { status: "suspended" })).toBeNull();
    expect(selfLockout(me, "did:key:z6MkOther", { revoke: "admin" })).toBeNull();
  });
});
