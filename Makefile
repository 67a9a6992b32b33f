# Vigil — see README.md. Every target does its own set-up.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BINS    := watchdog watchdog-export pgapi bankapi reconapi solanasim chaos

.PHONY: all build test demo bench lint images chaos mutants clean

all: build

build: ## build every binary into bin/
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ $(addprefix ./cmd/,$(BINS))

test: ## engine + images, go vet, then every test with -race
	bash ci/test.sh

demo: ## the reference stack on this host under the watchdog (no Docker)
	bash ci/demo.sh

bench: ## restart latency and watchdog overhead (docs/benchmarks.md)
	bash ci/bench.sh

lint: ## go vet + gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

images: ## container images for the chaos suite, built locally (docs/stack.md)
	bash ci/docker.sh
	bash ci/images.sh

chaos: ## every chaos scenario against the container stack, reports in reports/<release>/
	bash ci/docker.sh
	bash ci/images.sh
	bash ci/chaos.sh

mutants: ## apply each defect of ci/mutants/ in a clone and prove a test or scenario catches it (long; docs/scenarios.md)
	bash ci/mutants.sh

clean:
	rm -rf bin .demo
