import type { RegistrableSigner } from "@cms/sdk";
import { Avatar, Button, Stack, Text } from "@mantine/core";
import { useState } from "react";
import type { Address } from "viem";
import { useDiscoveredWallets, type DiscoveredWallet } from "./discovery";

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

/** Every wallet this browser announced (EIP-6963), by name and icon; choosing one loads the
 * wallet code (wagmi) and connects it. */
export function WalletList({ chainId, rpcUrl, onConnected, onError, action }: WalletListProps) {
  const wallets = useDiscoveredWallets();
  const [busy, setBusy] = useState<string | null>(null);

  async function choose(wallet: DiscoveredWallet) {
    setBusy(wallet.info.uuid);
    try {
      const { connectWallet, walletConfig } = await import("./wallet");
      await onConnected(await connectWallet(walletConfig(chainId ?? 1, rpcUrl), wallet, chainId));
    } catch (error) {
      onError(error);
    } finally {
      setBusy(null);
    }
  }

  if (!wallets.length) {
    return (
      <Text role="status">
        No wallet was found in this browser. Install one (MetaMask, Rabby, …) and reload, or use
        a key in this browser instead.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      {wallets.map((wallet) => (
        <Button key={wallet.info.uuid} variant="default" size="md" justify="flex-start"
          loading={busy === wallet.info.uuid} disabled={busy !== null && busy !== wallet.info.uuid}
          leftSection={<Avatar src={wallet.info.icon} alt="" size="sm" radius="sm">{wallet.info.name.slice(0, 1)}</Avatar>}
          onClick={() => { void choose(wallet); }}>
          {action} {wallet.info.name}
        </Button>
      ))}
    </Stack>
  );
}
