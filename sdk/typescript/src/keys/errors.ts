// Its own module, without the key code: the UI names this error on every screen.
export type KeyFileProblem = "format" | "type" | "version" | "did" | "key" | "iterations"
  | "passphrase";

/** A key file that cannot be read, or a passphrase that does not open it. */
export class KeyFileError extends Error {
  readonly reason: KeyFileProblem;

  constructor(reason: KeyFileProblem, message: string) {
    super(message);
    this.name = "KeyFileError";
    this.reason = reason;
  }
}
