# Tanya Pemilu. `make run` starts the bot, `make test` runs the tests; both set up what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.10 that really runs (a pyenv shim may exist without 3.10 being active).
PYTHON310 ?= $(shell for p in $$(ls -1 $$HOME/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r) \
	$$(command -v python3.10 2>/dev/null) /usr/bin/python3.10 /usr/local/bin/python3.10; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
RASA_VENV := .venv-rasa
BIN := $(VENV)/bin
PEMILUBOT := $(BIN)/pemilubot
export RASA_TELEMETRY_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup run test validate nlu model lint typecheck eval bench clean browser

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 tidak ditemukan (Rasa 3.6 butuh 3.10). Pasang: pyenv install 3.10"; exit 1; }
	@echo "==> Membuat $(VENV) (bot) dengan $(PYTHON310)"
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade "pip>=24" > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@$(BIN)/pip install -q -e '.[dev]' >> $(VENV)/pip.log 2>&1 || { tail -40 $(VENV)/pip.log; exit 1; }
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 tidak ditemukan (Rasa 3.6 butuh 3.10). Pasang: pyenv install 3.10"; exit 1; }
	@echo "==> Membuat $(RASA_VENV) (Rasa 3.6.21); pertama kali butuh beberapa menit"
	@test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/pip install -q --no-deps -r requirements/rasa.txt > $(RASA_VENV)/pip.log 2>&1 || { tail -40 $(RASA_VENV)/pip.log; exit 1; }
	@$(RASA_VENV)/bin/rasa --version > /dev/null 2>&1 || { echo "Rasa tidak bisa dijalankan"; exit 1; }
	@touch $@

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## Create both venvs, generate NLU data, train the model, create the database
	@$(PEMILUBOT) siapkan

run: setup ## Set up what is missing and start the bot (Telegram, or a terminal chat without a token)
	@$(PEMILUBOT) jalan

validate: $(VENV)/.installed ## Check the FAQ and claim files in responses/ (staff: run this after every edit)
	@$(PEMILUBOT) faq periksa
	@$(PEMILUBOT) klaim periksa

nlu: $(VENV)/.installed ## Regenerate Rasa training data from responses/
	@$(PEMILUBOT) nlu buat

model: setup ## Train the Rasa model if its inputs changed

# Headless Chromium for the web chat's browser tests (driven over the DevTools protocol, so no
# chromedriver), and a colour emoji font so answers render as citizens see them. Debian packages.
CHROMIUM := /usr/bin/chromium
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

browser: ## Install Chromium and an emoji font (apt-get) when missing, for the browser tests
	@test -x $(CHROMIUM) -a -f $(EMOJI_FONT) || { \
		echo "==> Memasang Chromium untuk tes peramban (apt-get install chromium fonts-noto-color-emoji)"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core fonts-noto-color-emoji > /dev/null; }
	@test -x $(CHROMIUM) || { echo "Chromium tidak terpasang di $(CHROMIUM)"; exit 1; }

lint: $(VENV)/.installed ## ruff + mypy
	@$(BIN)/ruff check bot tests bench actions nlu_data/pemilu_nlu
	@$(BIN)/mypy

test: $(VENV)/.installed $(RASA_VENV)/.installed browser ## Set up and run every check and test
	@echo "==> FAQ dan klaim Cek Hoaks"
	@$(PEMILUBOT) faq periksa
	@$(PEMILUBOT) klaim periksa
	@echo "==> Data latih, domain dan aturan Rasa terbaru?"
	@$(PEMILUBOT) nlu buat --check
	@echo "==> rasa data validate"
	@cd nlu_data && ../$(RASA_VENV)/bin/rasa data validate --quiet --domain domain.yml --data nlu core --config config.yml 2>&1 | grep -v -E "Warning|warn|^\s*$$|Base: Declar" ; test $${PIPESTATUS[0]} -eq 0
	@$(PEMILUBOT) siapkan
	@echo "==> ruff, mypy"
	@$(MAKE) --no-print-directory lint
	@echo "==> pytest"
	@$(BIN)/python -m pytest -q

eval: setup ## Score the held-out questions through the real Rasa server, and the digest's grouping
	@$(BIN)/python -m bench.eval_nlu
	@$(BIN)/python -m bench.eval_clusters
	@$(BIN)/python -m bench.eval_claims

bench: setup ## Run the benchmarks under bench/ and print figures
	@$(BIN)/python -m bench.run_all

clean: ## Remove venvs, models and local data
	rm -rf $(VENV) $(RASA_VENV) models data .pytest_cache .mypy_cache .ruff_cache
