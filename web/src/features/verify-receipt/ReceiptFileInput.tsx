import { FileInput, Paper, Text } from "@mantine/core";
import { useState, type DragEvent } from "react";
import { MAX_RECEIPT_BYTES } from "@cms/sdk";

export const MAX_RECEIPT_MIB = MAX_RECEIPT_BYTES / (1024 * 1024);

interface Props {
  file: File | null;
  onChange: (file: File | null) => void;
  error: string | null;
}

/** A receipt file, chosen with the (keyboard-reachable) file input or dropped on the area. */
export function ReceiptFileInput({ file, onChange, error }: Props) {
  const [dragging, setDragging] = useState(false);
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    onChange(event.dataTransfer.files[0] ?? null);
  };
  return (
    <Paper withBorder p="md" radius="md" onDrop={drop}
      onDragOver={(event) => { event.preventDefault(); setDragging(true); }}
      onDragLeave={() => { setDragging(false); }}
      style={{ borderStyle: "dashed", borderColor: dragging ? "var(--mantine-color-blue-filled)" : undefined }}>
      <FileInput label="Receipt file" placeholder="Choose a receipt file" clearable value={file} onChange={onChange}
        clearButtonProps={{ "aria-label": "Remove the chosen file" }}
        accept=".json,.receipt,application/json" error={error}
        description={`Drop the file here or choose it: a cms-receipt/v1 JSON file of at most ${MAX_RECEIPT_MIB} MiB. It is read in this browser and sent nowhere.`} />
      <Text size="sm" c="dimmed" mt="xs" aria-hidden>{dragging ? "Release to use this file" : "or drag and drop it onto this area"}</Text>
    </Paper>
  );
}
