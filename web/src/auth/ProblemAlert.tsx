import { Alert } from "@mantine/core";
import { plainProblem } from "../api/problemText";

/** A refusal in plain words, announced to screen readers as it appears. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const problem = plainProblem(error);
  return (
    <Alert color="red" title={problem.title} role="alert">
      {problem.detail}
    </Alert>
  );
}
