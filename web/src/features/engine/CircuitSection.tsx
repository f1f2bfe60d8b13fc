import { MAX_PARTY_BITS } from "@cms/sdk";
import { Button, Group, List, Loader, Stack, Text, TextInput } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { useSession } from "../../auth/sessionStore";
import { Notice } from "../../app/Notice";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { engineAddressOf } from "./callerAddress";
import { useCircuitInfo, useCircuitResult, useInputStatus, useRequestEvaluation, useSubmitInput,
  type CircuitResult, type FullCircuitInfo, type InputStatus } from "./circuitQueries";
import { callFailureWords } from "./outcomeWords";
import { formatInstant } from "../../contracts/lifecycle";

/** A circuit contract seen by a party: who has submitted, the caller's own input (encrypted
 * in this browser; only the ciphertext is sent), the evaluation request and the attested
 * result once the enclave's statement is recorded. */
export function CircuitSection({ address }: { address: string }) {
  const info = useCircuitInfo(address);
  const status = useInputStatus(address);
  const result = useCircuitResult(address, status.data?.recorded ?? false);
  const did = useSession()?.did ?? "";
  const me = did ? engineAddressOf(did).toLowerCase() : "";
  const myParty = Object.entries(status.data?.parties ?? {}).find(([, party]) => party.address.toLowerCase() === me)?.[0];
  return (
    <Section title="Private inputs and result">
      {info.isPending || status.isPending ? <Loader size="sm" aria-label="Loading the circuit" role="status" /> : null}
      {info.error ? <ProblemAlert error={info.error} /> : null}
      {status.error ? <ProblemAlert error={status.error} /> : null}
      {info.data && status.data ? (
        <Stack gap="sm">
          <PartiesList status={status.data} me={myParty} />
          {myParty && !status.data.parties[myParty]?.submitted
            ? <InputForm address={address} info={info.data} party={myParty} /> : null}
          {!myParty ? <Text size="sm">You are not a party to this circuit: you can follow it but not submit an input.</Text> : null}
          <Progress address={address} status={status.data} party={myParty} />
          {status.gaveUp ? (
            <Notice color="yellow" title="Still waiting" role="status">
              The enclave has not recorded a result yet. This page stopped checking; refresh it to look again.
            </Notice>
          ) : null}
          {result.data ? <ResultView result={result.data} /> : null}
        </Stack>
      ) : null}
    </Section>
  );
}

function PartiesList({ status, me }: { status: InputStatus; me: string | undefined }) {
  return (
    <List size="sm" aria-label="Parties' inputs">
      {Object.entries(status.parties).map(([name, party]) => (
        <List.Item key={name}>
          <Group gap="xs"><Text size="sm">{name}{name === me ? " (you)" : ""}:</Text>
            <Text size="sm" fw={700}>{party.submitted ? "input submitted" : "waiting for input"}</Text>
          </Group>
        </List.Item>
      ))}
    </List>
  );
}

function InputForm({ address, info, party }: { address: string; info: FullCircuitInfo; party: string }) {
  const declared = info.parties.find((entry) => entry.name === party)?.bits ?? 1;
  // The width is the server's word: bounded as the SDK bounds it before anything is sized by it.
  const bits = Math.min(Math.max(1, Math.trunc(declared)), MAX_PARTY_BITS);
  const max = (1n << BigInt(bits)) - 1n;
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const submit = useSubmitInput(address);
  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = /^[0-9]+$/.test(text.trim()) ? BigInt(text.trim()) : null;
    if (value === null || value > max) { setError(`Enter a whole number from 0 to ${max.toString()}.`); return; }
    setError(undefined);
    submit.mutate({ info, party, value });
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Your private input">
      <Stack gap="xs">
        <TextInput label={`Your secret value as ${party}`} inputMode="numeric" autoComplete="off" value={text} error={error}
          description={`A whole number from 0 to ${max.toString()}. It is encrypted in this browser to the contract's input key; only the enclave can read it.`}
          onChange={(event) => { setText(event.currentTarget.value); }} />
        <Group><Button type="submit" loading={submit.isPending}>Encrypt and submit</Button></Group>
        {submit.error ? <Notice color="red" title="Not submitted" role="alert">{callFailureWords(submit.error)}</Notice> : null}
      </Stack>
    </form>
  );
}

function Progress({ address, status, party }: { address: string; status: InputStatus; party: string | undefined }) {
  const request = useRequestEvaluation(address);
  if (status.recorded) return null;
  if (status.requested) {
    return <Text role="status">The enclave is evaluating the circuit; the result appears here when it is recorded.</Text>;
  }
  if (!status.complete) return <Text size="sm" role="status">Waiting for every party's input before the evaluation can be requested.</Text>;
  return (
    <Stack gap="xs">
      <Text size="sm">Every input is in.</Text>
      {party ? <Group><Button onClick={() => { request.mutate(); }} loading={request.isPending}>Request the evaluation</Button></Group> : null}
      {request.error ? <Notice color="red" title="Not requested" role="alert">{callFailureWords(request.error)}</Notice> : null}
    </Stack>
  );
}

const outputText = (value: boolean | string | number) => typeof value === "boolean" ? (value ? "yes" : "no") : String(value);

function ResultView({ result }: { result: CircuitResult }) {
  const evaluated = result.status === "evaluated";
  return (
    <Notice color={evaluated ? "green" : "red"} title={evaluated ? "The attested result" : "The enclave rejected an input"}
      role="status" aria-live="polite">
      <Stack gap={4}>
        {evaluated && result.outputs ? Object.entries(result.outputs).map(([name, value]) => (
          <Text key={name} size="sm">{name}: <strong>{outputText(value)}</strong></Text>
        )) : <Text size="sm">An input did not open: {(result.invalid_inputs ?? []).join(", ") || "unknown"}. No output is revealed.</Text>}
        <Text size="sm">Attested by an enclave running image {result.pcr0.slice(0, 16)}… at {formatInstant(result.attested_at)}
          {result.development ? ", signed by a development root (not AWS Nitro): fine for testing, not for production" : ", signed by the AWS Nitro root"}.</Text>
        <Text size="sm">The contract checked the attestation before recording it (statement {result.statement_sha256.slice(0, 16)}…).</Text>
      </Stack>
    </Notice>
  );
}
