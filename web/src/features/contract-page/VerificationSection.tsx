import { Anchor, Button, Code, Group, List, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useCms } from "../../api/cms";
import { useRuntimeConfig } from "../../api/runtimeConfigContext";
import { VerificationReport } from "../verify-receipt/VerificationReport";
import { checkInWords } from "./checkWords";
import { formatInstant, type Contract } from "../../contracts/lifecycle";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "../../app/ProblemAlert";
import { present } from "./queries";
import { checkReceiptInBrowser, type ReceiptCheck } from "./receiptCheck";
import { Section } from "./Section";
import { saveFile } from "./uploadFile";

/** The contract's receipt checked in this browser (the SDK's verifier, against the chain),
 * and, apart and labelled as such, the platform's own report. */
export function VerificationSection({ contract }: { contract: Contract }) {
  return (
    <Section title="Verification">
      <BrowserCheck contractId={contract.id} />
      <ReceiptDownload contractId={contract.id} />
      <PlatformReport contractId={contract.id} />
    </Section>
  );
}

function BrowserCheck({ contractId }: { contractId: string }) {
  const cms = useCms();
  const { chainRpcUrl } = useRuntimeConfig();
  const verify = useMutation({ mutationFn: (rpcUrl: string) => checkReceiptInBrowser(cms, contractId, rpcUrl) });
  const verifierLink = <Anchor component={Link} to="/verify" underline="always">receipt verifier</Anchor>;
  if (!chainRpcUrl) {
    return <Text size="sm">This deployment names no chain endpoint: check the receipt on the {verifierLink}, against a chain endpoint you choose.</Text>;
  }
  return (
    <Stack gap="xs">
      <Text size="sm">Your browser checks the contract&apos;s receipt itself: its hash chain, its history, its digest, every signature, and its anchoring, read from the chain.</Text>
      <Button variant="default" onClick={() => { verify.mutate(chainRpcUrl); }} loading={verify.isPending} style={{ alignSelf: "flex-start" }}>
        {verify.data ? "Verify again in your browser" : "Verify in your browser"}
      </Button>
      {verify.isError && <ProblemAlert error={verify.error} />}
      <div aria-live="polite">
        {verify.data && <BrowserVerdict check={verify.data} verifierLink={verifierLink} />}
      </div>
    </Stack>
  );
}

function BrowserVerdict({ check, verifierLink }: { check: ReceiptCheck; verifierLink: ReactNode }) {
  return (
    <Stack gap="xs">
      <Text size="sm" className={classes.wrap}>
        Checked in your browser through <Code>{check.rpcUrl}</Code>, trusting the ledger{" "}
        {check.pin ? <Code>{check.pin}</Code> : "(none: the platform named no valid ledger)"}{" "}
        <strong>as the platform names it</strong> (GET /api/v1/ledger): that is the platform&apos;s word. For a check that
        relies on nothing of ours, pin the ledger the operator published, obtained out of band, on the {verifierLink}.
      </Text>
      <VerificationReport report={check.report} />
    </Stack>
  );
}

/** POST /verify: the platform checking itself. Shown as its claim, never as the verdict: a
 * hostile server could report anything. */
function PlatformReport({ contractId }: { contractId: string }) {
  const cms = useCms();
  const verify = useMutation({
    mutationFn: async () => present((await cms.POST("/api/v1/contracts/{contract_id}/verify",
      { params: { path: { contract_id: contractId } } })).data),
  });
  const report = verify.data;
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">The platform&apos;s report</Title>
      <Text size="sm">What the platform says when it re-checks the contract itself: its claim, not a proof.</Text>
      <Button variant="default" onClick={() => { verify.mutate(); }} loading={verify.isPending} style={{ alignSelf: "flex-start" }}>
        {report ? "Ask the platform again" : "Ask the platform"}
      </Button>
      {verify.isError && <ProblemAlert error={verify.error} />}
      {report && (
        <Stack gap="xs" role="status">
          <Text size="sm" fw={600}>
            The platform reports {report.valid ? "that every check passed" : "that some checks failed"} ({formatInstant(report.checked_at)}).
          </Text>
          <List spacing={4} size="sm" aria-label="The platform's checks" className={classes.wrap} icon={null}>
            {report.checks.map((check, index) => (
              <List.Item key={`${check.name}-${String(index)}`} icon={
                <ThemeIcon size="sm" radius="xl" color={check.ok ? "gray" : "red"} aria-hidden>{check.ok ? "✓" : "✗"}</ThemeIcon>}>
                <Text size="sm" span fw={500}>{check.ok ? "Reported passed" : "Reported failed"}: {checkInWords(check.name)}</Text>
                {check.detail && <Text size="xs" c="dimmed">{check.detail}</Text>}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
    </Stack>
  );
}

/** The receipt byte for byte as issued (canonical JSON: `cms verify-receipt` checks that form),
 * saved as a .json file. */
function ReceiptDownload({ contractId }: { contractId: string }) {
  const cms = useCms();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      const { data } = await cms.GET("/api/v1/contracts/{contract_id}/receipt", {
        params: { path: { contract_id: contractId } }, parseAs: "text" });
      saveFile(present(data), `contract-${contractId}-receipt.json`, "application/json");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Group gap="sm">
      <Button variant="default" loading={busy} onClick={() => { void download(); }}>Download the receipt</Button>
      {error !== null && <ProblemAlert error={error} />}
    </Group>
  );
}
