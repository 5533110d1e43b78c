# Two commands on a fresh machine: `make run` serves the portal, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DEBUG=true
# `make run PORT=8010` when 8000 is taken.
PORT ?= 8000

.PHONY: run test lint messages makemessages migrations-check venv worker beat bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	mkdir -p var/mail
	touch $(STAMP)

venv: $(STAMP)

messages: venv
	mkdir -p var/mail var/staticfiles
	$(BIN)/python scripts/compile_messages.py

run: venv messages
	mkdir -p var/mail
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "Emails are written as files to var/mail/ (no SMTP server needed)."
	@echo "Celery tasks run eagerly in this process (no broker needed)."
	@echo "Serving the portal at http://127.0.0.1:$(PORT)/"
	$(DEV_ENV) PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: venv messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

migrations-check: venv
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

makemessages: venv
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete

worker: venv
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: venv
	$(BIN)/celery -A portal beat --loglevel=INFO

bench: venv
	$(BIN)/python tests/benchmarks/engine.py

clean:
	rm -rf var/portal.sqlite3 var/mail var/staticfiles
