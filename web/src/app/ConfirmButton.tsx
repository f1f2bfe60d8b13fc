import { Button, Group, Modal, Stack, Text, type ButtonProps } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";

interface ConfirmButtonProps extends Pick<ButtonProps, "color" | "variant" | "size"> {
  /** The button that opens the confirmation, and the dialog's title. */
  label: string;
  /** What will happen, in words: the consequences the person accepts. */
  consequences: ReactNode;
  /** The confirming button's text (a verb: "Suspend", "Sign out everywhere"). */
  confirmLabel: string;
  /** Shade 9: white text on it stays above WCAG AA's 4.5:1 (red and green at 8 do not). */
  confirmColor?: "red.9" | "teal.9";
  busy?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
}

/** A consequential action asked twice: a dialog names what happens, Cancel has the focus
 * (Enter on a reflex does nothing), and the action runs only from the confirming button. */
export function ConfirmButton({ label, consequences, confirmLabel, confirmColor = "red.9", busy,
  disabled, onConfirm, ...buttonProps }: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...buttonProps} disabled={disabled} loading={busy} onClick={open}>{label}</Button>
      <Modal opened={opened} onClose={close} title={label} centered
        closeButtonProps={{ "aria-label": "Cancel" }}>
        <Stack gap="md">
          <Text size="sm" component="div">{consequences}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>Cancel</Button>
            <Button color={confirmColor}
              onClick={() => { close(); onConfirm(); }}>{confirmLabel}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
