# `make run` and `make test` set everything up themselves; a second run with
# nothing changed reinstalls nothing (stamp files record what was done).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
SYSTEM_PACKAGES := xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 \
	libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri libfontconfig1 libdbus-1-3
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test test-2d test-3d bench fuzz soak system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# torch first, pinned to the local CPU wheel, so that the package's own
# `torch>=2.2` range is already satisfied and pip never fetches CUDA builds.
$(VENV)/.torch: | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	touch $@

$(VENV)/.app: pyproject.toml $(VENV)/.torch
	$(PY) -m pip install -q -e .
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
# tests offscreen, and the OpenGL tests under a virtual X server.
test: system-deps $(VENV)/.test
	$(VENV)/bin/lint-imports
	@if [ -e $(IMPORT_CYCLES) ]; then python3 $(IMPORT_CYCLES) . explorer; \
	else echo "skipping the import-cycle check: $(IMPORT_CYCLES) not found"; fi
	$(PY) -m pytest -q -m "not gl" tests
	xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb $(PY) -m pytest -q -m gl tests || [ $$? = 5 ]

bench: $(VENV)/.test
	$(PY) benchmarks/run_all.py

# Every reader at full size (>= 1,000 cases each; `make test` runs ~60 per reader).
FUZZ_EXAMPLES ?= 1200
fuzz: system-deps $(VENV)/.test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

# Ten minutes of live training on the KJV with the view; RSS, frame queue, same weights as headless.
SOAK_SECONDS ?= 600
soak: system-deps $(VENV)/.test
	$(PY) tools/soak.py --seconds $(SOAK_SECONDS) --corpus kjv

clean:
	rm -rf $(VENV) build *.egg-info
