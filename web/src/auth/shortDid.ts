/** A DID short enough for a header or a list, its start and end kept ("did:key:z6Mk…Xyz123"):
 * the end tells keys apart, the start tells their kind. */
export function shortDid(did: string): string {
  return did.length <= 28 ? did : `${did.slice(0, 16)}…${did.slice(-8)}`;
}
