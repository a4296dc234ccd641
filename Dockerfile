# rolwh-airflow: rolwh and Airflow 3 (celery, postgres, redis extras) installed exactly from uv.lock,
# one image for every Airflow service of docker-compose.yaml (init, api-server, scheduler,
# dag-processor, triggerer, celery workers).
#
#   make wheelhouse            # dist/wheelhouse/: uv.lock's packages as wheels, project/: rolwh's wheel
#   docker build -t rolwh-airflow:latest .                          # installs with no network
#   docker build --build-arg BASE_IMAGE=rolwh-python:3.11-bookworm . # offline base (make offline-images)
#   docker build --build-arg PIP_INDEX_URL=https://mirror/simple --build-arg PIP_CA_BUNDLE=ca.pem .
#       # the dependencies from a package mirror instead (ca.pem: its CA, put into dist/wheelhouse/)
#
# Either way pip checks every file against the SHA-256 hashes of uv.lock (--require-hashes).
ARG BASE_IMAGE=python:3.11-slim-bookworm

# -- build stage: the locked dependencies in a virtual environment (the wheelhouse never reaches the
# final image; this stage is rebuilt only when uv.lock changes, not when rolwh's code does) -------
FROM ${BASE_IMAGE} AS build
ARG PIP_INDEX_URL=""
ARG PIP_CA_BUNDLE=""
COPY dist/wheelhouse/requirements.txt dist/wheelhouse/*.whl dist/wheelhouse/*.pem /tmp/wheelhouse/
RUN set -eu; \
    python -m venv /opt/rolwh/venv; \
    if [ -n "$PIP_INDEX_URL" ]; then \
        source="--index-url $PIP_INDEX_URL ${PIP_CA_BUNDLE:+--cert /tmp/wheelhouse/$PIP_CA_BUNDLE}"; \
    else \
        source="--no-index --find-links /tmp/wheelhouse"; \
    fi; \
    /opt/rolwh/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes $source \
        -r /tmp/wheelhouse/requirements.txt

# -- the image -------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
ARG AIRFLOW_UID=50000
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    PATH=/opt/rolwh/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/home/airflow \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/rolwh/dags \
    ROLWH_HOME=/var/lib/rolwh \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

# An init process (tini: the offline base has it; the official base gets it from Debian), and the
# airflow user: uid AIRFLOW_UID, group 0, as in the official Airflow image, so that any uid the
# compose file runs as (AIRFLOW_UID) can write where group 0 can.
RUN set -eu; \
    if ! command -v tini >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi; \
    useradd --uid "$AIRFLOW_UID" --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow; \
    mkdir -p /opt/airflow/logs /var/lib/rolwh /opt/rolwh; \
    chown -R "$AIRFLOW_UID:0" /opt/airflow /var/lib/rolwh /home/airflow; \
    chmod -R g=u /opt/airflow /var/lib/rolwh /home/airflow

COPY --from=build /opt/rolwh/venv /opt/rolwh/venv
# rolwh itself (its wheel, built by `make wheelhouse`); it finds its dbt project next to its
# installed package (rolwh.core.settings.DBT_PROJECT_DIR); the DAGs are Airflow's dags folder.
COPY dist/wheelhouse/project/ /tmp/project/
COPY dbt_project /opt/rolwh/venv/lib/python3.11/site-packages/dbt_project
# the shipped targets (rolwh.core.settings.DEFAULT_TARGETS_DIR), next to the dbt project
COPY targets /opt/rolwh/venv/lib/python3.11/site-packages/targets
COPY dags /opt/rolwh/dags
RUN set -eu; \
    /opt/rolwh/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index --no-deps /tmp/project/rolwh-*.whl; \
    /opt/rolwh/venv/bin/pip check; \
    rm -rf /tmp/project; \
    chown -R "$AIRFLOW_UID:0" /opt/rolwh/venv/lib/python3.11/site-packages/dbt_project; \
    chmod -R g=u /opt/rolwh/venv/lib/python3.11/site-packages/dbt_project; \
    rolwh --help >/dev/null; airflow version >/dev/null

WORKDIR /opt/airflow
USER ${AIRFLOW_UID}:0
VOLUME /opt/airflow/logs
EXPOSE 8080 8793 8974
ENTRYPOINT ["tini", "--", "airflow"]
CMD ["version"]
