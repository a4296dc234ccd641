"""Running dbt: the executable, the subprocess (killed with its parent), and what it reported
(run_results.json as :class:`BuildResult`, failures that mean a full disk or changed columns)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rolwh.core.console import fit
from rolwh.core.errors import RolwhError
from rolwh.core.i18n import N_, _
from rolwh.core.progress import Steps
from rolwh.core.settings import DBT_PROJECT_DIR, Settings

#: Statuses dbt reports for a node that did not pass.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
#: Below this much free space a failed build is reported as a full disk.
DISK_FULL_BYTES = 2 * 2**20


class DbtBuildError(RolwhError):
    """dbt failed: the message names the failing nodes and what dbt said about them."""

    def __init__(self, message: str, result: BuildResult | None = None) -> None:
        super().__init__(message)
        self.result = result


#: dbt's resource types as the build summary names them (plural), and its node statuses (shown
#: translated: ``_(status)``).
NODE_KINDS = {
    "model": N_("models"),
    "test": N_("tests"),
    "seed": N_("seeds"),
    "snapshot": N_("snapshots"),
    "unit_test": N_("unit_tests"),
}
NODE_STATUSES = (N_("success"), N_("pass"), N_("fail"), N_("error"), N_("warn"), N_("skipped"), N_("no op"))


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json: a model, seed, data test or unit test."""

    unique_id: str
    resource_type: str  # model | seed | test | unit_test | snapshot | ...
    status: str
    message: str
    failures: int | None
    execution_time: float

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the nodes dbt ran, where its artefacts are, and whether it all passed."""

    returncode: int
    nodes: tuple[NodeResult, ...]
    run_results_path: Path | None
    target_dir: Path
    elapsed_s: float = 0.0
    command: tuple[str, ...] = ()
    output_tail: str = ""
    docs_generated: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: str | None = None  # why dbt did not run (nothing new since the last build)

    @property
    def failed_nodes(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.failed)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed_nodes

    @property
    def docs_index(self) -> Path:
        return self.target_dir / "index.html"

    def render(self) -> str:
        """A readable summary: nodes passed/failed per kind, then every failing node with its message."""
        if self.skipped:
            return _("dbt build not run: {why}").format(why=self.skipped)
        lines = [
            _("dbt build {verdict} in {seconds:.1f} s").format(
                verdict=_("OK") if self.ok else _("FAILED"), seconds=self.elapsed_s
            )
        ]
        for kind, by_status in sorted(self.counts.items()):
            parts = ", ".join(f"{n} {_(status)}" for status, n in sorted(by_status.items()))
            lines.append(f"  {fit(_(NODE_KINDS.get(kind, kind + 's')), 11)} {parts}")
        for node in self.failed_nodes:
            lines.append(
                _("  FAILED {kind} {name}: {message}").format(
                    kind=node.resource_type, name=node.name, message=_one_line(node.message)
                )
            )
        if self.returncode != 0 and not self.failed_nodes and self.output_tail:
            lines.append(_("  dbt said:"))
            lines.extend("    " + line for line in self.output_tail.splitlines()[-15:])
        if self.run_results_path:
            lines.append(_("  run results: {path}").format(path=self.run_results_path))
        if self.docs_generated:
            lines.append(_("  docs: {path}").format(path=self.docs_index))
        return "\n".join(lines)


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (next to ``sys.executable``)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def parse_run_results(path: Path) -> tuple[NodeResult, ...]:
    """The node results of a dbt run_results.json; none when dbt could not finish writing it
    (a full disk truncates it: the build then fails on its return code and says why)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    nodes = []
    for r in data.get("results", []):
        uid = r.get("unique_id", "")
        nodes.append(
            NodeResult(
                unique_id=uid,
                resource_type=uid.split(".", 1)[0],
                status=str(r.get("status", "")),
                message=str(r.get("message") or ""),
                failures=r.get("failures"),
                execution_time=float(r.get("execution_time") or 0.0),
            )
        )
    return tuple(nodes)


def count_nodes(nodes: tuple[NodeResult, ...]) -> dict[str, dict[str, int]]:
    """How many nodes of each resource type ended in each status."""
    counts: dict[str, dict[str, int]] = {}
    for n in nodes:
        by_status = counts.setdefault(n.resource_type, {})
        by_status[n.status] = by_status.get(n.status, 0) + 1
    return counts


