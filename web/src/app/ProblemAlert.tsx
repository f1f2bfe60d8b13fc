import { plainProblem } from "../api/problemText";
import { Notice } from "./Notice";

/** An API refusal or failure told in plain words, announced to screen readers as it appears;
 * nothing when there is no error. The one alert every screen uses for a problem. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const problem = plainProblem(error);
  return (
    <Notice color="red" title={problem.title} role="alert">
      {problem.detail}
    </Notice>
  );
}
