export { INPUT_FORMAT, MAX_PARTY_BITS, ciphertextSize, encryptFor, importInputKey, inputAad, packBits, sealInput,
  uintBits } from "./input";
export type { CircuitInfo } from "./input";
