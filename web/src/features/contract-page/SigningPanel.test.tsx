import { contentDigest, type Schemas } from "@cms/sdk";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RuntimeConfigContext } from "../../api/runtimeConfigContext";
import { SignerContext, type SessionSigner } from "../../auth/signer";
import type { Contract } from "../../contracts/lifecycle";
import { SigningPanel } from "./SigningPanel";
import { CONSUMER, PROVIDER, payloadFor, reviewContract } from "./testContract";

// The API as the browser sees it: the contract, a signing payload (possibly altered), and the
// signatures posted.
function fakeApi(contract: Contract, payload: Schemas["SigningPayload"]) {
  const posted: unknown[] = [];
  vi.stubGlobal("fetch", vi.fn(async (input: RequestInfo | URL) => {
    const request = new Request(input);
    const path = new URL(request.url).pathname;
    if (path.endsWith("/signing-payload")) return Response.json(payload);
    if (path.endsWith("/sign")) {
      posted.push(await request.json());
      return Response.json({ ...contract, signatures: [] });
    }
    return Response.json(contract);
  }));
  return posted;
}

function fakeSigner(did: string, kind: SessionSigner["kind"]) {
  const signer = {
    did, kind,
    signMessage: vi.fn(() => Promise.resolve("never")),
    signTypedData: vi.fn(() => Promise.resolve(`0x${"ab".repeat(65)}`)),
    signContractMessage: vi.fn(() => Promise.resolve("cd".repeat(64))),
  };
  const request = vi.fn(() => Promise.resolve(signer));
  return { signer, request };
}

function renderPanel(contract: Contract, did: string, request: () => Promise<SessionSigner>) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const panel = (shown: Contract) => (
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <RuntimeConfigContext value={{ apiUrl: "http://api.test" }}>
          <SignerContext value={request}>
            <SigningPanel contract={shown} did={did} />
          </SignerContext>
        </RuntimeConfigContext>
      </QueryClientProvider>
    </MantineProvider>
  );
  const { rerender } = render(panel(contract));
  // The page's contract refreshed (its polling), with this panel still mounted.
  return { show: (next: Contract) => { rerender(panel(next)); } };
}

// What a hostile server could hand a second fetch: another contract, self-consistent (its own
// digest and signing payload), with content the page never showed.
function otherContract(): Contract {
  const other = reviewContract({ terms: { purpose: "resale to third parties" } });
  const digest = contentDigest(other);
  return { ...other, digest, content_digest: digest };
}

afterEach(() => { vi.unstubAllGlobals(); });

