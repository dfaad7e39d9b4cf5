# Two commands: `make report` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test browser lab sample benchmark clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name netanalysis --display-name "netanalysis (project)" >/dev/null
	touch $(STAMP)

## Run the report on the bundled sample data into reports/<as_of>/
report: $(STAMP)
	$(BIN)/netanalysis report

## Run the test suite
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

## Headless Chromium for the report's escaping test: installed with apt when missing (as root, e.g. in CI);
## elsewhere the test is skipped with a message saying how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the browser escaping test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "note: could not install chromium; the browser escaping test will be skipped"; \
	  else echo "note: chromium missing (sudo apt-get install chromium); the browser escaping test will be skipped"; fi; }

## Explore the notebooks in JupyterLab with the project's kernel
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## Re-create the bundled sample from the simulator
sample: $(STAMP)
	rm -rf data/sample && $(BIN)/netanalysis simulate --out data/sample --contacts 400 --months 36 --seed 7 --format exports

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
