package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestInsightSQLite(t *testing.T)   { insightSuite(t, openSQLite) }
func TestInsightPostgres(t *testing.T) { insightSuite(t, openPostgres) }

// insightSuite: records are kept under a keyed hash, counted, aged out, and forgetting a
// follower leaves no row of theirs and no trace of their OpenID anywhere in the store.
func insightSuite(t *testing.T, open func(*testing.T) *Store) {
	ctx := context.Background()
	opened := open(t)
	s, err := opened.Account(ctx, "wxA")
	if err != nil {
		t.Fatal(err)
	}
	const alice, bob = "oAlice000000000000000000001", "oBob00000000000000000000002"
	ha, err := s.Follower(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if hb, _ := s.Follower(ctx, bob); ha == hb || len(ha) != 32 || strings.Contains(ha, "Alice") {
		t.Fatalf("follower hashes %q %q", ha, hb)
	}
	other, _ := opened.Account(ctx, "wxB")
	if hx, _ := other.Follower(ctx, alice); hx == ha {
		t.Error("two accounts share a salt")
	}
	now := time.Now()
	rec := func(who, q, lang, outcome string, items []string, ago time.Duration) Query {
		f, _ := s.Follower(ctx, who)
		return Query{At: now.Add(-ago), Follower: f, Query: q, Lang: lang, Outcome: outcome, Items: items, Latency: time.Millisecond}
	}
	if err := s.RecordQueries(ctx, []Query{
		rec(alice, "个人信息", "zh", "items", []string{"135-1", "135-3"}, time.Hour),
		rec(alice, "个人信息", "zh", "items", []string{"135-3"}, 2*time.Hour),
		rec(bob, "量子计算", "zh", "no_match", nil, time.Hour),
		rec(bob, "quantum", "en", "no_match", nil, time.Hour),
		rec(bob, "个人信息", "zh", "items", []string{"135-3"}, 400*24*time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	month := now.AddDate(0, 0, -30)
	top, err := s.TopQueries(ctx, month, 5)
	if err != nil || len(top) != 3 || top[0].Value != "个人信息" || top[0].N != 2 {
		t.Errorf("top queries %+v %v", top, err)
	}
	gaps, _ := s.TopQueries(ctx, month, 5, "no_match")
	if len(gaps) != 2 {
		t.Errorf("gaps %+v", gaps)
	}
	items, _ := s.TopItems(ctx, month, 5)
	if len(items) != 2 || items[0].Value != "135-3" || items[0].N != 2 {
		t.Errorf("items %+v", items)
	}
	if n, err := s.DeleteQueriesBefore(ctx, now.AddDate(0, 0, -180)); err != nil || n != 1 {
		t.Errorf("retention deleted %d %v", n, err)
	}
	if n, err := s.Forget(ctx, alice); err != nil || n != 2 {
		t.Errorf("forget deleted %d %v", n, err)
	}
	if n, _ := s.CountQueries(ctx, alice); n != 0 {
		t.Errorf("%d of alice's records left", n)
	}
	if n, _ := s.CountQueries(ctx, bob); n != 2 {
		t.Errorf("bob lost records: %d left", n)
	}
	// Nothing in any table holds Alice's OpenID or her hash.
	for _, table := range []string{"queries", "insight_salts", "events", "issues", "items", "publications"} {
		var n int
		row := opened.db.QueryRowContext(ctx, opened.rebind(`SELECT COUNT(*) FROM `+table+` t WHERE CAST(t.* AS TEXT) LIKE ? OR CAST(t.* AS TEXT) LIKE ?`), "%"+alice+"%", "%"+ha+"%")
		if opened.driver != "pgx" {
			row = sqliteRowContaining(ctx, opened.db, table, alice, ha)
		}
		if err := row.Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if n != 0 {
			t.Errorf("%s still holds a trace of the forgotten follower", table)
		}
	}
}

// sqliteRowContaining counts a table's rows any column of which contains one of two
// strings (SQLite has no row-to-text cast).
func sqliteRowContaining(ctx context.Context, db *sql.DB, table, a, b string) *sql.Row {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return db.QueryRowContext(ctx, `SELECT -1`)
	}
	var conds []string
	var args []any
	for rows.Next() {
		var col string
		rows.Scan(&col)
		conds = append(conds, `CAST("`+col+`" AS TEXT) LIKE ?`, `CAST("`+col+`" AS TEXT) LIKE ?`)
		args = append(args, "%"+a+"%", "%"+b+"%")
	}
	rows.Close()
	return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+strings.Join(conds, " OR "), args...)
}

func TestRecordManyQueriesSQLite(t *testing.T)   { recordManySuite(t, openSQLite) }
func TestRecordManyQueriesPostgres(t *testing.T) { recordManySuite(t, openPostgres) }

// recordManySuite: a batch larger than one INSERT is recorded whole, row for row.
func recordManySuite(t *testing.T, open func(*testing.T) *Store) {
	ctx := context.Background()
	s, err := open(t).Account(ctx, "wxMany")
	if err != nil {
		t.Fatal(err)
	}
	const who = "oMany0000000000000000000001"
	f, err := s.Follower(ctx, who)
	if err != nil {
		t.Fatal(err)
	}
	n := 2*queriesPerInsert + 7
	qs := make([]Query, n)
	for i := range qs {
		qs[i] = Query{At: time.Now(), Follower: f, Query: "q" + strconv.Itoa(i), Lang: "zh", Outcome: "items", Items: []string{"135-1"}, Latency: time.Millisecond}
	}
	if err := s.RecordQueries(ctx, qs); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CountQueries(ctx, who); err != nil || got != n {
		t.Errorf("%d records kept of %d (%v)", got, n, err)
	}
	top, err := s.TopQueries(ctx, time.Now().Add(-time.Hour), n+1)
	if err != nil || len(top) != n {
		t.Errorf("%d distinct queries of %d (%v)", len(top), n, err)
	}
}
