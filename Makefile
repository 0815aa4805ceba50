# Every target is idempotent and works on a fresh machine with only Python 3.10+ and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup test demo bench lint images clean dot

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --upgrade pip >/dev/null
	$(PY) -m pip install -e '.[dev,demos,notebook,onnx]'
	touch $(STAMP)

# Graphviz's `dot` renders the computation graphs; install it when we can, else say how.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz 'dot' not found: install it (apt-get install graphviz / brew install graphviz / conda install graphviz), then re-run make."; exit 1; \
	  fi; }
	@command -v dot >/dev/null 2>&1 || { echo "Graphviz 'dot' still not found after install; install the graphviz package and re-run make."; exit 1; }

# Compile the numba kernels into their on-disk cache (and measure this machine's dispatch
# cut-offs once), so demos and README examples never pause to compile.
setup: $(STAMP) dot
	$(PY) -m autograd.kernels warm

# mypy holds the engine core (the files listed in pyproject's [tool.mypy]) at zero errors;
# `make test` checks the same through tests/test_typing.py (a few seconds)
lint: setup
	$(VENV)/bin/ruff check .
	$(PY) -m mypy

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

demo: setup
	$(PY) -m demos tour

# torch is only a point of comparison (never a dependency): install the CPU build if we can.
bench: setup
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0 \
	  || echo "torch not installable here: benchmarks run without the torch columns"
	$(PY) -m benchmarks

images: setup
	$(PY) -m demos images

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .mypy_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.nbi' -delete -o -name '*.nbc' -delete
