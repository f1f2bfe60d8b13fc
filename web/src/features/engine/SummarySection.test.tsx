import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatInstant } from "../../contracts/lifecycle";
import type { EngineContract } from "./queries";
import { SummarySection } from "./SummarySection";

const CONTRACT = {
  address: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", kind: "erc20", name: "Gold", owner: "0x00000000000000000000000000000000000000aa",
  owner_did: null, created_at: "2026-12-07T16:00:00.000Z", code_hash: null, manifest: { functions: {} }, init_args: {},
  description: "", governed_by: null, executions: 3, last_execution_at: null,
} as unknown as EngineContract;

describe("the engine contract's summary", () => {
  it("is a description list whose dates go through formatInstant", () => {
    const { container } = render(<MantineProvider><SummarySection contract={CONTRACT} /></MantineProvider>);
    const list = container.querySelector("dl");
    expect(list).not.toBeNull();
    const deployed = screen.getByText("Deployed");
    expect(deployed.tagName).toBe("DT");
    expect(deployed.nextElementSibling?.tagName).toBe("DD");
    expect(deployed.nextElementSibling).toHaveTextContent(formatInstant(CONTRACT.created_at));
    expect(screen.getByText("Last execution").nextElementSibling).toHaveTextContent("none");
  });
});
