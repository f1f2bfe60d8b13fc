import { useParams } from "react-router";
import { RequireSession } from "../../auth/RequireSession";
import { JobPage } from "./JobPage";

export function Component() {
  const { id = "" } = useParams();
  return (
    <RequireSession>
      <JobPage id={id} />
    </RequireSession>
  );
}
