#!/usr/bin/env bash
# Measures the message callback (issue #4): a real `wxpub serve` process over a store of
# 10,000 items, loaded by bench/loadgen on the same machine, in plain and safe mode at 2
# and 32 connections, beside a bare net/http server answering a fixed reply (the floor);
# then the server's idle RSS. Loopback only; every process it starts is stopped at the end.
#
#   bash bench/serve.sh [seconds per run, default 10]
source "$(dirname "$0")/common.sh"
secs=${1:-10}

build cmd/wxpub bench/loadgen bench/floor bench/seed

export WXPUB_STORE_DSN="sqlite://$work/wxpub.db"
export WXPUB_WECHAT_TOKEN=benchtoken
export WXPUB_WECHAT_APP_ID=wx134c8103faa5a59e
export WXPUB_WECHAT_AES_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
# Compatible mode: the same server takes the plain and the safe runs.
export WXPUB_WECHAT_ENCODING_MODE=compat
export WXPUB_SERVER_ADDR=127.0.0.1:18080
export WXPUB_SERVER_ADMIN_ADDR=127.0.0.1:19090
"$work/seed" -dsn "$WXPUB_STORE_DSN" -items 10000
"$work/wxpub" import --url https://mp.weixin.qq.com/s/sample135 issue/testdata/sample-135.md >/dev/null

start=$(date +%s.%N)
"$work/wxpub" serve --log-format json >"$work/serve.log" 2>&1 &
pids+=($!); serve=$!
await_ready "$WXPUB_SERVER_ADMIN_ADDR" "$serve" "$work/serve.log"
ready=$(echo "$(date +%s.%N) - $start" | bc)
items=$(curl -s http://127.0.0.1:19090/metrics | awk '/^wxpub_index_items/ {print $2}')
sleep 8   # idle: after start-up settles (the index is written to disk, memory returned)
rss_idle=$(awk '/VmRSS/ {print $2}' /proc/$serve/status)
echo "serve: ready in ${ready}s with ${items} items; idle RSS ${rss_idle} kB"

for mode in plain safe; do
  for conns in 2 32; do
    "$work/loadgen" -label wxpub -url http://127.0.0.1:18080/wechat -token benchtoken -mode $mode \
      -appid $WXPUB_WECHAT_APP_ID -aeskey $WXPUB_WECHAT_AES_KEY -conns $conns -duration ${secs}s
  done
done
rss_loaded=$(awk '/VmRSS/ {print $2}' /proc/$serve/status)
echo "serve: RSS after the runs ${rss_loaded} kB"

"$work/floor" -addr 127.0.0.1:18090 &
pids+=($!)
until curl -sf -o /dev/null -X POST http://127.0.0.1:18090/; do sleep 0.1; done
for conns in 2 32; do
  "$work/loadgen" -label floor -url http://127.0.0.1:18090/ -token benchtoken -mode plain -conns $conns -duration ${secs}s
done
