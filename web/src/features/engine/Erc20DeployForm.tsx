import { Button, Group, Stack, TextInput } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";
import { parseValue } from "./abi";
import { deployErrors } from "./deployErrors";
import { FieldErrors } from "./FieldErrors";
import { useDeployAndOpen } from "./useDeployAndOpen";

const EMPTY = { name: "", symbol: "", decimals: "18", supply: "" };

/** The built-in token: its name, symbol, decimals and the supply minted to the deployer. */
export function Erc20DeployForm() {
  const draft = useStoredDraft(draftKey(useReader(), "engine.deploy-erc20"), EMPTY);
  const deploy = useDeployAndOpen(draft.clear);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (field: keyof typeof EMPTY) => (event: React.ChangeEvent<HTMLInputElement>) => {
    draft.update({ ...draft.value, [field]: event.currentTarget.value });
  };
  const server = deploy.error ? deployErrors(deploy.error, ["/init_args"]) : {};
  const fieldError = (name: string) => errors[name] ?? server["/init_args"]?.[name];

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const { name, symbol, decimals, supply } = draft.value;
    const next: Record<string, string> = {};
    if (!name.trim()) next.name = "Give the token a name.";
    if (!symbol.trim()) next.symbol = "Give the token a symbol.";
    const decimalsValue = parseValue("u8", decimals);
    if (!decimalsValue.ok) next.decimals = decimalsValue.message;
    const supplyValue = parseValue("uint256", supply || "0");
    if (!supplyValue.ok) next.initial_supply = supplyValue.message;
    setErrors(next);
    if (Object.keys(next).length > 0 || !decimalsValue.ok || !supplyValue.ok) return;
    deploy.submit({ kind: "erc20", name: name.trim(), init_args: { name: name.trim(), symbol: symbol.trim(),
      decimals: decimalsValue.value as number, initial_supply: String(supplyValue.value) } });
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Deploy an ERC20 token">
      <Stack gap="sm">
        <TextInput label="Token name" value={draft.value.name} onChange={set("name")} error={fieldError("name")} required />
        <TextInput label="Symbol" value={draft.value.symbol} onChange={set("symbol")} error={fieldError("symbol")} required />
        <TextInput label="Decimals" inputMode="numeric" value={draft.value.decimals} onChange={set("decimals")} error={fieldError("decimals")}
          description="0 to 255; 18 is usual." />
        <TextInput label="Initial supply" inputMode="numeric" value={draft.value.supply} onChange={set("supply")}
          error={fieldError("initial_supply")} description="In the smallest unit, minted to you. Any whole number up to 2^256 − 1." />
        <FieldErrors label="The deployment was refused" errors={server[""]} />
        <Group><Button type="submit" loading={deploy.isPending}>Deploy the token</Button></Group>
      </Stack>
    </form>
  );
}
