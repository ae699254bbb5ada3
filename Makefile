# Two commands do all set-up on a fresh machine:
#   make sky   - install into .venv and render tonight's sky at the default site (Karatsu, Japan):
#                the real sky beside the made one, the visible list, and tonight's wishing star;
#                also a cluster's HR diagram and the made naked-eye Milky Way
#   make test  - install into .venv (and the peers' .venv-bench) and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the benchmark's peers (initial-mass-function, cosmic-popsynth) go into their own venv, never .venv
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_ARGS  ?=

.PHONY: sky test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

sky: $(STAMP)
	mkdir -p out
	$(BIN)/starmaker make cluster --mass 1e4 --age 100Myr --feh 0 --seed 1 -o out/cluster.parquet
	$(BIN)/starmaker plot hr out/cluster.parquet -o out/hr.png
	$(BIN)/starmaker make milkyway --limit "V<6.5" --seed 1 -o out/milkyway.parquet
	$(BIN)/starmaker plot skymap out/milkyway.parquet --band V --glow "V<6.5" -o out/milkyway.png
	$(BIN)/starmaker sky --time tonight --stars both --catalogue out/milkyway.parquet \
	    -o out/sky.png --list out/visible.csv --html out/sky.html
	$(BIN)/starmaker wish --date today
	@echo "Wrote out/sky.png (tonight's sky, real beside made), out/sky.html (the night, to open in a browser), out/visible.csv, out/hr.png, out/milkyway.png"

# the tests against peer packages (COSMIC's multidim) run in the benchmarks' environment, where the
# peers are installed without pinning .venv's dependencies; there a missing peer fails
test: $(STAMP) $(BENCH_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q --numprocesses auto --maxprocesses 4 --dist loadfile
	STARMAKER_PEERS_REQUIRED=1 $(BENCH_VENV)/bin/python -m pytest -q -p no:cacheprovider -m peers tests/test_multiplicity.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -e ".[bench]" pytest || { \
	  echo "warning: not every benchmark peer installs here; the benchmark reports which"; \
	  $(BENCH_VENV)/bin/python -m pip install -q -e . pytest && \
	  for p in initial-mass-function cosmic-popsynth; do \
	    $(BENCH_VENV)/bin/python -m pip install -q $$p || echo "warning: $$p did not install"; \
	  done; }
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/bench_make.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_sky.py

clean:
	rm -rf $(VENV) out .pytest_cache
