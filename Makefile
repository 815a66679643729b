# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] < (3,13)))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export APPEALS_DATABASE_URL ?= sqlite:///var/appeals.db
export MALLOC_TRIM_THRESHOLD_ ?= 131072

.PHONY: run test lint bench venv clean

$(STAMP): setup.cfg
	@test -n "$(PYTHON)" || { echo "Python 3.11 or 3.12 is needed (durable-rules does not import on 3.13)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/appeals db migrate
	$(BIN)/appeals channel add demo --kind generic --secret demo-secret --if-missing
	@echo ""
	@echo "appeals-router on http://127.0.0.1:8080 (rules from $${APPEALS_RULES_DIR:-rules})"
	@echo "  health:     curl http://127.0.0.1:8080/healthz"
	@echo "  demo:       $(BIN)/appeals demo            (posts signed demo appeals)"
	@echo "  one appeal: body='{\"external_id\":\"try-1\",\"text\":\"На ул. Попова огромные ямы\",\"municipality\":\"barnaul\",\"regime\":\"fz59\",\"fz59\":true}'; \\"
	@echo "              ts=\$$(date +%s); sig=\$$(printf '%s.%s' \"\$$ts\" \"\$$body\" | openssl dgst -sha256 -hmac demo-secret | sed 's/^.* //'); \\"
	@echo "              curl -s -X POST http://127.0.0.1:8080/webhooks/generic/demo -H 'Content-Type: application/json' \\"
	@echo "                -H \"X-Appeals-Timestamp: \$$ts\" -H \"X-Appeals-Signature: sha256=\$$sig\" -d \"\$$body\""
	@echo "              (answered once stored: status received; the worker routes it within a second)"
	@echo "  read it:    TOKEN=\$$($(BIN)/appeals token create --role manager | tail -1); curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8080/api/v1/appeals"
	@if [ -z "$$APPEALS_SMTP_URL" ]; then echo "  e-mail:     no APPEALS_SMTP_URL set, alert e-mails are written to $${APPEALS_MAIL_DIR:-var/mail}/"; fi
	@echo ""
	$(BIN)/appeals run --host 127.0.0.1 --port 8080

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache
