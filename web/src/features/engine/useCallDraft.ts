import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useReader } from "../contract-page/queries";

interface CallDraft { function: string; texts: Record<string, Record<string, string>> }

/** The call form as typed, per reader and contract, kept across reloads and expired sessions
 * and forgotten at sign-out with the reader's other drafts (only what the user typed:
 * arguments as text). Function names come from the manifest, so they are read as own keys. */
export function useCallDraft(address: string, firstFunction: string) {
  const draft = useStoredDraft<CallDraft>(draftKey(useReader(), `engine.call.${address.toLowerCase()}`),
    { function: firstFunction, texts: {} });
  const { value } = draft;
  const texts = Object.hasOwn(value.texts, value.function) ? value.texts[value.function] ?? {} : {};
  return {
    function: value.function,
    texts,
    choose: (name: string) => { draft.update({ ...value, function: name }); },
    type: (param: string, text: string) => {
      draft.update({ ...value, texts: { ...value.texts, [value.function]: { ...texts, [param]: text } } });
    },
  };
}
