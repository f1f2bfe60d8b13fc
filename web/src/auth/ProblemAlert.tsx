// Moved to app/ProblemAlert; kept here for the importers not yet moved over.
export { ProblemAlert } from "../app/ProblemAlert";
