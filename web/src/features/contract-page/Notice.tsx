// Moved to app/Notice; kept here for the importers not yet moved over.
export { Notice } from "../../app/Notice";
