export { INPUT_FORMAT, ciphertextSize, encryptFor, importInputKey, inputAad, packBits, sealInput,
  uintBits } from "./input";
export type { CircuitInfo } from "./input";
