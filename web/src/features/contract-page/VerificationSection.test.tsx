import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { RuntimeConfigContext } from "../../api/runtimeConfigContext";
import type { RuntimeConfig } from "../../api/runtimeConfig";
import { reviewContract } from "./testContract";
import { VerificationSection } from "./VerificationSection";

const PIN = "31337:0x5FbDB2315678afecb367f032d93F642f64180aa3";

// A hostile platform: its receipt is not a receipt, and its own report says all is well.
function hostileApi() {
  const requested: string[] = [];
  vi.stubGlobal("fetch", vi.fn((input: RequestInfo | URL) => {
    const path = new URL(new Request(input).url).pathname;
    requested.push(path);
    if (path.endsWith("/receipt")) return Promise.resolve(new Response("{\"format\":\"not a receipt\"}"));
    if (path.endsWith("/ledger")) return Promise.resolve(Response.json({ chain_id: 31337, address: PIN.slice(6), pin: PIN }));
    if (path.endsWith("/verify")) {
      return Promise.resolve(Response.json({ valid: true, checked_at: "2027-01-01T00:00:00Z",
        checks: [{ name: "digest", ok: true, detail: "" }, { name: "digest", ok: true, detail: "again" }] }));
    }
    return Promise.resolve(new Response(null, { status: 404 }));
  }));
  return requested;
}

function renderSection(config: RuntimeConfig) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <RuntimeConfigContext value={config}>
          <MemoryRouter><VerificationSection contract={reviewContract()} /></MemoryRouter>
        </RuntimeConfigContext>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

afterEach(() => { vi.unstubAllGlobals(); });

describe("the contract page's verification", () => {
  it("checks the receipt in the browser, whatever the platform reports, and says whose word the ledger pin is", async () => {
    const requested = hostileApi();
    renderSection({ apiUrl: "http://api.test", chainRpcUrl: "http://127.0.0.1:8545" });
    await userEvent.click(screen.getByRole("button", { name: "Verify in your browser" }));
    expect(await screen.findByText(/^Invalid receipt/)).toBeInTheDocument();
    expect(screen.getByText(/^Checked in your browser through/)).toHaveTextContent(`trusting the ledger ${PIN} as the platform names it`);
    expect(screen.getByRole("link", { name: "receipt verifier" })).toHaveAttribute("href", "/verify");
    expect(requested).toContain(`/api/v1/contracts/${reviewContract().id}/receipt`);

    await userEvent.click(screen.getByRole("button", { name: "Ask the platform" }));
    expect(await screen.findByText(/The platform reports that every check passed/)).toBeInTheDocument();
    expect(screen.getAllByText(/^Reported passed/)).toHaveLength(2); // repeated names, distinct keys
    expect(screen.queryByText("Every check passed")).toBeNull();
  });

  it("sends to the receipt verifier when the deployment names no chain endpoint", () => {
    hostileApi();
    renderSection({ apiUrl: "http://api.test" });
    expect(screen.queryByRole("button", { name: "Verify in your browser" })).toBeNull();
    expect(screen.getByRole("link", { name: "receipt verifier" })).toHaveAttribute("href", "/verify");
  });
});
