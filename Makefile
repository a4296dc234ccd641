# The two front-door commands: `make demo` (the main job) and `make test`.
# Both create or update .venv/ from uv.lock when needed, bootstrapping uv itself with pip.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV := $(VENV)/bin/uv
SYNCED := $(VENV)/.synced
# uv's own version comes from the lock file, so the bootstrap and the lock never disagree.
UV_VERSION := $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: demo test lint bench clean-state wheelhouse offline-images bundle i18n

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(SYNCED): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --compile-bytecode
	@touch $(SYNCED)

## demo: generate the demo exports and run the nightly DAG through Airflow (embedded: DuckDB + SQLite)
demo: $(SYNCED)
	$(VENV)/bin/rolwh demo

## test: the whole test suite (slow, service and browser tests included)
test: $(SYNCED)
	$(VENV)/bin/pytest -q --durations=40

## lint: ruff, then mypy (configured in pyproject.toml)
lint: $(SYNCED)
	$(VENV)/bin/ruff check rolwh ingest expectations dags tests bench
	$(VENV)/bin/mypy rolwh ingest expectations dags

bench: $(SYNCED)
	$(VENV)/bin/python -m bench

## clean-state: remove the demo state (var/), keeping the key file
clean-state:
	find var -mindepth 1 -maxdepth 1 ! -name secrets -exec rm -rf {} +

## wheelhouse: dist/wheelhouse/, uv.lock's packages (no dev) as Linux x86_64 CPython 3.11 wheels + rolwh's wheel
wheelhouse: $(SYNCED)
	VENV=$(VENV) deploy/make-wheelhouse.sh

## offline-images: stand-ins from Debian's packages for python:3.11-slim, postgres and redis (root, debootstrap)
offline-images:
	deploy/build-offline-images.sh

## bundle: dist/rolwh-offline-<version>.tar.gz (images, compose file, .env template, install.sh, guide)
bundle: wheelhouse offline-images
	deploy/make-bundle.sh

## i18n: add the code's new message ids to the Chinese catalogue (then fill every empty msgstr)
i18n: $(SYNCED)
	mkdir -p build
	$(VENV)/bin/pybabel extract --no-location --sort-output -k _ -k N_ -k ngettext:1,2 -o build/rolwh.pot rolwh ingest expectations dags
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i build/rolwh.pot -d rolwh/locale -D rolwh -l zh_CN
	sed -i '/^"POT-Creation-Date:/d; /^"PO-Revision-Date:/d' rolwh/locale/zh_CN/LC_MESSAGES/rolwh.po
