# Set-up and everyday commands. `make run` for the demo, `make test` for the test suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# The first interpreter of Python 3.12 or newer: python3.13, python3.12, python3, then pyenv's.
# Shell snippet so that a pyenv shim that exists but has no such version is simply skipped.
define FIND_PYTHON
for c in python3.13 python3.12 python3; do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
done; \
if command -v pyenv >/dev/null 2>&1; then \
  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$$' | sort -rV); do \
    p=$$(pyenv root)/versions/$$v/bin/python3; \
    [ -x $$p ] && { echo $$p; exit 0; }; \
  done; \
fi; exit 1
endef

.PHONY: run test venv lint lock migrate demo clean system-packages

$(BIN)/python:
	@py=$$($(FIND_PYTHON)) || { \
	  echo "Geen Python 3.12 of nieuwer gevonden. Installeer er een, bijvoorbeeld met" >&2; \
	  echo "  pyenv install 3.12   (of de python3.12-pakketten van uw distributie)" >&2; \
	  echo "en draai dit commando opnieuw." >&2; exit 1; }; \
	echo "Virtuele omgeving maken met $$py"; \
	$$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# requirements.lock pins every package, direct and indirect; `make lock` renews it from the
# ranges in pyproject.toml.
$(VENV)/.installed: $(BIN)/python requirements.lock
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade -r <($(BIN)/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["test"]))')
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -E '^(pip|setuptools)==' > requirements.lock

venv: $(VENV)/.installed

migrate: venv
	DEBUG=1 $(BIN)/python manage.py migrate --no-input

demo: migrate
	DEBUG=1 $(BIN)/python manage.py loaddemo

# The server and, beside it, one worker for the background work (publishing, concept PDFs);
# the worker stops when the server does (Ctrl+C).
run: demo
	@echo "Het portaal draait op http://127.0.0.1:$(PORT)/ (inloggen: nhg/demo; redactie/demo met de code van"
	@echo "'DEBUG=1 $(BIN)/python manage.py totp_code redactie')"
	@DEBUG=1 $(BIN)/python manage.py task_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# What the tests need from Debian: Chromium for the browser tests, poppler for looking at PDFs,
# HarfBuzz's subsetter and the DejaVu fonts for WeasyPrint. Installed only when absent (as root,
# or through sudo), so that `make test` alone sets up a fresh machine.
DEBIAN_PACKAGES := chromium poppler-utils fonts-dejavu-core libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -q '^installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null || { echo "Installeer eerst: $$missing" >&2; exit 1; }; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "Debian-pakketten installeren: $$missing"; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

# The tests run with production-like settings (DEBUG off); the key is for tests only.
test: venv system-packages
	SECRET_KEY=tests-only-not-secret $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
