import { Button, Divider, Stack, Text, Title } from "@mantine/core";
import { Fragment, type ReactNode } from "react";
import { Link } from "react-router";
import type { Contract } from "../../contracts/lifecycle";
import { availableActions, type ActionName, type AvailableAction } from "../../contracts/rules";
import { Section } from "./Section";
import { SigningPanel } from "./SigningPanel";
import { ReasonForm, SimpleActionForm, SubmitForm } from "./TransitionForms";
import { YourSignature } from "./YourSignature";

const TITLES: Record<ActionName, string> = {
  edit: "Edit the draft", submit: "Submit for signing", requestChanges: "Request changes",
  sign: "Sign", activate: "Activate", complete: "Complete", terminate: "Terminate",
};

/** Only what the caller may do in this state and role; what it may not do yet says why. */
export function ActionsSection({ contract, did }: { contract: Contract; did: string }) {
  const actions = availableActions(contract, did, new Date());
  return (
    <Section title="What you can do" id="actions">
      <YourSignature contract={contract} did={did} />
      {actions.length === 0 && <Text c="dimmed">No action is open to you in this state.</Text>}
      {actions.map((action, index) => (
        <Fragment key={action.name}>
          {index > 0 && <Divider />}
          <Stack gap="xs">
            <Title order={3} size="h5">{TITLES[action.name]}</Title>
            <ActionBody contract={contract} did={did} action={action} />
          </Stack>
        </Fragment>
      ))}
    </Section>
  );
}

function ActionBody({ contract, did, action }: { contract: Contract; did: string; action: AvailableAction }): ReactNode {
  const id = contract.id;
  switch (action.name) {
    case "edit":
      return <Button component={Link} to={`/contracts/${id}/edit`} variant="default" style={{ alignSelf: "flex-start" }}>Edit the draft</Button>;
    case "submit": return <SubmitForm contractId={id} disabledWhy={action.why} />;
    case "sign": return <SigningPanel contract={contract} did={did} disabledWhy={action.why} />;
    case "requestChanges":
    case "terminate": return <ReasonForm contractId={id} action={action.name} disabledWhy={action.why} />;
    case "activate":
    case "complete": return <SimpleActionForm contractId={id} action={action.name} disabledWhy={action.why} />;
  }
}
