import { ActionIcon, Code, CopyButton, Group } from "@mantine/core";
import { CheckIcon, CopyIcon } from "../../app/icons";

/** A value to copy as it is (an address, the pin a verifier passes). */
export function CopyableCode({ value, what }: { value: string; what: string }) {
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Code style={{ overflowWrap: "anywhere" }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <ActionIcon variant="subtle" size="sm" onClick={copy}
            aria-label={copied ? `${what} copied` : `Copy ${what}`} title={copied ? "Copied" : `Copy ${what}`}>
            {copied ? <CheckIcon /> : <CopyIcon />}
          </ActionIcon>
        )}
      </CopyButton>
    </Group>
  );
}
