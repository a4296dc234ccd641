"""The district's targets (目标): one ``<year>.csv`` per year, validated and written to
``raw.indicator_targets`` before each dbt build (``marts.fct_indicator_status`` reads them).

The shipped defaults are in ``targets/`` of the repository (:data:`DEFAULT_TARGETS_DIR`); a file of
the same name in ``$ROLWH_HOME/targets/`` replaces the shipped one of its year. Columns (English or
Chinese headers, any order): indicator_code 指标代码, community_code 社区代码 (blank: every community
and the street; ``ALL``: the street only), grain 粒度 (blank: years and quarters; ``year`` or
``quarter``), direction 方向 (``higher`` 越高越好 / ``lower`` 越低越好), green 绿灯阈值, yellow 黄灯阈值.
A row with neither threshold sets no target. Ratios may be written ``98%`` or ``0.98``.
The rules, with examples: docs/targets.md.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from rolwh.core.errors import ConfigError
from rolwh.core.i18n import _
from rolwh.core.settings import DBT_PROJECT_DIR, DEFAULT_TARGETS_DIR, Settings
from rolwh.core.warehouse import connect

TABLE = "raw.indicator_targets"
STREET = "ALL"
#: column -> the headers it may carry in a file (the first one is the canonical name)
HEADERS: dict[str, tuple[str, ...]] = {
    "indicator_code": ("indicator_code", "指标代码"),
    "community_code": ("community_code", "社区代码"),
    "grain": ("grain", "粒度"),
    "direction": ("direction", "方向"),
    "green": ("green", "绿灯阈值", "绿"),
    "yellow": ("yellow", "黄灯阈值", "黄"),
}
REQUIRED = ("indicator_code", "direction", "green", "yellow")
DIRECTIONS = {"higher": "higher", "越高越好": "higher", "lower": "lower", "越低越好": "lower"}
GRAINS = {"year": "year", "年度": "year", "quarter": "quarter", "季度": "quarter"}
YEAR_FILE = re.compile(r"^(\d{4})\.csv$")
DDL = f"""
create or replace table {TABLE} (
    year integer not null,
    indicator_code varchar not null,
    community_code varchar,
    grain varchar,
    direction varchar,
    green_threshold double,
    yellow_threshold double,
    source_file varchar not null,
    source_row integer not null
)
"""


@dataclass(frozen=True)
class Target:
    """One row of a targets file, checked (thresholds as numbers; ratios as fractions)."""

    year: int
    indicator_code: str
    community_code: str | None
    grain: str | None
    direction: str | None
    green_threshold: float | None
    yellow_threshold: float | None
    source_file: str
    source_row: int


def target_files(settings: Settings) -> list[Path]:
    """The targets file of each year: the district's where there is one, else the shipped one."""
    chosen: dict[str, Path] = {}
    for folder in (DEFAULT_TARGETS_DIR, settings.targets_dir):
        if folder.is_dir():
            for path in sorted(folder.glob("*.csv")):
                if not YEAR_FILE.match(path.name):
                    raise ConfigError(
                        _("targets file {file}: the name must be the year, e.g. 2024.csv").format(file=path)
                    )
                chosen[path.name] = path
    return [chosen[name] for name in sorted(chosen)]


