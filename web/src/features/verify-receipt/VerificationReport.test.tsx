import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ReceiptReport } from "@cms/sdk";
import { VerificationReport } from "./VerificationReport";
import { inputErrors } from "./verifyInBrowser";

const show = (report: ReceiptReport) => render(<MantineProvider><VerificationReport report={report} /></MantineProvider>);

describe("the verification report", () => {
  it("states a valid verdict and every check", () => {
    show({ valid: true, incomplete: null, checks: [
      { name: "format", ok: true, detail: "cms-receipt/v1" },
      { name: "status_slot", ok: true, detail: "the chain records 'active'" },
    ] });
    expect(screen.getByText("Valid receipt")).toBeInTheDocument();
    expect(screen.getAllByText("ok")).toHaveLength(2);
  });

  it("names the tampered part of an invalid receipt", () => {
    show({ valid: false, incomplete: null, checks: [
      { name: "anchoring", ok: false, detail: "1 event(s) do not prove to an on-chain root" },
      { name: "anchor:event[3]", ok: false, detail: "the event does not prove to the on-chain root" },
    ] });
    expect(screen.getByText(/What fails: the Merkle proof of event 3\./)).toBeInTheDocument();
  });

  it("says why a verdict is incomplete", () => {
    show({ valid: false, incomplete: "no trusted ledger given", checks: [{ name: "ledger.trusted", ok: false, detail: "x" }] });
    expect(screen.getByText(/Incomplete/)).toBeInTheDocument();
    expect(screen.getByText("no trusted ledger given")).toBeInTheDocument();
  });

  it("calls a receipt with a failed signature invalid, with or without a pin (as cms verify-receipt)", () => {
    show({ valid: false, incomplete: "no trusted ledger given", checks: [
      { name: "ledger.trusted", ok: false, detail: "no trusted ledger given" },
      { name: "signature:did:key:z6Mk", ok: false, detail: "the signature does not verify" },
    ] });
    expect(screen.getByText(/Invalid receipt/)).toBeInTheDocument();
    expect(screen.queryByText(/Incomplete/)).toBeNull();
  });

  it("shows a hostile receipt's strings as text, never as HTML", () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    const { container } = show({ valid: false, incomplete: null, checks: [{ name: `contract.${hostile}`, ok: false, detail: hostile }] });
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByText(hostile)).toBeInTheDocument();
  });
});

describe("the form's checks", () => {
  const file = new File(["{}"], "receipt.json");
  it.each([
    [{ file: null, rpcUrl: "http://127.0.0.1:8545", pin: "" }, ["file"]],
    [{ file, rpcUrl: "", pin: "" }, ["rpcUrl"]],
    [{ file, rpcUrl: "javascript:alert(1)", pin: "" }, ["rpcUrl"]],
    [{ file, rpcUrl: "https://rpc.example", pin: "1:nope" }, ["pin"]],
    [{ file, rpcUrl: "https://rpc.example", pin: "1:0x5FbDB2315678afecb367f032d93F642f64180aa3" }, []],
  ])("%#", (input, fields) => {
    expect(Object.keys(inputErrors(input))).toEqual(fields);
  });
});
