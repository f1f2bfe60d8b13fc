import { Alert, Button, Container, Stack } from "@mantine/core";
import { isRouteErrorResponse, useRouteError } from "react-router";

/** A screen that failed to load or render: say so plainly and offer a way on. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error ? error.message : "Something went wrong.";
  return (
    <Container size="sm" py="xl">
      <Stack>
        <Alert color="red" title="This page could not be shown" role="alert">{message}</Alert>
        <Button onClick={() => { window.location.reload(); }}>Reload</Button>
      </Stack>
    </Container>
  );
}
