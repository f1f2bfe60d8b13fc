import { Code, Stack, Text } from "@mantine/core";
import classes from "./contractPage.module.css";
import type { Contract } from "../../contracts/lifecycle";
import { otherMetadata } from "./model";
import { Section } from "./Section";
import { JsonValueView, keyInWords } from "./TermsSection";

/** The contract's other details (metadata beyond its document and attachments): part of what
 * the digest covers, so part of what is signed, and shown for that reason. Nothing when there
 * are none. */
export function MetadataSection({ contract }: { contract: Contract }) {
  const entries = otherMetadata(contract);
  if (entries.length === 0) return null;
  return (
    <Section title="Other details">
      <Text size="sm">These details are part of the contract&apos;s content: the digest covers them, so they are signed with it.</Text>
      <MetadataList entries={entries} />
    </Section>
  );
}

/** Each member by its key (in words, and exactly as written) and its value as text. */
export function MetadataList({ entries }: { entries: [string, unknown][] }) {
  return (
    <dl className={classes.termsList}>
      {entries.map(([key, value]) => (
        <div key={key} className={classes.termsRow}>
          <dt>
            <Stack gap={0}>
              <Text span fw={600} className={classes.wrap}>{keyInWords(key)}</Text>
              <Code className={classes.wrap}>{key}</Code>
            </Stack>
          </dt>
          <dd><JsonValueView value={value} /></dd>
        </div>
      ))}
    </dl>
  );
}
