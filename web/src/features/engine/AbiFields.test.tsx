import { MantineProvider } from "@mantine/core";
import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { AbiFields } from "./AbiFields";
import { parseArgs, type AbiParam } from "./abi";

const PARAMS: AbiParam[] = [{ name: "to", type: "address" }, { name: "amount", type: "u256" },
  { name: "urgent", type: "bool" }, { name: "tags", type: "string[]" }];

/** The fields with the form's state, showing the errors parseArgs gives on demand. */
function Form() {
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sent, setSent] = useState("");
  return (
    <MantineProvider>
      <AbiFields params={PARAMS} texts={texts} errors={errors}
        onChange={(name, text) => { setTexts({ ...texts, [name]: text }); }} />
      <button type="button" onClick={() => {
        const parsed = parseArgs(PARAMS, texts);
        if (parsed.ok) { setErrors({}); setSent(JSON.stringify(parsed.args)); } else setErrors(parsed.errors);
      }}>Check</button>
      <output>{sent}</output>
    </MantineProvider>
  );
}

describe("a form generated from an ABI", () => {
  it("has a labelled input of the right kind for each parameter", () => {
    render(<Form />);
    expect(screen.getByLabelText("to (address)").tagName).toBe("INPUT");
    expect(screen.getByLabelText("amount (u256)")).toHaveAttribute("inputmode", "numeric");
    expect(screen.getByLabelText("urgent (bool)")).toHaveAttribute("type", "checkbox");
    expect(screen.getByLabelText("tags (string[])").tagName).toBe("TEXTAREA");
  });

  it("shows each field's error next to it, and sends big integers as decimal strings", () => {
    render(<Form />);
    fireEvent.change(screen.getByLabelText("to (address)"), { target: { value: "0x12" } });
    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    expect(screen.getByLabelText("to (address)")).toHaveAccessibleDescription(/Enter 0x and 40 hex digits/);
    expect(screen.getByLabelText("amount (u256)")).toHaveAccessibleDescription(/Enter a whole number/);

    fireEvent.change(screen.getByLabelText("to (address)"), { target: { value: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4" } });
    fireEvent.change(screen.getByLabelText("amount (u256)"), { target: { value: "1000000000000000000000000" } });
    fireEvent.click(screen.getByLabelText("urgent (bool)"));
    fireEvent.change(screen.getByLabelText("tags (string[])"), { target: { value: "a\nb" } });
    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    expect(JSON.parse(screen.getByRole("status").textContent || "{}")).toEqual({
      to: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", amount: "1000000000000000000000000", urgent: true, tags: ["a", "b"] });
  });
});
