import { useQuery } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { sha256OfBytes } from "./hash";
import type { Contract } from "../../contracts/lifecycle";
import { documentHash, type DocumentFormat } from "./model";
import { present } from "./queries";

export interface VerifiedDocument { bytes: ArrayBuffer; sha256: string }

/** The rendered document, shown only when its bytes hash to the SHA-256 the contract's
 * content records (which the digest covers): a server cannot show one document and have
 * another signed. */
export function useVerifiedDocument(contract: Contract, format: DocumentFormat) {
  const cms = useCms();
  const expected = documentHash(contract, format);
  return useQuery({
    // Keyed by the recorded hash, outside the contract's key: a change to the contract does not
    // download the document again unless the document itself changed.
    queryKey: ["contract-document", contract.id, format, expected],
    enabled: expected !== null,
    staleTime: Infinity,
    queryFn: async (): Promise<VerifiedDocument> => {
      const link = present((await cms.GET("/api/v1/contracts/{contract_id}/document", {
        params: { path: { contract_id: contract.id }, query: { format } } })).data);
      const response = await fetch(link.url, { credentials: "omit", referrerPolicy: "no-referrer" });
      if (!response.ok) throw new Error(`The document could not be downloaded (HTTP ${response.status}).`);
      const bytes = await response.arrayBuffer();
      const sha256 = await sha256OfBytes(bytes);
      if (sha256 !== expected) {
        throw new Error(`The downloaded ${format.toUpperCase()} document does not match the contract: its SHA-256 is ${sha256}, the contract records ${expected ?? "none"}. It is not shown.`);
      }
      return { bytes, sha256 };
    },
  });
}
