# Set-up and checks. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-run pip only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/yalu --store yalu-store demo --output yalu-demo.html

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

# The ontology's HTML reference, made by pyLODE from ontology/yalu.ttl alone (nothing is fetched).
docs: docs/ontology.html

docs/ontology.html: ontology/yalu.ttl $(VENV)/.installed-docs
	mkdir -p docs
	$(BIN)/python -m pylode ontology/yalu.ttl --css true --sort --outputfile $@

bench: $(VENV)/.installed-test
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/query_speed.py
	$(BIN)/python bench/bulk_load.py
	$(BIN)/python bench/html_speed.py

clean:
	rm -rf $(VENV) yalu-store yalu-demo.html build *.egg-info
