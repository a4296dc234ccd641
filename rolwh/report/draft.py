"""The annual report draft (section 一): configured sentences filled with the year's figures.

Figures come from the latest frozen release of the year (``releases/<year>/vN``: its manifest and
Parquet) when there is one, else from the live marts, and the draft then says so:
「数据未冻结，仅供参考」. Every figure links to its indicator in the glossary at the end, which names
its definition, numerator and denominator and the release (version, checksum) or live snapshot
(published time) it came from. Written as Markdown, HTML and Word (rolwh.report.docx), all with
full-width punctuation (rolwh.report.punctuation).

The release is verified first (every file's SHA-256 and its anchor, :func:`rolwh.release.verify.require_verified`).
A release that fails is refused: no draft is written (exit 1, naming the release and what to do),
rather than printing its figures or silently falling back to live ones.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from rolwh.core.errors import RolwhError
from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.core.sql import table_exists
from rolwh.release.store import versions, year_dir
from rolwh.release.verify import require_verified
from rolwh.report.docx import write_docx
from rolwh.report.explain_pages import explain_href
from rolwh.report.formatting import format_approximate, format_change, format_count, format_value
from rolwh.report.punctuation import fullwidth
from rolwh.report.shortfalls import (
    CASELOAD_TABLE,
    COMMUNITY_TABLE,
    SPREAD_TABLE,
    Relation,
    Shortfalls,
    as_number,
    read_shortfalls,
)
from rolwh.report.templates import TEMPLATE_DIR, environment
from rolwh.serving.query import open_reader, reader_path

SENTENCES_FILE = TEMPLATE_DIR / "draft_sentences.toml"
PROVISIONAL = "数据未冻结，仅供参考"
#: figures against their targets (红黄绿), where the warehouse or the release has them
STATUS_TABLE = "marts.fct_indicator_status"
#: {CODE} the exact figure; {CODE:余} the office's "N余" (a count, :func:`format_approximate`)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+(?:\.[a-z_]+)?)(?::([^}]*))?\}")
APPROXIMATE = "余"


class DraftError(RolwhError):
    """The draft cannot be written: a template names an unknown indicator, or a release is unreadable."""


@dataclass(frozen=True)
class GlossaryEntry:
    code: str
    name_zh: str
    unit: str
    definition_zh: str


@dataclass(frozen=True)
class FigureSource:
    """Where the figures came from: a frozen release, or the live marts (provisional)."""

    frozen: bool
    label: str
    values: dict[str, float | None]  # indicator_code -> value (year, ALL)
    glossary: dict[str, GlossaryEntry]
    fractions: dict[str, tuple[float | None, float | None]]  # indicator_code -> (numerator, denominator)
    trace: str  # the release (year, version, checksum) or the live snapshot (published time)
    targets: dict[str, TargetStatus] = field(default_factory=dict)  # indicators with a target
    shortfalls: Shortfalls = field(default_factory=lambda: Shortfalls({}, {}, {}))  # section 二


@dataclass(frozen=True)
class TargetStatus:
    """A figure against its target (marts.fct_indicator_status, the year and the whole subdistrict)."""

    direction: str  # higher | lower (is better)
    green: float | None
    yellow: float | None
    status_zh: str  # 绿 | 黄 | 红 | 无数据
    yoy_change: float | None  # 同比: value minus the value a year earlier


@dataclass(frozen=True)
class Figure:
    """A figure of the draft as its 口径 appendix lists it."""

    entry: GlossaryEntry
    value: str
    numerator: str
    denominator: str
    target: str = ""  # 「绿：≥98%；黄：≥95%」, empty without a target
    status: str = ""  # 绿 | 黄 | 红 | 无数据, empty without a target
    yoy: str = ""  # 同比 change, empty when there is no earlier year


@dataclass(frozen=True)
class Segment:
    text: str
    code: str | None = None  # a figure when set

    @property
    def anchor(self) -> str:
        return f"ind-{self.code}"


def latest_release(settings: Settings, year: int) -> Path | None:
    """The folder of the latest version (``vN``) of ``year``'s release that has a manifest, or None."""
    found = [year_dir(settings, year) / v for v in versions(settings, year)]
    found = [f for f in found if (f / "manifest.json").is_file()]
    return found[-1] if found else None


