import { Loader, Stack, Title } from "@mantine/core";
import type { Contract } from "../../contracts/lifecycle";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { BudgetGauge } from "./BudgetGauge";
import { DatasetsPanel } from "./DatasetsPanel";
import { budgetParts } from "./epsilon";
import { allowanceOf } from "./jobRules";
import { JobsTable } from "./JobsTable";
import { usePrivacyBudget } from "./queries";
import { StartJobForm } from "./StartJobForm";

/** The contract page's entry point to training: shown for AI-training contracts only. */
export function TrainingSection({ contract, did }: { contract: Contract; did: string }) {
  const allowance = allowanceOf(contract.terms);
  if (!allowance || contract.status === "draft" || contract.status === "review") return null;
  return (
    <Section title="Training" id="training">
      <TrainingBody contract={contract} did={did} datasets={allowance.datasets} />
    </Section>
  );
}

function TrainingBody({ contract, did, datasets }: { contract: Contract; did: string; datasets: string[] }) {
  const budget = usePrivacyBudget(contract.id);
  const allowance = allowanceOf(contract.terms);
  if (budget.isPending) return <Loader size="sm" role="status" aria-label="Loading the privacy budget" />;
  if (budget.isError) return <ProblemAlert error={budget.error} />;
  const parts = budgetParts(budget.data.value);
  const isProvider = did === contract.provider_did;
  const canUpload = isProvider && (contract.status === "signed" || contract.status === "active");
  const canStart = did === contract.consumer_did && contract.status === "active" && allowance && parts;
  return (
    <Stack gap="md">
      <BudgetGauge budget={budget.data.value} />
      <DatasetsPanel contractId={contract.id} datasetIds={datasets} canUpload={canUpload} />
      {canStart && <StartJobForm contractId={contract.id} did={did} allowance={allowance} available={parts.available} />}
      <div>
        <Title order={3} size="h4" mb={4}>Jobs under this contract</Title>
        <JobsTable jobs={budget.data.value.jobs} label="Training jobs under this contract" />
      </div>
    </Stack>
  );
}
