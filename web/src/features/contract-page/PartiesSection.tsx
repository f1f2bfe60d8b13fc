import { Code, Group, Stack, Text } from "@mantine/core";
import { StateBadge } from "./StateBadge";
import { formatInstant, roleOf, type Contract } from "../../contracts/lifecycle";
import classes from "./contractPage.module.css";
import { Section } from "./Section";

const SCHEME_WORDS: Record<string, string> = {
  eip712: "EIP-712 typed data (Ethereum key)",
  "ed25519-prefixed-digest": "Ed25519 over the prefixed digest (did:key)",
};

/** Every required signer and the state of their signature. */
export function PartiesSection({ contract }: { contract: Contract }) {
  return (
    <Section title="Parties and signatures">
      <Stack gap="md" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {contract.required_signers.map((did) => {
          const signature = contract.signatures.find((item) => item.signer_did === did);
          const role = roleOf(contract, did) ?? "party";
          return (
            <Stack component="li" gap={2} key={did}>
              <Group gap="xs">
                <Text fw={600} tt="capitalize">{role}</Text>
                {signature ? <StateBadge color="green">Signed</StateBadge>
                  : <StateBadge color="gray">{unsignedWords(contract)}</StateBadge>}
              </Group>
              <Text size="sm" className={classes.wrap}><Code>{did}</Code></Text>
              {signature && (
                <Text size="sm" className={classes.wrap}>
                  Signed {formatInstant(signature.signed_at)} with {SCHEME_WORDS[signature.scheme] ?? signature.scheme}
                  {signature.scheme === "eip712" ? ` on chain ${signature.chain_id}` : ""}; key{" "}
                  <Code>{signature.verification_method}</Code>
                </Text>
              )}
            </Stack>
          );
        })}
      </Stack>
    </Section>
  );
}

function unsignedWords(contract: Contract): string {
  if (contract.status === "draft") return "Signs after submission";
  if (contract.status === "review") return "Signature awaited";
  return "Not signed";
}
