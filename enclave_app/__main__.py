"""``python -m enclave_app --listen vsock://-1:5005`` (in the enclave) or
``CMS_ENCLAVE_SIMULATED=1 python -m enclave_app --listen tcp://127.0.0.1:5005`` (locally)."""

from __future__ import annotations

import argparse

from enclave_app.attestation_module import attestation_module
from enclave_app.server import EnclaveApp
from enclave_app.transport import Address, Server


def main() -> None:
    parser = argparse.ArgumentParser(prog="enclave_app")
    parser.add_argument("--listen", default="vsock://4294967295:5005",  # VMADDR_CID_ANY
                        help="tcp://HOST:PORT or vsock://CID:PORT")
    arguments = parser.parse_args()
    module = attestation_module()
    server = Server(Address.parse(arguments.listen), EnclaveApp(module).handle)
    kind = "SIMULATED attestation (development root)" if module.simulated else "Nitro NSM"
    print(f"enclave app on {arguments.listen} with {kind}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
