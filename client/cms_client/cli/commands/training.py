"""Private training: ``cms training budget|dataset|job|result|model``."""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from cms_client.cli.commands.verify import verify_training
from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.inputs import read_bytes
from cms_client.cli.listing import page_size
from cms_client.cli.output import OutputFormat, note, plain
from cms_client.cli.session import CliSession
from cms_client.client import CmsClient
from cms_client.errors import PermissionDenied
from cms_client.generated.models import (
    Dataset,
    TrainingEpoch,
    TrainingJob,
    TrainingResultBundle,
)

app = typer.Typer(help="Private training under AI-training contracts: budgets, datasets, "
                       "jobs in the enclave, attested results.", no_args_is_help=True)
dataset_app = typer.Typer(help="The provider's datasets of a contract.", no_args_is_help=True)
job_app = typer.Typer(help="Training jobs.", no_args_is_help=True)
result_app = typer.Typer(help="A job's attested result.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")
app.add_typer(job_app, name="job")
app.add_typer(result_app, name="result")

CONTRACT_ID = typer.Argument(..., help="The AI-training contract's id.")
JOB_ID = typer.Argument(..., help="The training job's id.")
JOB_COLUMNS = ("id", "contract_id", "model_name", "status", "privacy_budget",
               "privacy_budget_spent", "created_at")
DATASET_COLUMNS = ("id", "registered", "sha256", "size", "train_examples", "test_examples",
                   "registered_at")
EPOCH_COLUMNS = ("epoch", "test_accuracy", "epsilon", "seconds", "samples_per_second")
SETTLED = frozenset({"completed", "failed", "stopped"})


def _client(ctx: typer.Context) -> CmsClient:
    session: CliSession = ctx.obj
    return session.client()


# ------------------------------------------------------------------ budget and datasets


