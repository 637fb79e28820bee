# The two commands of the README, and the longer jobs.
#   make check   install what is missing, build, run every test (plain, ASan+UBSan, fuzz smoke, valgrind)
#   make demo    the main job: a demo against a local broker that it starts itself
#   make fuzz    longer fuzz runs (FUZZ_SECONDS per target)
#   make size    code size of the core on Cortex-M4 and x86-64 (bench/size/results/latest.json)
#   make switches  builds with feature switches off (include/tern/config.h) and their unit tests
#   make bench   tern against libmosquitto and Paho C (bench/results/latest.json; not in check:
#                timings are noisy). BENCH_FLAGS=--quick for a short smoke run.
#   make coverage  line and branch coverage of src/codec and src/client (coverage/latest.json)
#   make memcheck  unit tests and CLI integration tests under valgrind
#   make tls-cost  what each TLS mode costs (bench/results/tls-cost.json and .svg; TLS_COST_FLAGS)
#   make docs    API reference (Doxygen) in build-docs/html; fails on any undocumented public symbol
#   make device  tern on an emulated Cortex-M4 (QEMU mps2-an386) against a local broker (docs/device.md)
#   make ws-cost   bytes and instructions per message over ws:// and wss:// vs plain (docs/websocket.md)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
CMAKE_FLAGS ?=
BENCH_FLAGS ?=
TLS_COST_FLAGS ?= --delay-ms 25

.PHONY: all deps build test faults sanitize switches fuzz-build fuzz-smoke fuzz size size-check coverage memcheck check demo bench tls-cost clean device
.PHONY: ws-cost

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j $(JOBS)