def _release_parquet(folder: Path, manifest: dict[str, object], table: str) -> list[Path]:
    """The Parquet files of ``table`` in a release: those the manifest lists, else by file name."""
    listed: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            if node.endswith(".parquet"):
                listed.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(manifest)
    files = [folder / p for p in dict.fromkeys(listed) if table in Path(p).as_posix()]
    if not files:
        files = sorted(p for p in folder.rglob("*.parquet") if table in p.relative_to(folder).as_posix())
    return [f for f in files if f.is_file()]


def _read_release(folder: Path, year: int) -> FigureSource:

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    annual = _release_parquet(folder, manifest, "fct_indicator_annual")
    dims = _release_parquet(folder, manifest, "dim_indicator")
    if not annual or not dims:
        raise DraftError(
            f"release {folder} has no Parquet of marts.fct_indicator_annual and marts.dim_indicator "
            "(expected them listed in manifest.json)"
        )
    con = duckdb.connect()
    try:
        rows = con.execute(
            "select indicator_code, value, numerator, denominator from read_parquet(?) "
            "where year = ? and community_code = 'ALL'",
            [[str(p) for p in annual], year],
        ).fetchall()
        glossary = _glossary(
            con.execute(
                "select indicator_code, name_zh, unit, definition_zh from read_parquet(?)",
                [[str(p) for p in dims]],
            ).fetchall()
        )
    finally:
        con.close()
    frozen_at = manifest.get("frozen_at") or manifest.get("created_at") or ""
    label = f"冻结版本 {year}/{folder.name}" + (f"(冻结于 {frozen_at})" if frozen_at else "")
    status = _release_parquet(folder, manifest, STATUS_TABLE.split(".")[1])
    if status:
        con = duckdb.connect()
        try:
            targets = _targets(con, "read_parquet(?)", [[str(p) for p in status], year])
        finally:
            con.close()
    else:
        targets = {}  # released before targets existed
    relations: dict[str, Relation] = {}
    for table in (CASELOAD_TABLE, SPREAD_TABLE, COMMUNITY_TABLE):
        files = _release_parquet(folder, manifest, table.split(".")[1])
        if files:
            relations[table] = ("read_parquet(?)", [[str(p) for p in files]])
    con = duckdb.connect()
    try:
        shortfalls = read_shortfalls(con, relations, year)
    finally:
        con.close()
    checksum = _manifest_checksum(folder)
    trace = f"{year}年度冻结版本 {folder.name}" + (f",冻结于 {frozen_at}" if frozen_at else "")
    trace += f",清单文件(manifest.json)SHA-256校验值 {checksum}"
    return _source(True, label, rows, glossary, trace, targets, shortfalls)


def _manifest_checksum(folder: Path) -> str:
    """The release's checksum: the SHA-256 of its manifest (``manifest.sha256``, else computed)."""
    recorded = folder / "manifest.sha256"
    if recorded.is_file():
        return recorded.read_text(encoding="utf-8").split()[0]
    return hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()


def _source(
    frozen: bool,
    label: str,
    rows: list[tuple[object, ...]],
    glossary: dict[str, GlossaryEntry],
    trace: str,
    targets: dict[str, TargetStatus],
    shortfalls: Shortfalls,
) -> FigureSource:
    """A :class:`FigureSource` from rows of (indicator_code, value, numerator, denominator)."""
    values = {str(r[0]): as_number(r[1]) for r in rows}
    fractions = {str(r[0]): (as_number(r[2]), as_number(r[3])) for r in rows}
    return FigureSource(
        frozen, fullwidth(label), values, glossary, fractions, fullwidth(trace), targets, shortfalls
    )


def _targets(con: duckdb.DuckDBPyConnection, relation: str, params: list[object]) -> dict[str, TargetStatus]:
    """The year's street-wide figures that have a target, from ``relation`` (the status mart)."""
    rows = con.execute(
        "select indicator_code, direction, green_threshold, yellow_threshold, status_zh, yoy_change "
        f"from {relation} where year = ? and period_grain = 'year' and community_code = 'ALL' "
        "and status <> 'no_target'",
        params,
    ).fetchall()
    return {
        str(c): TargetStatus(str(d), as_number(g), as_number(y), str(z), as_number(yoy))
        for c, d, g, y, z, yoy in rows
    }


