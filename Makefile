# The single entry point: `make book` builds the site, `make test` runs every check.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The pin file the venv was last installed from; a different pin file rebuilds it.
VENV_STAMP := $(VENV)/.constraints.txt
KATEX := _vendor/katex/katex.min.css
LIGHTHOUSE := bench/lighthouse/node_modules/.bin/lighthouse
PORT ?= 8000
# Test processes at once (pytest-xdist), one per core. A page's cells share
# one kernel, so they stay in one process (loadfile); elsewhere tests spread
# one by one, except those marked with a common xdist_group.
# (nproc counts OMP_NUM_THREADS as a limit, so ask it without.)
TEST_JOBS ?= $(shell env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
XDIST := -n $(TEST_JOBS) --dist loadgroup

.PHONY: system-deps book pdf notebooks bench test serve venv lint unit pages pdf-checks notebook-checks browser faults links links-external test-latest release clean
TEX_PACKAGES := xelatex=texlive-xetex latexmk=latexmk pdftotext=poppler-utils \
	texlive-latex-extra texlive-lang-cyrillic texlive-fonts-recommended \
	fonts-freefont-otf fonts-dejavu

venv: $(VENV_STAMP)

$(VENV_STAMP): constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed, found " + sys.version'
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/require-debian.sh --package python3-venv
	@if [ -x $(BIN)/python ] && cmp -s constraints.txt $@; then \
	  echo "venv: pins unchanged, refreshing the nnbook install"; \
	else \
	  echo "venv: creating $(VENV) from constraints.txt"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	  $(BIN)/pip install -q --upgrade pip; \
	  $(BIN)/pip install -q -r constraints.txt; \
	fi
	$(BIN)/pip install -q --no-deps -e .
	cp constraints.txt $@

# KaTeX typesets the math when the book is built (in node, which comes with
# npm); the site serves only its stylesheet and woff2 fonts, so no math script
# runs in a reader's browser and the site works offline.
$(KATEX): package.json package-lock.json
	@scripts/require-debian.sh npm=npm
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf _vendor/mathjax _vendor/katex && mkdir -p _vendor/katex/fonts
	cp node_modules/katex/dist/katex.min.css _vendor/katex/
	cp node_modules/katex/dist/fonts/*.woff2 _vendor/katex/fonts/

book: venv $(KATEX)
	$(BIN)/python -m booktools.build
	@echo "The site: file://$(CURDIR)/_build/html/index.html  (or: make serve)"

# Everything the build and the tests need from Debian (run by .ci/run).
system-deps:
	@scripts/require-debian.sh npm=npm chromium=chromium $(TEX_PACKAGES)

# The PDF edition, from the same executed pages (and copied into the site).
pdf: venv
	@scripts/require-debian.sh $(TEX_PACKAGES)
	$(BIN)/python -m booktools.build --pdf

# Build and test timings, and Lighthouse on every page of the site:
# bench/results.json and bench/results.md. Lighthouse alone, on the site as
# built: make bench BENCH_ARGS=--site-only
BENCH_ARGS ?=
bench: venv $(KATEX) $(LIGHTHOUSE)
	@scripts/require-debian.sh chromium=chromium
	$(BIN)/python -m booktools.bench $(BENCH_ARGS)

# Lighthouse for make bench only, in a node package of its own (not installed
# by the build or the tests).
$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json
	@scripts/require-debian.sh npm=npm
	npm ci --prefix bench/lighthouse --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Student notebooks (notebooks/*.ipynb) from the pages: commit what it writes.
notebooks: book
	$(BIN)/python -m booktools.notebooks

serve: book
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# The full suite, phase by phase; each phase's wall time lands in _build/times.txt.
test:
	@rm -f _build/times.txt
	scripts/timed install $(MAKE) --no-print-directory venv $(KATEX)
	scripts/timed lint $(MAKE) --no-print-directory lint
	scripts/timed unit $(MAKE) --no-print-directory unit
	scripts/timed build $(MAKE) --no-print-directory book
	scripts/timed pages $(MAKE) --no-print-directory pages
	scripts/timed pdf $(MAKE) --no-print-directory pdf pdf-checks
	scripts/timed links $(MAKE) --no-print-directory links
	scripts/timed notebooks $(MAKE) --no-print-directory notebook-checks
	scripts/timed browser $(MAKE) --no-print-directory browser
	scripts/timed faults $(MAKE) --no-print-directory faults
	@echo "All checks passed. Phase times (s):"; cat _build/times.txt

lint: venv
	$(BIN)/ruff check nnbook booktools tests conftest.py _ext
	$(BIN)/ruff format --check nnbook booktools tests conftest.py _ext
	$(BIN)/actionlint -no-color
	$(BIN)/zizmor --offline --quiet .github

# A bare pytest runs the unit tests (pyproject.toml's addopts); the targets
# below select the rest.
unit: venv
	$(BIN)/pytest

# Re-executes every page once and compares its text outputs with the build's.
pages: venv
	$(BIN)/pytest book --compare-build -n $(TEST_JOBS) --dist loadfile

notebook-checks: venv
	$(BIN)/pytest tests -m notebooks $(XDIST)

pdf-checks: venv
	$(BIN)/pytest tests -m pdf

browser: venv
	@scripts/require-debian.sh chromium=chromium
	$(BIN)/pytest tests -m browser $(XDIST)

faults: venv
	$(BIN)/pytest tests -m slow $(XDIST)

# Every link and anchor of the built site (with its PDF) resolves, offline.
links: venv
	$(BIN)/python -m booktools.links

# Links to other sites too: reported in _build/links-external.md, never failing.
links-external: venv
	$(BIN)/python -m booktools.links --external

# The newest releases pyproject.toml's bounds allow, in a venv of their own
# (.venv-latest): unit tests, every page, every student notebook (the weekly
# workflow). What moved and what broke: _build/latest/report.md.
test-latest: venv
	$(BIN)/python -m booktools.latest

# A release's files for a version tag, from the tested build (after make test):
# make release TAG=v0.1.0 -> _build/release/ (the release workflow uploads it).
release: venv
	@[ -n "$(TAG)" ] || { echo "Usage: make release TAG=v<pyproject.toml's version>" >&2; exit 1; }
	$(BIN)/python -m booktools.release "$(TAG)"

clean:
	rm -rf _build _vendor