test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The SIGKILL fault battery alone (10,000 messages per case, TCP and TLS; also in `make test`;
# not under the sanitizers or valgrind, whose slowness would change the flow it tests).
faults: build
	ctest --test-dir build --output-on-failure -L faults

sanitize: deps
	cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build-san -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-san --output-on-failure -j $(JOBS) -LE faults

# Feature switches off (include/tern/config.h): the unit tests without chunks and persistence,
# and with the core's own byte loops (TERN_CFG_OWN_COPY, otherwise on only in -Os builds);
# every unit test 3.1.1-only with those switches off too (the minimal profile's engine; the
# scripted broker of the engine tests needs the codec's broker side, which stays); and the core
# as `make size` measures its minimal profile, every switch off, under the same
# warnings-as-errors.
SWITCHES_OFF = -DTERN_CFG_CHUNKS=0 -DTERN_CFG_PERSISTENCE=0
MINIMAL_PROFILE = -DTERN_CFG_MQTT5=0 -DTERN_CFG_STATUS_STRINGS=0 -DTERN_CFG_CHUNKS=0 \
                  -DTERN_CFG_PERSISTENCE=0 -DTERN_CFG_SERVER_SIDE=0
switches: deps
	cmake -S . -B build-switches -DTERN_BUILD_TOOLS=OFF -DCMAKE_C_FLAGS="$(SWITCHES_OFF) -DTERN_CFG_OWN_COPY=1" >/dev/null
	cmake --build build-switches -j $(JOBS)
	ctest --test-dir build-switches --output-on-failure -j $(JOBS) -R '^test_'
	cmake -S . -B build-311 -DTERN_BUILD_TOOLS=OFF -DCMAKE_C_FLAGS="-DTERN_CFG_MQTT5=0 $(SWITCHES_OFF)" >/dev/null
	cmake --build build-311 -j $(JOBS)
	ctest --test-dir build-311 --output-on-failure -j $(JOBS) -R '^test_'
	cmake -S . -B build-minimal -DTERN_BUILD_TESTS=OFF -DTERN_BUILD_TOOLS=OFF -DTERN_BUILD_SHARED=OFF \
	  -DCMAKE_C_FLAGS="$(MINIMAL_PROFILE)" >/dev/null
	cmake --build build-minimal -j $(JOBS)

fuzz-build: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTERN_FUZZ=ON \
	  -DTERN_BUILD_TESTS=OFF -DTERN_BUILD_TOOLS=OFF -DTERN_BUILD_SHARED=OFF \
	  -DCMAKE_C_FLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" >/dev/null
	cmake --build build-fuzz -j $(JOBS)

fuzz-smoke: fuzz-build
	scripts/fuzz.sh build-fuzz $(FUZZ_SMOKE_SECONDS)

fuzz: fuzz-build
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

# Footprint report (Cortex-M4 and x86-64); size-check also enforces bench/size/budget.json.
size: deps
	python3 bench/size/size_report.py

size-check: deps
	python3 bench/size/size_report.py --check

bench: build
	PYTHONPATH=tests/lib python3 scripts/bench.py build $(BENCH_FLAGS)

# bench/tls-cost against a mosquitto that run.py starts (generated certificates, every listener).
tls-cost: build
	mkdir -p bench/results
	PYTHONPATH=tests/lib python3 bench/tls-cost/run.py build/bench/tls-cost/tls-cost $(TLS_COST_FLAGS) \
	  --json bench/results/tls-cost.json --svg bench/results/tls-cost.svg

ws-cost: build
	mkdir -p bench/results
	PYTHONPATH=tests/lib python3 scripts/ws_cost.py build --json bench/results/ws-cost.json

# Every test (unit and integration) in a gcc --coverage build; counters zeroed first.
coverage: deps
	cmake -S . -B build-cov -DCMAKE_BUILD_TYPE=Debug -DTERN_COVERAGE=ON -DTERN_BUILD_SHARED=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build build-cov -j $(JOBS)
	find build-cov -name '*.gcda' -delete
	@status=0; ctest --test-dir build-cov --output-on-failure -j $(JOBS) -LE faults || status=$$?; \
	  python3 scripts/coverage.py build-cov coverage || status=1; \
	  if [ $$status -ne 0 ]; then echo "make coverage: a test failed (figures above include what ran)"; fi; \
	  exit $$status

memcheck: build
	scripts/memcheck.sh build

check: test sanitize switches fuzz-smoke size-check memcheck device docs
	@echo "make check: all passed"

# The firmware of ports/mps2-an386, built with arm-none-eabi-gcc and run in QEMU against a
# mosquitto on a free port (tests/integration/test_device.py); the host's tern publishes the
# firmware updates.
device: build
	$(MAKE) -C ports/mps2-an386 -j $(JOBS) WOLFSSL_DIR=$$(scripts/wolfssl-device.sh $(CURDIR)/build-device/src)
	cd tests/integration && PYTHONPATH=../lib PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v test_device
	PYTHONPATH=bench/size python3 scripts/device_report.py build-device

# Builds only the tern command (configuring build/ first if needed), quietly, then the demo.
demo: deps
	@start=$$(date +%s); printf 'demo: building the tern command in build/ ... '; \
	  { [ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS); } >build-demo.log 2>&1 && \
	  cmake --build build -j $(JOBS) --target tern_cli >>build-demo.log 2>&1 || \
	  { echo failed; tail -30 build-demo.log; exit 1; }; \
	  echo "done ($$(( $$(date +%s) - start )) s)"; rm -f build-demo.log
	@scripts/demo.sh build

clean:
	rm -rf build build-san build-fuzz build-cov coverage

# The API reference. Doxygen checks the members of a header only when the header has a
# @file block, so a header without one fails here too.
docs: deps
	@missing=$$(grep -L '@file' include/tern/*.h); \
	  if [ -n "$$missing" ]; then echo "make docs: no @file block in: $$missing"; exit 1; fi
	@rm -rf build-docs
	doxygen Doxyfile
	@echo "make docs: build-docs/html/index.html"
.PHONY: docs
# The deterministic simulator (tests/sim, docs/testing-sim.md) for SIM_SECONDS, seeds from
# SIM_FIRST on; a failing seed prints how to replay it (build/tests/sim/tern_sim --seed N).
SIM_SECONDS ?= 60
SIM_FIRST ?= 1
.PHONY: sim
sim: build
	build/tests/sim/tern_sim --first $(SIM_FIRST) --seconds $(SIM_SECONDS)
