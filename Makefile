# Two commands for a fresh machine: `make run` and `make test`; `make test-fast` while editing.
# Another interpreter in another virtualenv: make test-fast VENV=.venv313 PYTHON=python3.13
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] < (3,14)))' 2>/dev/null; then echo $$p; break; fi; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export APPEALS_DATABASE_URL ?= sqlite:///var/appeals.db
export MALLOC_TRIM_THRESHOLD_ ?= 131072
# compiled modules are kept in the virtualenv, out of the source tree, even where the environment asks for
# none (PYTHONDONTWRITEBYTECODE): the suite starts hundreds of `appeals` processes, each of which would compile
# the project's 190 modules again (0.26 s a process; 16-18 % of the wall time of the process-heavy tests)
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX ?= $(abspath $(VENV))/pycache

.PHONY: run test test-fast lint bench venv clean

# durable-rules is source only and its C code needs one fix on Python 3.13: the tool builds it then
$(STAMP): setup.cfg tools/install_durable_rules.py
	@test -n "$(PYTHON)" || { echo "Python 3.11, 3.12 or 3.13 is needed"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python tools/install_durable_rules.py
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/appeals db migrate
	$(BIN)/appeals channel add demo --kind generic --secret demo-secret --if-missing
	$(BIN)/appeals watch demo
	@echo ""
	@echo "appeals-router on http://127.0.0.1:8080 (rules from $${APPEALS_RULES_DIR:-rules})"
	@echo "  health:     curl http://127.0.0.1:8080/healthz"
	@echo "  demo:       $(BIN)/appeals demo            (posts signed demo appeals)"
	@echo "  VK walls:   $(BIN)/appeals watch list      (two demo walls; read once a key is stored: appeals watch key set)"
	@echo "  one appeal: body='{\"external_id\":\"try-1\",\"text\":\"На ул. Попова огромные ямы\",\"municipality\":\"barnaul\",\"regime\":\"fz59\",\"fz59\":true}'; \\"
	@echo "              ts=\$$(date +%s); sig=\$$(printf '%s.%s' \"\$$ts\" \"\$$body\" | openssl dgst -sha256 -hmac demo-secret | sed 's/^.* //'); \\"
	@echo "              curl -s -X POST http://127.0.0.1:8080/webhooks/generic/demo -H 'Content-Type: application/json' \\"
	@echo "                -H \"X-Appeals-Timestamp: \$$ts\" -H \"X-Appeals-Signature: sha256=\$$sig\" -d \"\$$body\""
	@echo "              (answered once stored: status received; the worker routes it within a second)"
	@echo "  read it:    TOKEN=\$$($(BIN)/appeals token create --role manager | tail -1); curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8080/api/v1/appeals"
	@if [ -z "$$APPEALS_SMTP_URL" ]; then echo "  e-mail:     no APPEALS_SMTP_URL set, alert e-mails are written to $${APPEALS_MAIL_DIR:-var/mail}/"; fi
	@echo ""
	$(BIN)/appeals run --host 127.0.0.1 --port 8080

# the whole suite: SQLite, PostgreSQL (skipped without the server, failing with CI set), browser, slow
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n auto

# the edit loop: SQLite only; skips the PostgreSQL runs, the browser tests and the slow ones (worker
# processes, the end-to-end journey, memory); no ruff or import contracts (`make lint`)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m "not postgres and not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .venv313 var .pytest_cache
