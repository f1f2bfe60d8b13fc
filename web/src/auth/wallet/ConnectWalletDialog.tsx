import { chainIdOfDid, ethereumAddressOfDid } from "@cms/sdk";
import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { isAddressEqual } from "viem";
import { plainProblem } from "../../api/problemText";
import type { SessionSigner } from "../signer";
import { walletConfig, walletSessionSigner } from "./wallet";
import { WalletList } from "./WalletList";

/** Asks the user to connect the wallet of the signed-in account again (after a reload, or
 * when the wallet disconnected); another account is refused. */
export default function ConnectWalletDialog({ did, onConnected, onCancel }: {
  did: string;
  onConnected: (signer: SessionSigner) => void;
  onCancel: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const expected = ethereumAddressOfDid(did);
  const chainId = chainIdOfDid(did) ?? 1;
  return (
    <Modal opened onClose={onCancel} closeButtonProps={{ "aria-label": "Close" }} title="Connect your wallet" centered>
      <Stack gap="sm">
        <Text size="sm">
          Something needs your signature. Connect the wallet holding{" "}
          <Text span ff="monospace">{expected}</Text>.
        </Text>
        <WalletList chainId={chainId} action="Connect" onError={(failure) => { setError(plainProblem(failure).title); }}
          onConnected={(wallet) => {
            if (!expected || !isAddressEqual(wallet.address, expected)) {
              setError(`That wallet's account is ${wallet.address}, not the signed-in ${expected ?? did}.`);
              return Promise.resolve();
            }
            onConnected(walletSessionSigner(walletConfig(chainId), did, expected));
            return Promise.resolve();
          }} />
        {error && <Text c="red" size="sm" role="alert">{error}</Text>}
        <Group justify="flex-end"><Button variant="default" onClick={onCancel}>Cancel</Button></Group>
      </Stack>
    </Modal>
  );
}
