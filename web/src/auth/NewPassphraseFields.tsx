import { PasswordInput, Progress, Stack, Text } from "@mantine/core";
import { useId } from "react";
import { MIN_PASSPHRASE_LENGTH, passphraseStrength } from "./passphrase";

export interface NewPassphrase {
  passphrase: string;
  repeated: string;
}

/** Whether a new passphrase may be used: long enough and typed the same twice. */
export function newPassphraseProblem({ passphrase, repeated }: NewPassphrase): string | null {
  if (Array.from(passphrase).length < MIN_PASSPHRASE_LENGTH) return `Use at least ${MIN_PASSPHRASE_LENGTH} characters.`;
  if (passphrase !== repeated) return "The two passphrases differ.";
  return null;
}

const COLORS = { "too short": "red", weak: "orange", fair: "yellow", strong: "teal" } as const;

/** A new passphrase, typed twice, with a strength hint: it is the only thing protecting the
 * stored key, and nobody can recover it. */
export function NewPassphraseFields({ value, onChange, showErrors, label = "Passphrase" }: {
  value: NewPassphrase;
  onChange: (next: NewPassphrase) => void;
  showErrors: boolean;
  label?: string;
}) {
  const hintId = useId();
  const strength = passphraseStrength(value.passphrase);
  const tooShort = showErrors && strength.label === "too short";
  const differs = showErrors && !tooShort && value.passphrase !== value.repeated;
  return (
    <Stack gap="xs">
      <PasswordInput label={label} required autoComplete="new-password"
        value={value.passphrase} aria-describedby={hintId}
        error={tooShort ? `Use at least ${MIN_PASSPHRASE_LENGTH} characters.` : undefined}
        onChange={(event) => { onChange({ ...value, passphrase: event.currentTarget.value }); }} />
      <Progress value={strength.score} color={COLORS[strength.label]} size="sm"
        aria-label={`Passphrase strength: ${strength.label}`} />
      <Text id={hintId} size="sm" aria-live="polite">
        Strength: {strength.label}. {strength.hint} Nobody can recover a forgotten passphrase.
      </Text>
      <PasswordInput label={`Repeat the ${label.toLowerCase()}`} required autoComplete="new-password"
        value={value.repeated} error={differs ? "The two passphrases differ." : undefined}
        onChange={(event) => { onChange({ ...value, repeated: event.currentTarget.value }); }} />
    </Stack>
  );
}
