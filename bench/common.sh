# Sourced by the bench scripts: strict mode, the Go toolchain, the repository as the
# working folder, a scratch folder ($work) and the processes started ($pids), all removed
# and stopped on exit. A script that has more to tidy defines tidy() before sourcing.
#
#   source "$(dirname "$0")/common.sh"
set -euo pipefail
# Machines default to GOTOOLCHAIN=local and an older Go; wxpub is built and tested with
# this release, which the Go module proxy serves as a toolchain.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(mktemp -d)
pids=()
# stop ends every process started so far.
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
cleanup() {
  stop
  if declare -F tidy >/dev/null; then tidy; fi
  rm -rf "$work"
}
trap cleanup EXIT

# build compiles the named commands of this module into $work (bench/seed → $work/seed).
build() { for pkg in "$@"; do go build -o "$work/$(basename "$pkg")" "./$pkg"; done; }

# await_ready waits until the server at admin address $1 (host:port) answers /readyz. With
# its process ID as $2 and its log as $3, it stops waiting when that process has exited,
# shows the log and fails: a server that cannot start would otherwise be waited for forever.
await_ready() {
  until curl -sf "http://$1/readyz" >/dev/null; do
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
      echo "the server at $1 exited before it was ready" >&2
      [ -n "${3:-}" ] && cat "$3" >&2
      return 1
    fi
    sleep 0.05
  done
}
