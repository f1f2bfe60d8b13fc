import { Button, Group, Stack, Textarea, TextInput } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";
import { ownText, parseValue } from "./abi";
import { deployErrors } from "./deployErrors";
import { FieldErrors } from "./FieldErrors";
import { useDeployAndOpen } from "./useDeployAndOpen";
import type { Schemas } from "@cms/sdk";

type Circuit = Schemas["Circuit"];
const EMPTY = { name: "", circuit: "", parties: {} as Record<string, string>, pcr0s: "" };
const PCR0 = /^[0-9a-fA-F]{96}$/;

function parseCircuit(text: string): Circuit | null {
  try {
    const value = JSON.parse(text) as Partial<Circuit> | null;
    return value && Array.isArray(value.parties) ? value as Circuit : null;
  } catch {
    return null;
  }
}

/** A boolean-circuit contract (cms-circuit/v1): the circuit, each party's address, the
 * enclave images that may evaluate it. The platform makes the input key. */
export function CircuitDeployForm() {
  const draft = useStoredDraft(draftKey(useReader(), "engine.deploy-circuit"), EMPTY);
  const deploy = useDeployAndOpen(draft.clear);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const circuit = parseCircuit(draft.value.circuit);
  const server = deploy.error ? deployErrors(deploy.error, ["/init_args"]) : {};
  const serverField = (path: string) => server["/init_args"]?.[path];
  const update = (change: Partial<typeof EMPTY>) => { draft.update({ ...draft.value, ...change }); };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (!circuit) next.circuit = "Paste the circuit as cms-circuit/v1 JSON (with its parties, wires, gates and outputs).";
    const parties: [string, string][] = [];
    for (const party of circuit?.parties ?? []) {
      const address = parseValue("address", ownText(draft.value.parties, party.name) ?? "");
      if (address.ok) parties.push([party.name, address.value as string]); else next[`party:${party.name}`] = address.message;
    }
    const pcr0s = draft.value.pcr0s.split(/\s+/).filter(Boolean);
    if (pcr0s.length === 0 || !pcr0s.every((value) => PCR0.test(value))) {
      next.pcr0s = "One enclave image measurement (PCR0: 96 hex digits) a line.";
    }
    setErrors(next);
    if (!circuit || Object.keys(next).length > 0) return;
    deploy.submit({ kind: "circuit", name: draft.value.name.trim() || undefined,
      init_args: { circuit, parties: Object.fromEntries(parties), enclave_pcr0s: pcr0s } });
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Deploy a circuit contract">
      <Stack gap="sm">
        <TextInput label="Contract name" value={draft.value.name} description="Optional."
          onChange={(event) => { update({ name: event.currentTarget.value }); }} />
        <Textarea label="Circuit (cms-circuit/v1 JSON)" autosize minRows={4} maxRows={12} spellCheck={false}
          value={draft.value.circuit} error={errors.circuit ?? serverField("circuit")}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          onChange={(event) => { update({ circuit: event.currentTarget.value }); }} />
        <FieldErrors label="The circuit was refused" errors={Object.fromEntries(Object.entries(server["/init_args"] ?? {})
          .filter(([path]) => path.startsWith("circuit ›")))} />
        {(circuit?.parties ?? []).map((party) => (
          <TextInput key={party.name} label={`Address of party ${party.name} (${String(party.bits)}-bit input)`}
            value={ownText(draft.value.parties, party.name) ?? ""} spellCheck={false} autoComplete="off"
            error={errors[`party:${party.name}`] ?? serverField(`parties › ${party.name}`)}
            onChange={(event) => { update({ parties: { ...draft.value.parties, [party.name]: event.currentTarget.value } }); }} />
        ))}
        <Textarea label="Enclave images allowed to evaluate it (PCR0, one a line)" autosize minRows={2} spellCheck={false}
          value={draft.value.pcr0s} error={errors.pcr0s ?? serverField("enclave_pcr0s")}
          onChange={(event) => { update({ pcr0s: event.currentTarget.value }); }} />
        <FieldErrors label="The deployment was refused" errors={server[""]} />
        <Group><Button type="submit" loading={deploy.isPending}>Deploy the circuit</Button></Group>
      </Stack>
    </form>
  );
}
