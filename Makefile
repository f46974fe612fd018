# intersessional — `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

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
