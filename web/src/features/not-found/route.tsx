import { Button, Stack, Text, Title } from "@mantine/core";
import { Link, useLocation } from "react-router";

export function Component() {
  const location = useLocation();
  return (
    <Stack align="flex-start" gap="sm">
      <Title order={1}>Page not found</Title>
      <Text>Nothing lives at <code>{location.pathname}</code>.</Text>
      <Button component={Link} to="/">Go to the dashboard</Button>
    </Stack>
  );
}
