"""The program that runs inside the Nitro Enclave (see README.md)."""
