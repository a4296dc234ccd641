"""The draft's "N余" rule: ``{CODE:余}`` writes a count rounded down to its leading digit's magnitude
plus 余, chosen per placeholder; ``{CODE}`` stays exact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rolwh.core.settings import Settings
from rolwh.report.draft import DraftError, draft_context
from rolwh.report.formatting import format_approximate


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (53, "50余"),
        (34, "30余"),
        (12, "10余"),
        (215, "200余"),
        (30450, "30000余"),
        (10, "10"),  # already round: "10余" would claim more than there is
        (200, "200"),
        (9, "9"),  # below 10: exact
        (1, "1"),
        (0, "0"),
        (99.0, "90余"),
        (None, "—"),
    ],
)
def test_n_yu_rounds_down_to_the_leading_digit(value: float | None, text: str) -> None:
    assert format_approximate(value) == text


def _template(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    import rolwh.report.draft as draft

    path = tmp_path / "sentences.toml"
    shutil.copy(draft.SENTENCES_FILE, path)
    path.write_text(path.read_text(encoding="utf-8") + f'\n[[paragraphs]]\ntext = "{text}"\n', "utf-8")
    monkeypatch.setattr(draft, "SENTENCES_FILE", path)


def _last_sentence(settings: Settings) -> str:
    paragraphs = draft_context(settings, 2024)["paragraphs"]
    assert isinstance(paragraphs, list)
    return "".join(s.text for s in paragraphs[-1]["segments"])


def test_the_office_chooses_n_yu_per_placeholder(
    published: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _template(
        monkeypatch, tmp_path, "受理{CR_RECEIVED}件，约{CR_RECEIVED:余}件，排查{DS_MAJOR_SCREENED:余}次。"
    )
    assert _last_sentence(published) == "受理476件，约400余件，排查100余次。"


@pytest.mark.parametrize("placeholder", ["{CR_SUCCESS_RATE:余}", "{CR_RECEIVED:约}"])
def test_n_yu_on_a_ratio_or_another_modifier_is_an_error(
    published: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, placeholder: str
) -> None:
    _template(monkeypatch, tmp_path, f"共{placeholder}。")
    with pytest.raises(DraftError, match="只能用于计数类指标"):
        draft_context(published, 2024)


def test_an_optional_paragraph_waits_for_its_indicators(
    published: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _template(monkeypatch, tmp_path, "受理{CR_RECEIVED}件。")
    import rolwh.report.draft as draft

    path = draft.SENTENCES_FILE
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\n[[paragraphs]]\noptional = true\ntext = "共{NO_SUCH_FEED_CODE}件。"\n',
        "utf-8",
    )
    assert _last_sentence(published) == "受理476件。"  # left out, not an error
