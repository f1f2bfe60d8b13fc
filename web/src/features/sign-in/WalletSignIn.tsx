import { Loader, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { useRuntimeConfig } from "../../api/runtimeConfigContext";
import { useDeploymentChainId } from "../../auth/useDeploymentChain";
import { WalletList } from "../../auth/wallet/WalletList";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useSignInAndContinue } from "./useSignInAndContinue";

/** Sign-In with Ethereum from a wallet in this browser. The wallets are listed without wagmi,
 * which loads when one is chosen. */
export function WalletSignIn() {
  const { chainRpcUrl } = useRuntimeConfig();
  const { chainId, loading } = useDeploymentChainId();
  const signInAndContinue = useSignInAndContinue();
  const [error, setError] = useState<unknown>(null);
  if (loading) return <Loader size="sm" role="status" aria-label="Looking for wallets" />;
  return (
    <Stack gap="sm">
      <Text size="sm">
        Your wallet shows the sign-in message before you sign it; it names this site. Signing it
        costs nothing and sends no transaction.
      </Text>
      <WalletList chainId={chainId} rpcUrl={chainRpcUrl} action="Sign in with"
        onError={setError}
        onConnected={async (wallet) => {
          setError(null);
          await signInAndContinue(wallet, "ethereum");
        }} />
      <ProblemAlert error={error} />
    </Stack>
  );
}
