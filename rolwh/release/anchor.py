"""The release key and each release's anchor: an HMAC-SHA256 of its ``manifest.json`` bytes.

A release's checksums (``manifest.json``, ``manifest.sha256``, ``releases/ledger.jsonl``) all live
under ``ROLWH_HOME``: whoever can rewrite one can rewrite them all consistently. The anchor cannot
be recomputed without the **release key**, which is kept outside ``ROLWH_HOME``:

* ``ROLWH_RELEASE_KEY`` (>= 32 characters), else
* ``ROLWH_RELEASE_KEY_FILE``, default ``$XDG_CONFIG_HOME/rolwh/release.key`` (``~/.config/…``),
  mode 0600, created by the first ``rolwh freeze`` (or ``rolwh anchor``). A key file that resolves
  under ``ROLWH_HOME`` is refused.

Each release holds ``manifest.hmac``: ``hmac-sha256 <hex> key-id <16 hex>``. The key id (a hash of
the key, not the key) tells "another key" apart from "a rewritten manifest".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from rolwh.core.errors import ReleaseKeyError
from rolwh.core.i18n import _
from rolwh.core.settings import MIN_KEY_LENGTH, Settings, default_release_key_file

ANCHOR_FILE = "manifest.hmac"
MANIFEST_FILE = "manifest.json"
KEY_ID_LABEL = b"rolwh-release-key-id\n"


@dataclass(frozen=True)
class ReleaseKey:
    secret: bytes
    source: str  # "ROLWH_RELEASE_KEY" or the key file's path
    created: bool = False

    @property
    def key_id(self) -> str:
        return hashlib.sha256(KEY_ID_LABEL + self.secret).hexdigest()[:16]

    def sign(self, data: bytes) -> str:
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()

    def created_note(self) -> str:
        return _(
            "created the release key {path} (mode 0600): back it up outside this machine; "
            "without it no release can be verified"
        ).format(path=self.source)


def key_path(settings: Settings) -> Path:
    """Where the release key file is (whether it exists or not)."""
    return settings.release_key_file or default_release_key_file()


def load_key(settings: Settings, *, create: bool = False) -> ReleaseKey | None:
    """The release key; None if there is none (``create`` makes a new 0600 key file instead)."""
    if settings.release_key_env:
        if len(settings.release_key_env) < MIN_KEY_LENGTH:
            raise ReleaseKeyError(
                _("ROLWH_RELEASE_KEY is shorter than {n} characters").format(n=MIN_KEY_LENGTH)
            )
        return ReleaseKey(settings.release_key_env.encode(), "ROLWH_RELEASE_KEY")
    path = key_path(settings)
    if path.resolve().is_relative_to(settings.home.resolve()):
        raise ReleaseKeyError(
            _(
                "the release key file {path} is under ROLWH_HOME ({home}), where one rewrite "
                "could replace it with the releases: set ROLWH_RELEASE_KEY_FILE to a path outside it"
            ).format(path=path, home=settings.home)
        )
    created = False
    if not path.exists():
        if not create:
            return None
        created = _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ReleaseKeyError(
            _("release key file {path} is readable by others (mode {mode:o}); chmod 600 it").format(
                path=path, mode=mode
            )
        )
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_KEY_LENGTH:
        raise ReleaseKeyError(
            _("release key in {path} is shorter than {n} characters").format(path=path, n=MIN_KEY_LENGTH)
        )
    return ReleaseKey(secret.encode(), str(path), created)


def _create_key_file(path: Path) -> bool:
    """Write a new random key to ``path`` (0600), complete or not at all; False if another process
    created it first (then that key is used)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        os.link(tmp, path)  # fails if the key appeared meanwhile: never replace a key
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def missing_key_message(settings: Settings) -> str:
    return _(
        "no release key (ROLWH_RELEASE_KEY unset, no file {path}): restore the key file "
        "from your backup or set ROLWH_RELEASE_KEY_FILE to it"
    ).format(path=key_path(settings))


def write_anchor(folder: Path, key: ReleaseKey) -> None:
    """Write ``manifest.hmac`` of the release in ``folder`` (which must be writable)."""
    digest = key.sign((folder / MANIFEST_FILE).read_bytes())
    (folder / ANCHOR_FILE).write_text(f"hmac-sha256 {digest} key-id {key.key_id}\n", encoding="utf-8")


def is_anchored(folder: Path) -> bool:
    return (folder / ANCHOR_FILE).exists()


def anchor_problem(folder: Path, key: ReleaseKey | None, settings: Settings) -> str | None:
    """Why the anchor of an anchored release does not hold, or None if it does."""
    try:
        kind, digest, label, key_id = (folder / ANCHOR_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError, ValueError):
        return _unreadable_anchor()
    if kind != "hmac-sha256" or label != "key-id":
        return _unreadable_anchor()
    if key is None:
        return _("cannot check the anchor: {why}").format(why=missing_key_message(settings))
    if key_id != key.key_id:
        return _(
            "anchored under another release key ({file} names key id {key_id}, this key is "
            "{this_key}, from {source}): use the key it was frozen under"
        ).format(file=ANCHOR_FILE, key_id=key_id, this_key=key.key_id, source=key.source)
    if not hmac.compare_digest(digest, key.sign((folder / MANIFEST_FILE).read_bytes())):
        return _(
            "anchor does not match manifest.json: the manifest (or {file}) was rewritten after the freeze"
        ).format(file=ANCHOR_FILE)
    return None


def _unreadable_anchor() -> str:
    return _("{file} is unreadable (expected `hmac-sha256 <hex> key-id <id>`)").format(file=ANCHOR_FILE)
