#!/usr/bin/env bash
# The attack suites (doc/attacks.md), bounded in time, with the time of each step printed:
#   1. libFuzzer targets of fuzz/ (clang, ./build-fuzz), LIBFUZZER_SECONDS each
#   2. the wire fuzzer against the ASan+UBSan compositor (./build-asan), a fixed and a
#      random seed, ATTACK_FUZZ_SECONDS each; the seeds are printed for replay
#   3. SIGKILL at every point of a handoff, ATTACK_KILL_ROUNDS rounds
#   4. the compositor killed under blocked calls
#   5. the soak, ATTACK_SOAK_SECONDS
# Every step runs even if one before failed; the script fails if any did. About 6 minutes on
# 2 cores once ./build-asan is built (.ci/run builds it first).
set -uo pipefail
cd "$(dirname "$0")/.."

export LIBFUZZER_SECONDS=${LIBFUZZER_SECONDS:-30}
export ATTACK_FUZZ_SECONDS=${ATTACK_FUZZ_SECONDS:-45}
export ATTACK_KILL_ROUNDS=${ATTACK_KILL_ROUNDS:-20}
export ATTACK_SOAK_SECONDS=${ATTACK_SOAK_SECONDS:-150}

start=$(date +%s)
failed=()

# step NAME COMMAND...: runs it, prints its time, notes a failure.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "attack: == $name"
	"$@"
	rc=$?
	echo "attack: $name: $([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)")," \
		"$(( $(date +%s) - t0 )) s"
	[ "$rc" -eq 0 ] || failed+=("$name")
}

build_fuzz() {
	if [ ! -f build-fuzz/meson-private/coredata.dat ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dcompositor=disabled -Dman-pages=disabled ||
			return 1
	fi
	meson compile -C build-fuzz fuzz/fuzz-layout fuzz/fuzz-value-decode
}

# libfuzzer TARGET: new inputs go to build-fuzz/fuzz/found/TARGET (the committed corpus is only
# read), crashing ones to build-fuzz/fuzz/artifacts/TARGET/.
libfuzzer() {
	local target=$1 found=build-fuzz/fuzz/found/$1 artifacts=build-fuzz/fuzz/artifacts/$1
	mkdir -p "$found" "$artifacts"
	# libFuzzer exits 77 on a crash by default; any finding must fail the step.
	build-fuzz/fuzz/"$target" "$found" fuzz/corpus/"$target" \
		-max_total_time="$LIBFUZZER_SECONDS" -error_exitcode=1 -timeout_exitcode=1 \
		-print_final_stats=1 -artifact_prefix="$artifacts"/ 2>&1 | grep -v '^#[0-9]'
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || echo "attack: $target found a crash: see $artifacts/"
	return "$rc"
}

build_asan() {
	if [ -f build-asan/meson-private/coredata.dat ]; then
		meson setup --reconfigure build-asan -Db_sanitize=address,undefined -Db_lundef=false \
			>/dev/null || return 1
	else
		meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false || return 1
	fi
	meson compile -C build-asan
}

# attack_test NAME: one test of the suite under ASan+UBSan, its output shown as it runs.
attack_test() {
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
	HARNESS_TIMEOUT_FACTOR=3 \
		meson test -C build-asan --verbose --timeout-multiplier 3 --logbase "attack-$1" \
		"attack-$1"
}

step "build the libFuzzer targets (clang)" build_fuzz
step "libFuzzer fuzz-layout, ${LIBFUZZER_SECONDS} s" libfuzzer fuzz-layout
step "libFuzzer fuzz-value-decode, ${LIBFUZZER_SECONDS} s" libfuzzer fuzz-value-decode
step "build ASan+UBSan" build_asan
step "wire fuzzer, fixed and random seed, ${ATTACK_FUZZ_SECONDS} s each" attack_test wire-fuzz
step "kill at every point of a handoff, ${ATTACK_KILL_ROUNDS} rounds" attack_test kill-handoff
step "compositor death with blocked calls" attack_test compositor-death
step "soak, ${ATTACK_SOAK_SECONDS} s" attack_test soak

echo "attack: $(( $(date +%s) - start )) s in all;" \
	"${#failed[@]} step(s) failed${failed[*]:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]
