"""Every setting of rolwh in one place: environment variables with documented defaults.

| variable             | default                              | what                                   |
|----------------------|--------------------------------------|----------------------------------------|
| ``ROLWH_HOME``       | ``<repo>/var``                       | state: warehouse, audit, quarantine,   |
|                      |                                      | releases, reports, logs                |
| ``ROLWH_LANDING``    | ``$ROLWH_HOME/landing``              | the landing area, one folder per feed  |
| ``ROLWH_KEY``        | (unset)                              | pseudonymisation key (>= 32 chars)     |
| ``ROLWH_KEY_FILE``   | ``$ROLWH_HOME/secrets/pseudonym.key``| file holding the key (mode 0600)       |
| ``ROLWH_DUCKDB_MEMORY_LIMIT`` | ``2GB``                     | DuckDB ``memory_limit`` of the writer  |
| ``ROLWH_DUCKDB_THREADS`` | (DuckDB default)                 | DuckDB ``threads`` of the writer       |
| ``ROLWH_SERVING_GRACE_HOURS`` | ``24``                      | keep superseded serving versions this  |
|                      |                                      | long for readers still holding them    |
| ``ROLWH_SQL_MEMORY_LIMIT`` | ``1GB``                        | DuckDB ``memory_limit`` of `rolwh sql` |
| ``ROLWH_SQL_MAX_TEMP_SIZE`` | ``1GB``                       | cap on what one `rolwh sql` query may  |
|                      |                                      | spill (``max_temp_directory_size``)    |
| ``ROLWH_SQL_TEMP_ROOT`` | the system temp folder (``TMPDIR``) | where `rolwh sql` makes its private  |
|                      |                                      | spill folder (mode 0700, removed after) |
| ``ROLWH_SQL_TIMEOUT`` | ``60``                              | default ``--timeout`` of `rolwh sql`   |
| ``ROLWH_SETTLE_SECONDS`` | ``60``                           | a landing file is taken only when its  |
|                      |                                      | mtime is at least this old (complete)  |
| ``ROLWH_RELEASE_KEY`` | (unset)                             | release key: HMAC anchor of releases   |
| ``ROLWH_RELEASE_KEY_FILE`` | ``~/.config/rolwh/release.key``| file holding it (0600), never under    |
|                      | (``$XDG_CONFIG_HOME`` if set)        | ``ROLWH_HOME``                         |

Python reads them through :func:`load_settings`; dbt reads the paths through the environment that
:meth:`Settings.dbt_env` builds (``{{ env_var('ROLWH_WAREHOUSE_PATH') }}`` in ``profiles.yml``).
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import stat
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from rolwh.core.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
#: The shipped targets (目标), one ``<year>.csv`` each; a file of the same name in
#: ``Settings.targets_dir`` replaces one (docs/targets.md).
DEFAULT_TARGETS_DIR = REPO_ROOT / "targets"
#: The 1-slot Airflow pool every task that writes the DuckDB warehouse runs in (one writer at a time).
WRITER_POOL = "rolwh_duckdb_writer"
MIN_KEY_LENGTH = 32
#: A key must also use at least this many distinct characters and carry at least this much Shannon
#: entropy per character (of its own character frequencies): 32 spaces (1 distinct, 0 bits), "0"*32
#: or "ab"*16 (1 bit) are refused. A random key of 32 hex digits has >= 8 distinct digits and
#: >= 2.5 bits per character in practice (not one of 200 000 draws fell below); the recommended
#: ``secrets.token_hex(32)`` (64 hex digits) has >= 13 distinct and >= 3.3 bits.
MIN_KEY_DISTINCT = 8
MIN_KEY_BITS_PER_CHAR = 2.5

log = logging.getLogger(__name__)
_key_source_said: set[tuple[str, str]] = set()


def key_bits_per_char(key: str) -> float:
    """Shannon entropy of ``key``'s own character frequencies, in bits per character."""
    n = len(key)
    return -sum(c / n * math.log2(c / n) for c in Counter(key).values()) if n else 0.0


