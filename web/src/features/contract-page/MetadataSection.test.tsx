import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { MetadataSection } from "./MetadataSection";
import { otherMetadata } from "./model";
import { reviewContract } from "./testContract";

const DOCUMENT = { html: { sha256: "a".repeat(64), size: 10, version: "1" }, pdf: { sha256: "b".repeat(64), size: 20, version: "1" } };
const ATTACHMENT = { id: "x", name: "a.txt", size: 8, sha256: "c".repeat(64), media_type: "text/plain",
  uploaded_by: "did:key:z6Mk", added_at: "2026-01-01T00:00:00Z" };

describe("the other signed details", () => {
  it("are every metadata member but well-formed documents and attachments, which their sections show", () => {
    const contract = reviewContract({ metadata: { document: DOCUMENT, attachments: [ATTACHMENT],
      template: { id: "ai_training", version: 1, variables: {} }, side_letter: "resale allowed" } });
    expect(otherMetadata(contract).map(([key]) => key)).toEqual(["template", "side_letter"]);
  });

  it("include the renderings and attachments their sections would not show", () => {
    const markdown = { sha256: "d".repeat(64), size: 5, version: "1" };
    const contract = reviewContract({ metadata: { document: { ...DOCUMENT, markdown },
      attachments: [ATTACHMENT, { id: "hidden" }] } });
    expect(otherMetadata(contract)).toEqual([["document", { markdown }], ["attachments", [ATTACHMENT, { id: "hidden" }]]]);
  });

  it("shows a side letter on the page, by its key and its value", () => {
    render(<MantineProvider><MetadataSection contract={reviewContract({ metadata: { side_letter: "resale allowed" } })} /></MantineProvider>);
    const section = screen.getByRole("region", { name: "Other details" });
    expect(section).toHaveTextContent("Side letter");
    expect(section).toHaveTextContent("side_letter");
    expect(section).toHaveTextContent("resale allowed");
  });

  it("shows nothing when there are no other details", () => {
    render(<MantineProvider><MetadataSection contract={reviewContract()} /></MantineProvider>);
    expect(screen.queryByRole("region")).toBeNull();
  });
});
