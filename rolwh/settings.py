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
| ``ROLWH_RELEASE_KEY`` | (unset)                             | release key: HMAC anchor of releases   |
| ``ROLWH_RELEASE_KEY_FILE`` | ``~/.config/rolwh/release.key``| file holding it (0600), never under    |
|                      | (``$XDG_CONFIG_HOME`` if set)        | ``ROLWH_HOME``                         |

Python reads them through :func:`load_settings`; dbt reads the paths through the environment that
:meth:`Settings.dbt_env` builds (``{{ env_var('ROLWH_WAREHOUSE_PATH') }}`` in ``profiles.yml``).
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rolwh.errors import RolwhError

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
MIN_KEY_LENGTH = 32


class SettingsError(RolwhError):
    """A setting is missing or unusable; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    key_file: Path
    key_env: str | None = None
    memory_limit: str = "2GB"
    threads: int | None = None
    serving_grace_hours: float = 24.0
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
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def lock_path(self) -> Path:
        return self.home / "run.lock"

    def ensure_dirs(self) -> None:
        for d in (self.home, self.warehouse_dir, self.quarantine_dir, self.logs_dir, self.landing):
            d.mkdir(parents=True, exist_ok=True)

    # -- the pseudonymisation key -------------------------------------------------------------
    def key(self, *, create: bool = False) -> bytes:
        """The HMAC key: ``ROLWH_KEY``, else the key file; ``create`` makes a 0600 file (demo)."""
        if self.key_env:
            if len(self.key_env) < MIN_KEY_LENGTH:
                raise SettingsError(f"ROLWH_KEY is shorter than {MIN_KEY_LENGTH} characters")
            return self.key_env.encode()
        if not self.key_file.exists():
            if not create:
                raise SettingsError(
                    f"no pseudonymisation key: set ROLWH_KEY or write one to {self.key_file} "
                    "(mode 0600), e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`"
                )
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        mode = stat.S_IMODE(self.key_file.stat().st_mode)
        if mode & 0o077:
            raise SettingsError(
                f"key file {self.key_file} is readable by others (mode {mode:o}); chmod 600 it"
            )
        key = self.key_file.read_text().strip()
        if len(key) < MIN_KEY_LENGTH:
            raise SettingsError(f"key in {self.key_file} is shorter than {MIN_KEY_LENGTH} characters")
        return key.encode()

    # -- for subprocesses (dbt, airflow) ------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The variables that reproduce these settings in a child process."""
        env = {
            "ROLWH_HOME": str(self.home),
            "ROLWH_LANDING": str(self.landing),
            "ROLWH_KEY_FILE": str(self.key_file),
            "ROLWH_DUCKDB_MEMORY_LIMIT": self.memory_limit,
            "ROLWH_SERVING_GRACE_HOURS": str(self.serving_grace_hours),
        }
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


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``env`` (default ``os.environ``); keyword overrides win (CLI flags)."""
    env = os.environ if env is None else env
    home = Path(str(overrides.get("home") or env.get("ROLWH_HOME") or REPO_ROOT / "var")).resolve()
    landing = Path(str(overrides.get("landing") or env.get("ROLWH_LANDING") or home / "landing")).resolve()
    key_file = Path(str(env.get("ROLWH_KEY_FILE") or home / "secrets" / "pseudonym.key"))
    threads = env.get("ROLWH_DUCKDB_THREADS")
    release_key_file = env.get("ROLWH_RELEASE_KEY_FILE")
    return Settings(
        home=home,
        landing=landing,
        key_file=key_file,
        key_env=env.get("ROLWH_KEY") or None,
        memory_limit=env.get("ROLWH_DUCKDB_MEMORY_LIMIT", "2GB"),
        threads=int(threads) if threads else None,
        serving_grace_hours=float(env.get("ROLWH_SERVING_GRACE_HOURS", "24")),
        release_key_file=Path(release_key_file).expanduser() if release_key_file else None,
        release_key_env=env.get("ROLWH_RELEASE_KEY") or None,
    )


# -- orchestration and tenants (read by the DAG files and rolwh.tenants) ---------------------------
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
    from datetime import timedelta

    return {
        "owner": "rolwh",
        "retries": task_retries(),
        "retry_delay": timedelta(minutes=retry_minutes),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=max_retry_minutes),
    }
