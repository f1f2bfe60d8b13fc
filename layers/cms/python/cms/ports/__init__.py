"""Ports: what the services need from storage and the outside world, each a ``Protocol``.

Every port has a DynamoDB (or AWS) adapter in ``cms.adapters`` and an in-memory one in
``cms.adapters.memory``; one contract test suite (``tests/contract``) runs against both, so
a service tested on the in-memory store behaves the same on the real one.
"""
