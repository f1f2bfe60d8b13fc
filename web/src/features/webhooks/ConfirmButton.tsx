import { Button, Group, Modal, Stack, Text, type ButtonProps } from "@mantine/core";
import { useState, type ReactNode } from "react";

/** A button whose action runs only after the user confirms it in a dialog that says what
 * will happen (for what cannot be undone). */
export function ConfirmButton({ label, title, explanation, confirmLabel, onConfirm, ...button }: ButtonProps & {
  label: string;
  title: string;
  explanation: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  "aria-label"?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button {...button} onClick={() => { setOpen(true); }}>{label}</Button>
      <Modal opened={open} onClose={() => { setOpen(false); }} title={title} centered
        closeButtonProps={{ "aria-label": "Close" }}>
        <Stack gap="sm">
          <Text size="sm" component="div">{explanation}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setOpen(false); }}>Cancel</Button>
            <Button color={button.color} onClick={() => { setOpen(false); onConfirm(); }}>{confirmLabel}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
