/**
 * "Printable" as the platform defines it for contract ids and DIDs
 * (cms.domain.did.syntax.is_printable_ascii): space to '~' only. A fixed set, because a
 * Unicode property (\p{C}) answers with the runtime's Unicode tables and Python's
 * str.isprintable with its own, older ones: the two verifiers would disagree on new characters.
 */
export const isPrintableAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);
