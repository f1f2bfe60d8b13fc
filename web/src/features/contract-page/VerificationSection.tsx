import { Anchor, Button, Group, List, Stack, Text, ThemeIcon } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useCms } from "../../api/cms";
import { Notice } from "./Notice";
import { checkInWords } from "./checkWords";
import { formatInstant, type Contract } from "./model";
import classes from "./contractPage.module.css";
import { ProblemAlert } from "./ProblemAlert";
import { present } from "./queries";
import { Section } from "./Section";
import { saveFile } from "./uploadFile";

export function VerificationSection({ contract }: { contract: Contract }) {
  const cms = useCms();
  const verify = useMutation({
    mutationFn: async () => present((await cms.POST("/api/v1/contracts/{contract_id}/verify",
      { params: { path: { contract_id: contract.id } } })).data),
  });
  const report = verify.data;
  return (
    <Section title="Verification">
      <Text size="sm">The platform re-checks the contract end to end: its hash chain, its history, its digest, every signature and its anchoring on chain.</Text>
      <Group gap="sm">
        <Button variant="default" onClick={() => { verify.mutate(); }} loading={verify.isPending}>
          {report ? "Verify again" : "Verify now"}
        </Button>
        <ReceiptDownload contractId={contract.id} />
      </Group>
      <Text size="sm">
        The receipt holds everything needed to check the contract without us: open it on the{" "}
        <Anchor component={Link} to="/verify" underline="always">receipt verifier</Anchor>, which checks it in your browser against a chain you choose.
      </Text>
      {verify.isError && <ProblemAlert error={verify.error} />}
      {report && (
        <Stack gap="xs" role="status">
          <Notice color={report.valid ? "green" : "red"} title={report.valid ? "Every check passed" : "Some checks failed"}>
            Checked {formatInstant(report.checked_at)}.
          </Notice>
          <List spacing={4} size="sm" aria-label="Verification checks" className={classes.wrap} icon={null}>
            {report.checks.map((check) => (
              <List.Item key={check.name} icon={
                <ThemeIcon size="sm" radius="xl" color={check.ok ? "green" : "red"} aria-hidden>{check.ok ? "✓" : "✗"}</ThemeIcon>}>
                <Text size="sm" span fw={500}>{check.ok ? "Passed" : "Failed"}: {checkInWords(check.name)}</Text>
                {check.detail && <Text size="xs" c="dimmed">{check.detail}</Text>}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
    </Section>
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
    <>
      <Button variant="default" loading={busy} onClick={() => { void download(); }}>Download the receipt</Button>
      {error !== null && <ProblemAlert error={error} />}
    </>
  );
}
