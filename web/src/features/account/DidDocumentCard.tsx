import { Card, Code, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { ProblemAlert } from "../../app/ProblemAlert";

/** The DID document the platform resolves for this identity, the one it verifies signatures
 * against (derived from the DID for did:key and did:pkh, fetched for did:web). Shown as text. */
export function DidDocumentCard({ did }: { did: string }) {
  const cms = useCms();
  const document = useQuery({
    queryKey: ["identities", did, "did-document"],
    queryFn: async () => (await cms.GET("/api/v1/identities/{did}/did-document",
      { params: { path: { did } } })).data ?? null,
    staleTime: 5 * 60_000,
  });
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">DID document</Title>
        <Text size="sm">What anyone checking your signatures resolves your DID to.</Text>
        <ProblemAlert error={document.error} />
        {document.isPending && <Text size="sm">Resolving…</Text>}
        {document.data && (
          <Code block aria-label="DID document" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
            {JSON.stringify(document.data, null, 2)}
          </Code>
        )}
      </Stack>
    </Card>
  );
}