def key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to pseudonymise with (never quoting it), None if it is strong enough."""
    if len(key) < MIN_KEY_LENGTH:
        return f"is shorter than {MIN_KEY_LENGTH} characters"
    distinct = len(set(key))
    if distinct < MIN_KEY_DISTINCT:
        return f"uses only {distinct} distinct characters (at least {MIN_KEY_DISTINCT} needed)"
    bits = key_bits_per_char(key)
    if bits < MIN_KEY_BITS_PER_CHAR:
        return f"has {bits:.1f} bits of entropy per character (at least {MIN_KEY_BITS_PER_CHAR} needed)"
    return None


def new_key() -> str:
    """A fresh random key (64 hex digits) that passes :func:`key_problem`."""
    while True:
        key = secrets.token_hex(32)
        if key_problem(key) is None:
            return key


KEY_HOWTO = "make one with `python -c 'import secrets; print(secrets.token_hex(32))'`"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    key_file: Path
    key_env: str | None = None
    memory_limit: str = "2GB"
    threads: int | None = None
    serving_grace_hours: float = 24.0
    sql_memory_limit: str = "1GB"
    sql_max_temp_size: str = "1GB"
    sql_temp_root: Path | None = None  # None: the system temp folder
    sql_timeout: float = 60.0
    settle_seconds: float = 60.0
    release_key_file: Path | None = None  # None: the default outside ROLWH_HOME (see release_anchor)
    release_key_env: str | None = field(default=None, repr=False)  # a secret: never in a repr or log

    # -- state layout -------------------------------------------------------------------------
    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        """The working DuckDB file: the single writer ingests and builds here."""
        return self.warehouse_dir / "rolwh.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def releases_dir(self) -> Path:
        return self.home / "releases"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def docs_dir(self) -> Path:
        """Docs that open offline from disk: ``dbt.html`` (dbt docs, one file) and ``quality.html``."""
        return self.home / "docs"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def targets_dir(self) -> Path:
        """The district's targets files (``<year>.csv``), each replacing the shipped one of its year."""
        return self.home / "targets"

    @property
    def lock_path(self) -> Path:
        return self.home / "run.lock"

    def ensure_dirs(self) -> None:
        for d in (self.home, self.warehouse_dir, self.quarantine_dir, self.logs_dir, self.landing):
            d.mkdir(parents=True, exist_ok=True)

    # -- the pseudonymisation key -------------------------------------------------------------
    def key(self, *, create: bool = False) -> bytes:
        """The HMAC key: ``ROLWH_KEY``, else the key file; ``create`` makes a 0600 file (demo).

        A weak key (see :func:`key_problem`) is refused. When both ``ROLWH_KEY`` and the key file
        are there, which one is used is logged (a warning: on stderr from the CLI, in the task log
        under Airflow), once per process: never silently.
        """
        if self.key_env:
            self._say_key_source()
            return self._checked(self.key_env, "ROLWH_KEY")
        if not self.key_file.exists():
            if not create:
                raise SettingsError(
                    f"no pseudonymisation key: set ROLWH_KEY or write one to {self.key_file} (mode 0600); "
                    + KEY_HOWTO
                )
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key() + "\n")
        mode = stat.S_IMODE(self.key_file.stat().st_mode)
        if mode & 0o077:
            raise SettingsError(
                f"key file {self.key_file} is readable by others (mode {mode:o}); chmod 600 it"
            )
        return self._checked(self.key_file.read_text().strip(), f"the key in {self.key_file}")

    def key_source(self) -> str:
        """Where :meth:`key` takes the key from, in words."""
        if self.key_env:
            if self.key_file.exists():
                return f"ROLWH_KEY (the key file {self.key_file} also exists and is NOT used)"
            return "ROLWH_KEY"
        return f"the key file {self.key_file}"

    def _say_key_source(self) -> None:
        said = (str(self.key_file), self.key_env or "")
        if self.key_file.exists() and said not in _key_source_said:
            _key_source_said.add(said)
            log.warning("pseudonymisation key: using %s", self.key_source())

    @staticmethod
    def _checked(key: str, source: str) -> bytes:
        problem = key_problem(key)
        if problem:
            raise SettingsError(f"{source} {problem}: too weak to pseudonymise with; {KEY_HOWTO}")
        return key.encode()

    @property
    def sql_temp_parent(self) -> Path:
        """Where `rolwh sql` creates its private spill folder (outside every published folder)."""
        return self.sql_temp_root or Path(tempfile.gettempdir())

    # -- for subprocesses (dbt, airflow) ------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The variables that reproduce these settings in a child process."""
        env = {
            "ROLWH_HOME": str(self.home),
            "ROLWH_LANDING": str(self.landing),
            "ROLWH_KEY_FILE": str(self.key_file),
            "ROLWH_DUCKDB_MEMORY_LIMIT": self.memory_limit,
            "ROLWH_SERVING_GRACE_HOURS": str(self.serving_grace_hours),
            "ROLWH_SQL_MEMORY_LIMIT": self.sql_memory_limit,
            "ROLWH_SQL_MAX_TEMP_SIZE": self.sql_max_temp_size,
            "ROLWH_SQL_TIMEOUT": str(self.sql_timeout),
            "ROLWH_SETTLE_SECONDS": str(self.settle_seconds),
        }
        if self.sql_temp_root:
            env["ROLWH_SQL_TEMP_ROOT"] = str(self.sql_temp_root)
        if self.threads:
            env["ROLWH_DUCKDB_THREADS"] = str(self.threads)
        if self.release_key_file is not None:
            env["ROLWH_RELEASE_KEY_FILE"] = str(self.release_key_file)
        return env

    def dbt_env(self) -> dict[str, str]:
        """What ``dbt_project/profiles.yml`` reads."""
        return {
            **self.env(),
            "ROLWH_WAREHOUSE_PATH": str(self.warehouse_path),
            "ROLWH_DUCKDB_THREADS_DBT": str(self.threads or 2),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.dbt_log_dir),
        }