#: a dbt structured log event (``--log-format json``): ``{"info": {"name", "msg", …}, "data": {…}}``
Event = dict
#: dbt's event that a node starts (its ``data`` has ``index`` and ``total`` too, but nothing finished)
START_EVENT = "LogStartLine"


def run_dbt(
    args: list[str], settings: Settings, on_event: Callable[[Event], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on the project with this warehouse's target and log folders, output captured.

    With ``on_event``, dbt logs JSON events, each handed to ``on_event`` as it comes (progress);
    the output returned is then the text of those events, as dbt prints it without JSON."""
    env = {**os.environ, **settings.dbt_env()}
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(settings.dbt_target_dir),
        "--log-path",
        str(settings.dbt_log_dir),
    ]
    if on_event is not None:
        return _run_streamed([*cmd, "--log-format", "json"], env, on_event)
    return subprocess.run(
        cmd,
        env=env,
        capture_output=True,
        text=True,
        cwd=DBT_PROJECT_DIR,
        check=False,
        preexec_fn=_die_with_parent,
    )


def _run_streamed(
    cmd: list[str], env: dict[str, str], on_event: Callable[[Event], None]
) -> subprocess.CompletedProcess[str]:
    """Run dbt with JSON logs, reading its output line by line as it comes (stderr merged)."""
    with subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=DBT_PROJECT_DIR,
        preexec_fn=_die_with_parent,
    ) as proc:
        assert proc.stdout is not None  # stdout=PIPE
        text = "".join(_event_lines(proc.stdout, on_event))
    return subprocess.CompletedProcess(cmd, proc.returncode, text, "")


def _event_lines(lines: Iterable[str], on_event: Callable[[Event], None]) -> Iterable[str]:
    """Each JSON event handed to ``on_event`` and turned into its text; other lines kept as they are."""
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict) or not isinstance(event.get("info"), dict):
            yield line
            continue
        on_event(event)
        yield str(event["info"].get("msg", "")) + "\n"


def node_progress(steps: Steps) -> Callable[[Event], None]:
    """An ``on_event`` that advances ``steps`` once per finished node (model, seed, test …): dbt's
    result events carry the node, its index and the number of nodes."""

    def on_event(event: Event) -> None:
        data = event.get("data") or {}
        node = data.get("node_info") or {}
        total = data.get("total") or data.get("num_models")
        if "index" not in data or not node:
            return
        if isinstance(total, int) and total != steps.total:
            steps.set_total(total)
        if event["info"].get("name") == START_EVENT:
            return
        kind = node.get("resource_type") or ""
        steps.advance(f"{kind} {node.get('node_name', '')}: {node.get('node_status', '')}".strip())

    return on_event


def _die_with_parent() -> None:
    """In the dbt child: get SIGKILL when the parent dies (Linux), so a killed run leaves no orphan
    dbt writing the warehouse after the writer lock is gone."""

    # not Linux: the lock file and DuckDB's own file lock still refuse a second writer
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def output_tail(proc: subprocess.CompletedProcess[str], lines: int) -> str:
    """The last ``lines`` lines dbt wrote (stdout, then stderr)."""
    return "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-lines:])


def shape_changed(output: str, nodes: tuple[NodeResult, ...]) -> bool:
    """Did the build fail because an incremental model's or a seed's columns changed?"""
    if "schemas on this incremental model are out of sync" in output:
        return True
    return any(n.failed and n.resource_type == "seed" for n in nodes)


def disk_full_note(settings: Settings, output: str) -> str:
    """A first line saying the disk is full when dbt says so or the warehouse's file system has no space."""
    try:
        st = os.statvfs(settings.warehouse_dir)
        free = st.f_bavail * st.f_frsize
    except OSError:
        free = DISK_FULL_BYTES
    if "No space left on device" not in output and free >= DISK_FULL_BYTES:
        return ""
    return (
        _(
            "disk full while writing {path} (dbt build; {free:.1f} MB free): free "
            "space on that file system and re-run; the previous publication and the releases are unchanged."
        ).format(path=settings.warehouse_dir, free=free / 2**20)
        + "\n"
    )
