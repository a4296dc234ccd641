"""What an ingest run did, file by file: the result objects and their readable summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rolwh.core.i18n import N_, _

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod


#: The summary table's columns (message ids) and their alignment.
COLUMNS: tuple[tuple[str, JustifyMethod], ...] = (
    (N_("feed"), "left"),
    (N_("file"), "left"),
    (N_("status"), "left"),
    (N_("read"), "right"),
    (N_("loaded"), "right"),
    (N_("rejected"), "right"),
    (N_("skipped"), "right"),
)
#: A file's status (the audit's code) as shown.
STATUSES = (N_("loaded"), N_("skipped_duplicate"), N_("quarantined"))


@dataclass
class FileResult:
    """The outcome of one landing file (mirrors its audit.file_loads row)."""

    file_name: str
    feed: str
    sha256: str
    status: str  # loaded | skipped_duplicate | quarantined
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    reason: str | None = None
    notices: str | None = None
    quarantined_to: str | None = None
    load_id: str | None = None


@dataclass(frozen=True)
class PendingFile:
    """A landing file not complete yet (still being copied or written): left for a later run."""

    feed: str
    file_name: str
    why: str


def visible(text: object) -> str:
    """``text`` with control, format (bidi, zero-width) and other invisible characters shown as
    ``\\uXXXX``: safe for a terminal or a log line."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in str(text))


def printable(text: object) -> str:
    """``text`` safe to print through rich: :func:`visible`, markup escaped."""
    return escape(visible(text))


@dataclass
class IngestReport:
    """All files an ingest run touched (new files only; already-recorded files are not listed),
    and the files left pending because they are not complete yet."""

    files: list[FileResult] = field(default_factory=list)
    pending: list[PendingFile] = field(default_factory=list)

    @property
    def quarantined(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def loaded(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "loaded"]

    def merge(self, other: IngestReport) -> IngestReport:
        """Append ``other``'s files to this report (returns self)."""
        self.files.extend(other.files)
        self.pending.extend(other.pending)
        return self

    def render(self) -> str:
        """A summary table, then every quarantined file with its reason and where it went (in the
        reader's language)."""

        buf = StringIO()
        console = Console(file=buf, width=160, force_terminal=False, color_system=None)
        self._render_pending(console)
        if not self.files:
            console.print(_("ingest: no new files in the landing area"))
            return buf.getvalue()
        table = Table(title=_("ingest: files processed"))
        for col, justify in COLUMNS:
            table.add_column(_(col), justify=justify)
        for f in self.files:
            table.add_row(
                f.feed,
                printable(f.file_name),
                _(f.status),
                str(f.rows_read),
                str(f.rows_loaded),
                str(f.rows_rejected),
                str(f.rows_skipped),
            )
        console.print(table)
        totals = _(
            "{loaded} loaded, {duplicate} duplicate, {quarantined} quarantined; "
            "rows loaded {rows_loaded}, rejected {rows_rejected}"
        ).format(
            loaded=len(self.loaded),
            duplicate=sum(f.status == "skipped_duplicate" for f in self.files),
            quarantined=len(self.quarantined),
            rows_loaded=sum(f.rows_loaded for f in self.files),
            rows_rejected=sum(f.rows_rejected for f in self.files),
        )
        console.print(totals)
        for f in self.files:
            where = f"{f.feed}/{printable(f.file_name)}"
            if f.notices:
                console.print(_("notice {file}: {notices}").format(file=where, notices=printable(f.notices)))
            if f.status == "loaded" and f.rows_rejected:
                console.print(
                    _("rejected rows in {file}: {n} (see audit.rejected_rows or `rolwh status`)").format(
                        file=where, n=f.rows_rejected
                    )
                )
        if self.quarantined:
            console.print(_("QUARANTINED (fix the file and drop it into the feed folder again):"))
            for f in self.quarantined:
                console.print(
                    _("  {file}\n    reason: {reason}\n    moved to: {target}").format(
                        file=f"{f.feed}/{printable(f.file_name)}",
                        reason=printable(f.reason),
                        target=printable(f.quarantined_to),
                    )
                )
        return buf.getvalue()

    def _render_pending(self, console: Console) -> None:
        if not self.pending:
            return
        console.print(
            _("pending, not complete yet (taken by a later run once complete): {n}").format(
                n=len(self.pending)
            )
        )
        for p in self.pending:
            console.print(f"  {p.feed}/{printable(p.file_name)}: {printable(p.why)}")
