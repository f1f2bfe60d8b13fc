import type { RegistrableSigner } from "@cms/sdk";
import { Avatar, Button, Stack, Text } from "@mantine/core";
import { useState, useSyncExternalStore } from "react";
import type { Address } from "viem";
import { connectWallet, walletChoices, walletConfig, watchWalletChoices, type Connector } from "./wallet";
import { getConnectors } from "wagmi/actions";

export type ConnectedWallet = RegistrableSigner & { address: Address };

interface WalletListProps {
  /** The deployment's chain (the DID's), or null to take the wallet's. */
  chainId: number | null;
  rpcUrl?: string;
  onConnected: (wallet: ConnectedWallet) => Promise<void>;
  onError: (error: unknown) => void;
  /** What the buttons say they do, e.g. "Sign in with". */
  action: string;
}

/** Every wallet this browser announced (EIP-6963), by name and icon; choosing one connects it. */
export function WalletList({ chainId, rpcUrl, onConnected, onError, action }: WalletListProps) {
  const wagmi = walletConfig(chainId ?? 1, rpcUrl);
  // getConnectors answers the same array until the list changes, as the store needs.
  const connectors = useSyncExternalStore((onChange) => watchWalletChoices(wagmi, onChange),
    () => getConnectors(wagmi));
  const choices = connectors.length ? walletChoices(wagmi) : [];
  const [busy, setBusy] = useState<string | null>(null);

  async function choose(connector: Connector) {
    setBusy(connector.uid);
    try {
      await onConnected(await connectWallet(wagmi, connector, chainId));
    } catch (error) {
      onError(error);
    } finally {
      setBusy(null);
    }
  }

  if (!choices.length) {
    return (
      <Text role="status">
        No wallet was found in this browser. Install one (MetaMask, Rabby, …) and reload, or use
        a key in this browser instead.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      {choices.map((connector) => (
        <Button key={connector.uid} variant="default" size="md" justify="flex-start"
          loading={busy === connector.uid} disabled={busy !== null && busy !== connector.uid}
          leftSection={connector.icon
            ? <Avatar src={connector.icon} alt="" size="sm" radius="sm" />
            : <Avatar size="sm" radius="sm" aria-hidden>{connector.name.slice(0, 1)}</Avatar>}
          onClick={() => { void choose(connector); }}>
          {action} {connector.name}
        </Button>
      ))}
    </Stack>
  );
}
