#!/usr/bin/env bash
# Sluice W2 against DuckDB and (if PyFlink is installed) Flink on the same
# generated file, in one run: prints one table of events/s, peak memory and
# Sluice's ratio to each engine.
#
# usage: bench/compare.sh [N]        (N events, default 1000000)
# env:
#   SHARED=../shared/bench   gen.py, duck.py, tumble.py (the issue's baselines)
#   VENV=~/.cache/sluice/bench-venv
#                            a venv with numpy and duckdb (created if missing);
#                            apache-flink in it (or FLINK_PY) enables Flink
#   FLINK_PY=                python with PyFlink (default: $VENV/bin/python if
#                            it can import pyflink)
#   DATA=~/.cache/sluice/bench-data   where the generated file is kept
#   SLUICE=                  a sluice binary to use; otherwise it is built:
#   BUILD=release            release: cargo build --release;
#                            dev-opt: the dev profile with the workspace
#                            crates at opt-level 2 (dependencies stay at the
#                            dev profile's opt-level 1), when a release build
#                            of DataFusion takes too long
#   DUCK_THREADS="1 2"       DuckDB thread counts to run
#   CHECK=1                  also run Sluice W2 with --check (not timed twice:
#                            the checked run is a separate run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
SHARED=${SHARED:-$ROOT/../shared/bench}
VENV=${VENV:-$HOME/.cache/sluice/bench-venv}
DATA=${DATA:-$HOME/.cache/sluice/bench-data}
BUILD=${BUILD:-release}
DUCK_THREADS=${DUCK_THREADS:-1 2}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q duckdb numpy
fi
PY="$VENV/bin/python"

if [ -z "${SLUICE:-}" ]; then
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
  case "$BUILD" in
    release) (cd "$ROOT" && cargo build -q --release -p sluice); SLUICE=$CARGO_TARGET_DIR/release/sluice ;;
    dev-opt) (cd "$ROOT" && CARGO_PROFILE_DEV_OPT_LEVEL=2 cargo build -q -p sluice); SLUICE=$CARGO_TARGET_DIR/debug/sluice ;;
    *) echo "BUILD must be release or dev-opt" >&2; exit 2 ;;
  esac
fi

mkdir -p "$DATA"
INPUT="$DATA/ev_$N.json"
[ -f "$INPUT" ] || "$PY" "$SHARED/gen.py" "$N" "$INPUT"

# Peak resident memory (MB) of a command's process tree as GNU time sees it
# (the largest single process).
rss_mb() { awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$1"; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }

# CPU seconds (user + system) GNU time measured for the process.
cpu_s() { awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$1"; }
rows=()  # "engine|events/s|peak MB|CPU s"

echo "== sluice W2 ($SLUICE, $N events)" >&2
$TIME -v "$SLUICE" bench w2 --input "$INPUT" > "$OUT/sluice.out" 2> "$OUT/sluice.time"
cat "$OUT/sluice.out" >&2
sluice_eps=$(awk '/^throughput:/{print $2}' "$OUT/sluice.out")
sluice_mb=$(rss_mb "$OUT/sluice.time")
sluice_query_mb=$(awk '/^query memory:/{print $3}' "$OUT/sluice.out")
sluice_cpu=$(awk '/^cpu time:/{print $3}' "$OUT/sluice.out")
rows+=("sluice W2 (EMIT FINAL, sled log)|$sluice_eps|$sluice_mb (query: $sluice_query_mb above the memory after loading)|$sluice_cpu (query only; $(cpu_s "$OUT/sluice.time") whole process)")

if [ -n "${CHECK:-}" ]; then
  "$SLUICE" bench w2 --input "$INPUT" --check | grep '^CHECK\|^check' >&2
fi

for t in $DUCK_THREADS; do
  echo "== duckdb, $t thread(s)" >&2
  $TIME -v "$PY" "$SHARED/duck.py" "$INPUT" --threads "$t" > "$OUT/duck$t.out" 2> "$OUT/duck$t.time"
  cat "$OUT/duck$t.out" >&2
  secs=$(grep -o 'query=[0-9.]*' "$OUT/duck$t.out" | cut -d= -f2)
  eps=$(awk -v n="$N" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  rows+=("duckdb batch GROUP BY, $t thread(s)|$eps|$(rss_mb "$OUT/duck$t.time")|$(cpu_s "$OUT/duck$t.time") (whole process)")
done

FLINK_PY=${FLINK_PY:-}
if [ -z "$FLINK_PY" ] && "$PY" -c 'import pyflink' 2>/dev/null; then FLINK_PY=$PY; fi
if [ -n "$FLINK_PY" ]; then
  for p in 1 2; do
    echo "== flink streaming, parallelism $p" >&2
    "$FLINK_PY" "$SHARED/tumble.py" "$INPUT" --mode streaming -p "$p" > "$OUT/flink$p.out" 2> "$OUT/flink$p.err" \
      || { tail -20 "$OUT/flink$p.err" >&2; continue; }
    cat "$OUT/flink$p.out" >&2
    secs=$(grep -o 'net_runtime=[0-9.]*' "$OUT/flink$p.out" | cut -d= -f2)
    eps=$(awk -v n="$N" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
    mb=$(grep -o 'jvm_peak_rss_mb=[0-9]*' "$OUT/flink$p.out" | cut -d= -f2)
    cpu=$(grep -o 'jvm_cpu_s=[0-9.]*' "$OUT/flink$p.out" | cut -d= -f2)
    rows+=("flink streaming SQL, parallelism $p (net runtime)|$eps|$mb (JVM)|$cpu (JVM, with start-up)")
  done
else
  echo "== flink: skipped (PyFlink is not installed; pip install apache-flink into $VENV)" >&2
  rows+=("flink streaming SQL|skipped: PyFlink not installed||")
fi

printf '\n%d events, %s, %s\n\n' "$N" "$(nproc) cores" "$(date -u +%FT%TZ)"
printf '| engine | events/s | peak memory (MB) | CPU s | sluice / engine (events/s) |\n|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r engine eps mb cpu <<< "$row"
  ratio=$(awk -v a="$sluice_eps" -v b="$eps" 'BEGIN{ if (b+0 > 0) printf "%.2f", a/b; else print "-" }')
  printf '| %s | %s | %s | %s | %s |\n' "$engine" "$eps" "$mb" "$cpu" "$ratio"
done
# The machine is shared: a run that got a fraction of a core shows it here.
awk '/^cpu time:/{print "\nsluice query: " $0}' "$OUT/sluice.out"
