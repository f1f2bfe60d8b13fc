import { useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";

interface CallDraft { function: string; texts: Record<string, Record<string, string>> }

/** The call form as typed, per reader and contract, kept across reloads and sign-ins (only
 * what the user typed: arguments as text). */
export function useCallDraft(address: string, firstFunction: string) {
  const draft = useStoredDraft<CallDraft>(`cms.engine.call.${useReader()}.${address.toLowerCase()}`,
    { function: firstFunction, texts: {} });
  const { value } = draft;
  return {
    function: value.function,
    texts: value.texts[value.function] ?? {},
    choose: (name: string) => { draft.update({ ...value, function: name }); },
    type: (param: string, text: string) => {
      draft.update({ ...value, texts: { ...value.texts, [value.function]: { ...value.texts[value.function], [param]: text } } });
    },
  };
}
