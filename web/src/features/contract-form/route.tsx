import { Stack, Text, Title } from "@mantine/core";
import { useCms } from "../../api/cms";
import { RequireSession } from "../../auth/RequireSession";
import { useSession } from "../../auth/sessionStore";
import { ContractForm } from "./ContractForm";
import { EMPTY_DRAFT, newContractBody, type ContractDraft } from "./contractDraft";
import { draftKey } from "./useStoredDraft";

export function Component() {
  return (
    <RequireSession>
      <NewContract />
    </RequireSession>
  );
}

function NewContract() {
  const cms = useCms();
  const did = useSession()?.did ?? "";
  const save = async (draft: ContractDraft) => {
    const { data } = await cms.POST("/api/v1/contracts", { body: newContractBody(draft) });
    if (!data) throw new Error("The contract was created but its answer did not arrive.");
    return data;
  };
  return (
    <Stack gap="md">
      <Title order={1}>New contract</Title>
      <Text c="dimmed">You are the provider. The draft is yours to change until you submit it for signing.</Text>
      <ContractForm storageKey={draftKey(did, null)} initial={EMPTY_DRAFT} editing={false}
        submitLabel="Create draft" save={save} />
    </Stack>
  );
}
