import { createStore, type EIP6963ProviderDetail } from "mipd";
import { useSyncExternalStore } from "react";

// EIP-6963 discovery with mipd, the small store wagmi itself discovers wallets with: the sign-in
// screen lists wallets by name and icon without loading wagmi, which comes when one is chosen.
let store: ReturnType<typeof createStore> | undefined;
const NONE: readonly EIP6963ProviderDetail[] = [];

function discovery(): ReturnType<typeof createStore> {
  store ??= createStore();
  return store;
}

export type DiscoveredWallet = EIP6963ProviderDetail;

/** Every wallet this browser announced, in the order they answered. */
export function discoveredWallets(): readonly DiscoveredWallet[] {
  return discovery().getProviders();
}

export function useDiscoveredWallets(): readonly DiscoveredWallet[] {
  return useSyncExternalStore((onChange) => discovery().subscribe(onChange), discoveredWallets, () => NONE);
}
