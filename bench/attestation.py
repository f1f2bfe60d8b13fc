"""Time to verify one AWS Nitro Enclaves attestation document (cms.domain.attestation).

Every real AWS document in ../shared/vectors/nitro is verified at its own timestamp, many times;
the table gives the median per document and the median time to parse it alone (strict CBOR and
field checks, no cryptography). Baseline, measured in the same run: one bare ECDSA P-384 /
SHA-384 verification with cryptography. A document needs five (four certificate links and the
COSE signature); loading the five certificates and the CBOR checks add about one more.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import timeit
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))
NITRO = REPO.parent / "shared" / "vectors" / "nitro"
RUNS = int(os.environ.get("BENCH_ATTESTATION_RUNS", "200"))


def median_seconds(call, number: int = 5) -> float:
    return statistics.median(timeit.repeat(call, number=number, repeat=RUNS // number)) / number


def ecdsa_p384_seconds() -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    message = os.urandom(4096)
    signature = key.sign(message, ec.ECDSA(hashes.SHA384()))
    public = key.public_key()
    return median_seconds(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA384())))


def main() -> None:
    from cms.domain.attestation import (
        AWS_NITRO_ROOT_G1_SHA256,
        decode_document_text,
        parse_document,
        verify_document,
    )

    baseline = ecdsa_p384_seconds()
    print(f"baseline: one ECDSA P-384 verify {baseline * 1e3:.3f} ms")
    print(f"{'document':48} {'bytes':>6} {'parse ms':>9} {'verify ms':>10} {'x ECDSA':>8}")
    medians = []
    for entry in json.loads((NITRO / "MANIFEST.json").read_text(encoding="utf-8")):
        if entry["root_sha256"] != AWS_NITRO_ROOT_G1_SHA256:
            continue
        raw = decode_document_text((NITRO / entry["file"]).read_bytes())
        at = datetime.fromisoformat(entry["timestamp_utc"])
        parse = median_seconds(lambda raw=raw: parse_document(raw))
        verify = median_seconds(lambda raw=raw, at=at: verify_document(raw, at=at))
        medians.append(verify)
        print(f"{entry['file']:48} {len(raw):6} {parse * 1e3:9.3f} {verify * 1e3:10.3f} "
              f"{verify / baseline:8.1f}")
    print(f"median over documents: {statistics.median(medians) * 1e3:.3f} ms per verification")


if __name__ == "__main__":
    main()
