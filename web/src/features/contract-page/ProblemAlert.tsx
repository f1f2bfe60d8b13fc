import { Alert } from "@mantine/core";
import { plainProblem } from "../../api/problemText";

/** An API refusal or failure told in plain words, announced when it appears. */
export function ProblemAlert({ error }: { error: unknown }) {
  const problem = plainProblem(error);
  return (
    <Alert color="red" title={problem.title} role="alert">
      {problem.detail}
    </Alert>
  );
}
