import { Card, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { ConfirmButton } from "../../app/ConfirmButton";
import { ProblemAlert } from "../../app/ProblemAlert";
import { sessionStore } from "../../auth/sessionStore";

/** Ends every session of this identity (revokeSessions on itself): each token issued so far,
 * in any tab or device, stops working; this tab is signed out too. */
export function SignOutEverywhere({ did }: { did: string }) {
  const cms = useCms();
  const revoke = useMutation({
    mutationFn: async () => {
      await cms.DELETE("/api/v1/identities/{did}/sessions", { params: { path: { did } } });
    },
    onSuccess: () => { sessionStore.clear(); },
  });
  return (
    <Card withBorder>
      <Stack gap="xs" align="flex-start">
        <Title order={2} size="h4">Sessions</Title>
        <Text size="sm">A lost laptop, a shared computer: end every sign-in of this identity at once.</Text>
        <ProblemAlert error={revoke.error} />
        <ConfirmButton label="Sign out everywhere" variant="default" busy={revoke.isPending}
          confirmLabel="Sign out everywhere" onConfirm={() => { revoke.mutate(); }}
          consequences={<>Every session of this identity ends: other tabs, browsers and scripts
            using its tokens are refused on their next request, and this tab is signed out too.
            Your keys stay; you can sign in again at once.</>} />
      </Stack>
    </Card>
  );
}
