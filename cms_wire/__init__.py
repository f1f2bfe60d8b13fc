"""The formats the platform and the enclave image both speak, defined once.

The platform (the Lambda layer and the enclave's parent instance) and the enclave image are
separate deployables, and the enclave carries none of the platform's code. What both sides
must agree on byte for byte lives here and nowhere else:

- ``circuits``: the boolean-circuit format, its limits and its evaluation, and the result
  statement an enclave attests about one evaluation;
- ``circuit_inputs``: a party's encrypted input (ECIES on P-256, bound to contract, party and
  circuit);
- ``training``: the statement an enclave attests about one training run;
- ``datasets``: a provider's dataset sealed to its key and its storage location;
- ``statements``: how a statement binds to an attestation document (its ``user_data``).

Rules: pure Python on the standard library, ``cryptography`` and ``rfc8785`` (both pinned in
requirements.txt and enclave_app/requirements-enclave.txt); nothing from ``cms`` and nothing
that needs torch. Both sides ship this package beside their own: the layer's ``python/``
folder and the enclave image's ``/app`` (enclave_app/Dockerfile), and the simulated enclave's
PCR0 measures it with the app (enclave_app/attestation_module.py).
"""
