import { Button, Group, NativeSelect, Stack, Text } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { Notice } from "../../app/Notice";
import { AbiFields } from "./AbiFields";
import { parseArgs, type AbiFunction } from "./abi";
import { CallResult } from "./CallResult";
import { callFailureWords } from "./outcomeWords";
import { useEstimate, useExecute, type EngineCall, type EngineContract } from "./queries";
import { useCallDraft } from "./useCallDraft";

// Functions a person does not call by hand: circuit parties submit through their own panel,
// and recordResult is the enclave relayer's.
const HIDDEN = new Set(["submitInput", "recordResult"]);

/** A form generated from the contract's ABI: pick a function, fill its typed arguments,
 * estimate the gas first, then run it with the suggested limit; the outcome in words. */
export function CallForm({ contract, onAddToBatch }: { contract: EngineContract; onAddToBatch: (call: EngineCall) => void }) {
  const functions = Object.entries(contract.manifest.functions).filter(([name]) => !HIDDEN.has(name));
  const draft = useCallDraft(contract.address, functions[0]?.[0] ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const estimate = useEstimate(contract.address);
  const execute = useExecute(contract.address);
  const chosen: AbiFunction | undefined = contract.manifest.functions[draft.function];
  const params = chosen?.params ?? [];

  const call = (): EngineCall | null => {
    const parsed = parseArgs(params, draft.texts);
    if (!parsed.ok) { setErrors(parsed.errors); return null; }
    setErrors({});
    return { function: draft.function, args: parsed.args };
  };
  const reset = () => { estimate.reset(); execute.reset(); };
  const onEstimate = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = call();
    execute.reset();
    if (next) estimate.mutate(next);
  };
  const onRun = () => {
    const next = call();
    if (next && estimate.data) execute.mutate({ ...next, gas_limit: estimate.data.suggested_gas_limit });
  };

  return (
    <form onSubmit={onEstimate} noValidate aria-label="Call a function">
      <Stack gap="sm">
        <NativeSelect label="Function" value={draft.function}
          data={functions.map(([name, fn]) => ({ value: name, label: `${name}${fn.read_only ? " (read only)" : ""}` }))}
          onChange={(event) => { draft.choose(event.currentTarget.value); setErrors({}); reset(); }} />
        <AbiFields params={params} texts={draft.texts} errors={errors}
          onChange={(name, text) => { draft.type(name, text); reset(); }} />
        <Group gap="sm">
          <Button type="submit" loading={estimate.isPending}>Estimate gas</Button>
          <Button variant="light" onClick={() => { const next = call(); if (next) onAddToBatch(next); }}>Add to batch</Button>
        </Group>
        <div aria-live="polite">
          {estimate.error ? <Notice color="red" title="The call would fail" role="alert">{callFailureWords(estimate.error)}</Notice> : null}
          {estimate.data ? (
            <Stack gap="xs">
              <Text data-testid="gas-estimate">
                Estimated gas: {estimate.data.gas.toLocaleString("en")} (the call will run with a limit
                of {estimate.data.suggested_gas_limit.toLocaleString("en")})
              </Text>
              <Group><Button onClick={onRun} loading={execute.isPending}>Run {draft.function}</Button></Group>
            </Stack>
          ) : null}
          {execute.error ? <Notice color="red" title={`${draft.function} failed`} role="alert">{callFailureWords(execute.error)}</Notice> : null}
          {execute.data ? <CallResult result={execute.data} /> : null}
        </div>
      </Stack>
    </form>
  );
}
