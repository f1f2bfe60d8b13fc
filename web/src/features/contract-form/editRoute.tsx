import { Alert, Anchor, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useCms } from "../../api/cms";
import { plainProblem } from "../../api/problemText";
import { RequireSession } from "../../auth/RequireSession";
import { useSession } from "../../auth/sessionStore";
import { contractPath, type Contract } from "../../contracts/lifecycle";
import { ContractForm } from "./ContractForm";
import { changeBody, draftOfContract, type ContractDraft } from "./contractDraft";
import { draftKey } from "./useStoredDraft";

export function Component() {
  const { id = "" } = useParams();
  return (
    <RequireSession>
      <EditDraft id={id} />
    </RequireSession>
  );
}

function EditDraft({ id }: { id: string }) {
  const cms = useCms();
  const did = useSession()?.did ?? "";
  const contract = useQuery({
    queryKey: ["contracts", id],
    queryFn: async ({ signal }) => {
      const { data } = await cms.GET("/api/v1/contracts/{contract_id}", { params: { path: { contract_id: id } }, signal });
      if (!data) throw new Error("The contract did not arrive.");
      return data;
    },
  });
  const save = async (draft: ContractDraft): Promise<Contract> => {
    const { data } = await cms.PATCH("/api/v1/contracts/{contract_id}", {
      params: { path: { contract_id: id } }, body: changeBody(draft) });
    if (!data) throw new Error("The change was saved but its answer did not arrive.");
    return data;
  };
  return (
    <Stack gap="md">
      <Title order={1}>Edit draft</Title>
      {contract.isPending && <Text c="dimmed" role="status">Loading the contract…</Text>}
      {contract.isError && (
        <Alert color="red" role="alert" title={plainProblem(contract.error).title}>{plainProblem(contract.error).detail}</Alert>
      )}
      {contract.data && (contract.data.status !== "draft" || contract.data.provider_did !== did ? (
        <Alert color="yellow" title="This contract cannot be edited here">
          Only its provider edits a contract, and only while it is a draft.{" "}
          <Anchor component={Link} to={contractPath(id)}>Open the contract</Anchor>
        </Alert>
      ) : (
        <>
          <Text c="dimmed">
            {contract.data.title}: <Anchor component={Link} to={contractPath(id)}>back to the contract</Anchor>
          </Text>
          <ContractForm storageKey={draftKey(did, id)} initial={draftOfContract(contract.data)} editing
            submitLabel="Save changes" save={save} />
        </>
      ))}
    </Stack>
  );
}
