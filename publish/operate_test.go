package publish

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wxpub/issue"
	"wxpub/store"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// changedSample writes the sample issue with one word changed: a correction.
func changedSample(t *testing.T, from, to string) string {
	t.Helper()
	src, err := os.ReadFile(sampleIssue)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte(from)) {
		t.Fatalf("the sample has no %q", from)
	}
	path := filepath.Join(t.TempDir(), "issue.md")
	writeFile(t, path, bytes.Replace(src, []byte(from), []byte(to), 1))
	return path
}

func (e *env) actions(issue int) []string {
	e.t.Helper()
	events, err := e.st.Events(context.Background(), issue)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		out = append(out, ev.Actor+" "+ev.Action)
	}
	return out
}

// A corrected issue replaces the live article only with leave; then exactly one article is
// live, the replies point to it, and the history keeps both.
func TestCorrectionReplacesTheLiveArticle(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first, err := e.run(sampleIssue, Options{Publish: true, Actor: "li"})
	if err != nil {
		t.Fatal(err)
	}
	fixed := changedSample(t, "2020年4月15日", "2020年4月16日")

	_, err = e.run(fixed, Options{Publish: true, Actor: "li"})
	var re *ReplaceError
	if !errors.As(err, &re) || re.URL != first.ArticleURL || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("a correction without --replace: %v", err)
	}
	if c := e.counts(); c.published != 1 || c.drafts != 1 {
		t.Errorf("refused correction: %+v", c)
	}
	// Asked and refused: the same.
	_, err = e.run(fixed, Options{Publish: true, Actor: "li", ConfirmReplace: func(is *issue.Issue, old string) error {
		if old != first.ArticleURL {
			t.Errorf("asked about %s", old)
		}
		return errors.New("not now")
	}})
	if err == nil || e.counts().published != 1 {
		t.Fatalf("refused at the prompt: %v, %+v", err, e.counts())
	}

	res, err := e.run(fixed, Options{Publish: true, Replace: true, Actor: "li"})
	if err != nil {
		t.Fatal(err)
	}
	live := e.sb.Live()
	if len(live) != 1 || res.ArticleURL == first.ArticleURL || len(res.Replaced) != 1 {
		t.Fatalf("after the correction live %v, result %+v", live, res)
	}
	for _, url := range live {
		if url != res.ArticleURL {
			t.Errorf("live %s, published %s", url, res.ArticleURL)
		}
	}
	is, err := e.st.Issue(context.Background(), 135)
	if err != nil || is.ArticleURL != res.ArticleURL {
		t.Errorf("the reply index points to %q, want %q (%v)", is.ArticleURL, res.ArticleURL, err)
	}
	got := strings.Join(e.actions(135), ", ")
	want := "li drafted, li published, li drafted, li published, li replaced"
	if got != want {
		t.Errorf("history: %s\nwant     %s", got, want)
	}
	// Run again: nothing more to do.
	again, err := e.run(fixed, Options{Publish: true, Replace: true, Actor: "li"})
	if err != nil || again.Published != "already published" || len(again.Replaced) != 0 {
		t.Errorf("rerun: %+v %v", again, err)
	}
}

// A correction whose deletion of the old article failed deletes it when run again.
func TestCorrectionDeletesTheOldArticleOnRerun(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	if _, err := e.run(sampleIssue, Options{Publish: true}); err != nil {
		t.Fatal(err)
	}
	fixed := changedSample(t, "2020年4月15日", "2020年4月16日")
	e.sb.Inject(sandbox.Fault{Path: "/cgi-bin/freepublish/delete", ErrCode: -1, Times: 10})
	_, err := e.run(fixed, Options{Publish: true, Replace: true})
	if err == nil || !strings.Contains(err.Error(), "deleting the replaced article") {
		t.Fatalf("failed deletion: %v", err)
	}
	if n := len(e.sb.Live()); n != 2 {
		t.Fatalf("%d live", n)
	}
	e.sb.ClearFaults()
	res, err := e.run(fixed, Options{Publish: true})
	if err != nil || len(res.Replaced) != 1 || len(e.sb.Live()) != 1 {
		t.Fatalf("rerun: %+v %v, live %v", res, err, e.sb.Live())
	}
}

// An issue sent to every follower cannot be corrected by API: plan and run say so and
// publish nothing.
func TestSentIssueIsNotCorrectedByAPI(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	if _, err := e.run(sampleIssue, Options{Publish: true, Broadcast: true}); err != nil {
		t.Fatal(err)
	}
	fixed := changedSample(t, "2020年4月15日", "2020年4月16日")
	for _, dry := range []bool{true, false} {
		_, err := e.run(fixed, Options{Publish: true, Replace: true, DryRun: dry})
		var se *SentCorrectionError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "修改") {
			t.Errorf("dry run %v: %v", dry, err)
		}
	}
	if c := e.counts(); c.published != 1 || c.mass != 1 || len(e.sb.Live()) != 1 {
		t.Errorf("after the refused correction: %+v", c)
	}
}