def default_release_key_file() -> Path:
    """The release key file when ``ROLWH_RELEASE_KEY_FILE`` is unset: outside every ROLWH_HOME, in the
    user's configuration folder (``$XDG_CONFIG_HOME`` or ``~/.config``)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "rolwh" / "release.key"


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``env`` (default ``os.environ``); keyword overrides win (CLI flags)."""
    env = os.environ if env is None else env
    home = Path(str(overrides.get("home") or env.get("ROLWH_HOME") or REPO_ROOT / "var")).resolve()
    landing = Path(str(overrides.get("landing") or env.get("ROLWH_LANDING") or home / "landing")).resolve()
    key_file = Path(str(env.get("ROLWH_KEY_FILE") or home / "secrets" / "pseudonym.key"))
    threads = env.get("ROLWH_DUCKDB_THREADS")
    sql_temp_root = env.get("ROLWH_SQL_TEMP_ROOT")
    release_key_file = env.get("ROLWH_RELEASE_KEY_FILE")
    return Settings(
        home=home,
        landing=landing,
        key_file=key_file,
        key_env=env.get("ROLWH_KEY") or None,
        memory_limit=env.get("ROLWH_DUCKDB_MEMORY_LIMIT", "2GB"),
        threads=int(threads) if threads else None,
        serving_grace_hours=float(env.get("ROLWH_SERVING_GRACE_HOURS", "24")),
        sql_memory_limit=env.get("ROLWH_SQL_MEMORY_LIMIT", "1GB"),
        sql_max_temp_size=env.get("ROLWH_SQL_MAX_TEMP_SIZE", "1GB"),
        sql_temp_root=Path(sql_temp_root).resolve() if sql_temp_root else None,
        sql_timeout=float(env.get("ROLWH_SQL_TIMEOUT", "60")),
        settle_seconds=float(env.get("ROLWH_SETTLE_SECONDS", "60")),
        release_key_file=Path(release_key_file).expanduser() if release_key_file else None,
        release_key_env=env.get("ROLWH_RELEASE_KEY") or None,
    )


# -- orchestration and tenants (read by the DAG files and rolwh.orchestration.tenants) ---------------------------
def task_retries(env: Mapping[str, str] | None = None) -> int:
    """``ROLWH_TASK_RETRIES`` (default 2): tries of an Airflow task after a transient failure."""
    env = os.environ if env is None else env
    return int(env.get("ROLWH_TASK_RETRIES", "2"))


def tenant_parallelism(env: Mapping[str, str] | None = None) -> int:
    """``ROLWH_TENANT_PARALLELISM`` (default 4): tenants the district DAG runs at once."""
    env = os.environ if env is None else env
    return int(env.get("ROLWH_TENANT_PARALLELISM", "4"))