def _seed_codes(seed: str, column: str) -> dict[str, dict[str, str]]:
    with (DBT_PROJECT_DIR / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as fh:
        return {row[column]: row for row in csv.DictReader(fh)}


def _read_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # saved by Excel on Chinese Windows
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ConfigError(
                _("targets file {file}: not a text file in UTF-8 or GB18030").format(file=path)
            ) from None
    return list(csv.reader(text.splitlines()))


def _header_map(path: Path, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = next((col for col, names in HEADERS.items() if cell.strip() in names), None)
        if name is None:
            raise ConfigError(
                _("targets file {file}, row 1: unknown column {column}; the columns are {known}").format(
                    file=path, column=repr(cell), known=", ".join(HEADERS)
                )
            )
        found[name] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ConfigError(
            _("targets file {file}, row 1: missing column {column}").format(
                file=path, column=", ".join(missing)
            )
        )
    return found


def _number(text: str, unit: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    percent = text.endswith(("%", "％"))
    try:
        number = float(text.rstrip("%％").strip())
    except ValueError:
        raise ConfigError(_("{where}: not a number").format(where=where)) from None
    if unit == "ratio":
        number = number / 100 if percent else number
        if not 0 <= number <= 1:
            raise ConfigError(
                _(
                    "{where}: a ratio threshold must lie between 0 and 1, or between 0 and 100 with a percent sign"
                ).format(where=where)
            )
    elif percent or number < 0:
        raise ConfigError(_("{where}: a count threshold must be a number of at least 0").format(where=where))
    return number


def _checked_row(
    path: Path,
    year: int,
    line: int,
    cells: dict[str, str],
    indicators: dict[str, dict[str, str]],
    communities: set[str],
) -> Target:
    def where(column: str) -> str:
        return _("targets file {file}, row {row}, column {column}").format(file=path, row=line, column=column)

    code = cells.get("indicator_code", "").strip()
    if code not in indicators:
        raise ConfigError(_("{where}: unknown indicator code").format(where=where("indicator_code")))
    community = cells.get("community_code", "").strip() or None
    if community is not None and community not in communities:
        raise ConfigError(_("{where}: unknown community code").format(where=where("community_code")))
    if community not in (None, STREET) and indicators[code]["scope"] != "community":
        raise ConfigError(
            _("{where}: this indicator is street-wide only (leave blank or write ALL)").format(
                where=where("community_code")
            )
        )
    grain_text = cells.get("grain", "").strip()
    if grain_text and grain_text not in GRAINS:
        raise ConfigError(_("{where}: write year or quarter, or leave blank").format(where=where("grain")))
    unit = indicators[code]["unit"]
    green = _number(cells.get("green", ""), unit, where("green"))
    yellow = _number(cells.get("yellow", ""), unit, where("yellow"))
    direction_text = cells.get("direction", "").strip()
    if (green is None) != (yellow is None):
        missing = "yellow" if yellow is None else "green"
        raise ConfigError(
            _("{where}: give both thresholds, or neither for no target").format(where=where(missing))
        )
    direction = DIRECTIONS.get(direction_text)
    if green is not None and direction is None:
        raise ConfigError(_("{where}: write higher or lower").format(where=where("direction")))
    if (
        green is not None
        and yellow is not None
        and ((direction == "higher" and green < yellow) or (direction == "lower" and green > yellow))
    ):
        raise ConfigError(
            _("{where}: the green threshold must be at least as good as the yellow one").format(
                where=where("yellow")
            )
        )
    return Target(
        year=year,
        indicator_code=code,
        community_code=community,
        grain=GRAINS.get(grain_text),
        direction=direction if green is not None else None,
        green_threshold=green,
        yellow_threshold=yellow,
        source_file=path.name,
        source_row=line,
    )


def read_targets(files: Iterable[Path]) -> list[Target]:
    """Every row of these targets files, checked against the dictionary and the communities; a
    bad one raises :class:`ConfigError` (exit 2) naming the file, row and column."""
    indicators = _seed_codes("indicators", "indicator_code")
    communities = {*_seed_codes("communities", "community_code"), STREET, "UNKNOWN"}
    out: list[Target] = []
    for path in files:
        match = YEAR_FILE.match(path.name)
        assert match  # target_files checked the name
        rows = _read_rows(path)
        if not rows:
            continue
        columns = _header_map(path, rows[0])
        seen: dict[tuple[str, str | None, str | None], int] = {}
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = {name: row[index] if index < len(row) else "" for name, index in columns.items()}
            target = _checked_row(path, int(match.group(1)), line, cells, indicators, communities)
            key = (target.indicator_code, target.community_code, target.grain)
            if key in seen:
                raise ConfigError(
                    _(
                        "targets file {file}, row {row}: the same indicator, community and grain as row {first}"
                    ).format(file=path, row=line, first=seen[key])
                )
            seen[key] = line
            out.append(target)
    return out


def targets_digest(targets: Iterable[Target]) -> str:
    """SHA-256 of the targets (part of the build's fingerprint: changed targets rebuild the marts)."""
    payload = json.dumps([asdict(t) for t in targets], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def write_targets(settings: Settings, targets: Iterable[Target]) -> None:
    """Replace ``raw.indicator_targets`` in the working warehouse with these targets."""
    rows = [list(asdict(t).values()) for t in targets]
    con = connect(settings)
    try:
        con.execute("begin")
        con.execute(DDL)
        if rows:
            con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    finally:
        con.close()