// With publish.require_approval, a mass send waits for someone else's approval of this
// version of the issue.
func TestBroadcastNeedsAnotherPersonsApproval(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	opt := Options{Broadcast: true, RequireApproval: true, Actor: "li"}
	imported, err := e.pub.Import(context.Background(), sampleIssue)
	if err != nil {
		t.Fatal(err)
	}
	snap := imported[0].Snapshot
	var ae *ApprovalError
	if _, err := e.run(sampleIssue, opt); !errors.As(err, &ae) || ae.SelfApproved {
		t.Fatalf("no approval: %v", err)
	}
	if err := e.st.Approve(context.Background(), store.Approval{Issue: 135, SnapshotID: snap.ID, Approver: "li"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(sampleIssue, opt); !errors.As(err, &ae) || !ae.SelfApproved {
		t.Fatalf("self-approved: %v", err)
	}
	if n := len(e.sb.Calls()); n != 0 {
		t.Fatalf("refused runs made %d API calls", n)
	}
	// Another version's approval does not count.
	fixed := changedSample(t, "2020年4月15日", "2020年4月16日")
	if err := e.st.Approve(context.Background(), store.Approval{Issue: 135, SnapshotID: snap.ID, Approver: "wang"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(fixed, opt); !errors.As(err, &ae) {
		t.Fatalf("approval of another version: %v", err)
	}
	res, err := e.run(sampleIssue, opt)
	if err != nil || res.Broadcast != "sent" || e.counts().mass != 1 {
		t.Fatalf("approved by wang: %+v %v", res, err)
	}
	if got := strings.Join(e.actions(135), ", "); got != "li approved, wang approved, li drafted, li broadcast" {
		t.Errorf("history: %s", got)
	}
}

// On an account without freepublish (48001), a run stops after the draft and preview,
// says how to publish otherwise, and a rerun does not wait for a publish that never was.
func TestAccountWithoutFreepublish(t *testing.T) {
	e := newEnv(t, sandbox.Options{Unauthorized: sandbox.Unverified})
	opt := Options{Publish: true, PreviewTo: []wechat.Recipient{{WxName: "staff-li"}}}
	_, err := e.run(sampleIssue, opt)
	var ne *NoFreepublishError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "MP backend") || !strings.Contains(err.Error(), "--broadcast") {
		t.Fatalf("48001: %v", err)
	}
	if c := e.counts(); c.drafts != 1 || c.previews != 1 || c.published != 0 {
		t.Errorf("%+v", c)
	}
	calls := len(e.sb.Calls())
	if _, err := e.run(sampleIssue, opt); !errors.As(err, &ne) {
		t.Fatalf("rerun: %v", err)
	}
	for _, c := range e.sb.Calls()[calls:] {
		if c.Path == "/cgi-bin/freepublish/batchget" {
			t.Errorf("the rerun looked for a publish that WeChat refused")
		}
	}
}

// The draft is read back after it is sent: what WeChat's editor did not keep is reported;
// lost text stops the run after the preview and before publishing.
func TestDraftReadBack(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	res, err := e.run(sampleIssue, Options{Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept == nil || !res.Kept.OK() {
		t.Errorf("the sample as rendered is not kept whole: %+v", res.Kept)
	}

	// A filter the documentation does not describe: a style property, and a sentence.
	e = newEnv(t, sandbox.Options{EditorFilter: func(c string) string {
		return strings.Replace(strings.ReplaceAll(c, "line-height", "x-removed"), "公安部发布新闻称", "", 1)
	}})
	opt := Options{Publish: true, PreviewTo: []wechat.Recipient{{WxName: "staff-li"}}}
	res, err = e.run(sampleIssue, opt)
	var lost *TextLostError
	if !errors.As(err, &lost) || !strings.Contains(err.Error(), "公安部发布新闻称") {
		t.Fatalf("lost text: %v", err)
	}
	if c := e.counts(); c.previews != 1 || c.published != 0 {
		t.Errorf("lost text: %+v (want the preview, no publish)", c)
	}
	if res == nil || !strings.Contains(res.Kept.String(), "style line-height") {
		t.Errorf("the filtered style is not reported: %+v", res)
	}

	// Only a style filtered: reported, and the run goes on.
	e = newEnv(t, sandbox.Options{EditorFilter: func(c string) string { return strings.ReplaceAll(c, "line-height", "x-removed") }})
	res, err = e.run(sampleIssue, Options{Publish: true})
	if err != nil || res.ArticleURL == "" || res.Kept.OK() || len(res.Kept.LostText) != 0 {
		t.Errorf("a filtered style: %+v %v", res, err)
	}
}

func TestCompareKept(t *testing.T) {
	sent := `<section id="top" style="position:absolute;color:red"><p>第一段。</p><img src="http://mmbiz/a.png"><img src="http://x/b.png"><style>p{}</style><p>Second <b>para</b>.</p></section>`
	kept := `<section style="color:red"><p>第一段。</p><img src="http://mmbiz/a.png"><p>Second <b>para</b>.</p></section>`
	k := compareKept(sent, kept)
	if len(k.LostText) != 0 || len(k.DroppedImages) != 1 || k.DroppedImages[0] != "http://x/b.png" {
		t.Errorf("%+v", k)
	}
	for _, want := range []string{"<style> ×1", "id attribute ×1", "style position ×1"} {
		if !strings.Contains(k.String(), want) {
			t.Errorf("%q lacks %q", k, want)
		}
	}
	if k := compareKept(`<p>a  b</p>`, "<p>a b</p>\n"); !k.OK() {
		t.Errorf("re-serialised markup is a difference: %+v", k)
	}
}
