// The web UI's key-file code (sdk/typescript/src/keys/keyFile.ts), run from the command line
// so the Python CLI's key store is checked against it both ways:
//   tsx interop.mts encrypt SEED_HEX PASSPHRASE   prints an encrypted key file (the vector)
//   tsx interop.mts open FILE PASSPHRASE          prints the seed a key file holds, in hex
// The committed vector: `make-vector.sh` beside this file.
import { readFileSync } from "node:fs";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { encryptKeyFile, keyFileText, openKeyFile, parseKeyFile } from "../../../sdk/typescript/src/keys/keyFile.ts";

const [command, first, passphrase] = process.argv.slice(2);
if (command === "encrypt") {
  process.stdout.write(keyFileText(await encryptKeyFile(hexToBytes(first), passphrase)));
} else if (command === "open") {
  const seed = await openKeyFile(parseKeyFile(readFileSync(first, "utf8")), passphrase);
  process.stdout.write(`${bytesToHex(seed)}\n`);
} else {
  process.stderr.write("usage: interop.mts encrypt SEED_HEX PASSPHRASE | open FILE PASSPHRASE\n");
  process.exit(1);
}
