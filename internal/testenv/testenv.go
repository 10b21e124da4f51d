// Package testenv gives tests the real servers and emulators they run against, each test
// with a part of its own that is removed when the test ends: a Redis key prefix, a
// PostgreSQL schema, an API sandbox that fails the test when called at a URL it does not
// emulate. Only tests import it.
package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/redis/go-redis/v9"

	"wxpub/wechat/sandbox"
)

// RedisAddr is the Redis server tests use: the one running on this machine (and in CI)
// unless WXPUB_TEST_REDIS names another.
func RedisAddr() string {
	if a := os.Getenv("WXPUB_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// PostgresURL is the PostgreSQL database tests use, likewise (WXPUB_TEST_POSTGRES).
func PostgresURL() string {
	if u := os.Getenv("WXPUB_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// RedisPrefix returns a key prefix of the test's own; its keys are deleted when the test
// ends.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	p := fmt.Sprintf("wxpubtest:%d:%d:", os.Getpid(), rand.Int64())
	t.Cleanup(func() {
		rdb := redis.NewClient(&redis.Options{Addr: RedisAddr()})
		defer rdb.Close()
		ctx := context.Background()
		for it := rdb.Scan(ctx, 0, p+"*", 1000).Iterator(); it.Next(ctx); {
			rdb.Del(ctx, it.Val())
		}
	})
	return p
}

// PostgresSchema returns the name of a schema of the test's own, dropped when the test
// ends, and a DSN that uses it (the store creates it), optionally through host instead of
// the server's own address (a proxy).
func PostgresSchema(t testing.TB, host string) (schema, dsn string) {
	t.Helper()
	schema = fmt.Sprintf("wxpub_test_%d_%d", os.Getpid(), rand.Int64())
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
	})
	if host != "" {
		u.Host = host
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String()
}

// PostgresHost is the host:port of the PostgreSQL server, for a proxy in front of it.
func PostgresHost(t testing.TB) string {
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// Sandbox starts an API sandbox for one test; the test fails if anything called a URL the
// sandbox does not emulate.
func Sandbox(t testing.TB, opt sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start("", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range sb.Unknown() {
			t.Errorf("call to an unknown URL: %s %s", c.Method, c.Path)
		}
		sb.Close()
	})
	return sb
}
