/** Encrypt circuit inputs with the SDK (fresh ephemeral keys), for Python to open:
 * `tsx scripts/seal-circuit-input.ts '<json>'` with `{info, inputs: [{party, value}]}` (value a
 * decimal string); prints one base64 ciphertext a line. */
import { encryptFor, type CircuitInfo } from "../src/circuits";

const request = JSON.parse(process.argv[2] ?? "{}") as { info: CircuitInfo; inputs: { party: string; value: string }[] };
for (const input of request.inputs) {
  console.log(await encryptFor(request.info, input.party, BigInt(input.value)));
}
