"""The contract engine: ``cms engine deploy|list|get|call|estimate|batch|history|health|info|
metrics``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.inputs import assignments, read_bytes, read_json
from cms_client.cli.listing import page_size
from cms_client.cli.session import CliSession
from cms_client.errors import ApiError

app = typer.Typer(help="The contract engine: deploy ERC20, WebAssembly and privacy "
                       "contracts, call and inspect them.", no_args_is_help=True)

ADDRESS = typer.Argument(..., help="The engine contract's address (0x and 40 hex digits).")
FUNCTION = typer.Argument(..., help="The function to call.")
GAS_LIMIT = typer.Option(None, "--gas-limit", min=1, help="At most this much gas.")
ARG = typer.Option(None, "--arg", help="An argument as name=value (repeatable; JSON values "
                                       "parse, large integers travel as text).")
ARGS_FILE = typer.Option(None, "--args", help="The arguments as a JSON object, from a file "
                                              "or '-'.")
CONTRACT_COLUMNS = ("address", "kind", "name", "owner_did", "executions", "created_at")
EXECUTION_COLUMNS = ("execution_id", "function", "success", "return_value", "gas_used",
                     "cached")
HISTORY_COLUMNS = ("timestamp", "function", "caller", "success", "gas_used", "dry_run",
                   "execution_id")
BATCH_COLUMNS = ("execution_id", "function", "success", "return_value", "gas_used", "error")
# Failures of a call that ran: the contract refused it (a revert, out of gas or time). The
# API answers them 422 with the execution's figures; for a shell they are the contract's
# "no", which scripts branch on apart from a malformed request.
EXECUTION_FAILURES = frozenset({"contract_reverted", "gas_exhausted", "execution_timeout"})


def big_integers_as_text(value: Any) -> Any:
    """Integers past 2**53 as decimal strings: the API takes I-JSON, where such a number
    loses precision, and writes uint256 amounts as strings itself."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, dict):
        return {key: big_integers_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [big_integers_as_text(item) for item in value]
    return value


def call_arguments(pairs: list[str] | None, source: str | None) -> dict[str, Any] | None:
    """Arguments from ``--arg`` pairs or an ``--args`` JSON object (not both)."""
    if pairs and source:
        raise CliError("give the arguments as --arg pairs or as --args FILE, not both")
    if source:
        value = read_json(source)
        if not isinstance(value, dict):
            raise CliError(f"{source} must hold a JSON object of arguments by name")
        return big_integers_as_text(value)
    return big_integers_as_text(assignments(pairs)) if pairs else None


def call_body(function: str, arguments: dict[str, Any] | None,
              gas_limit: int | None) -> dict[str, Any]:
    """A call as the API takes it: the arguments and gas limit only when given."""
    body: dict[str, Any] = {"function": function, "args": arguments, "gas_limit": gas_limit}
    return {key: value for key, value in body.items() if value is not None}


def module_code(path: Path) -> str | bytes:
    """A WebAssembly module: the binary from a ``.wasm`` file, the text from a ``.wat``."""
    suffix = path.suffix.lower()
    if suffix == ".wasm":
        return read_bytes(str(path))
    if suffix == ".wat":
        return read_bytes(str(path)).decode("utf-8")
    raise CliError(f"{path}: --code takes a .wasm (binary) or .wat (text) file")


def refused_call(error: ApiError) -> CliError:
    """A call that ran and failed, as the contract's reason in words (exit 7)."""
    problem = error.problem
    reason = problem.get("detail") or problem.get("error") or error.code
    figures = ", ".join(f"{key} {problem[key]}" for key in ("gas_used", "gas_limit")
                        if problem.get(key) is not None)
    return CliError(f"{error.code}: {reason}" + (f" ({figures})" if figures else ""),
                    ExitCode.CONFLICT)


def _run(call: Any) -> Any:
    try:
        return call()
    except ApiError as error:
        if error.code in EXECUTION_FAILURES:
            raise refused_call(error) from None
        raise


@app.command("deploy")
def deploy(ctx: typer.Context,
           kind: str = typer.Argument(..., help="erc20, wasm, confidential_ledger, "
                                                "sealed_bid_tally or circuit."),
           name: Annotated[str | None, typer.Option("--name", help="A name (1-100).")] = None,
           init: Annotated[list[str] | None, typer.Option(
               "--init", help="A constructor argument as key=value (repeatable).")] = None,
           init_json: Annotated[str | None, typer.Option(
               "--init-json", help="The constructor arguments as a JSON object, from a file "
                                   "or '-'.")] = None,
           code: Annotated[Path | None, typer.Option(
               "--code", help="wasm: the module, a .wasm or .wat file.")] = None,
           manifest: Annotated[str | None, typer.Option(
               "--manifest", help="wasm: the ABI manifest (JSON file).")] = None,
           salt: Annotated[str | None, typer.Option(
               "--salt", help="32 bytes of hex: a predictable (CREATE2) address.")] = None,
           gas_limit: int | None = GAS_LIMIT,
           governed_by: Annotated[str | None, typer.Option(
               "--governed-by", help="A contract id (you a party) the engine contract runs "
                                     "under: only while it allows work.")] = None) -> None:
    """Deploy an engine contract owned by you."""
    session: CliSession = ctx.obj
    init_args = call_arguments(init, init_json)
    session.emit(_run(lambda: session.client().deploy_engine_contract(
        kind, name=name, init_args=init_args,
        code=module_code(code) if code is not None else None,
        manifest=read_json(manifest) if manifest else None, salt=salt, gas_limit=gas_limit,
        governed_by=governed_by)), columns=CONTRACT_COLUMNS)


@app.command("list")
def list_contracts(ctx: typer.Context,
                   limit: Annotated[int | None, typer.Option(
                       "--limit", min=1, help="At most this many (default: all).")] = None
                   ) -> None:
    """The engine contracts you deployed, newest first."""
    session: CliSession = ctx.obj
    session.emit_items(session.client().api.iter_list_engine_contracts(limit=page_size(limit)),
                       columns=CONTRACT_COLUMNS, limit=limit)


@app.command("get")
def get(ctx: typer.Context, address: str = ADDRESS) -> None:
    """An engine contract: kind, owner, manifest, executions."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_engine_contract(address), columns=CONTRACT_COLUMNS)


@app.command("call")
def call(ctx: typer.Context, address: str = ADDRESS, function: str = FUNCTION,
         arg: list[str] | None = ARG, args_file: str | None = ARGS_FILE,
         gas_limit: int | None = GAS_LIMIT) -> None:
    """Run a function as you; a revert exits 7 with its reason on stderr."""
    session: CliSession = ctx.obj
    body = call_body(function, call_arguments(arg, args_file), gas_limit)
    session.emit(_run(lambda: session.client().api.execute_engine_contract(address, body=body)),
                 columns=EXECUTION_COLUMNS)


@app.command("estimate")
def estimate(ctx: typer.Context, address: str = ADDRESS, function: str = FUNCTION,
             arg: list[str] | None = ARG, args_file: str | None = ARGS_FILE,
             gas_limit: int | None = GAS_LIMIT) -> None:
    """The gas a call would use now (a dry run, recorded in the history)."""
    session: CliSession = ctx.obj
    body = call_body(function, call_arguments(arg, args_file), gas_limit)
    session.emit(_run(lambda: session.client().api.estimate_engine_gas(address, body=body)))


@app.command("batch")
def batch(ctx: typer.Context, address: str = ADDRESS,
          file: str = typer.Argument(..., help="The calls: a JSON list of {function, args?, "
                                               "gas_limit?} (or {calls: [...]}), or '-'.")
          ) -> int:
    """Run calls in order, each atomic; exits 11 when some failed."""
    session: CliSession = ctx.obj
    calls = read_json(file)
    if isinstance(calls, dict):
        calls = calls.get("calls")
    if not isinstance(calls, list) or not calls:
        raise CliError(f"{file} must hold a non-empty JSON list of calls")
    result = session.client().api.execute_engine_batch(
        address, body={"calls": big_integers_as_text(calls)})
    session.emit(result.results, columns=BATCH_COLUMNS)
    if result.failed:
        session.printer.note(f"{result.failed} of {len(calls)} calls failed")
        return ExitCode.PARTIAL
    return ExitCode.OK


@app.command("history")
def history(ctx: typer.Context, address: str = ADDRESS,
            limit: Annotated[int | None, typer.Option(
                "--limit", min=1, help="At most this many (default: all).")] = None) -> None:
    """The contract's executions, newest first (the constructor last)."""
    session: CliSession = ctx.obj
    history = session.client().api.iter_list_engine_history(address, limit=page_size(limit))
    session.emit_items(history, columns=HISTORY_COLUMNS, limit=limit)


@app.command("health")
def health(ctx: typer.Context, address: str = ADDRESS) -> None:
    """A contract's health over its last 100 executions."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_engine_contract_health(address))


@app.command("info")
def info(ctx: typer.Context) -> None:
    """The engine's version, contract kinds, limits and configuration."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_engine_info())


@app.command("metrics")
def metrics(ctx: typer.Context) -> None:
    """Executions, gas and error rates over the whole deployment."""
    session: CliSession = ctx.obj
    session.emit(session.client().api.get_engine_metrics())
