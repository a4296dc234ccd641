# rolwh: the project and Airflow 3 (celery, postgres, redis extras) installed exactly from uv.lock.
# One image for every service of docker-compose.yaml (api-server, scheduler, dag-processor,
# triggerer, celery workers, init). Build: docker-compose build (or docker build -t rolwh-airflow .)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/rolwh/.venv \
    PATH=/opt/rolwh/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    ROLWH_HOME=/var/lib/rolwh \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

# The same uv as the lock's dev group pins.
RUN pip install --no-cache-dir uv==0.9.0 \
    && groupadd --gid 50000 airflow \
    && useradd --uid 50000 --gid airflow --create-home --home-dir /home/airflow airflow \
    && mkdir -p /opt/rolwh /opt/airflow /var/lib/rolwh \
    && chown -R airflow:airflow /opt/rolwh /opt/airflow /var/lib/rolwh

WORKDIR /opt/rolwh
USER airflow

# Dependencies first (cached while only the code changes), from the lock, without dev tools.
COPY --chown=airflow:airflow pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The project itself (editable, so dags/ and dbt_project/ are found next to the package).
COPY --chown=airflow:airflow rolwh ./rolwh
COPY --chown=airflow:airflow ingest ./ingest
COPY --chown=airflow:airflow expectations ./expectations
COPY --chown=airflow:airflow dbt_project ./dbt_project
COPY --chown=airflow:airflow dags ./dags
RUN uv sync --frozen --no-dev

EXPOSE 8080 8793
ENTRYPOINT ["airflow"]
CMD ["version"]
