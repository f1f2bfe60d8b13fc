// The DIDs the API accepts (cms.domain.did.syntax.SUPPORTED_DID_PATTERN, as the OpenAPI
// document states it): checked as the user types; the API still decides and names a bad one.
const DID_PATTERN = /^did:(?:key|pkh|ethr|web):(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/;
const MAX_DID_LENGTH = 2048;

/** Why this is not a counterparty's DID, or null if it may be one. */
export function counterpartyProblem(value: string, myDid: string): string | null {
  const did = value.trim();
  if (did === "") return "Enter the other party's DID.";
  if (did.length < 7 || did.length > MAX_DID_LENGTH || !DID_PATTERN.test(did)) {
    return "Not a DID this platform accepts: did:key:…, did:pkh:…, did:ethr:… or did:web:….";
  }
  if (did === myDid) return "That is your own DID: the counterparty is the other party.";
  return null;
}
