import { Notice } from "./Notice";
import { plainProblem } from "../../api/problemText";

/** An API refusal or failure told in plain words, announced when it appears. */
export function ProblemAlert({ error }: { error: unknown }) {
  const problem = plainProblem(error);
  return (
    <Notice color="red" title={problem.title} role="alert">
      {problem.detail}
    </Notice>
  );
}
