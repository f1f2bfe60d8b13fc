import { formatInstant, roleOf, type Contract, type ContractStatus, type Role } from "./lifecycle";

export type ActionName = "edit" | "submit" | "requestChanges" | "sign" | "activate" | "complete"
  | "terminate";

export interface AvailableAction {
  name: ActionName;
  enabled: boolean;
  /** Why it cannot be taken now (enabled false). */
  why?: string;
}

// Who may do what from which status: the server's rules (cms.domain.contracts.rules). The API
// still decides; this only keeps the page from offering what it would refuse.
const BY_STATUS: Record<ContractStatus, { name: ActionName; who: Role | "party" }[]> = {
  draft: [{ name: "edit", who: "provider" }, { name: "submit", who: "provider" },
    { name: "terminate", who: "party" }],
  review: [{ name: "sign", who: "party" }, { name: "requestChanges", who: "party" },
    { name: "terminate", who: "party" }],
  signed: [{ name: "activate", who: "party" }, { name: "terminate", who: "party" }],
  active: [{ name: "complete", who: "party" }, { name: "terminate", who: "party" }],
  completed: [], terminated: [], expired: [],
};

/** The actions the caller may take on the contract now, each enabled or with the reason it is
 * not. None for someone who is not a party, whatever the contract says otherwise: auditors and
 * admins read every contract (listContracts scope=all) and act on none. */
export function availableActions(contract: Contract, did: string, now: Date): AvailableAction[] {
  const role = roleOf(contract, did);
  if (role === null) return [];
  const ended = now >= new Date(contract.valid_until);
  return BY_STATUS[contract.status]
    .filter((rule) => rule.who === "party" || rule.who === role)
    .map(({ name }) => {
      // Past its end the contract only awaits expiry (the server refuses every change).
      const why = ended ? `The contract's validity ended on ${formatInstant(contract.valid_until)}.`
        : blocker(name, contract, did, now);
      return why ? { name, enabled: false, why } : { name, enabled: true };
    });
}

function blocker(name: ActionName, contract: Contract, did: string, now: Date): string | undefined {
  if (name === "sign") {
    const mine = contract.signatures.find((signature) => signature.signer_did === did);
    if (mine) return `You signed on ${formatInstant(mine.signed_at)}.`;
    if (!contract.pending_signers.includes(did)) return "Your signature is not awaited.";
    if (contract.signing_deadline && now >= new Date(contract.signing_deadline)) {
      return `The signing deadline passed on ${formatInstant(contract.signing_deadline)}.`;
    }
  }
  if (name === "activate" && now < new Date(contract.valid_from)) {
    return `It can be activated from ${formatInstant(contract.valid_from)}, when its validity starts.`;
  }
  return undefined;
}

/** What a contract waits for from this person now (the dashboard's "waiting for you"): the
 * first action the rules above leave open to them among signing, submitting, activating. */
export type Waiting = "sign" | "submit" | "activate";
const WAITING: readonly Waiting[] = ["sign", "submit", "activate"];

export function waitsFor(contract: Contract, did: string, now: Date): Waiting | null {
  const open = availableActions(contract, did, now).filter((action) => action.enabled).map((action) => action.name);
  return WAITING.find((name) => open.includes(name)) ?? null;
}

/** What the contract waits for, in a sentence, from the caller's point of view. */
export function waitingFor(contract: Contract, did: string): string | null {
  const role = roleOf(contract, did);
  if (role === null) return "You are not a party to this contract: you can read and verify it, not act on it.";
  switch (contract.status) {
    case "draft":
      return role === "provider" ? "Edit the draft, then submit it for signing."
        : "The provider is still drafting; you can review it once it is submitted.";
    case "review": {
      const others = contract.pending_signers.filter((signer) => signer !== did);
      if (contract.pending_signers.includes(did)) return "Your signature is awaited.";
      return others.length ? "Waiting for the other party to sign." : null;
    }
    case "signed": return "Both parties signed. It starts when a party activates it, or by itself at its start date.";
    case "active": return "The contract is in force.";
    default: return "The contract is closed; nothing more can be done to it.";
  }
}
