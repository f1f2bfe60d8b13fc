"""What SageMaker runs for a NON-CONFIDENTIAL training job: the enclave's DP trainer, unattested.

SageMaker's PyTorch container (script mode) runs this file from the root of the source bundle
that ``training_runner.sagemaker_runner.write_source_bundle`` builds, where ``enclave_app/`` lies
beside it, so the same ``enclave_app.training.trainer.train`` that runs in the Nitro Enclave
trains here: same config checks, same DP-SGD and accountant, same budget never exceeded.

What differs is trust. Nothing here can prove which code ran or that the data and noise stayed
secret, so ``result.json`` says ``"attested": false`` and carries no attestation document; the
verifier refuses to call such a result attested. The epsilon it reports is the accountant's, as in
the enclave, and settles the job's reservation.

Inputs (set by the SageMaker training toolkit): ``SM_HPS`` (the hyperparameters as JSON, values
already decoded), ``SM_CHANNEL_TRAIN`` (the ``train`` channel's directory, present only when the
job has a dataset), ``SM_MODEL_DIR`` (uploaded as ``model.tar.gz``), ``SM_OUTPUT_DIR`` (its
``failure`` file becomes the job's FailureReason).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from enclave_app.training.data import Dataset, load_idx_directory, load_shipped_digits
from enclave_app.training.trainer import EpochMetrics, TrainingConfig, TrainingResult, train

# Hyperparameters that bind the result to its job; everything else must be a TrainingConfig field.
BINDING = ("cms_job_id", "cms_contract_id", "cms_contract_digest", "cms_epsilon_reserved",
           "cms_dataset_uri")
MODEL_FILE = "model.pt"
RESULT_FILE = "result.json"
# SageMaker shows at most 1,024 characters of the failure file.
FAILURE_CHARS = 1024


class EntryError(Exception):
    """The job's inputs are not what the runner sends (hyperparameters or channels)."""


def split_hyperparameters(hps: Mapping[str, Any]) -> tuple[TrainingConfig, dict[str, Any]]:
    """(trainer config, job binding); an unknown or missing key is an error, never ignored."""
    known = {f.name for f in fields(TrainingConfig)}
    unknown = sorted(set(hps) - known - set(BINDING))
    missing = [name for name in BINDING if name not in hps]
    if unknown or missing:
        raise EntryError(f"hyperparameters: unknown {unknown}, missing {missing}")
    config = TrainingConfig(**{name: hps[name] for name in known if name in hps})
    return config, {name: hps[name] for name in BINDING}


def load_dataset(dataset_uri: str | None, env: Mapping[str, str]) -> Dataset:
    """The ``train`` channel's IDX files when the job names a dataset, else the shipped digits.

    A job that names a dataset but has no channel fails: training the shipped digits instead
    would report a result for data the contract never saw.
    """
    if dataset_uri is None:
        return load_shipped_digits()
    channel = env.get("SM_CHANNEL_TRAIN")
    if not channel or not Path(channel).is_dir():
        raise EntryError(f"dataset {dataset_uri} has no train channel (SM_CHANNEL_TRAIN)")
    return load_idx_directory(channel, name=dataset_uri)


def _log_epoch(metrics: EpochMetrics) -> None:
    # One line per epoch, matched by the job's MetricDefinitions (CloudWatch metrics).
    print(f"cms-epoch epoch={metrics.epoch} loss={metrics.loss:.6f} "
          f"test_accuracy={metrics.test_accuracy:.6f} epsilon={metrics.epsilon}", flush=True)


def result_record(result: TrainingResult, binding: Mapping[str, Any]) -> dict[str, Any]:
    """What ``result.json`` says: the job it belongs to, the spend, the metrics, NOT attested."""
    return {
        "attested": False,
        "backend": "sagemaker",
        "job_id": binding["cms_job_id"],
        "contract_id": binding["cms_contract_id"],
        "contract_digest": binding["cms_contract_digest"],
        "dataset_uri": binding["cms_dataset_uri"],
        "dataset_sha256": result.dataset_sha256,
        "epsilon_reserved": binding["cms_epsilon_reserved"],
        "epsilon_spent": result.epsilon_spent,
        "delta": result.delta,
        "accountant": result.accountant,
        "accountant_version": result.accountant_version,
        "noise_multiplier": result.noise_multiplier,
        "sample_rate": result.sample_rate,
        "stopped": result.stopped,
        "config": asdict(result.config),
        "metrics": {
            "test_accuracy": result.test_accuracy,
            "samples_per_second": result.samples_per_second,
            "epochs": [asdict(epoch) for epoch in result.epochs],
        },
        "model_file": MODEL_FILE,
        "model_sha256": result.model_sha256,
        "torch_version": torch.__version__,
    }


def run(env: Mapping[str, str]) -> dict[str, Any]:
    """Train as the hyperparameters say and write ``model.pt`` and ``result.json``."""
    config, binding = split_hyperparameters(json.loads(env["SM_HPS"]))
    dataset = load_dataset(binding["cms_dataset_uri"], env)
    result = train(config, dataset, on_epoch=_log_epoch)
    model_dir = Path(env["SM_MODEL_DIR"])
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / MODEL_FILE).write_bytes(result.model_state)
    record = result_record(result, binding)
    (model_dir / RESULT_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def main(env: Mapping[str, str] | None = None) -> int:
    """Run; on failure leave the reason where SageMaker reports it, and exit non-zero."""
    env = os.environ if env is None else env
    try:
        run(env)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:FAILURE_CHARS]
        output = Path(env.get("SM_OUTPUT_DIR", "/opt/ml/output"))
        output.mkdir(parents=True, exist_ok=True)
        (output / "failure").write_text(reason)
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