@app.command("budget")
def budget(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """A contract's privacy budget: total, spent, reserved, available epsilon."""
    ctx.obj.emit(_client(ctx).api.get_privacy_budget(contract_id))


@dataset_app.command("upload")
def upload_dataset(ctx: typer.Context, contract_id: str = CONTRACT_ID,
                   dataset_id: str = typer.Argument(..., help="One of the contract's "
                                                              "datasets."),
                   file: str = typer.Argument(..., help="A zip of the four MNIST IDX files."),
                   wait: Annotated[float, typer.Option(
                       "--wait", min=0, help="Seconds to wait for its registration (0: do "
                                             "not wait).")] = 120.0) -> None:
    """Upload a dataset (the contract's provider); waits until it is checked and sealed."""
    session: CliSession = ctx.obj
    archive = read_bytes(file)
    client = session.client()
    client.upload_dataset(contract_id, dataset_id, archive)
    digest = hashlib.sha256(archive).hexdigest()
    note(f"uploaded {len(archive)} bytes; waiting for {dataset_id} to be checked and sealed")
    registered = _registered(client, contract_id, dataset_id, digest, wait)
    if registered is None:
        note(f"{dataset_id} is pending: not registered within {wait:g}s (see `cms training "
             f"dataset list {contract_id}`; a corrupt upload is deleted)")
        session.emit({"contract_id": contract_id, "id": dataset_id, "registered": False,
                      "sha256": digest})
        return
    session.emit(registered, columns=DATASET_COLUMNS)


def _registered(client: CmsClient, contract_id: str, dataset_id: str, digest: str,
                wait_s: float) -> Dataset | None:
    """The dataset's listing once it is registered with these bytes, or None after wait_s."""
    deadline = time.monotonic() + wait_s
    while True:
        for dataset in client.api.list_datasets(contract_id).items:
            if dataset.id == dataset_id and dataset.registered and dataset.sha256 == digest:
                return dataset
        if time.monotonic() >= deadline:
            return None
        time.sleep(1.0)


@dataset_app.command("list")
def list_datasets(ctx: typer.Context, contract_id: str = CONTRACT_ID) -> None:
    """A contract's datasets and whether each is registered."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.list_datasets(contract_id).items,
                 columns=DATASET_COLUMNS)


# ------------------------------------------------------------------ jobs


@job_app.command("start")
def start_job(ctx: typer.Context,
              contract_id: str = CONTRACT_ID,
              datasets: Annotated[list[str] | None, typer.Option(
                  "--dataset", help="A dataset to train on (repeatable; default: all, the "
                                    "first registered one is used).")] = None,
              epochs: Annotated[int, typer.Option("--epochs", min=1, max=1000,
                                                  help="Epochs (within the terms).")] = ...,
              epsilon: Annotated[str, typer.Option(
                  "--epsilon", help="Epsilon to reserve from the budget, e.g. 1.5.")] = ...,
              model: Annotated[str, typer.Option(
                  "--model", help="A model architecture the contract allows.")] = "mnist_cnn",
              delta: Annotated[float | None, typer.Option("--delta")] = None,
              batch_size: Annotated[int | None, typer.Option("--batch-size")] = None,
              lr: Annotated[float | None, typer.Option("--lr")] = None,
              seed: Annotated[int | None, typer.Option("--seed")] = None,
              image: Annotated[str | None, typer.Option(
                  "--image", help="The enclave image (PCR0) expected to run the job: refused "
                                  "here unless the contract allows it.")] = None) -> None:
    """Start a training job (the contract's consumer); epsilon is reserved at once."""
    session: CliSession = ctx.obj
    client = session.client()
    if image is not None:
        _check_image(client.api.get_contract(contract_id).terms, image)
    config: dict[str, Any] = {"epochs": epochs, "epsilon": epsilon, "delta": delta,
                              "datasets": datasets, "batch_size": batch_size, "lr": lr,
                              "seed": seed}
    job = client.api.create_training_job(body={
        "contract_id": contract_id, "model": model,
        "config": {k: v for k, v in config.items() if v is not None}})
    session.emit(job, columns=JOB_COLUMNS)


def _check_image(terms: Any, image: str) -> None:
    """The job request names no image (the contract's enclave_measurements decide which
    may run it), so --image is checked against those terms before anything is reserved."""
    terms = terms if isinstance(terms, dict) else {}
    allowed = {str(m.get("pcr0", "") if isinstance(m, dict) else m).lower()
               for m in terms.get("enclave_measurements") or []}
    if image.lower() not in allowed:
        raise CliError(f"the contract does not allow the enclave image {image} (it allows: "
                       f"{', '.join(sorted(allowed)) or 'none'})", ExitCode.VALIDATION)


@job_app.command("get")
def get_job(ctx: typer.Context, job_id: str = JOB_ID) -> None:
    """A job: status, settings, each epoch's figures, budget spent, result."""
    ctx.obj.emit(_client(ctx).api.get_training_job(job_id), columns=(*JOB_COLUMNS, "error"))


@job_app.command("list")
def list_jobs(ctx: typer.Context,
              status: Annotated[str | None, typer.Option(
                  "--status", help="pending, running, completed, failed or stopped.")] = None,
              contract_id: Annotated[str | None, typer.Option(
                  "--contract-id", help="That contract's jobs (auditors and admins too).")
              ] = None,
              limit: Annotated[int | None, typer.Option(
                  "--limit", min=1, help="At most this many (default: all).")] = None) -> None:
    """Your training jobs (as consumer or provider), newest first."""
    session: CliSession = ctx.obj
    items = session.client().api.iter_list_training_jobs(
        status=status, contract_id=contract_id, limit=page_size(limit))
    session.emit_items(items, columns=JOB_COLUMNS, limit=limit)


@job_app.command("stop")
def stop_job(ctx: typer.Context, job_id: str = JOB_ID) -> None:
    """Stop a job: a pending one at once, a running one after its current epoch."""
    ctx.obj.emit(_client(ctx).api.stop_training_job(job_id),
                 columns=(*JOB_COLUMNS, "stop_requested"))


@job_app.command("watch")
def watch_job(ctx: typer.Context, job_id: str = JOB_ID,
              interval: Annotated[float, typer.Option(
                  "--interval", min=0.2, help="Seconds between polls.")] = 2.0) -> int:
    """Follow a job: each new epoch's figures as they arrive, until it ends. Exits 0 when
    it completed or was stopped, 12 when it failed (its reason on stderr)."""
    session: CliSession = ctx.obj
    client = session.client()
    final: dict[str, TrainingJob] = {}
    session.emit_items(_epochs_as_they_come(client, job_id, interval, final),
                       columns=EPOCH_COLUMNS, stream=True)
    job = final["job"]
    spent = f" (epsilon spent {job.privacy_budget_spent})"
    if job.status == "failed":
        note(f"job {job_id} failed{spent}: {job.error or 'no reason given'}")
        return ExitCode.FAILED
    note(f"job {job_id} {job.status}{spent}" + (f": {job.error}" if job.error else ""))
    return ExitCode.OK


def _epochs_as_they_come(client: CmsClient, job_id: str, interval: float,
                         final: dict[str, TrainingJob]) -> Iterator[TrainingEpoch]:
    """Each epoch once, as soon as a poll shows it; stops when the job settles, leaving its
    last state in ``final['job']``."""
    shown, status = 0, None
    while True:
        job = client.api.get_training_job(job_id)
        if job.status != status:
            status = job.status
            note(f"job {job_id}: {status}")
        epochs = job.metrics.epochs if job.metrics else []
        yield from epochs[shown:]
        shown = max(shown, len(epochs))
        if status in SETTLED:
            final["job"] = job
            return
        time.sleep(interval)


# ------------------------------------------------------------------ results


@result_app.command("verify")
def verify_result(ctx: typer.Context, job_id: str = JOB_ID,
                  development_root: Annotated[str | None, typer.Option(
                      "--development-root",
                      help="Also trust this development root (a local simulated enclave; "
                           "never production). Named on each run, never taken from the "
                           "environment, so a development setting cannot leak into a real "
                           "check.")] = None,
                  out: Annotated[Path | None, typer.Option(
                      "--out", help="Keep the result bundle in this file.")] = None,
                  model_out: Annotated[Path | None, typer.Option(
                      "--model-out", help="Keep the model in this file.")] = None) -> int:
    """Fetch a job's result bundle and model and check them offline, as verify-training
    does: exits 0 when valid, 2 when not."""
    session: CliSession = ctx.obj
    client = session.client()
    bundle = client.api.get_training_verification(job_id).result
    model = _model_if_allowed(client, job_id)
    as_json = session.printer.output is not OutputFormat.TABLE
    with tempfile.TemporaryDirectory(prefix="cms-training-") as scratch:
        bundle_file = out or Path(scratch, "result.json")
        bundle_file.write_bytes(_bundle_bytes(bundle))
        model_file = None
        if model is not None:
            model_file = model_out or Path(scratch, "model.pt")
            model_file.write_bytes(model)
        return verify_training(str(bundle_file), str(model_file) if model_file else None,
                               development_root, as_json=as_json)


def _bundle_bytes(bundle: TrainingResultBundle) -> bytes:
    # The typed model keeps the API's own strings (timestamps included), so the contract
    # content the enclave attested hashes to the same digest here.
    return json.dumps(plain(bundle), indent=2, ensure_ascii=False).encode("utf-8")


def _checked_model(client: CmsClient, job_id: str) -> bytes:
    """The model's bytes, checked against the SHA-256 the job records."""
    link = client.api.get_training_model(job_id)
    return client.download_checked(link.url, link.sha256)


def _model_if_allowed(client: CmsClient, job_id: str) -> bytes | None:
    """The model, for its consumer; anyone else checks the bundle without it (a refused
    download of the link itself is an error, not a reason to skip the model)."""
    try:
        link = client.api.get_training_model(job_id)
    except PermissionDenied:
        note("the model is its consumer's only: checking the result without it")
        return None
    return client.download_checked(link.url, link.sha256)


@app.command("model")
def model(ctx: typer.Context, job_id: str = JOB_ID,
          out: Annotated[Path, typer.Option("--out", help="Write the model here.")] = ...
          ) -> None:
    """Download a job's trained model (its consumer), checked against its recorded SHA-256."""
    session: CliSession = ctx.obj
    data = _checked_model(_client(ctx), job_id)
    out.write_bytes(data)
    session.emit({"job_id": job_id, "file": str(out), "size": len(data),
                  "sha256": hashlib.sha256(data).hexdigest()})
