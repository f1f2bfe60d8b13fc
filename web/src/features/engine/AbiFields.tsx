import { Checkbox, Stack, Textarea, TextInput } from "@mantine/core";
import { elementType, inputKind, ownText, typeHint, type AbiParam } from "./abi";

interface AbiFieldsProps {
  params: readonly AbiParam[];
  texts: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  onChange: (name: string, text: string) => void;
}

/** One labelled input per ABI parameter, typed by its value type; values stay text here and
 * become JSON in `parseArgs` (big integers keep every digit as decimal strings). */
export function AbiFields({ params, texts, errors, onChange }: AbiFieldsProps) {
  return (
    <Stack gap="xs">
      {params.map((param) => {
        const label = `${param.name} (${param.type})`;
        const common = { label, description: typeHint(param.type), error: ownText(errors, param.name),
          value: ownText(texts, param.name) ?? "" };
        if (elementType(param.type)) {
          return <Textarea key={param.name} {...common} autosize minRows={2}
            onChange={(event) => { onChange(param.name, event.currentTarget.value); }} />;
        }
        if (inputKind(param.type) === "bool") {
          return <Checkbox key={param.name} label={label} description={typeHint(param.type)} error={ownText(errors, param.name)}
            checked={ownText(texts, param.name) === "true"}
            onChange={(event) => { onChange(param.name, String(event.currentTarget.checked)); }} />;
        }
        const numeric = inputKind(param.type) === "integer";
        return <TextInput key={param.name} {...common} inputMode={numeric ? "numeric" : undefined}
          spellCheck={false} autoComplete="off"
          onChange={(event) => { onChange(param.name, event.currentTarget.value); }} />;
      })}
    </Stack>
  );
}
