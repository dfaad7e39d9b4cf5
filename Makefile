# Two commands: `make report` and `make test`. Each creates .venv if missing; `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup report lint test test-fast browser lab sample benchmark clean

help: ## List the targets with what each does
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the package with its test tools

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name netanalysis --display-name "netanalysis (project)" >/dev/null
	touch $(STAMP)

report: $(STAMP) ## Run the report on the bundled sample data into reports/<as_of>/
	$(BIN)/netanalysis report

lint: $(STAMP) ## Check the code with ruff (the rules are in pyproject.toml)
	$(BIN)/ruff check .

test: lint browser ## Lint, then run every test, slow ones included (what CI runs)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-fast: $(STAMP) ## Run the tests not marked slow (no notebooks, no large worlds), for quick checks while coding
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not slow"

# Installed with apt when missing (as root, e.g. in CI); elsewhere the test is skipped with a message saying how.
browser: ## Install headless Chromium for the report's escaping test when missing
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the browser escaping test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "note: could not install chromium; the browser escaping test will be skipped"; \
	  else echo "note: chromium missing (sudo apt-get install chromium); the browser escaping test will be skipped"; fi; }

lab: $(STAMP) ## Explore the notebooks in JupyterLab with the project's kernel
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP) ## Re-create the bundled sample from the simulator
	rm -rf data/sample && $(BIN)/netanalysis simulate --out data/sample --contacts 400 --months 36 --seed 7 --format exports

benchmark: $(STAMP) ## Time loading, panel, returns, prediction and network on simulated data
	$(BIN)/python benchmarks/run_all.py

clean: ## Remove .venv and the pytest cache
	rm -rf $(VENV) .pytest_cache
