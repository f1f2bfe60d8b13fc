import { Button, Group, Text } from "@mantine/core";
import { useState } from "react";
import { forgetKey } from "../../auth/keystore";
import { unlockedKey } from "../../auth/unlockedKey";

/** Removes a stored key from this browser (a shared computer, a key no longer wanted), after
 * saying plainly that without an exported copy it is gone for good. */
export function RemoveKeyButton({ did, onRemoved }: { did: string; onRemoved: () => void }) {
  const [confirming, setConfirming] = useState(false);
  async function remove() {
    if (unlockedKey.get()?.did === did) unlockedKey.lock();
    await forgetKey(did);
    onRemoved();
  }
  if (!confirming) {
    return <Button variant="subtle" color="gray" onClick={() => { setConfirming(true); }}>Remove…</Button>;
  }
  return (
    <Group gap="xs" role="group" aria-label="Confirm removal">
      <Text size="sm">Without an exported copy, this key and its identity are lost for good.</Text>
      <Button variant="default" onClick={() => { void remove(); }}>Remove the key</Button>
      <Button variant="subtle" onClick={() => { setConfirming(false); }}>Keep it</Button>
    </Group>
  );
}
