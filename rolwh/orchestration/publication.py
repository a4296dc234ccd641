"""Publishing the working warehouse's marts with the checks that may hold it, and a freeze that
republishes at once. The caller holds the writer lock (rolwh.orchestration.lock)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rolwh.core.i18n import _
from rolwh.core.settings import Settings
from rolwh.release.frozen import frozen_release_vars
from rolwh.release.verify import release_attention
from rolwh.release.write import Release, freeze
from rolwh.report import write_dashboards
from rolwh.serving import closed_periods
from rolwh.serving.publish import publish
from rolwh.transform.build import refresh_frozen


@dataclass
class PublishOutcome:
    """What the publish step did: published or held, and what needs an operator."""

    published: bool
    summary: str
    attention: list[str] = field(default_factory=list)


def publish_checked(settings: Settings, *, accept_lower_closed_periods: str | None = None) -> PublishOutcome:
    """Publish unless lower closed-period counts are unexplained (then hold the last publication);
    releases that fail verification are left out of the frozen mart and named for the operator."""

    refused, warnings = release_attention(settings)
    held = closed_periods.check(settings)
    warned = [_("warning: {warning}").format(warning=w) for w in warnings]
    if held.held and not accept_lower_closed_periods:
        text = _("nothing published: lower counts in closed periods (see needs attention)")
        return PublishOutcome(False, "\n".join([text, *warned]), [held.render(), *refused])
    notes = [held.render(), *warned]
    if held.held:
        closed_periods.record_acceptance(settings, held, str(accept_lower_closed_periods))
        notes.append(
            _("lower closed-period counts accepted ({why}); recorded in {table}").format(
                why=accept_lower_closed_periods, table=closed_periods.ACCEPT_TABLE
            )
        )
    result = publish(settings)
    return PublishOutcome(True, "\n".join([result.render(), _write_dashboards(settings), *notes]), refused)


def _write_dashboards(settings: Settings) -> str:
    """After publishing: the dashboards of every published year (readers use the new version)."""

    paths = write_dashboards(settings)
    return _("dashboards: {paths}").format(paths=", ".join(str(p) for p in paths))


def freeze_and_republish(
    settings: Settings, year: int, reason: str | None = None
) -> tuple[Release, PublishOutcome]:
    """Freeze ``year``, rebuild the frozen mart from the releases and publish, so the serving file
    shows the new release at once (not after the next nightly run). The caller holds the lock."""
    release = freeze(settings, year=year, reason=reason)
    refresh_frozen(settings, frozen_release_vars(settings))
    return release, publish_checked(settings)
