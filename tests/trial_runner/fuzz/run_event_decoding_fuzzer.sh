#!/usr/bin/env bash
# Runs event_decoding_fuzzer for a while from fresh seeds; exits non-zero on a crash, a leak, a
# sanitizer report or a broken invariant (libFuzzer's own exit status). Seeds: what SEED_WRITER
# writes, the inputs in corpus/ here, and MORE_SEED_DIRS.
# Usage: run_event_decoding_fuzzer.sh FUZZER SEED_WRITER WORK_DIR SECONDS [MORE_SEED_DIRS...]
set -euo pipefail
fuzzer=$1 seed_writer=$2 work=$3 seconds=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work/corpus"
"$seed_writer" "$work/seeds"
# corpus/ keeps the inputs that once broke the target (crash-*), so that every run tries them again.
seed_dirs=("$work/seeds" "$here/corpus")
for dir in "$@"; do
  [[ -d "$dir" ]] && seed_dirs+=("$dir")
done
echo "fuzzing for ${seconds}s; new inputs go to $work/corpus, any crash to $work/crash-*"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -dict="$here/event_decoding.dict" -artifact_prefix="$work/" \
  "$work/corpus" "${seed_dirs[@]}"
