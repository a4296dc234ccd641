"""Static listing pages: ``reports/<year>/explain/<CODE>.html``, the records behind each figure.

One page per record-based indicator of the year (marts.fct_indicator_records): a section per
period (quarters and the year) anchored as the street's figure (``2024Q1-ALL``), holding one
table per community anchored as that community's figure (``2024Q1-JJ01``; see :func:`anchor`). The dashboard and the HTML draft link each figure to
its section (:func:`explain_href`). Pseudonyms only: the mart holds no personal value.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from rolwh.core.i18n import _
from rolwh.report.templates import environment
from rolwh.serving.explain import COLUMNS, year_records

if TYPE_CHECKING:
    import duckdb

#: The pages' folder inside ``reports/<year>/``.
EXPLAIN_DIR = "explain"
#: The street total: every community's records.
STREET = "ALL"
#: A section id in a listing page.
_ID = re.compile(r'<(?:section|div) id="([^"]+)"')


def anchor(period: str, community: str = STREET) -> str:
    """The section id of a figure: ``2024Q1-JJ01``, ``2024-ALL``."""
    return f"{period}-{community}"


@cache
def _anchors(page: Path, mtime_ns: int) -> frozenset[str]:
    """The section ids of a listing page (as written at ``mtime_ns``)."""
    return frozenset(_ID.findall(page.read_text(encoding="utf-8")))


def explain_href(out_dir: Path, code: str, period: str, community: str = STREET) -> str | None:
    """The link from a page in ``out_dir`` to the records behind a figure, or None when there are
    none listed (not a record-based indicator, or no record for that period and community)."""
    page = out_dir / EXPLAIN_DIR / f"{code}.html"
    if not page.exists() or anchor(period, community) not in _anchors(page, page.stat().st_mtime_ns):
        return None
    return f"{EXPLAIN_DIR}/{code}.html#{anchor(period, community)}"


def write_explain_pages(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> list[Path]:
    """Write the year's listing pages into ``out_dir/explain`` (replacing the folder's pages)."""
    by_code: dict[str, dict[str, dict[str, list[tuple]]]] = defaultdict(lambda: defaultdict(dict))
    position = {column: i for i, (column, _header) in enumerate(COLUMNS)}
    for code, *cells in year_records(con, year):
        row = tuple(cells)
        period, community = row[position["period"]], row[position["community_code"]]
        by_code[code][period].setdefault(community, []).append(row)
    folder = out_dir / EXPLAIN_DIR
    shutil.rmtree(folder, ignore_errors=True)
    if not by_code:
        return []
    folder.mkdir(parents=True)
    template = environment().get_template("explain.html")
    headers = [_(header) for _column, header in COLUMNS]
    paths = []
    for code, periods in sorted(by_code.items()):
        html = template.render(
            year=year,
            code=code,
            headers=headers,
            periods=[
                {
                    "id": anchor(period),
                    "period": period,
                    "count": sum(len(rows) for rows in communities.values()),
                    "communities": [
                        {"id": anchor(period, community), "community": community, "rows": rows}
                        for community, rows in sorted(communities.items())
                    ],
                }
                for period, communities in sorted(periods.items())
            ],
        )
        target = folder / f"{code}.html"
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
        paths.append(target)
    return paths