def tenants_root(env: Mapping[str, str] | None = None) -> Path:
    """``ROLWH_TENANTS_ROOT`` (default ``<repo>/var/tenants``): one ROLWH_HOME per subdistrict below it."""
    env = os.environ if env is None else env
    return Path(env.get("ROLWH_TENANTS_ROOT") or REPO_ROOT / "var" / "tenants").resolve()


def dag_default_args(retry_minutes: int = 1, max_retry_minutes: int = 20) -> dict[str, object]:
    """Airflow ``default_args`` of every rolwh DAG: owner, retries with exponential back-off."""

    return {
        "owner": "rolwh",
        "retries": task_retries(),
        "retry_delay": timedelta(minutes=retry_minutes),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=max_retry_minutes),
    }


# -- notifications (read by rolwh.orchestration.notify) ----------------------------------------------------------
#: Webhook message shapes: a generic JSON object, or the Enterprise WeChat / DingTalk robots' markdown.
WEBHOOK_PRESETS = ("generic", "wecom", "dingtalk")


@dataclass(frozen=True)
class NotifySettings:
    """Where the nightly run's failure, block and attention notices go (nowhere when all unset).

    | variable | default | what |
    |---|---|---|
    | ``ROLWH_NOTIFY_SMTP_HOST`` / ``_PORT`` | — / ``25`` | the SMTP server (e-mail off without a host) |
    | ``ROLWH_NOTIFY_SMTP_USER`` / ``_PASSWORD`` | — | login, when the server needs one |
    | ``ROLWH_NOTIFY_SMTP_STARTTLS`` | ``false`` | ``true``: STARTTLS before login |
    | ``ROLWH_NOTIFY_FROM`` / ``ROLWH_NOTIFY_TO`` | ``rolwh@localhost`` / — | sender; recipients, comma-separated |
    | ``ROLWH_NOTIFY_WEBHOOK_URL`` | — | a JSON webhook (off when unset) |
    | ``ROLWH_NOTIFY_WEBHOOK_PRESET`` | ``generic`` | ``generic``, ``wecom`` (企业微信) or ``dingtalk`` (钉钉) |
    | ``ROLWH_NOTIFY_TIMEOUT`` | ``10`` | seconds per channel |
    """

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)  # a secret: never in a repr or log
    smtp_starttls: bool = False
    mail_from: str = "rolwh@localhost"
    mail_to: tuple[str, ...] = ()
    webhook_url: str | None = field(default=None, repr=False)  # robot URLs carry their access token
    webhook_preset: str = "generic"
    timeout: float = 10.0

    @property
    def email(self) -> bool:
        return bool(self.smtp_host and self.mail_to)


def notify_settings(env: Mapping[str, str] | None = None) -> NotifySettings:
    """The ``ROLWH_NOTIFY_*`` settings (see :class:`NotifySettings`); a bad value is a SettingsError."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        return (env.get(f"ROLWH_NOTIFY_{name}") or "").strip() or None

    preset = (get("WEBHOOK_PRESET") or "generic").lower()
    if preset not in WEBHOOK_PRESETS:
        raise SettingsError(f"ROLWH_NOTIFY_WEBHOOK_PRESET must be one of {', '.join(WEBHOOK_PRESETS)}")
    try:
        port, timeout = int(get("SMTP_PORT") or 25), float(get("TIMEOUT") or 10)
    except ValueError as exc:
        raise SettingsError(f"ROLWH_NOTIFY_SMTP_PORT / ROLWH_NOTIFY_TIMEOUT must be numbers ({exc})") from None
    return NotifySettings(
        smtp_host=get("SMTP_HOST"),
        smtp_port=port,
        smtp_user=get("SMTP_USER"),
        smtp_password=get("SMTP_PASSWORD"),
        smtp_starttls=(get("SMTP_STARTTLS") or "").lower() in ("1", "true", "yes", "on"),
        mail_from=get("FROM") or "rolwh@localhost",
        mail_to=tuple(a.strip() for a in (get("TO") or "").split(",") if a.strip()),
        webhook_url=get("WEBHOOK_URL"),
        webhook_preset=preset,
        timeout=timeout,
    )
