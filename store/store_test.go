package store

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/issue"
)

// openSQLite opens a store in a fresh file.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "sub", "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) { suite(t, openSQLite) }

// openPostgres opens a store in a schema of its own, dropped when the test ends.
func openPostgres(t *testing.T) *Store {
	t.Helper()
	_, dsn := testenv.PostgresSchema(t, "")
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("PostgreSQL (%s): %v", testenv.PostgresURL(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) { suite(t, openPostgres) }

func sample(t *testing.T) *issue.Issue {
	t.Helper()
	is, err := issue.ParseFile("../issue/testdata/sample-135.md")
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// suite is the behaviour every store backend must have.
func suite(t *testing.T, open func(*testing.T) *Store) {
	ctx := context.Background()
	t.Run("issues", func(t *testing.T) {
		s := open(t)
		if _, err := s.Issue(ctx, 135); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing issue: %v", err)
		}
		is := sample(t)
		if err := s.SaveIssue(ctx, is, "hash1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Issue(ctx, 135)
		if err != nil {
			t.Fatal(err)
		}
		if got.SourceHash != "hash1" || got.Date != "2020-04" || got.Title != is.Title || !strings.Contains(string(got.Model), `"id": "135-5"`) || string(got.Source) != string(is.Source) {
			t.Errorf("stored issue = %+v", got)
		}
		items, err := s.Items(ctx)
		if err != nil || len(items) != 5 || items[0].ID != "135-1" || items[4].Section.En != "Overseas News" || items[0].Body.Zh != is.Sections[0].Items[0].Body.Zh {
			t.Fatalf("items = %+v, %v", items, err)
		}
		stamps, err := s.Stamps(ctx)
		if err != nil || len(stamps) != 1 || stamps[0].Number != 135 || stamps[0].Revision == 0 {
			t.Fatalf("stamps = %v, %v", stamps, err)
		}
		if err := s.SetIssueURLs(ctx, 135, "https://mp.weixin.qq.com/s/x", "http://mmbiz/cover"); err != nil {
			t.Fatal(err)
		}
		if after, _ := s.Stamps(ctx); after[0].Revision <= stamps[0].Revision {
			t.Errorf("setting the URLs did not change the revision: %v → %v", stamps, after)
		}
		if its, err := s.IssueItems(ctx, 135); err != nil || len(its) != 5 || its[4].ID != "135-5" {
			t.Errorf("issue items = %v, %v", its, err)
		}
		// Saving again replaces the items and keeps the URLs.
		is.Sections[1].Items = is.Sections[1].Items[:1]
		if err := s.SaveIssue(ctx, is, "hash2"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Issue(ctx, 135)
		items, _ = s.Items(ctx)
		if got.SourceHash != "hash2" || got.ArticleURL != "https://mp.weixin.qq.com/s/x" || got.CoverURL != "http://mmbiz/cover" || len(items) != 4 {
			t.Errorf("after resave: %+v, %d items", got, len(items))
		}
		if err := s.SetIssueURLs(ctx, 999, "u", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("urls of a missing issue: %v", err)
		}
		other, err := issue.ParseFile("../issue/testdata/variations.md")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveIssue(ctx, other, "h"); err != nil {
			t.Fatal(err)
		}
		all, err := s.Issues(ctx)
		if err != nil || len(all) != 2 || all[0].Number != 136 {
			t.Errorf("issues = %v, %v", all, err)
		}
		items, _ = s.Items(ctx)
		if items[0].ID != "136-1" {
			t.Errorf("items not newest issue first: %s", items[0].ID)
		}
		none := sample(t)
		none.Number = 0
		if err := s.SaveIssue(ctx, none, "h"); err == nil {
			t.Error("an issue without a number was saved")
		}
	})
	t.Run("a failed save leaves nothing half-written", func(t *testing.T) {
		s := open(t)
		is := sample(t)
		if err := s.SaveIssue(ctx, is, "good"); err != nil {
			t.Fatal(err)
		}
		bad := sample(t)
		bad.Sections[1].Items[0].ID = bad.Sections[0].Items[0].ID // duplicate item id: the insert fails
		if err := s.SaveIssue(ctx, bad, "bad"); err == nil {
			t.Fatal("duplicate item ids saved")
		}
		got, _ := s.Issue(ctx, 135)
		items, _ := s.Items(ctx)
		if got.SourceHash != "good" || len(items) != 5 {
			t.Errorf("a failed save changed the store: %s, %d items", got.SourceHash, len(items))
		}
	})
	t.Run("uploads", func(t *testing.T) {
		s := open(t)
		if _, err := s.Upload(ctx, "abc", UploadContent); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing upload: %v", err)
		}
		u := Upload{Hash: "abc", Kind: UploadContent, URL: "http://mmbiz/1"}
		if err := s.PutUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(ctx, Upload{Hash: "abc", Kind: UploadContent, URL: "http://mmbiz/2"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Upload(ctx, "abc", UploadContent)
		if err != nil || got.URL != "http://mmbiz/1" {
			t.Errorf("upload = %+v, %v (the first must stay)", got, err)
		}
		if _, err := s.Upload(ctx, "abc", UploadCover); !errors.Is(err, ErrNotFound) {
			t.Errorf("kinds are separate: %v", err)
		}
	})
	t.Run("publications", func(t *testing.T) {
		s := open(t)
		if _, err := s.Publication(ctx, 135); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing publication: %v", err)
		}
		p := Publication{IssueNumber: 135, Step: StepDrafted, DraftMediaID: "m1", PublishStatus: -1, PublishID: 2247483648, ClientMsgID: "wxpub-135-x", Previewed: "a h\nb h"}
		if err := s.SavePublication(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.Step, p.ArticleURL, p.PublishStatus = StepPublished, "http://a", 0
		if err := s.SavePublication(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.Publication(ctx, 135)
		if err != nil {
			t.Fatal(err)
		}
		got.UpdatedAt = 0
		if got != p {
			t.Errorf("publication = %+v\nwant %+v", got, p)
		}
	})
	t.Run("item bodies", func(t *testing.T) { itemBodies(t, open) })
	t.Run("migrations once", func(t *testing.T) {
		s := open(t)
		if err := s.migrate(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Version(ctx); err != nil || v != latestMigration(t) {
			t.Errorf("version = %d, %v", v, err)
		}
	})
	t.Run("concurrent writers", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if err := s.PutUpload(ctx, Upload{Hash: strings.Repeat("x", i+1), Kind: UploadContent, URL: "u"}); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
	})
}

func TestMigrationsOnce(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := s.Version(ctx); err != nil || v != latestMigration(t) {
			t.Errorf("version = %d, %v", v, err)
		}
		s.Close()
	}
}

func TestBadDSN(t *testing.T) {
	for _, dsn := range []string{"mysql://x", "sqlite://", "/tmp/x.db"} {
		if _, err := Open(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "store.dsn") {
			t.Errorf("Open(%q): %v", dsn, err)
		}
	}
}

// latestMigration is the version of the newest embedded migration.
func latestMigration(t *testing.T) int {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	slices.Sort(names)
	v, err := strconv.Atoi(strings.SplitN(filepath.Base(names[len(names)-1]), "_", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSplitSQL(t *testing.T) {
	got := splitSQL("-- c\nCREATE TABLE a (x INT); -- tail\n\nCREATE INDEX i ON a (x);\n")
	if len(got) != 2 || got[0] != "CREATE TABLE a (x INT)" || !strings.HasPrefix(got[1], "CREATE INDEX") {
		t.Errorf("splitSQL = %q", got)
	}
}

func itemBodies(t *testing.T, open func(*testing.T) *Store) {
	s := open(t)
	ctx := context.Background()
	if err := s.SaveIssue(ctx, sample(t), "h"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ItemBodies(ctx, []string{"135-2", "135-5", "999-1"})
	if err != nil || len(got) != 2 || !strings.Contains(got["135-5"].En, "Bluetooth") || !strings.Contains(got["135-2"].Zh, "区块链") {
		t.Errorf("bodies = %v, %v", got, err)
	}
	if got, err := s.ItemBodies(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v %v", got, err)
	}
}

func TestLeasesSQLite(t *testing.T)   { leases(t, openSQLite) }
func TestLeasesPostgres(t *testing.T) { leases(t, openPostgres) }

// One run at a time holds an issue's lease; an expired one is taken over, and the run
// that lost it cannot renew it.
func leases(t *testing.T, open func(*testing.T) *Store) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }
	a := Lease{Issue: 135, Owner: "run-a", Host: "h1", PID: 10, Holder: "li"}
	b := Lease{Issue: 135, Owner: "run-b", Host: "h2", PID: 20, Holder: "wang"}
	if _, err := s.TakeLease(ctx, a, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err := s.TakeLease(ctx, b, 30*time.Second)
	var held *LeaseHeldError
	if !errors.As(err, &held) || held.Holder.Owner != "run-a" || held.Holder.Host != "h1" || held.Holder.PID != 10 {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(err.Error(), "issue 135 is being published by li@h1/10 since") {
		t.Errorf("message: %v", err)
	}
	// Another issue is free.
	if _, err := s.TakeLease(ctx, Lease{Issue: 136, Owner: "run-b", Host: "h2", PID: 20}, time.Minute); err != nil {
		t.Errorf("another issue: %v", err)
	}
	// Renewed, it stays a's past its first expiry.
	now = now.Add(25 * time.Second)
	if err := s.RenewLease(ctx, 135, "run-a", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	now = now.Add(25 * time.Second)
	if _, err := s.TakeLease(ctx, b, 30*time.Second); !errors.As(err, &held) {
		t.Fatalf("taken while renewed: %v", err)
	}
	// a dies: after the expiry b takes over, and a cannot renew.
	now = now.Add(31 * time.Second)
	if _, err := s.TakeLease(ctx, b, 30*time.Second); err != nil {
		t.Fatalf("take over an expired lease: %v", err)
	}
	if err := s.RenewLease(ctx, 135, "run-a", 30*time.Second); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("renew a lost lease: %v", err)
	}
	// Released, it is free at once; a's release of b's lease does nothing.
	if err := s.ReleaseLease(ctx, 135, "run-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeLease(ctx, a, time.Minute); !errors.As(err, &held) {
		t.Errorf("a released b's lease: %v", err)
	}
	if err := s.ReleaseLease(ctx, 135, "run-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeLease(ctx, a, time.Minute); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestSnapshotsSQLite(t *testing.T)   { snapshots(t, openSQLite) }
func TestSnapshotsPostgres(t *testing.T) { snapshots(t, openPostgres) }

// A snapshot keeps the source and its images byte for byte; the same content is one
// snapshot and one copy of each asset.
func snapshots(t *testing.T, open func(*testing.T) *Store) {
	s := open(t)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00binary\x00data\xff")
	h := AssetHash(png)
	assets := map[string]string{"images/a.png": h, "images/cover.png": h}
	snap := Snapshot{IssueNumber: 135, Name: "issues/135.md", Source: []byte("# 标题\n\n![图](images/a.png)\n"), Assets: assets}
	snap.ID = SnapshotID(snap.Name, snap.Source, assets)
	for i := 0; i < 2; i++ {
		if err := s.SaveSnapshot(ctx, snap, map[string][]byte{h: png}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Snapshot(ctx, snap.ID)
	if err != nil || got.IssueNumber != 135 || got.Name != snap.Name || string(got.Source) != string(snap.Source) || got.Assets["images/cover.png"] != h {
		t.Fatalf("snapshot = %+v %v", got, err)
	}
	if data, err := s.Asset(ctx, h); err != nil || string(data) != string(png) {
		t.Errorf("asset = %q %v", data, err)
	}
	if _, err := s.Snapshot(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing snapshot: %v", err)
	}
	if SnapshotID(snap.Name, snap.Source, map[string]string{"images/a.png": h}) == snap.ID {
		t.Error("different assets, same ID")
	}
}

func TestAccountsSQLite(t *testing.T)   { accounts(t, openSQLite) }
func TestAccountsPostgres(t *testing.T) { accounts(t, openPostgres) }

// Publications and uploads are per account; rows from before accounts were named go to
// the first account that asks.
func accounts(t *testing.T, open func(*testing.T) *Store) {
	s := open(t)
	ctx := context.Background()
	if err := s.SavePublication(ctx, Publication{IssueNumber: 135, Step: StepDrafted, DraftMediaID: "old-draft", PublishStatus: -1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUpload(ctx, Upload{Hash: "h1", Kind: UploadCover, URL: "u", MediaID: "m"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(ctx, Event{Issue: 135, Actor: "li", Action: ActionDrafted}); err != nil {
		t.Fatal(err)
	}
	oldHash, _ := s.Follower(ctx, "oFollower")
	a, err := s.Account(ctx, "wxA")
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := a.Events(ctx, 135); len(ev) != 1 || ev[0].Actor != "li" {
		t.Errorf("account A did not adopt the history of before: %+v", ev)
	}
	if h, _ := a.Follower(ctx, "oFollower"); h != oldHash {
		t.Error("account A did not adopt the insight salt of before: its followers' records could not be forgotten")
	}
	if p, err := a.Publication(ctx, 135); err != nil || p.DraftMediaID != "old-draft" {
		t.Errorf("account A did not adopt the publication of before: %+v %v", p, err)
	}
	if u, err := a.Upload(ctx, "h1", UploadCover); err != nil || u.MediaID != "m" {
		t.Errorf("account A did not adopt the upload of before: %+v %v", u, err)
	}
	b, err := s.Account(ctx, "wxB")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publication(ctx, 135); !errors.Is(err, ErrNotFound) {
		t.Errorf("account B sees A's publication: %v", err)
	}
	if err := b.SavePublication(ctx, Publication{IssueNumber: 135, Step: StepDrafted, DraftMediaID: "b-draft", PublishStatus: -1}); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Publication(ctx, 135); p.DraftMediaID != "old-draft" {
		t.Errorf("B's save changed A's publication: %+v", p)
	}
	if _, err := b.TakeLease(ctx, Lease{Issue: 135, Owner: "b"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TakeLease(ctx, Lease{Issue: 135, Owner: "a"}, time.Minute); err != nil {
		t.Errorf("B's lease blocks A on its own account: %v", err)
	}
}

func TestMigration4SQLite(t *testing.T) {
	migration4(t, "sqlite://"+filepath.Join(t.TempDir(), "old.db"))
}

func TestMigration4Postgres(t *testing.T) {
	_, dsn := testenv.PostgresSchema(t, "")
	migration4(t, dsn)
}

// A store written before accounts were named keeps everything through migration 4, and
// the first account takes it over: its next run finds its draft and uploads.
func migration4(t *testing.T, dsn string) {
	ctx := context.Background()
	old, err := open(ctx, dsn, 3)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.Version(ctx); v != 3 {
		t.Fatalf("version %d, want 3", v)
	}
	for _, q := range []string{
		`INSERT INTO publications (issue_number, step, source_hash, draft_media_id, updated_at) VALUES (135, 'drafted', 'src', 'draft-135', 1)`,
		`INSERT INTO uploads (hash, kind, url, media_id, name, created_at) VALUES ('h1', 'cover', 'u', 'm1', 'n', 1)`,
	} {
		if _, err := old.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(ctx); v != latestMigration(t) {
		t.Errorf("version %d after Open", v)
	}
	a, err := s.Account(ctx, "wxA")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := a.Publication(ctx, 135); err != nil || p.DraftMediaID != "draft-135" || p.SourceHash != "src" {
		t.Errorf("publication after the migration: %+v %v", p, err)
	}
	if u, err := a.Upload(ctx, "h1", UploadCover); err != nil || u.MediaID != "m1" {
		t.Errorf("upload after the migration: %+v %v", u, err)
	}
}
