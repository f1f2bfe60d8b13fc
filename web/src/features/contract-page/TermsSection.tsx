import { Box, Button, Code, Collapse, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useId } from "react";
import classes from "./contractPage.module.css";
import type { Contract } from "../../contracts/lifecycle";
import { Section } from "./Section";

export function TermsSection({ contract }: { contract: Contract }) {
  const [showJson, { toggle }] = useDisclosure(false);
  const jsonId = useId();
  return (
    <Section title="Terms">
      {typeof contract.terms === "string"
        ? <Text style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{contract.terms}</Text>
        : <JsonValueView value={contract.terms} />}
      <Box>
        <Button variant="default" size="compact-sm" onClick={toggle} aria-expanded={showJson}
          aria-controls={jsonId}>
          {showJson ? "Hide the JSON" : "Show the JSON"}
        </Button>
        <Collapse expanded={showJson} id={jsonId}>
          <Code block tabIndex={0} aria-label="The terms as JSON" style={{ overflowX: "auto" }}>{JSON.stringify(contract.terms, null, 2)}</Code>
        </Collapse>
      </Box>
    </Section>
  );
}

/** "max_epsilon" → "Max epsilon": keys as words. */
export function keyInWords(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Any JSON value as nested description lists: what a person reads, not the JSON syntax. */
export function JsonValueView({ value }: { value: unknown }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text span c="dimmed">none</Text>;
    return (
      <ol style={{ margin: 0, paddingInlineStart: "1.25rem" }}>
        {(value as unknown[]).map((item, index) => <li key={index}><JsonValueView value={item} /></li>)}
      </ol>
    );
  }
  if (typeof value === "object" && value !== null) {
    return (
      <dl className={classes.termsList}>
        {Object.entries(value as Record<string, unknown>).map(([key, item]) => (
          <div key={key} className={classes.termsRow}>
            <dt><Text span fw={600}>{keyInWords(key)}</Text></dt>
            <dd><JsonValueView value={item} /></dd>
          </div>
        ))}
      </dl>
    );
  }
  if (value === null) return <Text span c="dimmed">none</Text>;
  if (typeof value === "boolean") return <Text span>{value ? "yes" : "no"}</Text>;
  return <Text span style={{ overflowWrap: "anywhere" }}>{typeof value === "string" ? value : JSON.stringify(value)}</Text>;
}