describe("SigningPanel", () => {
  it("shows the EIP-712 fields in words, then signs the rebuilt typed data", async () => {
    const contract = reviewContract();
    const posted = fakeApi(contract, payloadFor(contract, PROVIDER));
    const { signer, request } = fakeSigner(PROVIDER, "ethereum");
    renderPanel(contract, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    expect(await screen.findByText("What you sign")).toBeInTheDocument();
    expect(screen.getByText("CMS Contract Signature, version 1")).toBeInTheDocument();
    expect(screen.getByText("31337 (a local development chain)")).toBeInTheDocument();
    expect(screen.getAllByText(`0x${contract.digest ?? ""}`)).toHaveLength(2); // the field, and the typed data's in the checks
    expect(request).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Sign with your wallet" }));
    expect(await screen.findByText("Your signature was recorded.")).toBeInTheDocument();
    expect(signer.signTypedData).toHaveBeenCalledWith(payloadFor(contract, PROVIDER).typed_data);
    expect(posted).toEqual([{ signature: `0x${"ab".repeat(65)}` }]);
  });

  it("shows the Ed25519 message text and signs exactly it", async () => {
    const contract = reviewContract();
    fakeApi(contract, payloadFor(contract, CONSUMER));
    const { signer, request } = fakeSigner(CONSUMER, "ed25519");
    renderPanel(contract, CONSUMER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    const message = payloadFor(contract, CONSUMER).message ?? "";
    expect(await screen.findByText((_, element) => element?.tagName === "PRE" && element.textContent === message)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Sign with your key" }));
    await screen.findByText("Your signature was recorded.");
    expect(signer.signContractMessage).toHaveBeenCalledWith(message);
  });

  it("refuses a payload whose digest the server altered, naming it, without asking for the key", async () => {
    const contract = reviewContract();
    const posted = fakeApi(contract, { ...payloadFor(contract, PROVIDER), digest: "0".repeat(64) });
    const { request } = fakeSigner(PROVIDER, "ethereum");
    renderPanel(contract, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("payload.digest");
    expect(alert).toHaveTextContent("Your key was not asked to sign anything.");
    expect(screen.queryByRole("button", { name: "Sign with your wallet" })).toBeNull();
    expect(request).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
  });

  it("refuses content the server changed under the frozen digest", async () => {
    const contract = reviewContract();
    const shown = { ...contract, terms: { purpose: "resale" } };
    fakeApi(shown, payloadFor(contract, PROVIDER));
    const { request } = fakeSigner(PROVIDER, "ethereum");
    renderPanel(shown, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("contract.digest");
    expect(request).not.toHaveBeenCalled();
  });

  it("refuses to sign with a key of another identity than the one signed in", async () => {
    const contract = reviewContract();
    const posted = fakeApi(contract, payloadFor(contract, PROVIDER));
    const { signer, request } = fakeSigner("did:pkh:eip155:31337:0x0000000000000000000000000000000000000001", "ethereum");
    renderPanel(contract, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    await userEvent.click(await screen.findByRole("button", { name: "Sign with your wallet" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Nothing was signed");
    expect(signer.signTypedData).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
  });

  it("checks the payload against the contract the page shows: a server serving another contract on a second fetch is refused", async () => {
    const shown = reviewContract();
    const other = otherContract();
    const posted = fakeApi(other, payloadFor(other, PROVIDER));
    const { signer, request } = fakeSigner(PROVIDER, "ethereum");
    renderPanel(shown, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("payload.digest");
    expect(screen.queryByRole("button", { name: "Sign with your wallet" })).toBeNull();
    expect(request).not.toHaveBeenCalled();
    expect(signer.signTypedData).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
  });

  it("withdraws the review when the page's contract changes after it", async () => {
    const shown = reviewContract();
    const posted = fakeApi(shown, payloadFor(shown, PROVIDER));
    const { request } = fakeSigner(PROVIDER, "ethereum");
    const { show } = renderPanel(shown, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    await screen.findByRole("button", { name: "Sign with your wallet" });
    show(otherContract());
    expect(await screen.findByRole("alert")).toHaveTextContent("The contract changed since your review");
    expect(screen.queryByRole("button", { name: "Sign with your wallet" })).toBeNull();
    expect(screen.queryByText("What you sign")).toBeNull();
    expect(request).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
  });

  it("checks again at sign time: a contract changed while the wallet was asked is not signed", async () => {
    const shown = reviewContract();
    const posted = fakeApi(shown, payloadFor(shown, PROVIDER));
    const { signer } = fakeSigner(PROVIDER, "ethereum");
    let show: (next: Contract) => void = () => undefined;
    const request = vi.fn(() => { show(otherContract()); return Promise.resolve(signer); });
    ({ show } = renderPanel(shown, PROVIDER, request));
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    await userEvent.click(await screen.findByRole("button", { name: "Sign with your wallet" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The contract changed since your review");
    expect(request).toHaveBeenCalled();
    expect(signer.signTypedData).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
  });

  it("shows in what you sign every other metadata member the digest covers", async () => {
    const base = reviewContract({ metadata: { side_letter: "The consumer may also resell the data" } });
    const digest = contentDigest(base);
    const contract = { ...base, digest, content_digest: digest };
    fakeApi(contract, payloadFor(contract, PROVIDER));
    const { request } = fakeSigner(PROVIDER, "ethereum");
    renderPanel(contract, PROVIDER, request);
    await userEvent.click(screen.getByRole("button", { name: "Review what you sign" }));
    const others = await screen.findByRole("group", { name: "Other details the digest covers" });
    expect(others).toHaveTextContent("side_letter");
    expect(others).toHaveTextContent("The consumer may also resell the data");
  });
});
