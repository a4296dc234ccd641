"""The nightly build takes in only what is new: nothing new → dbt is not run; one feed with new
rows → only what is downstream of it; a build that failed or was killed → everything again."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolwh.core.i18n import _
from rolwh.core.settings import Settings, load_settings
from rolwh.transform.build import build
from rolwh.transform.build_state import INCOMPLETE_MARKER
from tests.dbt.dbt_rawdata import D, insert_rows, load_batch_a, load_into

TEST_KEY = "test-key-0123456789abcdef0123456789abcdef"


def _sessions(settings: Settings) -> float:
    from rolwh.core.warehouse import connect

    con = connect(settings, read_only=True)
    try:
        return con.execute(
            "select sum(numerator) from marts.fct_indicator_annual"
            " where indicator_code = 'TR_MEDIATOR_TRAINING_PT' and community_code = 'ALL'"
        ).fetchone()[0]
    finally:
        con.close()


def _new_session(con) -> None:
    row = {"session_no": "S9", "session_date": D("2024-05-20"), "session_type": "调解员轮训", "attendees": 7}
    insert_rows(
        con,
        "study_sessions",
        [row],
        file_name="学法活动_20240531.xlsx",
        export_date="2024-05-31",
        load_id="L9",
    )


@pytest.mark.slow
def test_nightly_builds_only_what_is_downstream_of_new_rows(tmp_path: Path) -> None:
    settings = load_settings({"ROLWH_HOME": str(tmp_path / "home"), "ROLWH_KEY": TEST_KEY})
    settings.ensure_dirs()
    load_into(settings, load_batch_a)
    first = build(settings)  # the first whole build, with docs
    assert first.ok and first.skipped is None and first.docs_generated
    before = _sessions(settings)

    nothing_new = build(settings)
    assert nothing_new.ok and nothing_new.skipped and nothing_new.nodes == ()
    said = _("dbt build not run: {why}").split("{")[0]  # in the reader's language
    assert nothing_new.docs_generated and nothing_new.render().startswith(said)

    load_into(settings, _new_session)
    one_feed = build(settings)
    assert one_feed.ok and "source:raw.study_sessions+" in one_feed.command
    built = {n.name for n in one_feed.nodes if n.resource_type == "model"}
    assert "stg_training__study_session_versions" in built and "fct_indicator_annual" in built
    # the dictionary is read from its seed table, which this build does not rebuild
    assert "int_indicator_observations" in built and "indicators" not in {n.name for n in one_feed.nodes}
    assert "stg_court__referral_versions" not in built and "stg_petition__disputes" not in built
    assert _sessions(settings) == before + 7

    (settings.dbt_target_dir / INCOMPLETE_MARKER).touch()  # as a failed or killed build leaves it
    after_failure = build(settings)
    assert after_failure.ok and "--select" not in after_failure.command
    assert "stg_court__referral_versions" in {n.name for n in after_failure.nodes}
    assert not (settings.dbt_target_dir / INCOMPLETE_MARKER).exists()
    assert build(settings).skipped
