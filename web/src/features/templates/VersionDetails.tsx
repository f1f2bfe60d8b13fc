import { Code, Stack, Switch, Text, Title } from "@mantine/core";
import type { RJSFSchema } from "@rjsf/utils";
import { useState } from "react";
import type { TemplateVersion } from "../../templates/templateQueries";
import { FieldList } from "./FieldList";
import { pointerInWords, ruleInWords } from "./schemaWords";
import { fieldsOf } from "./schemaWords";

/** A version's variables and rules in words, with the JSON behind a switch for those who
 * want it exactly. */
export function VersionDetails({ version }: { version: TemplateVersion }) {
  const [raw, setRaw] = useState(false);
  const schema = version.variables_schema as RJSFSchema;
  return (
    <Stack gap="md">
      <Switch label="Show the JSON" checked={raw} onChange={(event) => { setRaw(event.currentTarget.checked); }} />
      <section aria-labelledby="variables-heading">
        <Title order={3} size="h5" id="variables-heading" mb="xs">Variables</Title>
        {raw ? <Code block aria-label="Variables schema as JSON">{JSON.stringify(schema, null, 2)}</Code>
          : <FieldList fields={fieldsOf(schema)} />}
      </section>
      <section aria-labelledby="rules-heading">
        <Title order={3} size="h5" id="rules-heading" mb="xs">Rules between variables</Title>
        {raw ? <Code block aria-label="Rules as JSON">{JSON.stringify(version.rules, null, 2)}</Code>
          : version.rules.length === 0 ? <Text size="sm">No rules beyond each variable's own limits.</Text> : (
            <ul>
              {version.rules.map((rule, index) => (
                <li key={index}>
                  <Text size="sm">{ruleInWords(rule)}{rule.message ? ` If not: “${rule.message}”.` : ""}</Text>
                </li>
              ))}
            </ul>
          )}
      </section>
      <section aria-labelledby="validity-heading">
        <Title order={3} size="h5" id="validity-heading" mb="xs">Validity</Title>
        <Text size="sm">A contract made from it runs from {pointerInWords(version.validity.from)} until {pointerInWords(version.validity.until)} (that day included).</Text>
      </section>
    </Stack>
  );
}