def _glossary(rows: list[tuple[object, ...]]) -> dict[str, GlossaryEntry]:
    return {
        str(c): GlossaryEntry(str(c), fullwidth(str(n)), str(u), fullwidth(str(d or "")))
        for c, n, u, d in rows
    }


def _read_live(settings: Settings, year: int) -> FigureSource:

    path = reader_path(settings)
    con = open_reader(settings)
    try:
        rows = con.execute(
            "select indicator_code, value, numerator, denominator from marts.fct_indicator_annual "
            "where year = ? and community_code = 'ALL'",
            [year],
        ).fetchall()
        published = (
            con.execute("select version, published_at from serving.publication").fetchone()
            if table_exists(con, "serving", "publication")
            else None
        )
        schema, table = STATUS_TABLE.split(".")
        targets = _targets(con, STATUS_TABLE, [year]) if table_exists(con, schema, table) else {}
        relations: dict[str, Relation] = {
            t: (t, [])
            for t in (CASELOAD_TABLE, SPREAD_TABLE, COMMUNITY_TABLE)
            if table_exists(con, *t.split("."))
        }
        shortfalls = read_shortfalls(con, relations, year)
        glossary = _glossary(
            con.execute(
                "select indicator_code, name_zh, unit, definition_zh from marts.dim_indicator"
            ).fetchall()
        )
    finally:
        con.close()
    label = f"实时指标({path.parent.name if path.name == 'rolwh.duckdb' else path})"
    if published:
        trace = f"实时快照(发布版本 {published[0]},发布于 {published[1]:%Y-%m-%d %H:%M:%S} UTC)"
    else:
        trace = f"实时快照(工作库 {path},尚未发布)"
    return _source(False, label, rows, glossary, trace, targets, shortfalls)


def figure_source(settings: Settings, year: int) -> FigureSource:
    """The latest frozen release of ``year`` if any (verified first), else the live marts."""
    folder = latest_release(settings, year)
    if folder is None:
        return _read_live(settings, year)
    require_verified(settings, year, folder.name)
    return _read_release(folder, year)


def _segments(template: str, year: int, source: FigureSource, where: str) -> list[Segment]:
    segments: list[Segment] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        segments.append(Segment(template[pos : m.start()]))
        name = m.group(1)
        if name == "year":
            segments.append(Segment(str(year)))
        elif name in source.glossary:
            segments.append(Segment(_placeholder_text(source, name, m.group(2), where), name))
        elif name in source.shortfalls.names:
            segments.append(Segment(fullwidth(source.shortfalls.names[name])))
        else:
            raise DraftError(
                f"{SENTENCES_FILE}: {where} names {{{name}}}, which is no indicator code of the data"
            )
        pos = m.end()
    segments.append(Segment(template[pos:]))
    return [s if s.code else Segment(fullwidth(s.text)) for s in segments if s.text or s.code]


def _placeholder_text(source: FigureSource, code: str, modifier: str | None, where: str) -> str:
    """A figure as the placeholder asks: exact by its unit, or "N余" for ``{CODE:余}`` (counts only)."""
    entry = source.glossary[code]
    value = source.values.get(code)
    if modifier is None:
        return format_value(entry.unit, value)
    if modifier != APPROXIMATE or entry.unit != "count":
        raise DraftError(
            _("{file}: {where} writes {placeholder}; the only modifier is ':{modifier}', for a count").format(
                file=SENTENCES_FILE, where=where, placeholder=f"{{{code}:{modifier}}}", modifier=APPROXIMATE
            )
        )
    return format_approximate(value)


def _available(paragraph: dict[str, str], source: FigureSource) -> bool:
    """False for an ``optional`` paragraph naming an indicator the data dictionary lacks (a feed not
    yet in this warehouse or release); every other paragraph is written, unknown codes are errors."""
    if not paragraph.get("optional"):
        return True
    codes = {m.group(1) for m in _PLACEHOLDER.finditer(paragraph["text"])} - {"year"}
    return codes <= source.glossary.keys() | source.shortfalls.names.keys()


def _paragraphs(
    config: list[dict[str, str]], year: int, source: FigureSource, label: str
) -> list[tuple[str, list[Segment]]]:
    return [
        (p.get("heading", ""), _segments(p["text"], year, source, f"{label} {i + 1}"))
        for i, p in enumerate(config)
        if _available(p, source)
    ]


