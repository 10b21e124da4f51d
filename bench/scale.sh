#!/usr/bin/env bash
# Measures replies scaled out (issue #5): plain mode, 32 connections, 10,005 items in
# PostgreSQL, against (1) one replica alone, (2) one replica using Redis, (3) two replicas
# sharing Redis and PostgreSQL, the connections split between them as a load balancer
# would. Uses the Redis and PostgreSQL on this machine with a key prefix and a schema of
# its own, removed at the end. Loopback only; everything it starts is stopped.
#
#   bash bench/scale.sh [seconds per run, default 10]
schema="wxpub_bench_$$"
prefix="wxpubbench:$$:"
tidy() {
  psql -h 127.0.0.1 -d test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "${prefix}*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
}
source "$(dirname "$0")/common.sh"
secs=${1:-10}

build cmd/wxpub bench/loadgen bench/seed
export WXPUB_STORE_DSN="postgres://127.0.0.1:5432/test?sslmode=disable&search_path=$schema"
export WXPUB_WECHAT_TOKEN=benchtoken
export WXPUB_REDIS_PREFIX="$prefix"
"$work/seed" -dsn "$WXPUB_STORE_DSN" -items 10000
"$work/wxpub" import --url https://mp.weixin.qq.com/s/sample135 issue/testdata/sample-135.md >/dev/null

serve() { # port [redis]
  WXPUB_SERVER_ADDR=127.0.0.1:$1 WXPUB_SERVER_ADMIN_ADDR=127.0.0.1:$(($1 + 1000)) WXPUB_REDIS_ADDR=${2:-} "$work/wxpub" serve --log-format json >>"$work/serve.log" 2>&1 &
  pids+=($!)
  await_ready "127.0.0.1:$(($1 + 1000))" "$!" "$work/serve.log"
}
load() { # label urls
  "$work/loadgen" -label "$1" -url "$2" -token benchtoken -mode plain -conns 32 -duration ${secs}s
}

serve 18080
load "one replica, no Redis" http://127.0.0.1:18080/wechat
stop
serve 18080 127.0.0.1:6379
load "one replica, Redis" http://127.0.0.1:18080/wechat
stop
serve 18080 127.0.0.1:6379
serve 18081 127.0.0.1:6379
load "two replicas, Redis" http://127.0.0.1:18080/wechat,http://127.0.0.1:18081/wechat
