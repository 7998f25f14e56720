#!/usr/bin/env bash
# ./pipeline bench: builds what the benchmark compares, then measures (bench/bench.mjs).
#   - the Native AOT bootstrap, through ./pipeline publish, when its sources are newer than it;
#   - a JIT build of the same sources (framework-dependent, PublishAot=false) into
#     artifacts/functions-jit, built from a copy under artifacts/bench so it never shares obj/
#     with the AOT build or with anyone else's build of src/Functions;
#   - cdk.out is reused when present (./pipeline synth only when it is missing).
# Exit status: 0 every target holds, 1 some target does not, 2 the benchmark could not run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

node_bin=local/node_modules/.bin/node
aot=artifacts/functions/bootstrap
jit_dir=artifacts/functions-jit
work=artifacts/bench

usage() {
  cat <<'USAGE'
usage: ./pipeline bench [--cold-runs N] [--warm-invocations N] [--stage-seconds N] [--skip-local] [--out FILE]

  --cold-runs N          fresh process starts per build and handler (default 30)
  --warm-invocations N   invocations in one process per build and handler (default 1000)
  --stage-seconds N      simulated time per stage in the ./pipeline local run (default 5)
  --skip-local           leave out the ./pipeline local overhead run
  --out FILE             where to write the results (default bench/results.json)

Measures cold start (AOT bootstrap vs a JIT build of the same code), warm handler time, peak RSS,
the AOT deployment zip, a MODEL of a production run's state transitions and monthly cost, and the
overhead of ./pipeline local; prints a table and the targets, writes the results as JSON.
USAGE
}

step() { printf '\n== %s\n' "$*"; }

fail_usage() {
  echo "error: $*" >&2
  usage >&2
  exit 2
}

args=()
while (($# > 0)); do
  case "$1" in
    --cold-runs | --warm-invocations)
      [[ $# -ge 2 && "$2" =~ ^[0-9]{1,6}$ && "$2" -ge 1 ]] || fail_usage "$1 needs a whole number from 1 to 999999"
      args+=("$1" "$2")
      shift 2
      ;;
    --stage-seconds)
      [[ $# -ge 2 && "$2" =~ ^[0-9]{1,4}$ && "$2" -le 3600 ]] || fail_usage "$1 needs a whole number of seconds from 0 to 3600"
      args+=("$1" "$2")
      shift 2
      ;;
    --out)
      [[ $# -ge 2 && -n "$2" ]] || fail_usage "--out needs a file name"
      args+=("$1" "$2")
      shift 2
      ;;
    --skip-local)
      args+=("$1")
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) fail_usage "unknown flag $1" ;;
  esac
done

# The inputs of a build of src/Functions: what both builds are made from.
sources() {
  {
    find src/Functions -type f -not -path '*/bin/*' -not -path '*/obj/*'
    printf '%s\n' Directory.Build.props Directory.Packages.props
  } | LC_ALL=C sort
}

fingerprint() {
  sources | xargs -d '\n' sha256sum | sha256sum | cut -c1-16
}

# The first source file newer than $1, if any.
newer_source() {
  local reference="$1" file
  while IFS= read -r file; do
    if [[ "$file" -nt "$reference" ]]; then
      printf '%s\n' "$file"
      return
    fi
  done < <(sources)
}

check_tools() {
  local missing=()
  command -v dotnet >/dev/null || missing+=(dotnet)
  command -v zip >/dev/null || missing+=(zip)
  python3 -c 'import moto.server' 2>/dev/null || missing+=("python3 moto (server mode)")
  if ((${#missing[@]} > 0)); then
    echo "error: the benchmark needs: ${missing[*]}" >&2
    exit 2
  fi
  if [[ ! -x "$node_bin" ]]; then
    step "npm ci in local/ (node 22, aws-local-stepfunctions, AWS SDK clients)"
    (cd local && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build_aot() {
  local stale=""
  [[ -x "$aot" ]] && stale="$(newer_source "$aot")"
  if [[ ! -x "$aot" || -n "$stale" ]]; then
    step "AOT build: ./pipeline publish${stale:+ ($stale changed)}"
    ./pipeline publish
  else
    step "AOT build: $aot is newer than its sources, reused"
  fi
}

build_jit() {
  local wanted copied
  wanted="$(fingerprint)"
  if [[ -f "$jit_dir/bootstrap.dll" && "$(cat "$work/jit.fingerprint" 2>/dev/null)" == "$wanted" ]]; then
    step "JIT build: $jit_dir is from the same sources ($wanted), reused"
    return
  fi
  step "JIT build: dotnet publish -p:PublishAot=false, framework-dependent -> $jit_dir"
  rm -rf "$work/jit-src" "$jit_dir"
  mkdir -p "$work/jit-src"
  tar -C "$root" --exclude=bin --exclude=obj -cf - src/Functions Directory.Build.props Directory.Packages.props | tar -C "$work/jit-src" -xf -
  copied="$(cd "$work/jit-src" && fingerprint)"
  dotnet publish "$work/jit-src/src/Functions" -c Release -r linux-x64 --self-contained false \
    -p:PublishAot=false -o "$jit_dir" --nologo -v quiet
  printf '%s\n' "$copied" >"$work/jit.fingerprint"
}

ensure_template() {
  if [[ -z "$(find cdk.out -maxdepth 1 -name '*.template.json' -print -quit 2>/dev/null)" ]]; then
    step "no synthesized template: ./pipeline synth (slow; the functions were just built)"
    if ! SKIP_FUNCTIONS_PUBLISH=1 ./pipeline synth; then
      echo "warning: ./pipeline synth failed: the model runs statemachine/pipeline.asl.json with cdk.json's settings, and the local run cannot start (results.json says so)" >&2
    fi
  else
    step "synthesized template in cdk.out reused"
  fi
}

check_tools
mkdir -p "$work"
build_aot
build_jit
ensure_template

# Both builds are of the same sources when nothing changed after the AOT build and the JIT copy
# matches the tree as it is now.
current="$(fingerprint)"
same_source=false
if [[ -z "$(newer_source "$aot")" && "$(cat "$work/jit.fingerprint")" == "$current" ]]; then
  same_source=true
else
  echo "warning: src/Functions changed during the builds; the AOT and JIT builds may differ" >&2
fi

step "measure (about 5 to 10 minutes)"
BENCH_SOURCE_FINGERPRINT="$current" BENCH_SAME_SOURCE="$same_source" exec "$node_bin" bench/bench.mjs "${args[@]}"
