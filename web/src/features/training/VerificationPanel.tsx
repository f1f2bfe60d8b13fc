import { Button, Code, CopyButton, Group, List, Loader, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { useState } from "react";
import { useCms } from "../../api/cms";
import { ProblemAlert } from "../../app/ProblemAlert";
import { StateBadge } from "../contract-page/StateBadge";
import { saveFile } from "../contract-page/uploadFile";
import { modelLink, useVerification, type TrainingJob } from "./queries";
import { checkInWords, resultFileName, verifyCommand } from "./verificationWords";

/** The attested result: each check in words, the model download (its consumer), the result
 * bundle and the offline command that checks both. */
export function VerificationPanel({ job, isConsumer }: { job: TrainingJob; isConsumer: boolean }) {
  const verification = useVerification(job.id, job.result !== null);
  if (!job.result) return null;
  return (
    <Stack gap="xs" component="section" aria-labelledby="verification-title">
      <Title order={2} size="h3" id="verification-title">Attested result</Title>
      {verification.isPending && <Loader size="sm" role="status" aria-label="Verifying the result" />}
      {verification.isError && <ProblemAlert error={verification.error} />}
      {verification.data && (
        <>
          <div>
            <StateBadge color={verification.data.valid ? "green" : "red"} data-testid="verification-verdict">
              {verification.data.valid ? "Verified" : "Not verified"}
            </StateBadge>
          </div>
          <List spacing={4} listStyleType="none" aria-label="Verification checks">
            {verification.data.checks.map((check) => {
              const words = checkInWords(check, verification.data.simulated);
              return (
                <List.Item key={check.name} data-check={check.name}
                  icon={<ThemeIcon size={18} radius="xl" color={check.ok ? "green" : "red"} aria-hidden>{check.ok ? "✓" : "✗"}</ThemeIcon>}>
                  <Text size="sm"><strong>{words.topic}</strong> ({check.ok ? "passed" : "failed"}): {words.text}</Text>
                </List.Item>
              );
            })}
          </List>
          <Group gap="xs">
            <Button variant="default" onClick={() => { saveFile(JSON.stringify(verification.data.result, null, 2), resultFileName(job.id), "application/json"); }}>
              Download the result bundle
            </Button>
            {isConsumer && <ModelDownload jobId={job.id} sha256={job.result.model.sha256} />}
          </Group>
          <Text size="sm">Check it offline with the CMS command line:</Text>
          <Group gap="xs" wrap="nowrap" align="start">
            <Code block style={{ flex: 1, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }} data-testid="verify-command">
              {verifyCommand(job.id, verification.data.simulated, isConsumer)}
            </Code>
            <CopyButton value={verifyCommand(job.id, verification.data.simulated, isConsumer)}>
              {({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}
            </CopyButton>
          </Group>
          {verification.data.simulated && (
            <Text size="xs" c="dimmed">DEV-ROOT.pem is the local stack's development root (CMS_ATTESTATION_DEV_ROOT); production results need none.</Text>
          )}
        </>
      )}
    </Stack>
  );
}

/** The model through a short-lived link asked for at the click (it expires in minutes). */
function ModelDownload({ jobId, sha256 }: { jobId: string; sha256: string }) {
  const cms = useCms();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      const link = await modelLink(cms, jobId);
      const anchor = document.createElement("a");
      anchor.href = link.url;
      anchor.download = `${jobId}.pt`;
      anchor.rel = "noopener";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Stack gap={2}>
      <Button onClick={() => { void download(); }} loading={busy}>Download the model</Button>
      <Text size="xs" c="dimmed">SHA-256 <Code>{sha256}</Code></Text>
      {error !== null && <ProblemAlert error={error} />}
    </Stack>
  );
}
