"""In-memory adapters: each port's second implementation, for service tests and local tools.

They keep the DynamoDB adapters' guarantees that services rely on: writes with their audit
event are atomic, optimistic locks and unique keys raise ``WriteConflict``, reads are
consistent. The contract tests (``tests/contract``) hold both implementations to them.
"""
