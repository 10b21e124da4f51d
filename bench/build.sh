#!/usr/bin/env bash
# Measures `wxpub serve`'s first build of the search index at archive scale, for one or
# more wxpub binaries in turn (this machine's speed drifts within minutes: only figures
# from alternated runs compare). Each run starts `serve` on the same store with an empty
# index folder and prints when /readyz answered, when the process then sat idle for 2 s
# (its compaction done), the segments left, CPU seconds and peak RSS. Without binaries it
# builds this checkout's. About 80 s a run here.
#
#   bash bench/build.sh [-r rounds] [-n items] [wxpub binary ...]
source "$(dirname "$0")/common.sh"
rounds=2 items=100000
while getopts r:n: opt; do
  case $opt in r) rounds=$OPTARG ;; n) items=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then build cmd/wxpub; bins=("$work/wxpub"); fi
build bench/seed
export WXPUB_STORE_DSN="sqlite://$work/store/wxpub.db"
export WXPUB_WECHAT_TOKEN=benchtoken
export WXPUB_SERVER_ADDR=127.0.0.1:18082
export WXPUB_SERVER_ADMIN_ADDR=127.0.0.1:19092
"$work/seed" -dsn "$WXPUB_STORE_DSN" -items "$items" >/dev/null
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for ((round = 1; round <= rounds; round++)); do
  for bin in "${bins[@]}"; do
    export WXPUB_SEARCH_INDEX_DIR="$work/index-$round-$(basename "$bin")"
    start=$(date +%s.%N)
    "$bin" serve --log-format json >"$work/serve.log" 2>&1 &
    pids+=($!); pid=$!
    await_ready "$WXPUB_SERVER_ADMIN_ADDR" "$pid" "$work/serve.log"
    ready=$(echo "$(date +%s.%N) - $start" | bc)
    prev=$(cpu "$pid")
    while sleep 2; do now=$(cpu "$pid"); [ $((now - prev)) -lt 10 ] && break; prev=$now; done
    idle=$(echo "$(date +%s.%N) - $start - 2" | bc)
    segments=$(ls "$WXPUB_SEARCH_INDEX_DIR"/index-0/store/*.zap | wc -l)
    printf '%s: ready %.1f s, idle from %.1f s, %d segments, %d s of CPU, peak %d MB\n' "$bin" "$ready" "$idle" \
      "$segments" "$(($(cpu "$pid") / 100))" "$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")"
    stop
    rm -rf "$WXPUB_SEARCH_INDEX_DIR"
  done
done
