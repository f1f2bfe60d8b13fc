import { Button, Group, TextInput } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { useNavigate } from "react-router";
import { parseValue } from "./abi";

/** Open any engine contract by its address. */
export function OpenAddressForm() {
  const [address, setAddress] = useState("");
  const [error, setError] = useState<string>();
  const navigate = useNavigate();
  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseValue("address", address);
    if (!parsed.ok) { setError(parsed.message); return; }
    void navigate(`/engine/${address.trim()}`);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Open a contract">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="Contract address" value={address} error={error} spellCheck={false} autoComplete="off"
          style={{ flex: "1 1 16rem" }} onChange={(event) => { setAddress(event.currentTarget.value); setError(undefined); }} />
        <Button type="submit">Open</Button>
      </Group>
    </form>
  );
}
