import type { CmsApi } from "@cms/sdk";
import { Button, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useSessionStorage } from "@mantine/hooks";
import { useId, useState, type ReactNode } from "react";
import { plainProblem } from "../../api/problemText";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useContractChange } from "./queries";

type Change = (client: CmsApi) => Promise<unknown>;

/** One action's form: its fields, its button, and the API's refusal next to it. Field errors
 * (by JSON pointer) go to the fields through `fieldError`. */
function ActionForm({ contractId, label, color, disabledWhy, change, onDone, children }: {
  contractId: string; label: string; color?: string; disabledWhy?: string | undefined;
  change: Change | null; onDone?: () => void;
  children?: (fieldError: (pointer: string) => string | undefined) => ReactNode;
}) {
  const mutation = useContractChange(contractId);
  const whyId = useId();
  const problem = mutation.isError ? plainProblem(mutation.error) : null;
  const fieldError = (pointer: string) => problem?.fields[pointer];
  return (
    <Stack gap="xs" component="form" onSubmit={(event) => {
      event.preventDefault();
      if (change) mutation.mutate(change, { onSuccess: onDone });
    }}>
      {children?.(fieldError)}
      <Button type="submit" color={color} loading={mutation.isPending} disabled={Boolean(disabledWhy) || !change}
        aria-describedby={disabledWhy ? whyId : undefined} style={{ alignSelf: "flex-start" }}>
        {label}
      </Button>
      {disabledWhy && <Text size="sm" c="dimmed" id={whyId}>{disabledWhy}</Text>}
      {mutation.isError && <ProblemAlert error={mutation.error} />}
    </Stack>
  );
}

const path = (contractId: string) => ({ params: { path: { contract_id: contractId } } });

export function SubmitForm({ contractId, disabledWhy }: { contractId: string; disabledWhy?: string | undefined }) {
  const [deadline, setDeadline] = useState("");
  const change: Change = (cms) => cms.POST("/api/v1/contracts/{contract_id}/submit", {
    ...path(contractId),
    body: deadline ? { signing_deadline: new Date(deadline).toISOString() } : {},
  });
  return (
    <ActionForm contractId={contractId} label="Submit for signing" change={change} disabledWhy={disabledWhy}>
      {(fieldError) => (
        <TextInput type="datetime-local" label="Signing deadline" value={deadline}
          onChange={(event) => { setDeadline(event.currentTarget.value); }}
          description="Unsigned by then, the contract expires. Empty: 30 days from now, or the end of its validity if sooner."
          error={fieldError("/signing_deadline")} />
      )}
    </ActionForm>
  );
}

/** Request changes (reason optional) or terminate (reason required); the reason typed so far
 * survives a reload or a trip to sign-in. */
export function ReasonForm({ contractId, action, disabledWhy }: {
  contractId: string; action: "requestChanges" | "terminate"; disabledWhy?: string | undefined;
}) {
  const terminate = action === "terminate";
  const [reason, setReason, clearReason] = useSessionStorage({ key: `cms.contract.${contractId}.${action}.reason`, defaultValue: "" });
  const trimmed = reason.trim();
  const change: Change | null = terminate
    ? (trimmed ? (cms) => cms.POST("/api/v1/contracts/{contract_id}/terminate", { ...path(contractId), body: { reason: trimmed } }) : null)
    : (cms) => cms.POST("/api/v1/contracts/{contract_id}/request-changes", { ...path(contractId), body: trimmed ? { reason: trimmed } : {} });
  return (
    <ActionForm contractId={contractId} label={terminate ? "Terminate the contract" : "Request changes"}
      color={terminate ? "red" : undefined} change={change} disabledWhy={disabledWhy} onDone={clearReason}>
      {(fieldError) => (
        <Textarea label={terminate ? "Reason for terminating" : "What should change"} autosize minRows={2} maxLength={2000}
          required={terminate} value={reason} onChange={(event) => { setReason(event.currentTarget.value); }}
          description={terminate ? "Both parties see it in the timeline; it cannot be undone."
            : "Sends the contract back to draft; any signatures are cleared."}
          error={fieldError("/reason")} />
      )}
    </ActionForm>
  );
}

export function SimpleActionForm({ contractId, action, disabledWhy }: {
  contractId: string; action: "activate" | "complete"; disabledWhy?: string | undefined;
}) {
  const change: Change = action === "activate"
    ? (cms) => cms.POST("/api/v1/contracts/{contract_id}/activate", path(contractId))
    : (cms) => cms.POST("/api/v1/contracts/{contract_id}/complete", path(contractId));
  return <ActionForm contractId={contractId} label={action === "activate" ? "Activate now" : "Mark as completed"}
    change={change} disabledWhy={disabledWhy} />;
}
