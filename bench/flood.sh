#!/usr/bin/env bash
# The trust review's floods (issue #9) against a real `wxpub serve` over 10,000 items:
# unique 30 KB message types, unique 60 KB contents from 12 senders, 300 connections of
# endless headers, 20 s each, with a legitimate question every 20 ms. Prints the server's
# peak RSS during each flood, its RSS within 30 s after, and the legitimate p99. Loopback
# only; every process it starts is stopped at the end.
#
#   bash bench/flood.sh [seconds per flood, default 20]
source "$(dirname "$0")/common.sh"
secs=${1:-20}

build cmd/wxpub bench/flood bench/seed

export WXPUB_STORE_DSN="sqlite://$work/wxpub.db"
export WXPUB_WECHAT_TOKEN=floodtoken
export WXPUB_SERVER_ADDR=127.0.0.1:18080
export WXPUB_SERVER_ADMIN_ADDR=127.0.0.1:19090
"$work/seed" -dsn "$WXPUB_STORE_DSN" -items 10000
"$work/wxpub" import --url https://mp.weixin.qq.com/s/sample135 issue/testdata/sample-135.md >/dev/null

"$work/wxpub" serve --log-level warn >"$work/serve.log" 2>&1 &
pids+=($!); serve=$!
await_ready "$WXPUB_SERVER_ADMIN_ADDR" "$serve" "$work/serve.log"
sleep 8   # start-up settles: the index is written to disk and its memory returned
echo "serve: idle RSS $(awk '/VmRSS/ {print $2}' /proc/$serve/status) kB with $(curl -s http://127.0.0.1:19090/metrics | awk '/^wxpub_index_items/ {print $2}') items"
"$work/flood" -url http://127.0.0.1:18080/wechat -token floodtoken -pid "$serve" -duration "${secs}s"
