import { Code, Stack, Tabs, Text, Title } from "@mantine/core";
import { useSession } from "../../auth/sessionStore";
import { Section } from "../contract-page/Section";
import { engineAddressOf } from "./callerAddress";
import { CircuitDeployForm } from "./CircuitDeployForm";
import { Erc20DeployForm } from "./Erc20DeployForm";
import { MetricsSection } from "./MetricsSection";
import { OpenAddressForm } from "./OpenAddressForm";
import { OwnedContracts } from "./OwnedContracts";
import { WasmDeployForm } from "./WasmDeployForm";

/** The contract engine: the caller's contracts, open any address, deploy one of three kinds, the engine's metrics. */
export function EngineHome() {
  const did = useSession()?.did;
  return (
    <Stack gap="md">
      <Title order={1}>Contract engine</Title>
      {did ? <Text size="sm">Your address in the engine: <Code>{engineAddressOf(did)}</Code></Text> : null}
      <OwnedContracts />
      <Section title="Open a contract"><OpenAddressForm /></Section>
      <Section title="Deploy a contract">
        <Tabs defaultValue="erc20" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="erc20">ERC20 token</Tabs.Tab>
            <Tabs.Tab value="wasm">WebAssembly</Tabs.Tab>
            <Tabs.Tab value="circuit">Circuit</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="erc20" pt="sm"><Erc20DeployForm /></Tabs.Panel>
          <Tabs.Panel value="wasm" pt="sm"><WasmDeployForm /></Tabs.Panel>
          <Tabs.Panel value="circuit" pt="sm"><CircuitDeployForm /></Tabs.Panel>
        </Tabs>
      </Section>
      <MetricsSection />
    </Stack>
  );
}
