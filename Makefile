# `make run` and `make test` set everything up themselves; a second run with
# nothing changed reinstalls nothing (stamp files record what was done).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
SYSTEM_PACKAGES := xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 \
	libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri libfontconfig1 libdbus-1-3
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test test-2d test-3d bench bench-deps fuzz soak system-deps clean
.PHONY: install-desktop uninstall-desktop check-desktop

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# torch first, pinned to the local CPU wheel, so that the package's own
# `torch>=2.2` range is already satisfied and pip never fetches CUDA builds.
$(VENV)/.torch: | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	touch $@

$(VENV)/.app: pyproject.toml $(VENV)/.torch
	$(PY) -m pip install -q -e '.[umap]'
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

# Xvfb and the libraries Qt's xcb platform needs, for the OpenGL (3D) tests.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else echo "warning: missing Debian packages (run as root to install):$$missing"; fi; \
	fi

run: $(VENV)/.app
	QT_QPA_PLATFORM= $(VENV)/bin/embedding-explorer

IMPORT_CYCLES := ../shared/tools/import-cycles

# Import contracts (pyproject.toml) and no import cycles first; then the 2D and core
# tests offscreen, the OpenGL tests under a virtual X server, and last the wheel: built,
# installed into a fresh venv (torch pinned as above) and run from outside the repo (~1 min).
test: system-deps $(VENV)/.test
	$(VENV)/bin/lint-imports
	@if [ -e $(IMPORT_CYCLES) ]; then python3 $(IMPORT_CYCLES) . explorer; \
	else echo "skipping the import-cycle check: $(IMPORT_CYCLES) not found"; fi
	$(PY) -m pytest -q -m "not gl and not wheel" tests
	xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb $(PY) -m pytest -q -m gl tests || [ $$? = 5 ]
	$(PY) -m pytest -q -s -m wheel tests/packaging

# The second English corpus of bench_sgns/bench_cbow is built from Debian's dict-gcide
# (tools/make_english_corpus.py, into benchmarks/out/ on first use).
BENCH_PACKAGES := dict-gcide
bench-deps:
	@if ! dpkg -s $(BENCH_PACKAGES) >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BENCH_PACKAGES); \
		else echo "warning: $(BENCH_PACKAGES) missing (run as root to install): bench_sgns/bench_cbow skip GCIDE"; fi; \
	fi

bench: bench-deps $(VENV)/.test
	$(PY) benchmarks/run_all.py

# Every reader at full size (>= 1,000 cases each; `make test` runs ~60 per reader).
FUZZ_EXAMPLES ?= 1200
# Each run draws new cases from a fresh seed, printed at the start and the end;
# `make fuzz FUZZ_SEED=<seed>` replays one (`make test` always uses the same seed).
fuzz: system-deps $(VENV)/.test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

# Ten minutes of live training on the KJV with the view; RSS, frame queue, same weights as headless.
SOAK_SECONDS ?= 600
soak: system-deps $(VENV)/.test
	$(PY) tools/soak.py --seconds $(SOAK_SECONDS) --corpus kjv

# Desktop integration for the current user: menu entry, icon, and the .eexp MIME type
# (a double click opens the session). DATA_HOME=/some/dir installs elsewhere.
# The menu entry runs `embedding-explorer` by name: install the app first (pipx install .).
DESKTOP_SRC := resources/desktop
DATA_HOME   ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
DESKTOP_APP  := $(DATA_HOME)/applications/embedding-explorer.desktop
DESKTOP_ICON := $(DATA_HOME)/icons/hicolor/scalable/apps/embedding-explorer.svg
DESKTOP_MIME := $(DATA_HOME)/mime/packages/embedding-explorer.xml

check-desktop:
	@if command -v desktop-file-validate >/dev/null 2>&1; then \
		desktop-file-validate $(DESKTOP_SRC)/embedding-explorer.desktop; \
	else echo "skipping desktop-file-validate: not installed"; fi

install-desktop: check-desktop
	install -D -m 644 $(DESKTOP_SRC)/embedding-explorer.desktop $(DESKTOP_APP)
	install -D -m 644 $(DESKTOP_SRC)/embedding-explorer.svg $(DESKTOP_ICON)
	install -D -m 644 $(DESKTOP_SRC)/embedding-explorer-mime.xml $(DESKTOP_MIME)
	@if command -v update-mime-database >/dev/null 2>&1; then update-mime-database $(DATA_HOME)/mime; fi
	@if command -v update-desktop-database >/dev/null 2>&1; then \
		update-desktop-database -q $(DATA_HOME)/applications; fi
	@if command -v gtk-update-icon-cache >/dev/null 2>&1; then \
		gtk-update-icon-cache -q -f -t $(DATA_HOME)/icons/hicolor 2>/dev/null || true; fi
	@if command -v xdg-mime >/dev/null 2>&1; then \
		xdg-mime default embedding-explorer.desktop application/x-embedding-explorer-session; fi
	@command -v embedding-explorer >/dev/null 2>&1 || \
		echo "note: embedding-explorer is not on PATH, so the menu entry stays hidden: pipx install ."

uninstall-desktop:
	rm -f $(DESKTOP_APP) $(DESKTOP_ICON) $(DESKTOP_MIME)
	@if command -v update-mime-database >/dev/null 2>&1 && [ -d $(DATA_HOME)/mime ]; then \
		update-mime-database $(DATA_HOME)/mime; fi
	@if command -v update-desktop-database >/dev/null 2>&1 && [ -d $(DATA_HOME)/applications ]; then \
		update-desktop-database -q $(DATA_HOME)/applications; fi

clean:
	rm -rf $(VENV) build *.egg-info
