import { Button, CopyButton, Group, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useRef } from "react";
import { Notice } from "../../app/Notice";
import type { ShownSecret } from "./revealedSecret";

/** The signing secret, the one time the API hands it out. It is held in memory only (see
 * `revealedSecret`, never in a cache or storage), until dismissed or reload. */
export function SecretNotice({ shown, onDismiss }: { shown: ShownSecret; onDismiss: () => void }) {
  const region = useRef<HTMLDivElement>(null);
  // Take focus when it appears, so keyboard and screen-reader users land on it at once.
  useEffect(() => { region.current?.focus(); }, [shown.secret]);
  return (
    <div ref={region} tabIndex={-1} aria-labelledby="webhook-secret-title">
      <Notice color="yellow" title={<span id="webhook-secret-title">
        {shown.cause === "registered" ? "Webhook registered: copy its signing secret now" : "New signing secret: copy it now"}
      </span>}>
        <Stack gap="xs">
          <Text size="sm">
            <strong>You will not see it again.</strong> Your receiver checks each delivery's <code>CMS-Signature</code> header
            with it (HMAC-SHA256). {shown.cause === "rotated"
              ? "The old secret stopped working just now: every attempt from here on, retries of earlier deliveries included, is signed with this one."
              : "If you lose it, rotate the secret to get a new one."}
          </Text>
          <Text size="sm" style={{ wordBreak: "break-all" }}>For <Text span ff="monospace">{shown.url}</Text></Text>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <TextInput label="Signing secret" value={shown.secret} readOnly ff="monospace" style={{ flex: 1, minWidth: 0 }}
              onFocus={(event) => { event.currentTarget.select(); }} />
            <CopyButton value={shown.secret}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy} aria-live="polite">{copied ? "Copied" : "Copy"}</Button>
              )}
            </CopyButton>
          </Group>
          <Group><Button variant="light" onClick={onDismiss}>I have saved it</Button></Group>
        </Stack>
      </Notice>
    </div>
  );
}
