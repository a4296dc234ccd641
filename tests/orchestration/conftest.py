"""Fixtures of the orchestration tests: the parsed DAGs and an embedded Airflow environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rolwh.core.settings import Settings, load_settings


@pytest.fixture(scope="session")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    """The repository's dags/ parsed once, as the dag-processor parses it."""
    from rolwh.orchestration.airflow_local import airflow_env

    home = tmp_path_factory.mktemp("dagbag-home")
    env = airflow_env(load_settings({"ROLWH_HOME": str(home)}))
    for key in ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES"):
        os.environ.setdefault(key, env[key])
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=env["AIRFLOW__CORE__DAGS_FOLDER"])


@pytest.fixture
def landing_settings(settings: Settings) -> Settings:
    """``settings`` with a small generated demo landing area (needs rolwh.demo_data)."""
    from rolwh.demo_data import generate

    generate(settings.landing, seed=7, scale=1)
    assert any(p.is_file() for p in Path(settings.landing).rglob("*"))
    return settings
