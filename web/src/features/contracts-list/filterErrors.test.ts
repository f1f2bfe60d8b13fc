import { CmsProblem } from "@cms/sdk";
import { describe, expect, it } from "vitest";
import { plainProblem } from "../../api/problemText";
import { apiFilterErrors, draftErrors, INVERTED_WINDOW } from "./filterErrors";
import { NO_FILTERS } from "./listQuery";

describe("the contract filters' errors", () => {
  it("refuse a created window that ends before it starts, beside both dates", () => {
    expect(draftErrors({ ...NO_FILTERS, createdFrom: "2026-12-08", createdTo: "2026-12-07" })).toEqual({
      createdFrom: INVERTED_WINDOW, createdTo: INVERTED_WINDOW });
    expect(draftErrors({ ...NO_FILTERS, createdFrom: "2026-12-07", createdTo: "2026-12-07" })).toEqual({});
    expect(draftErrors({ ...NO_FILTERS, createdFrom: "2026-12-08" })).toEqual({});
  });

  it("put the API's field errors beside the filters they came from", () => {
    const problem = plainProblem(new CmsProblem(400, {
      type: "about:blank", title: "The request is not valid", status: 400, code: "validation_error",
      detail: "query parameters", errors: [
        { pointer: "query:counterparty", message: "String should match pattern '^did:...'" },
        { pointer: "query:created_after", message: "created_after must be earlier than created_before" },
        { pointer: "query:cursor", message: "not a position" },
      ],
    }));
    expect(apiFilterErrors(problem)).toEqual({
      counterparty: "Enter a whole DID, such as did:key:z6Mk… or did:pkh:eip155:1:0x….",
      createdFrom: "created_after must be earlier than created_before",
    });
  });
});
