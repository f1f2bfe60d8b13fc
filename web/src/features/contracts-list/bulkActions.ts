import type { CmsApi } from "@cms/sdk";
import { plainProblem } from "../../api/problemText";
import type { Contract } from "../../contracts/lifecycle";
import { waitsFor } from "../../contracts/rules";

/** Actions that make sense for many contracts at once: each needs no input and no key.
 * (Signing is one contract at a time, on its page: the signer reads what they sign.) */
export type BulkAction = "submit" | "activate";

export const BULK_LABEL: Record<BulkAction, { verb: string; done: string }> = {
  submit: { verb: "Submit for signing", done: "Submitted" },
  activate: { verb: "Activate", done: "Activated" },
};

/** What became of one row: the contract as the API returned it after the change. */
export interface RowOutcome { ok: boolean; text: string; contract?: Contract }

/** Which of the selected contracts this person can take the action on now. */
export function eligible(action: BulkAction, contracts: Contract[], did: string, now: Date): Contract[] {
  return contracts.filter((contract) => waitsFor(contract, did, now) === action);
}

/** Runs the action on each contract in turn (one at a time: the API limits bursts) and
 * reports every row's outcome as it lands. */
export async function runBulk(cms: CmsApi, action: BulkAction, contracts: Contract[],
  report: (id: string, outcome: RowOutcome) => void): Promise<void> {
  for (const contract of contracts) {
    try {
      const params = { path: { contract_id: contract.id } };
      const { data } = action === "submit"
        ? await cms.POST("/api/v1/contracts/{contract_id}/submit", { params, body: {} })
        : await cms.POST("/api/v1/contracts/{contract_id}/activate", { params });
      report(contract.id, { ok: true, text: BULK_LABEL[action].done, contract: data });
    } catch (error) {
      report(contract.id, { ok: false, text: plainProblem(error).title });
    }
  }
}
