import { ActionIcon, Anchor, AppShell, Burger, Group, NavLink, Text, Tooltip,
  useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense } from "react";
import { Link, Outlet, useLocation } from "react-router";
import { AccountMenu } from "../auth/AccountMenu";
import { useMe } from "../auth/me";
import { activeEntry, navigation, visibleNavigation } from "./navigation";

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const me = useMe();
  const items = visibleNavigation(navigation, me.data?.roles ?? []);
  const active = activeEntry(items, location.pathname);
  return (
    <AppShell header={{ height: 56 }} padding="md"
      navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }}>
      <Anchor href="#main" className="skip-link" style={skipLink}>Skip to content</Anchor>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm"
              aria-label={opened ? "Close navigation" : "Open navigation"} />
            <Anchor component={Link} to="/" underline="never" c="inherit">
              <Text fw={700}>Contract Management</Text>
            </Anchor>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <AccountMenu />
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {items.map((item) => (
          <NavLink key={item.to} component={Link} to={item.to} label={item.label}
            active={item.to === active}
            reloadDocument={item.outsideApp} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Text c="dimmed">Loading…</Text>}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

const skipLink: React.CSSProperties = {
  position: "absolute", left: -9999, top: 8, zIndex: 1000, padding: 8,
};

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const next = scheme === "dark" ? "light" : "dark";
  return (
    <Tooltip label={`Switch to the ${next} theme`}>
      <ActionIcon variant="default" size="lg" aria-label={`Switch to the ${next} theme`}
        onClick={() => { setColorScheme(next); }}>
        <span aria-hidden>{scheme === "dark" ? "☀" : "☾"}</span>
      </ActionIcon>
    </Tooltip>
  );
}
