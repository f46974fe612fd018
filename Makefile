# intersessional — `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Which interpreter: its version and installation. A venv made by another one is rebuilt.
WHICH   = import sys; print(".".join(map(str, sys.version_info[:3])) + "@" + sys.base_prefix)
WANT   := $(shell $(PYTHON) -c '$(WHICH)' 2>/dev/null)
HAVE   := $(shell $(BIN)/python -c '$(WHICH)' 2>/dev/null)
STAMP  := $(VENV)/.installed-$(firstword $(subst @, ,$(WANT)))
INSTALL ?= $(BIN)/python -m pip install --quiet -e '.[test]'
UPGRADE ?= $(BIN)/python -m pip install --quiet --upgrade pip

.PHONY: run test lint typecheck pytest bench i18n clean pictures digest-template screenshots

$(STAMP): pyproject.toml
	@test -n "$(WANT)" || { echo "make: PYTHON=$(PYTHON) is not a Python interpreter here; install it or set PYTHON, e.g. PYTHON=python3.11" >&2; exit 2; }
	@if [ -n "$(HAVE)" ] && [ "$(HAVE)" != "$(WANT)" ]; then \
	  echo "$(VENV) was made with Python $(subst @, from ,$(HAVE)); making it again with $(PYTHON) ($(subst @, from ,$(WANT)))"; \
	  rm -rf $(VENV); fi
	@test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(UPGRADE); }
	$(INSTALL)
	touch $@

run: $(STAMP)
	$(BIN)/intersessional run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -W error $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The digest's pictures in docs/ (needs libreoffice, pdftoppm and chromium), and the bundled
# Word template it is written into.
pictures: $(STAMP)
	$(BIN)/python -m tools.pictures

digest-template: $(STAMP)
	$(BIN)/python -m tools.digest_template

# The console's screenshots in docs/console/ (Playwright driving /usr/bin/chromium).
screenshots: $(STAMP)
	$(BIN)/python -m bench.screenshots

# Every language: extract, update, fill English, compile. Idempotent: the template is only
# replaced when its messages change, so a second run leaves every file as it was.
# New messages arrive empty in the other languages: translate them, then run it again.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k n_:1,2 --no-default-keywords \
	  -o handlers/locale/messages.pot.new --no-location --sort-output --project intersessional \
	  handlers bot
	$(BIN)/python -m bot.catalogue template handlers/locale/messages.pot.new
	$(BIN)/pybabel update -i handlers/locale/messages.pot -d handlers/locale --no-fuzzy-matching \
	  --ignore-obsolete -w 100
	$(BIN)/python -m bot.catalogue
	$(BIN)/pybabel compile -d handlers/locale --statistics

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
