package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wxpub/store"
)

// The audit trail from the command line: who published, corrected, approved and sent, in
// order, and the state of every issue.
func TestStatusShowsTheHistoryWithNames(t *testing.T) {
	sb, _ := sandboxEnv(t)
	t.Setenv("WXPUB_PUBLISH_REQUIRE_APPROVAL", "true")
	if _, err := run(t, "publish", sample, "--publish", "--as", "li"); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, "issue/testdata/sample-135.md"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := filepath.Join(t.TempDir(), "issue.md")
	os.WriteFile(fixed, []byte(strings.Replace(string(src), "2020年4月15日", "2020年4月16日", 1)), 0o644)
	// Not on a terminal: a correction needs --replace.
	if _, err := run(t, "publish", fixed, "--publish", "--as", "li"); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("correction without --replace: %v", err)
	}
	if _, err := run(t, "publish", fixed, "--publish", "--replace", "--as", "li"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "publish", fixed, "--broadcast", "--yes", "--as", "li"); err == nil || !strings.Contains(err.Error(), "wxpub approve 135") {
		t.Fatalf("unapproved broadcast: %v", err)
	}
	if out, err := run(t, "approve", "135", "--as", "wang"); err != nil || !strings.Contains(out, "approved by wang") {
		t.Fatalf("approve: %v\n%s", err, out)
	}
	if _, err := run(t, "publish", fixed, "--broadcast", "--yes", "--as", "li"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "status", "135", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var s issueStatus
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var trail []string
	for _, e := range s.History {
		trail = append(trail, e.By+" "+e.Action)
	}
	want := "li drafted, li published, li drafted, li published, li replaced, wang approved, li broadcast"
	if got := strings.Join(trail, ", "); got != want {
		t.Errorf("history %s\nwant    %s", got, want)
	}
	live := sb.Live()
	if s.State != "sent" || s.MassMsgID == 0 || len(live) != 1 || len(s.Approvals) != 1 {
		t.Errorf("status %+v, live %v", s, live)
	}
	for _, url := range live {
		if s.ArticleURL != url {
			t.Errorf("status names %s, live is %s", s.ArticleURL, url)
		}
	}
	text, err := run(t, "status")
	if err != nil || !strings.Contains(text, "135") || !strings.Contains(text, "sent") {
		t.Errorf("status:\n%s %v", text, err)
	}
	detail, _ := run(t, "status", "135")
	if !strings.Contains(detail, "wang") || !strings.Contains(detail, "replaced") || !strings.Contains(detail, "history:") {
		t.Errorf("status 135:\n%s", detail)
	}
}

// insight prints what followers asked; forget erases one follower's records.
func TestInsightAndForget(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "wxpub.db")
	t.Setenv("WXPUB_STORE_DSN", dsn)
	t.Setenv("WXPUB_WECHAT_APP_ID", "wxInsight")
	ctx := context.Background()
	opened, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := opened.Account(ctx, "wxInsight")
	f, _ := st.Follower(ctx, "oFollowerX")
	st.RecordQueries(ctx, []store.Query{
		{At: time.Now(), Follower: f, Query: "区块链", Lang: "zh", Outcome: "items", Items: []string{"135-2"}},
		{At: time.Now(), Follower: f, Query: "量子计算", Lang: "zh", Outcome: "no_match"},
	})
	opened.Close()
	out, err := run(t, "insight", "--since", "7d")
	if err != nil || !strings.Contains(out, "区块链") || !strings.Contains(out, "content gaps") || !strings.Contains(out, "量子计算") {
		t.Errorf("insight: %v\n%s", err, out)
	}
	out, err = run(t, "forget", "oFollowerX")
	if err != nil || !strings.Contains(out, "Deleted 2 records") {
		t.Errorf("forget: %v\n%s", err, out)
	}
	out, _ = run(t, "insight", "--since", "7d")
	if !strings.Contains(out, "none recorded") {
		t.Errorf("after forget:\n%s", out)
	}
}
