package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Query is one follower message as insight keeps it.
type Query struct {
	At time.Time
	// Follower is the keyed hash of the OpenID (Store.Follower).
	Follower string
	Query    string
	Lang     string
	Outcome  string
	Items    []string
	Latency  time.Duration
}

// Follower returns the keyed hash that stands for an OpenID in the account's records: an
// HMAC with a salt of the account's, made the first time it is needed.
func (s *Store) Follower(ctx context.Context, openID string) (string, error) {
	salt, err := s.salt(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(openID))
	return hex.EncodeToString(m.Sum(nil)[:16]), nil
}

func (s *Store) salt(ctx context.Context) ([]byte, error) {
	if b := s.saltCache.Load(); b != nil {
		return *b, nil
	}
	b, err := s.readSalt(ctx)
	if err == nil {
		s.saltCache.Store(&b)
	}
	return b, err
}

func (s *Store) readSalt(ctx context.Context) ([]byte, error) {
	var salt string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT salt FROM insight_salts WHERE account = ?`), s.account).Scan(&salt)
	if errors.Is(err, sql.ErrNoRows) {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO insight_salts (account, salt) VALUES (?, ?) ON CONFLICT (account) DO NOTHING`),
			s.account, hex.EncodeToString(b[:])); err != nil {
			return nil, fmt.Errorf("insight salt: %w", err)
		}
		// Another process may have made it first: read the one that won.
		err = s.db.QueryRowContext(ctx, s.rebind(`SELECT salt FROM insight_salts WHERE account = ?`), s.account).Scan(&salt)
	}
	if err != nil {
		return nil, fmt.Errorf("insight salt: %w", err)
	}
	return hex.DecodeString(salt)
}

// RecordQueries keeps follower messages, in one transaction.
func (s *Store) RecordQueries(ctx context.Context, qs []Query) error {
	if len(qs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record queries: %w", err)
	}
	defer tx.Rollback()
	// Rows go in statements of many (one round trip to PostgreSQL and one statement for
	// SQLite per chunk, where a statement a row was most of the cost of insight under
	// load), within the parameter limits of both.
	for len(qs) > 0 {
		chunk := qs[:min(len(qs), queriesPerInsert)]
		qs = qs[len(chunk):]
		var b strings.Builder
		b.WriteString(`INSERT INTO queries (account, at, follower, query, lang, outcome, items, latency_us) VALUES `)
		args := make([]any, 0, 8*len(chunk))
		for i, q := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, s.account, q.At.UnixMilli(), q.Follower, q.Query, q.Lang, q.Outcome, strings.Join(q.Items, ","), q.Latency.Microseconds())
		}
		if _, err := tx.ExecContext(ctx, s.rebind(b.String()), args...); err != nil {
			return fmt.Errorf("record queries: %w", err)
		}
	}
	return tx.Commit()
}

// queriesPerInsert is how many records one INSERT writes: 8 parameters each, well under
// SQLite's 32,766 and PostgreSQL's 65,535.
const queriesPerInsert = 250

// DeleteQueriesBefore deletes the records older than t; it returns how many.
func (s *Store) DeleteQueriesBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM queries WHERE account = ? AND at < ?`), s.account, t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("delete old queries: %w", err)
	}
	return res.RowsAffected()
}

// Forget deletes every record of one follower (by OpenID); it returns how many.
func (s *Store) Forget(ctx context.Context, openID string) (int64, error) {
	f, err := s.Follower(ctx, openID)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM queries WHERE account = ? AND follower = ?`), s.account, f)
	if err != nil {
		return 0, fmt.Errorf("forget a follower: %w", err)
	}
	return res.RowsAffected()
}

// Count is a value and how often it came.
type Count struct {
	Value string
	Lang  string
	N     int
}

// TopQueries are the most asked queries since t (outcomes: only those; none: all), by
// language, most asked first.
func (s *Store) TopQueries(ctx context.Context, since time.Time, limit int, outcomes ...string) ([]Count, error) {
	q := `SELECT query, lang, COUNT(*) AS n FROM queries WHERE account = ? AND at >= ?`
	args := []any{s.account, since.UnixMilli()}
	if len(outcomes) > 0 {
		q += ` AND outcome IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(outcomes)), ", ") + `)`
		for _, o := range outcomes {
			args = append(args, o)
		}
	}
	q += ` GROUP BY query, lang ORDER BY n DESC, query LIMIT ?`
	return s.counts(ctx, q, append(args, limit)...)
}

// Outcomes counts the messages since t by outcome.
func (s *Store) Outcomes(ctx context.Context, since time.Time) ([]Count, error) {
	return s.counts(ctx, `SELECT outcome, '', COUNT(*) AS n FROM queries WHERE account = ? AND at >= ? GROUP BY outcome ORDER BY n DESC`,
		s.account, since.UnixMilli())
}

// TopItems are the items answered most since t.
func (s *Store) TopItems(ctx context.Context, since time.Time, limit int) ([]Count, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT items FROM queries WHERE account = ? AND at >= ? AND items <> ''`), s.account, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("insight: %w", err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var items string
		if err := rows.Scan(&items); err != nil {
			return nil, fmt.Errorf("insight: %w", err)
		}
		for _, id := range strings.Split(items, ",") {
			n[id]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Count
	for id, c := range n {
		out = append(out, Count{Value: id, N: c})
	}
	sortCounts(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Store) counts(ctx context.Context, q string, args ...any) ([]Count, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("insight: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Value, &c.Lang, &c.N); err != nil {
			return nil, fmt.Errorf("insight: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// CountQueries counts the records of one follower (by OpenID): what `forget` deletes.
func (s *Store) CountQueries(ctx context.Context, openID string) (int, error) {
	f, err := s.Follower(ctx, openID)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM queries WHERE account = ? AND follower = ?`), s.account, f).Scan(&n)
	return n, err
}

// ItemTitles returns an item's title in both languages, for reports.
func (s *Store) ItemTitles(ctx context.Context, id string) (string, error) {
	var zh, en string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT title_zh, title_en FROM items WHERE id = ?`), id).Scan(&zh, &en)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("item %s: %w", id, err)
	}
	return strings.TrimSpace(zh + " " + en), nil
}

// Asked is one recorded message's time and outcome, for charts by day.
type Asked struct {
	At      time.Time
	Outcome string
}

// AskedSince returns when each message since t came and how it was answered.
func (s *Store) AskedSince(ctx context.Context, since time.Time) ([]Asked, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT at, outcome FROM queries WHERE account = ? AND at >= ? ORDER BY at`), s.account, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("insight: %w", err)
	}
	defer rows.Close()
	var out []Asked
	for rows.Next() {
		var at int64
		var a Asked
		if err := rows.Scan(&at, &a.Outcome); err != nil {
			return nil, fmt.Errorf("insight: %w", err)
		}
		a.At = time.UnixMilli(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
