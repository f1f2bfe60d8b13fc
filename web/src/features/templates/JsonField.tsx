import { Textarea } from "@mantine/core";
import classes from "./diff.module.css";

interface Props {
  id: string;
  label: string;
  description: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

/** A multi-line field for code (JSON, Markdown): monospaced, growing with its content. */
export function JsonField({ id, label, description, value, error, onChange }: Props) {
  return (
    <Textarea id={id} label={label} description={description} value={value} error={error} autosize minRows={3} maxRows={24}
      spellCheck={false} classNames={{ input: classes.code }} onChange={(event) => { onChange(event.currentTarget.value); }} />
  );
}
