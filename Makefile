# The two commands of the README:  make run  (demo on http://127.0.0.1:5000)  and  make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: install translations messages run test lint system-deps lock clean bench

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d referral/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host $(HOST) --port $(PORT)

system-deps:
	./scripts/install-system-deps.sh

# SQLite by default; set TEST_DATABASE_URL=postgresql://… to run the same suite on PostgreSQL.
# Two workers (pytest-xdist): each SQLite test has its own file, each PostgreSQL worker its own database.
PYTEST_ARGS ?= -n 2
test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The issue-14 benchmark (bench/scale/README.md): wipes the PostgreSQL database BENCH_DATABASE_URL (default
# bench_scale), grows it through SCALES (cumulative) measuring at each, appends to bench/RESULTS.md.
# BENCH_ARGS="--reuse" measures the existing database instead; "--no-mixed", "--seconds 5" … see --help.
SCALES ?= 10k 100k 1m
BENCH_ARGS ?=
bench: install
	./scripts/install-bench-deps.sh
	$(BIN)/python -m bench.scale --scales $(SCALES) $(BENCH_ARGS)

# ruff: pyflakes, import order, bugbear (pyproject.toml [tool.ruff]); CI runs it before the tests.
lint: $(BIN)/.installed
	$(BIN)/ruff check .

# After changing user-visible text: refresh the catalogue, then translate the new entries in en/.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --ignore-dirs=".* __pycache__" --no-location --sort-output -o referral/translations/messages.pot .
	$(BIN)/pybabel update -i referral/translations/messages.pot -d referral/translations --no-fuzzy-matching

# Refresh the transitive pins after changing pyproject.toml.
lock: $(BIN)/.installed
	$(BIN)/pip freeze --exclude-editable | grep -v '^jingkang-referral' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
