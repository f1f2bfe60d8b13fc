import { Grid, Loader, Stack } from "@mantine/core";
import { useSession } from "../../auth/sessionStore";
import { ActionsSection } from "./ActionsSection";
import { AttachmentsSection } from "./AttachmentsSection";
import { ContractHeader } from "./ContractHeader";
import { DocumentSection } from "./DocumentSection";
import { MetadataSection } from "./MetadataSection";
import { PartiesSection } from "./PartiesSection";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useContract } from "./queries";
import { TermsSection } from "./TermsSection";
import { TimelineSection } from "./TimelineSection";
import { TrainingSection } from "../training/TrainingSection";
import { VerificationSection } from "./VerificationSection";

export function ContractPage({ id }: { id: string }) {
  const session = useSession();
  const contract = useContract(id);
  if (contract.isPending) return <Loader role="status" aria-label="Loading the contract" />;
  if (contract.isError) return <ProblemAlert error={contract.error} />;
  const did = session?.did ?? "";
  const data = contract.data;
  return (
    <Stack gap="md">
      <ContractHeader contract={data} did={did} />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <DocumentSection contract={data} />
            <TermsSection contract={data} />
            <MetadataSection contract={data} />
            <AttachmentsSection contract={data} did={did} />
            <TrainingSection contract={data} did={did} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="md">
            <ActionsSection contract={data} did={did} />
            <PartiesSection contract={data} />
            <VerificationSection contract={data} />
            <TimelineSection contractId={data.id} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