def draft_context(settings: Settings, year: int) -> dict[str, object]:
    config = tomllib.loads(SENTENCES_FILE.read_text(encoding="utf-8"))
    source = _with_shortfalls(figure_source(settings, year), config.get("figures", {}))
    texts = _paragraphs(config.get("paragraphs", []), year, source, "paragraph")
    paragraphs = [{"heading": fullwidth(heading), "segments": segments} for heading, segments in texts]
    texts_two = _paragraphs(config.get("shortfalls", []), year, source, "shortfall")
    sections = [{"title": fullwidth(config.get("section", "")), "paragraphs": paragraphs}]
    if texts_two:
        two = [{"heading": fullwidth(heading), "segments": segments} for heading, segments in texts_two]
        sections.append({"title": fullwidth(config.get("section_two", "")), "paragraphs": two})
    used = list(dict.fromkeys(s.code for _, segments in texts + texts_two for s in segments if s.code))
    figures = [_figure(source, c) for c in used]
    return {
        "year": year,
        "title": "".join(s.text for s in _segments(config.get("title", "{year}"), year, source, "title")),
        "section": fullwidth(config.get("section", "")),
        "paragraphs": paragraphs,
        "sections": sections,
        "source": source,
        "provisional": None if source.frozen else PROVISIONAL,
        "glossary": [source.glossary[c] for c in used],
        "figures": figures,
        "targeted": [f for f in figures if f.status],
    }


def _with_shortfalls(source: FigureSource, specs: dict[str, dict[str, str]]) -> FigureSource:
    """``source`` with section 二's figures as glossary entries: ``caseload.<column>`` named by its
    spec, ``<CODE>.<field>`` by the spec ``spread.<field>`` with ``{indicator}`` the indicator's name."""
    values, glossary, fractions = dict(source.values), dict(source.glossary), dict(source.fractions)
    for key, value in source.shortfalls.values.items():
        head, tail = key.split(".")
        spec = specs.get(key) or specs.get(f"spread.{tail}")
        if spec is None or (head != "caseload" and head not in source.glossary):
            continue  # no wording configured for it, or a rate the dictionary lacks
        indicator = source.glossary[head].name_zh if head in source.glossary else ""
        unit = spec.get("unit") or source.glossary[head].unit
        name = spec["name"].format(indicator=indicator)
        definition = spec.get("definition", "").format(indicator=indicator)
        glossary[key] = GlossaryEntry(key, fullwidth(name), unit, fullwidth(definition))
        values[key] = value
        fractions[key] = source.shortfalls.fractions.get(key, (None, None))
    return replace(source, values=values, glossary=glossary, fractions=fractions)


def _figure(source: FigureSource, code: str) -> Figure:
    entry = source.glossary[code]
    numerator, denominator = source.fractions.get(code, (None, None))
    value = format_value(entry.unit, source.values.get(code))
    figure = Figure(entry, value, format_count(numerator), format_count(denominator))
    target = source.targets.get(code)
    if target is None:
        return figure
    sign = "≥" if target.direction == "higher" else "≤"
    levels = [
        (name, limit) for name, limit in (("绿", target.green), ("黄", target.yellow)) if limit is not None
    ]
    text = "；".join(f"{name}：{sign}{format_value(entry.unit, limit)}" for name, limit in levels)
    return replace(
        figure, target=text, status=target.status_zh, yoy=format_change(entry.unit, target.yoy_change)
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _explain_links(ctx: dict[str, object], year: int, out_dir: Path) -> dict[str, str | None]:
    """Each figure's link to the records behind it (the year, the street), None without a page."""
    figures = ctx["figures"]
    assert isinstance(figures, list)
    return {f.entry.code: explain_href(out_dir, f.entry.code, str(year)) for f in figures}


def write_draft(settings: Settings, year: int, out_dir: Path) -> list[Path]:
    """Write ``draft.md``, ``draft.html`` and ``draft.docx`` of ``year`` into ``out_dir``."""
    ctx = draft_context(settings, year)
    env = environment()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in (
        ("draft.md", env.get_template("draft.md").render(md_cell=_md_cell, **ctx)),
        (
            "draft.html",
            env.get_template("draft.html").render(explain=_explain_links(ctx, year, out_dir), **ctx),
        ),
    ):
        target = out_dir / name
        tmp = target.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        paths.append(target)
    paths.append(write_docx(ctx, out_dir / "draft.docx"))
    return paths
