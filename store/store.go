// Package store keeps what wxpub knows between runs: issues and their items, the images
// already uploaded (so none is uploaded twice), and how far each issue's publication got
// (so a rerun finishes the job without repeating a step). SQLite is the default; the schema
// is versioned by the embedded migrations.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"modernc.org/sqlite"               // the "sqlite" database/sql driver, pure Go
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned (wrapped) when a record does not exist.
var ErrNotFound = errors.New("not found")

// DefaultDSN is where the store lives unless store.dsn says otherwise.
const DefaultDSN = "sqlite://./wxpub-data/wxpub.db"

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the persistence of wxpub. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	driver string
	// source is what the driver opened, for a second pool (JobPool).
	source string
	now    func() time.Time
	// lastRevision is the last revision this store gave out, so that two writes within
	// one clock tick still get growing revisions.
	lastRevision atomic.Int64
	// account is the official account (AppID) whose uploads, publications and publish
	// leases this store reads and writes; "" before one is chosen.
	account string
	// saltCache is the account's insight salt, once read.
	saltCache atomic.Pointer[[]byte]
}

// Account returns the store seen by one official account (its AppID): the uploads,
// publications and publish leases it reads and writes are that account's; issues, items
// and snapshots are every account's. Both share one connection pool: close the store
// Open returned, once. Rows written before accounts were named (account "") are adopted by
// the first account that asks while no other account has any.
func (s *Store) Account(ctx context.Context, appID string) (*Store, error) {
	a := &Store{db: s.db, driver: s.driver, source: s.source, now: s.now, account: appID}
	if appID == "" {
		return a, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", appID, err)
	}
	defer tx.Rollback()
	var others int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM publications WHERE account <> '' AND account <> ?`), appID).Scan(&others); err != nil {
		return nil, fmt.Errorf("account %s: %w", appID, err)
	}
	if others == 0 {
		for _, table := range []string{"uploads", "publications", "publish_leases", "events", "approvals", "queries", "stats_followers", "stats_articles"} {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE `+table+` SET account = ? WHERE account = ''`), appID); err != nil {
				return nil, fmt.Errorf("account %s: adopt the %s of before: %w", appID, table, err)
			}
		}
		// The salt goes with the records hashed with it, unless the account has its own.
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE insight_salts SET account = ? WHERE account = ''
			AND NOT EXISTS (SELECT 1 FROM insight_salts s2 WHERE s2.account = ?)`), appID, appID); err != nil {
			return nil, fmt.Errorf("account %s: adopt the insight salt of before: %w", appID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("account %s: %w", appID, err)
	}
	return a, nil
}

// Open opens (creating it if needed) the store at dsn and brings its schema up to date.
// dsn is sqlite://PATH (relative or absolute; sqlite:///abs/path.db) or a PostgreSQL URL,
// postgres://user@host:5432/db?sslmode=disable&search_path=schema (the first schema of a
// search_path is created when missing).
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, 0)
}

// open opens the store with the migrations up to version upTo applied (0: all of them).
func open(ctx context.Context, dsn string, upTo int) (*Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	driver, source, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	if driver == "sqlite" {
		// One writer at a time; WAL lets readers (the callback server) go on meanwhile.
		db.SetMaxOpenConns(4)
	} else {
		db.SetMaxOpenConns(8)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, driver: driver, source: source, now: time.Now}
	if err := s.migrateWhenFree(ctx, upTo); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	return s, nil
}

// redact hides a password in a DSN, for errors and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}

// Engine names the database: "sqlite" or "postgres".
func (s *Store) Engine() string {
	if s.driver == "pgx" {
		return "postgres"
	}
	return "sqlite"
}

// AccountID is the AppID of the account this view of the store is for ("" for none).
func (s *Store) AccountID() string { return s.account }

// JobPool returns a connection pool for a job engine that keeps its tables beside the
// store's: on PostgreSQL the store's own pool (closing it is left to the store), on SQLite
// a second pool of one connection on the same file, as River's SQLite driver wants (it
// runs its work in parallel, which SQLite answers with SQLITE_BUSY on a larger pool).
func (s *Store) JobPool() (db *sql.DB, closePool func() error, err error) {
	if s.driver == "pgx" {
		return s.db, func() error { return nil }, nil
	}
	db, err = sql.Open(s.driver, s.source)
	if err != nil {
		return nil, nil, fmt.Errorf("open the job pool: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, db.Close, nil
}

// Exclusive runs fn while no other process runs an Exclusive or a migration of this
// store (a PostgreSQL advisory lock; on SQLite, fn is retried while the file is busy): for
// another component's schema migrations, which replicas starting together would race.
func (s *Store) Exclusive(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.driver != "pgx" {
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := fn(ctx)
			if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				return err
			}
			// Two processes migrating a fresh file: the loser sees a busy file or a table
			// the winner just made; the next try finds the work done.
			time.Sleep(50*time.Millisecond + time.Duration(rand.Int64N(int64(100*time.Millisecond))))
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727172)`); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727172)`)
	return fn(ctx)
}

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func parseDSN(dsn string) (driver, source string, err error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if _, err := url.Parse(dsn); err != nil {
			return "", "", fmt.Errorf("store.dsn: %w", err)
		}
		return "pgx", dsn, nil
	}
	rest, ok := strings.CutPrefix(dsn, "sqlite://")
	if !ok {
		return "", "", fmt.Errorf("store.dsn %q: want sqlite://PATH or postgres://…", redact(dsn))
	}
	path := rest
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return "", "", fmt.Errorf("store.dsn %q: no file path", dsn)
	}
	if err := privateFile(path); err != nil {
		return "", "", fmt.Errorf("store.dsn %q: %w", dsn, err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "sqlite", "file:" + path + "?" + q.Encode(), nil
}

// privateFile makes the SQLite file's folders (0700 where it creates them) and the file
// itself, readable by its owner only whatever the umask: it holds the account's media IDs
// and publication history. SQLite gives its -wal and -shm files the database's mode.
func privateFile(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return f.Chmod(fi.Mode().Perm() &^ 0o077)
	}
	return nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// rebind turns ? placeholders into the driver's.
func (s *Store) rebind(q string) string {
	if s.driver != "pgx" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrateWhenFree migrates, trying again while SQLite reports the database busy: processes
// opening a fresh file together race to set it up (switching it to WAL takes a lock that
// the busy timeout does not wait for), and each migration checks again under its own
// lock whether another process applied it meanwhile.
func (s *Store) migrateWhenFree(ctx context.Context, upTo int) error {
	deadline := time.Now().Add(30 * time.Second)
	wait := 20 * time.Millisecond
	for {
		err := s.migrate(ctx, upTo)
		if err == nil || s.driver != "sqlite" || !busy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// busy reports whether err is SQLite's SQLITE_BUSY (or one of its extended codes).
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// migrate applies, each in its own transaction, the migrations not yet applied. On
// PostgreSQL, replicas starting together take turns (an advisory lock).
func (s *Store) migrate(ctx context.Context, upTo int) error {
	if s.driver == "pgx" {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := createSchema(ctx, conn); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727172)`); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727172)`)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its version number", base)
		}
		if upTo > 0 && v > upTo {
			break
		}
		if err := s.apply(ctx, v, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, version int, name string) error {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitSQL(string(body)) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, s.now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// createSchema creates the first schema of the connection's search_path if it is missing,
// so that a DSN naming a schema works on an empty database.
func createSchema(ctx context.Context, conn *sql.Conn) error {
	var path string
	if err := conn.QueryRowContext(ctx, `SHOW search_path`).Scan(&path); err != nil {
		return fmt.Errorf("read search_path: %w", err)
	}
	first := strings.Trim(strings.TrimSpace(strings.Split(path, ",")[0]), `"`)
	if first == "" || first == "$user" || first == "public" {
		return nil
	}
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "`+strings.ReplaceAll(first, `"`, `""`)+`"`); err != nil {
		return fmt.Errorf("create schema %s: %w", first, err)
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons that end a line, leaving
// comments out.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if st := strings.TrimSpace(cur.String()); st != ";" {
				out = append(out, strings.TrimSuffix(st, ";"))
			}
			cur.Reset()
		}
	}
	if st := strings.TrimSpace(cur.String()); st != "" {
		out = append(out, st)
	}
	return out
}

// revision is a number that grows with every write, as long as the clocks of the writers
// agree to the nanosecond's worth that matters here.
func (s *Store) revision() int64 {
	for {
		now := s.now().UnixNano()
		last := s.lastRevision.Load()
		if now <= last {
			now = last + 1
		}
		if s.lastRevision.CompareAndSwap(last, now) {
			return now
		}
	}
}

// Version returns the schema version applied.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}
