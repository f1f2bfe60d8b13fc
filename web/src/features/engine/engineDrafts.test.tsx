import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { Providers } from "../../test/providers";
import { forgetDrafts } from "../contract-form/useStoredDraft";
import { CircuitDeployForm } from "./CircuitDeployForm";
import { Erc20DeployForm } from "./Erc20DeployForm";
import { WasmDeployForm } from "./WasmDeployForm";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const MANIFEST = JSON.stringify({ functions: {}, init: { params: [{ name: "constructor", type: "u64" }] } });

beforeEach(() => {
  localStorage.clear();
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
});
afterEach(() => { sessionStore.clear(); localStorage.clear(); });

const type = (label: RegExp, value: string) => {
  fireEvent.change(screen.getByRole("textbox", { name: label }), { target: { value } });
};

describe("engine drafts", () => {
  it("keeps the WASM form's name, manifest and init arguments across a reload, and asks for the module again", () => {
    const first = render(<Providers><WasmDeployForm /></Providers>);
    type(/Contract name/, "Counter");
    type(/Manifest \(JSON\)/, MANIFEST);
    type(/constructor \(u64\)/, "7");
    first.unmount();

    render(<Providers><WasmDeployForm /></Providers>);
    expect(screen.getByRole("textbox", { name: /Contract name/ })).toHaveValue("Counter");
    expect(screen.getByRole("textbox", { name: /Manifest \(JSON\)/ })).toHaveValue(MANIFEST);
    expect(screen.getByRole("textbox", { name: /constructor \(u64\)/ })).toHaveValue("7");
    expect(screen.getByText(/Choose the module file again/)).toBeInTheDocument();
  });

  it("are forgotten at sign-out with the identity's other drafts", () => {
    const forms = render(<Providers><WasmDeployForm /><Erc20DeployForm /><CircuitDeployForm /></Providers>);
    const inForm = (form: RegExp, label: RegExp, value: string) => {
      fireEvent.change(within(screen.getByRole("form", { name: form })).getByRole("textbox", { name: label }), { target: { value } });
    };
    inForm(/WebAssembly/, /Contract name/, "Counter");
    inForm(/ERC20/, /Token name/, "Gold");
    inForm(/circuit contract/, /Circuit \(cms-circuit/, "{}");
    forms.unmount();
    expect(Object.keys(localStorage).length).toBe(3);
    forgetDrafts(ME);
    expect(Object.keys(localStorage)).toEqual([]);
  });
});
