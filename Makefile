# The README's commands.  Each creates the virtual environment if it is missing.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench oracle lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/streamlit run app/streamlit_app.py --server.headless=true --server.port=8501

# pytest-xdist: one worker a core; each test file stays on one worker, so the
# fixtures a module shares (the app's server, the Dask cluster) start once.
test: $(STAMP)
	$(VENV)/bin/ruff check minimalloc app tests tools
	$(PY) -m pytest -q -n logical --dist loadfile

bench: $(STAMP)
	$(PY) -m minimalloc.bench --ablation --anytime

# 10^5 tiny random problems against brute force, in every mode (about half an
# hour on one core; PROBLEMS=, WORKERS= to change).
PROBLEMS ?= 100000
WORKERS ?= 1
oracle: $(STAMP)
	$(PY) tests/search/oracle_campaign.py --problems=$(PROBLEMS) --workers=$(WORKERS)

# ruff, then the house figures (tools/house_check.py: import circles, imports
# inside functions, long files and functions, private names across modules).
lint: $(STAMP)
	$(VENV)/bin/ruff check minimalloc app tests tools
	$(PY) tools/house_check.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
