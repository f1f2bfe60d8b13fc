import type { Schemas } from "@cms/sdk";
import { render, screen, within } from "@testing-library/react";
import { Providers } from "../../test/providers";
import { ActionsSection } from "./ActionsSection";
import { CONSUMER, PROVIDER, reviewContract } from "./testContract";

function signature(did: string, at: string): Schemas["ContractSignature"] {
  return { signer_did: did, role: did === PROVIDER ? "provider" : "consumer", verification_method: `${did}#key-1`,
    scheme: did === PROVIDER ? "eip712" : "ed25519-prefixed-digest", signature: "ab".repeat(65),
    digest: "0".repeat(64), signed_at: at, chain_id: 31337 };
}

// The consumer signed first; the provider's is the last signature, which moves the contract
// to "signed": the signing action (and its panel) is then gone from the page.
const lastSigned = reviewContract({
  status: "signed", pending_signers: [],
  signatures: [signature(CONSUMER, "2026-12-07T06:00:00.000Z"), signature(PROVIDER, "2026-12-07T06:05:00.000Z")],
});

it("keeps the last signer's confirmation once the contract is signed", () => {
  render(<Providers><ActionsSection contract={lastSigned} did={PROVIDER} /></Providers>);
  const actions = screen.getByRole("region", { name: "What you can do" });
  const confirmation = within(actions).getByRole("status");
  expect(confirmation).toHaveTextContent("You signed this contract");
  expect(confirmation).toHaveTextContent("Your signature was recorded on");
  expect(confirmation).toHaveTextContent("Every party has signed");
  expect(within(actions).queryByRole("button", { name: "Review what you sign" })).toBeNull();
});

it("confirms the first signature while the other party's is awaited, and says nothing to one who has not signed", () => {
  const firstSigned = reviewContract({ pending_signers: [PROVIDER], signatures: [signature(CONSUMER, "2026-12-07T06:00:00.000Z")] });
  const { unmount } = render(<Providers><ActionsSection contract={firstSigned} did={CONSUMER} /></Providers>);
  expect(screen.getByRole("status")).toHaveTextContent("Waiting for the other party to sign.");
  unmount();
  render(<Providers><ActionsSection contract={firstSigned} did={PROVIDER} /></Providers>);
  expect(screen.queryByText("You signed this contract")).toBeNull();
});
