// Package publish takes an issue from Markdown to followers' phones: parse and lint, upload
// the images and the cover, create or update the draft, preview it on staff phones, publish
// it and mass-send it. Every step is recorded in the store before the next begins, so a run
// that was killed anywhere can be run again: it finishes the job and repeats nothing (no
// second upload, draft, publish or send).
package publish

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"slices"
	"strings"
	"sync"
	"time"

	"wxpub/issue"
	"wxpub/lint"
	"wxpub/render"
	"wxpub/store"
	"wxpub/wechat"
)

// API is what publishing needs of the WeChat API; *wechat.Client has it.
type API interface {
	UploadImage(ctx context.Context, name string, data []byte) (string, error)
	AddMaterial(ctx context.Context, name string, data []byte) (wechat.Material, error)
	Materials(ctx context.Context, offset, count int) (int, []wechat.Material, error)
	AddDraft(ctx context.Context, articles ...wechat.DraftArticle) (string, error)
	UpdateDraft(ctx context.Context, mediaID string, index int, a wechat.DraftArticle) error
	GetDraft(ctx context.Context, mediaID string) ([]wechat.SavedArticle, error)
	Drafts(ctx context.Context, offset, count int, withContent bool) (int, []wechat.DraftItem, error)
	SubmitPublish(ctx context.Context, mediaID string) (wechat.PublishJob, error)
	GetPublishStatus(ctx context.Context, publishID int64) (wechat.PublishStatus, error)
	Published(ctx context.Context, offset, count int) (int, []wechat.PublishedItem, error)
	Preview(ctx context.Context, to wechat.Recipient, mediaID string) error
	SendToAll(ctx context.Context, mediaID, clientMsgID string) (wechat.MassSend, error)
	DeletePublished(ctx context.Context, articleID string) error
}

// Store is what publishing keeps; *store.Store has it.
type Store interface {
	SaveIssue(ctx context.Context, is *issue.Issue, sourceHash string) error
	SetIssueURLs(ctx context.Context, number int, articleURL, coverURL string) error
	Upload(ctx context.Context, hash, kind string) (store.Upload, error)
	PutUpload(ctx context.Context, u store.Upload) error
	SaveSnapshot(ctx context.Context, snap store.Snapshot, data map[string][]byte) error
	Snapshot(ctx context.Context, id string) (store.Snapshot, error)
	Asset(ctx context.Context, hash string) ([]byte, error)
	Publication(ctx context.Context, number int) (store.Publication, error)
	SavePublication(ctx context.Context, p store.Publication) error
	TakeLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error)
	RenewLease(ctx context.Context, issue int, owner string, ttl time.Duration) error
	ReleaseLease(ctx context.Context, issue int, owner string) error
	AddEvent(ctx context.Context, e store.Event) error
	Approvals(ctx context.Context, issue int, snapshotID string) ([]store.Approval, error)
}

// Reporter hears what a run is doing: a progress display on a terminal, log lines elsewhere.
type Reporter interface {
	// Step says a step begins (or is skipped, and why).
	Step(format string, args ...any)
	// Progress counts work within a step (images uploaded of all).
	Progress(what string, done, total int)
}

// Options say how far a run goes.
type Options struct {
	// PreviewTo are the staff phones to preview the draft on.
	PreviewTo []wechat.Recipient
	// Publish publishes the draft (freepublish) and waits for the article URL.
	Publish bool
	// Broadcast mass-sends the issue to every follower. The caller must have had it
	// confirmed: publish does not ask.
	Broadcast bool
	// DryRun does everything before the first API call and reports what would be sent.
	DryRun bool
	// Theme and Author as for render.
	Theme  *render.Theme
	Author string
	// Concurrency bounds simultaneous uploads (default 4).
	Concurrency int
	// PollTimeout bounds the wait for a publish to finish (default 10 minutes).
	PollTimeout time.Duration
	// Runner says who this run is (Owner, a random id, is filled in when empty; Host,
	// PID and Holder are for the message another run shows while this one holds the
	// issue).
	Runner store.Lease
	// LeaseTTL is how long the run's claim on the issue lasts unless renewed (default 30
	// seconds); it is renewed while the run lives.
	LeaseTTL time.Duration
	// NoWait fails at once, instead of waiting, when another run holds the issue.
	NoWait bool
	// ConfirmBroadcast, when set, is asked before anything is sent in a run that will
	// mass-send (an error stops it there).
	ConfirmBroadcast func(is *issue.Issue) error
	// Actor is who runs it, for the audit trail (default: the OS user).
	Actor string
	// Replace lets a run that publishes a changed issue, already published, replace the
	// live article: publish the new version, then delete the old one. Without it,
	// ConfirmReplace is asked, or the run stops before publishing.
	Replace bool
	// ConfirmReplace, when set, is asked before a live article is replaced (nil: allowed).
	ConfirmReplace func(is *issue.Issue, oldURL string) error
	// RequireApproval lets Broadcast send only a snapshot approved by someone other than
	// Actor (store.Approve).
	RequireApproval bool
}

// Publisher runs publications.
type Publisher struct {
	api    API
	store  Store
	report Reporter
	http   *http.Client
	now    func() time.Time
	// pollFirst is the first wait between publish status polls; it grows to pollMax.
	pollFirst, pollMax time.Duration
	// retryWait is the first wait before retrying a call whose first attempt may have
	// taken effect (after looking whether it did).
	retryWait time.Duration
	attempts  int
	// reconcileWait is how long to look for a publish whose submit answer was lost: the
	// listing shows only finished jobs.
	reconcileWait time.Duration
}

// New returns a publisher. httpClient fetches images named by URL (nil: a client with a
// 30-second timeout).
func New(api API, st Store, r Reporter, httpClient *http.Client) *Publisher {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Publisher{api: api, store: st, report: &lockedReporter{r: r}, http: httpClient, now: time.Now,
		pollFirst: 300 * time.Millisecond, pollMax: 5 * time.Second, retryWait: 500 * time.Millisecond, attempts: 4,
		reconcileWait: 30 * time.Second}
}

// lockedReporter lets the cover and image uploads report at the same time.
type lockedReporter struct {
	mu sync.Mutex
	r  Reporter
}

func (l *lockedReporter) Step(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r.Step(format, args...)
}

func (l *lockedReporter) Progress(what string, done, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r.Progress(what, done, total)
}

// LintError stops a publish before any API call: the issue breaks a limit.
type LintError struct {
	Findings lint.Findings
}

func (e *LintError) Error() string {
	var b strings.Builder
	n := e.Findings.Errors()
	if n == 1 {
		b.WriteString("lint found 1 error; nothing was sent")
	} else {
		fmt.Fprintf(&b, "lint found %d errors; nothing was sent", n)
	}
	for _, f := range e.Findings {
		if f.Severity == lint.Error {
			b.WriteString("\n  " + f.String())
		}
	}
	return b.String()
}

// PublishError is a publish job that ended in a failed status (2–6).
type PublishError struct {
	Issue  int
	Status int
}

func (e *PublishError) Error() string {
	return fmt.Sprintf("publish issue %d: status %d: %s", e.Issue, e.Status, wechat.PublishStatusText(e.Status))
}

// ReplaceError stops a run that would replace a live article without leave (Options.Replace
// or ConfirmReplace).
type ReplaceError struct {
	Issue int
	URL   string
}

func (e *ReplaceError) Error() string {
	return fmt.Sprintf("issue %d is live at %s and has changed since: publishing makes a new article. "+
		"The draft is updated; run again with --replace to publish it and delete the old article", e.Issue, e.URL)
}

// SentCorrectionError stops a correction of an issue already sent to every follower: what
// they received cannot be edited by API.
type SentCorrectionError struct {
	Issue int
	MsgID int64
}

func (e *SentCorrectionError) Error() string {
	return fmt.Sprintf("issue %d was sent to all followers (msg_id %d) and has changed since: a sent article cannot be edited through the API. "+
		"For a small change (up to 20 characters, once) use 修改 on the article in the MP backend (发表记录); "+
		"publishing a corrected copy would leave the sent one as it is. Not published", e.Issue, e.MsgID)
}

// ApprovalError stops a mass send that publish.require_approval says needs a second
// person's sign-off.
type ApprovalError struct {
	Issue     int
	Publisher string
	// SelfApproved: the only approval is the publisher's own.
	SelfApproved bool
}

func (e *ApprovalError) Error() string {
	why := "it has no approval"
	if e.SelfApproved {
		why = "its only approval is " + e.Publisher + "'s own"
	}
	return fmt.Sprintf("issue %d cannot be sent to all followers: publish.require_approval is on and %s for this version. "+
		"Someone other than %s runs: wxpub approve %d --as NAME. Nothing was sent", e.Issue, why, e.Publisher, e.Issue)
}

// NoFreepublishError stops a run on an account that may not publish through the API
// (48001: since 2025, personal and unverified accounts).
type NoFreepublishError struct {
	Issue        int
	DraftMediaID string
}

func (e *NoFreepublishError) Error() string {
	return fmt.Sprintf("issue %d: this account may not publish through the API (48001 api unauthorized: personal and unverified accounts lost freepublish in 2025). "+
		"The draft %s is ready (and previewed if asked). Publish it from the MP backend (内容管理 → 草稿箱 → 发表), "+
		"or send it to every follower with --broadcast (mass send) if the account may mass-send; wxpub doctor lists what the account may do",
		e.Issue, e.DraftMediaID)
}

// Result says what a run did (or, in a dry run, would do).
type Result struct {
	Issue  int
	Title  string
	DryRun bool

	Images         int // content images
	ImagesUploaded int
	ImagesReused   int
	Cover          string // "reused", "uploaded", "generated and uploaded"; in a dry run what would happen
	CoverMediaID   string

	DraftMediaID string
	Draft        string // "created", "updated", "unchanged", "recovered"
	// Kept is what reading the draft back found WeChat did not keep of what was sent
	// (nil when the draft was not sent in this run).
	Kept *Kept

	Previewed      []string
	PreviewSkipped []string // already previewed with this content
	PreviewUnknown []string // the answer was lost: may have been sent, not repeated

	ArticleURL string
	Published  string // "published", "already published", "resumed", "recovered"
	// Republish: the issue was published before, at PreviousURL, and changed since;
	// publishing makes a new article with a new URL.
	Republish   bool
	PreviousURL string

	MassMsgID int64
	Broadcast string // "sent", "already sent"

	// Replaced lists the live articles this run's correction replaced and deleted.
	Replaced []string

	Actor    string
	Warnings int
}

// snapshot is an issue ready to publish: parsed, with the bytes of every image it names.
type snapshot struct {
	store.Snapshot
	issue  *issue.Issue
	images map[string][]byte // by the image as written
	data   map[string][]byte // by hash, for storing
}

// source is an image of the snapshot, with the hash it is stored under.
func (snap *snapshot) source(src string, line int) *source {
	return &source{src: src, line: line, data: snap.images[src], hash: snap.Assets[src]}
}

// read makes a snapshot of the issue file at path: its source and every image it names,
// read from disk (relative to the file) or fetched, before anything is stored or sent, so
// that a missing image stops everything early.
func (p *Publisher) read(ctx context.Context, path string) (*snapshot, error) {
	source, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read issue: %w", err)
	}
	// The snapshot keeps the file as written (the parsed issue's Source has its front
	// matter blanked out).
	is, err := issue.Parse(path, source)
	if err != nil {
		return nil, err
	}
	if err := issue.CheckNumber(is); err != nil {
		return nil, err
	}
	snap := &snapshot{issue: is, images: map[string][]byte{}, data: map[string][]byte{}}
	want := is.Images()
	if is.Cover != "" {
		want = append(want, issue.Image{Src: is.Cover, Line: is.Lines["cover"]})
	}
	assets := map[string]string{}
	for _, im := range want {
		if _, ok := snap.images[im.Src]; ok {
			continue
		}
		src, err := p.loadImage(ctx, is, im.Src, im.Line)
		if err != nil {
			return nil, err
		}
		snap.images[im.Src], snap.data[src.hash], assets[im.Src] = src.data, src.data, src.hash
	}
	snap.Snapshot = store.Snapshot{IssueNumber: is.Number, Name: path, Source: source, Assets: assets,
		ID: store.SnapshotID(path, source, assets)}
	return snap, nil
}

// Imported is an issue file stored as a snapshot.
type Imported struct {
	Snapshot store.Snapshot
	Issue    *issue.Issue
}

// Import stores issue files as snapshots (their Markdown and every image they name,
// content-addressed) and as the issues replies answer from. Every file and image is read
// before any is stored: one bad file imports nothing. Nothing is sent.
func (p *Publisher) Import(ctx context.Context, paths ...string) ([]Imported, error) {
	var snaps []*snapshot
	for _, path := range paths {
		snap, err := p.read(ctx, path)
		if err != nil {
			return nil, err
		}
		snaps = append(snaps, snap)
	}
	var out []Imported
	for _, snap := range snaps {
		if err := p.save(ctx, snap); err != nil {
			return out, err
		}
		out = append(out, Imported{Snapshot: snap.Snapshot, Issue: snap.issue})
	}
	return out, nil
}

func (p *Publisher) save(ctx context.Context, snap *snapshot) error {
	if err := p.store.SaveSnapshot(ctx, snap.Snapshot, snap.data); err != nil {
		return err
	}
	return p.store.SaveIssue(ctx, snap.issue, sourceHash(snap.Source))
}

// load reads a stored snapshot back, parsed, with its images.
func (p *Publisher) load(ctx context.Context, id string) (*snapshot, error) {
	stored, err := p.store.Snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	is, err := issue.Parse(stored.Name, stored.Source)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{Snapshot: stored, issue: is, images: map[string][]byte{}}
	for src, hash := range stored.Assets {
		if snap.images[src], err = p.store.Asset(ctx, hash); err != nil {
			return nil, fmt.Errorf("snapshot %.12s: image %s: %w", id, src, err)
		}
	}
	return snap, nil
}

func sourceHash(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// Run imports the issue file at path and publishes it as far as opt says (a dry run
// stores nothing).
func (p *Publisher) Run(ctx context.Context, path string, opt Options) (*Result, error) {
	p.report.Step("read %s and its images", path)
	snap, err := p.read(ctx, path)
	if err != nil {
		return nil, err
	}
	if !opt.DryRun {
		if err := p.save(ctx, snap); err != nil {
			return nil, err
		}
	}
	return p.publishSnapshot(ctx, snap, opt)
}

// Publish publishes a stored snapshot as far as opt says. It reads the store only: a
// server can publish what staff imported, with no access to their files.
func (p *Publisher) Publish(ctx context.Context, snapshotID string, opt Options) (*Result, error) {
	snap, err := p.load(ctx, snapshotID)
	if err != nil {
		return nil, err
	}
	return p.publishSnapshot(ctx, snap, opt)
}

func (p *Publisher) publishSnapshot(ctx context.Context, snap *snapshot, opt Options) (_ *Result, err error) {
	if opt.Theme == nil {
		t, err := render.LoadTheme("")
		if err != nil {
			return nil, err
		}
		opt.Theme = t
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 4
	}
	if opt.PollTimeout <= 0 {
		opt.PollTimeout = 10 * time.Minute
	}
	is := snap.issue
	p.report.Step("lint issue %d", is.Number)
	draftArt, err := render.Render(is, render.Options{Theme: opt.Theme, Author: opt.Author})
	if err != nil {
		return nil, err
	}
	findings := lint.CheckImages(is, draftArt, opt.Theme, func(src string) ([]byte, error) {
		if data, ok := snap.images[src]; ok {
			return data, nil
		}
		return nil, fmt.Errorf("not in the snapshot")
	})
	if findings.Errors() > 0 {
		return nil, &LintError{Findings: findings}
	}
	if opt.Actor == "" {
		opt.Actor = ThisProcess().Holder
	}
	res := &Result{Issue: is.Number, Title: draftArt.Title, DryRun: opt.DryRun, Warnings: findings.Warnings(), Actor: opt.Actor}
	if opt.Broadcast && !opt.DryRun && opt.ConfirmBroadcast != nil {
		if err := opt.ConfirmBroadcast(is); err != nil {
			return nil, err
		}
	}
	var images []*source
	for _, im := range is.Images() {
		images = append(images, snap.source(im.Src, im.Line))
	}
	res.Images = len(images)
	cover, generated, err := p.coverSource(is, snap, opt.Theme)
	if err != nil {
		return nil, err
	}
	pub, err := p.store.Publication(ctx, is.Number)
	if errors.Is(err, store.ErrNotFound) {
		pub = store.Publication{IssueNumber: is.Number, Step: store.StepParsed, PublishStatus: -1}
	} else if err != nil {
		return nil, err
	}
	if err := p.mayRun(ctx, snap, pub, opt); err != nil {
		return nil, err
	}
	if opt.DryRun {
		return p.plan(ctx, is, res, images, cover, generated, pub, opt)
	}
	if p.api == nil {
		return nil, errors.New("publish: no API client (only a dry run can do without one)")
	}
	ctx, release, err := p.claim(ctx, is.Number, opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cause := context.Cause(ctx); err != nil && ctx.Err() != nil && cause != ctx.Err() {
			err = fmt.Errorf("%w (%v)", cause, err)
		}
		release()
	}()
	// What another run may have done while this one waited.
	if pub, err = p.store.Publication(ctx, is.Number); errors.Is(err, store.ErrNotFound) {
		pub = store.Publication{IssueNumber: is.Number, Step: store.StepParsed, PublishStatus: -1}
	} else if err != nil {
		return nil, err
	}

	pub.SourceHash, pub.SnapshotID = sourceHash(snap.Source), snap.ID
	if err := p.record(ctx, &pub, pub.Step); err != nil {
		return nil, err
	}

	// The cover goes up beside the content images: neither waits for the other.
	var coverUp store.Upload
	var coverErr error
	coverDone := make(chan struct{})
	go func() {
		defer close(coverDone)
		coverUp, coverErr = p.uploadCover(ctx, cover, generated, res)
	}()
	urls, err := p.uploadImages(ctx, images, opt.Concurrency, res)
	<-coverDone
	if err != nil {
		return nil, err
	}
	if coverErr != nil {
		return nil, coverErr
	}
	pub.CoverMediaID = coverUp.MediaID
	if err := p.record(ctx, &pub, store.Later(pub.Step, store.StepUploaded)); err != nil {
		return nil, err
	}

	wa, contentHash, err := article(is, opt, urls, coverUp.MediaID, cover)
	if err != nil {
		return nil, err
	}

	if err := p.draft(ctx, &pub, wa, contentHash, res); err != nil {
		return nil, err
	}
	if err := p.readBack(ctx, &pub, wa, res); err != nil {
		return nil, err
	}
	if err := p.preview(ctx, &pub, opt.PreviewTo, contentHash, res); err != nil {
		return nil, err
	}
	if res.Kept != nil && len(res.Kept.LostText) > 0 && (opt.Publish || opt.Broadcast) {
		// Previewed, so staff can see it on a phone; never published without its text.
		return res, &TextLostError{Issue: is.Number, DraftMediaID: pub.DraftMediaID, Kept: *res.Kept}
	}
	if opt.Publish {
		if err := p.publish(ctx, &pub, is, wa, contentHash, coverUp.URL, opt, res); err != nil {
			return res, err
		}
	}
	if err := p.retire(ctx, &pub, res); err != nil {
		return res, err
	}
	if opt.Broadcast {
		if err := p.broadcast(ctx, &pub, res); err != nil {
			return res, err
		}
	}
	if res.ArticleURL == "" {
		res.ArticleURL = pub.ArticleURL
	}
	return res, nil
}

// mayRun refuses, before anything is sent, a mass send that needs an approval it lacks.
func (p *Publisher) mayRun(ctx context.Context, snap *snapshot, pub store.Publication, opt Options) error {
	if opt.Broadcast && opt.RequireApproval && broadcastDecision(pub) == "sent" {
		approvals, err := p.store.Approvals(ctx, snap.IssueNumber, snap.ID)
		if err != nil {
			return err
		}
		var by []string
		for _, a := range approvals {
			if a.Approver != opt.Actor {
				return nil
			}
			by = append(by, a.Approver)
		}
		return &ApprovalError{Issue: snap.IssueNumber, Publisher: opt.Actor, SelfApproved: len(by) > 0}
	}
	return nil
}

// ThisProcess says who this process is, for the message another run shows while this one
// holds an issue: its host, process ID and user.
func ThisProcess() store.Lease {
	host, _ := os.Hostname()
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return store.Lease{Host: host, PID: os.Getpid(), Holder: name}
}

// claim takes the issue's publish lease, waiting while another run holds it (or failing
// at once with opt.NoWait), and keeps it renewed until release is called. The context it
// returns ends if the lease is lost, so that a run that stalled past its lease stops
// before it could repeat what the run that took over does.
func (p *Publisher) claim(ctx context.Context, issueNumber int, opt Options) (context.Context, func(), error) {
	ttl := opt.LeaseTTL
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	me := opt.Runner
	me.Issue = issueNumber
	if me.Owner == "" {
		var b [12]byte
		rand.Read(b[:])
		me.Owner = hex.EncodeToString(b[:])
	}
	var told string
	for {
		_, err := p.store.TakeLease(ctx, me, ttl)
		if err == nil {
			break
		}
		var held *store.LeaseHeldError
		if !errors.As(err, &held) {
			return nil, nil, err
		}
		if opt.NoWait {
			return nil, nil, fmt.Errorf("%w; not waiting (--no-wait): nothing was done", held)
		}
		if msg := held.Error(); msg != told {
			p.report.Step("%s; waiting…", msg)
			told = msg
		}
		select {
		case <-time.After(min(time.Second, ttl/4)):
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("waiting for %w: %w", held, ctx.Err())
		}
	}
	rctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := p.store.RenewLease(rctx, issueNumber, me.Owner, ttl)
				if errors.Is(err, store.ErrLeaseLost) {
					cancel(fmt.Errorf("issue %d: another run took over this run's publish lease after it stalled past %s; stopped", issueNumber, ttl))
					return
				}
				// A store that does not answer for a moment is retried at the next tick;
				// the lease outlives two missed renewals.
			}
		}
	}()
	release := func() {
		close(done)
		cancel(nil)
		rctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		p.store.ReleaseLease(rctx, issueNumber, me.Owner)
	}
	return rctx, release, nil
}

// article is the draft article as sent, with the images' uploaded URLs and the cover's
// media ID, and the hash of what is sent, which tells whether the draft must change.
func article(is *issue.Issue, opt Options, urls map[string]string, coverMediaID string, cover *source) (wechat.DraftArticle, string, error) {
	art, err := render.Render(is, render.Options{Theme: opt.Theme, Author: opt.Author, ImageURL: func(src string) string { return urls[src] }})
	if err != nil {
		return wechat.DraftArticle{}, "", err
	}
	wa := wechat.DraftArticle{Title: art.Title, Author: art.Author, Digest: art.Digest, Content: art.Content,
		ContentSourceURL: art.ContentSourceURL, ThumbMediaID: coverMediaID}
	if wa.PicCrop2351, wa.PicCrop11, err = crops(cover.data); err != nil {
		return wechat.DraftArticle{}, "", err
	}
	body, err := wechat.Marshal(wa)
	if err != nil {
		return wechat.DraftArticle{}, "", err
	}
	h := sha256.Sum256(body)
	return wa, hex.EncodeToString(h[:]), nil
}

// The decisions of a run, made from the store alone, so that a dry run says exactly what a
// real run will do. contentHash "" means the content is not known yet (images or a cover
// still to upload): it will differ from anything sent before.

// draftDecision: "created", "updated" or "unchanged".
func draftDecision(pub store.Publication, contentHash string) string {
	switch {
	case pub.DraftMediaID == "":
		return "created"
	case contentHash != "" && pub.ContentHash == contentHash:
		return "unchanged"
	}
	return "updated"
}

// previewDecision for one phone: "sent", "already sent" or "may have been sent" (an
// earlier run's answer was lost: not repeated).
func previewDecision(pub store.Publication, to wechat.Recipient, contentHash string) string {
	if contentHash == "" {
		return "sent"
	}
	sent := strings.Split(pub.Previewed, "\n")
	key := to.String() + " " + contentHash
	switch {
	case slices.Contains(sent, key):
		return "already sent"
	case slices.Contains(sent, key+unknownOutcome):
		return "may have been sent"
	}
	return "sent"
}

// publishDecision: "already published", "resumed" (a job submitted before is waited for)
// or "published".
func publishDecision(pub store.Publication, contentHash string) string {
	switch {
	case contentHash == "" || pub.PublishHash != contentHash:
		return "published"
	case pub.PublishStatus == wechat.PublishOK && pub.ArticleURL != "":
		return "already published"
	case pub.PublishID != 0 && (pub.PublishStatus == -1 || pub.PublishStatus == wechat.PublishPublishing):
		return "resumed"
	}
	return "published"
}

// broadcastDecision: "already sent" or "sent".
func broadcastDecision(pub store.Publication) string {
	if pub.MassMsgID != 0 {
		return "already sent"
	}
	return "sent"
}

// record writes how far the publication got.
func (p *Publisher) record(ctx context.Context, pub *store.Publication, step string) error {
	pub.Step = step
	return p.store.SavePublication(ctx, *pub)
}

// coverSource is the issue's cover, or one generated for it.
func (p *Publisher) coverSource(is *issue.Issue, snap *snapshot, t *render.Theme) (*source, bool, error) {
	if is.Cover != "" {
		return snap.source(is.Cover, is.Lines["cover"]), false, nil
	}
	data, err := generateCover(is, t)
	if err != nil {
		return nil, false, fmt.Errorf("generate cover: %w", err)
	}
	sum := sha256.Sum256(data)
	return &source{src: "(generated cover)", data: data, hash: hex.EncodeToString(sum[:])}, true, nil
}

// uploadImages uploads the content images not uploaded before, a few at a time, and
// returns each source's URL.
func (p *Publisher) uploadImages(ctx context.Context, images []*source, concurrency int, res *Result) (map[string]string, error) {
	urls := map[string]string{}
	var todo []*source
	for _, im := range images {
		up, err := p.store.Upload(ctx, im.hash, store.UploadContent)
		switch {
		case err == nil:
			urls[im.src] = up.URL
			res.ImagesReused++
		case errors.Is(err, store.ErrNotFound):
			todo = append(todo, im)
		default:
			return nil, err
		}
	}
	if len(images) == 0 {
		p.report.Step("no content images")
		return urls, nil
	}
	p.report.Step("upload %d content images (%d already uploaded)", len(todo), res.ImagesReused)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var firstErr error
	done := 0
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, im := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func(im *source) {
			defer wg.Done()
			defer func() { <-sem }()
			url, err := p.uploadOne(ctx, im)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			}
			urls[im.src] = url
			done++
			res.ImagesUploaded++
			p.report.Progress("images", done, len(todo))
		}(im)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return urls, nil
}

func (p *Publisher) uploadOne(ctx context.Context, im *source) (string, error) {
	data, ext, err := forContent(im.data)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", im.src, err)
	}
	url, err := p.api.UploadImage(ctx, "wxpub-"+im.hash[:16]+"."+ext, data)
	if err != nil {
		return "", fmt.Errorf("upload image %s: %w", im.src, err)
	}
	if err := p.store.PutUpload(ctx, store.Upload{Hash: im.hash, Kind: store.UploadContent, URL: url}); err != nil {
		return "", err
	}
	return url, nil
}

// uploadCover uploads the cover as permanent material unless it was before. A cover whose
// upload took effect but was never recorded (the run died, or the answer was lost) is found
// by its name among the newest materials instead of being uploaded again.
func (p *Publisher) uploadCover(ctx context.Context, cover *source, generated bool, res *Result) (store.Upload, error) {
	up, err := p.store.Upload(ctx, cover.hash, store.UploadCover)
	if err == nil {
		res.Cover, res.CoverMediaID = "reused", up.MediaID
		p.report.Step("cover already uploaded")
		return up, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return up, err
	}
	data, ext, err := forCover(cover.data)
	if err != nil {
		return up, fmt.Errorf("cover %s: %w", cover.src, err)
	}
	name := "wxpub-cover-" + cover.hash[:16] + "." + ext
	res.Cover = "uploaded"
	if generated {
		res.Cover = "generated and uploaded"
	}
	p.report.Step("upload the cover (%s)", res.Cover)
	find := func() (bool, error) {
		_, items, err := p.api.Materials(ctx, 0, 20)
		if err != nil {
			return false, err
		}
		for _, m := range items {
			if m.Name == name {
				up = store.Upload{Hash: cover.hash, Kind: store.UploadCover, URL: m.URL, MediaID: m.MediaID, Name: name}
				return true, nil
			}
		}
		return false, nil
	}
	found, err := find()
	if err != nil {
		return up, fmt.Errorf("look for an earlier cover upload: %w", err)
	}
	if !found {
		err = p.retry(ctx, "upload cover", func() error {
			m, err := p.api.AddMaterial(ctx, name, data)
			if err == nil {
				up = store.Upload{Hash: cover.hash, Kind: store.UploadCover, URL: m.URL, MediaID: m.MediaID, Name: name}
			}
			return err
		}, find)
		if err != nil {
			return up, fmt.Errorf("upload cover %s: %w", cover.src, err)
		}
	}
	if err := p.store.PutUpload(ctx, up); err != nil {
		return up, err
	}
	res.CoverMediaID = up.MediaID
	return up, nil
}

// retry runs a call that must not be repeated blindly: after a retryable failure it waits,
// asks found whether the first attempt took effect after all, and only if not tries again.
func (p *Publisher) retry(ctx context.Context, what string, call func() error, found func() (bool, error)) error {
	wait := p.retryWait
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !wechat.Retryable(err) || attempt >= p.attempts {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		}
		wait *= 2
		ok, ferr := found()
		if ferr != nil {
			// Without knowing whether the first attempt took effect, another could
			// duplicate it: stop here; the next run looks again.
			return fmt.Errorf("%w (and could not check whether it took effect: %v)", err, ferr)
		}
		if ok {
			return nil
		}
	}
}

// draft creates the issue's draft, or updates it when the content changed; never a
// second draft for the same issue.
func (p *Publisher) draft(ctx context.Context, pub *store.Publication, wa wechat.DraftArticle, contentHash string, res *Result) error {
	if draftDecision(*pub, contentHash) == "unchanged" {
		res.DraftMediaID, res.Draft = pub.DraftMediaID, "unchanged"
		p.report.Step("draft %s is up to date", pub.DraftMediaID)
		return nil
	}
	if pub.DraftMediaID != "" {
		p.report.Step("update draft %s", pub.DraftMediaID)
		err := p.api.UpdateDraft(ctx, pub.DraftMediaID, 0, wa)
		var ae *wechat.APIError
		if errors.As(err, &ae) && ae.Code == wechat.CodeInvalidMediaID {
			// The draft is gone (deleted in the editor): make a new one.
			p.report.Step("draft %s no longer exists", pub.DraftMediaID)
			pub.DraftMediaID = ""
		} else if err != nil {
			return fmt.Errorf("update draft of issue %d: %w", pub.IssueNumber, err)
		} else {
			res.Draft = "updated"
			return p.drafted(ctx, pub, contentHash, res)
		}
	}
	find := func() (bool, error) {
		_, items, err := p.api.Drafts(ctx, 0, 20, false)
		if err != nil {
			return false, err
		}
		for _, d := range items {
			if len(d.Content.NewsItem) > 0 && d.Content.NewsItem[0].Title == wa.Title &&
				d.Content.NewsItem[0].ThumbMediaID == wa.ThumbMediaID && d.UpdateTime >= pub.DraftStartedAt-60 {
				pub.DraftMediaID = d.MediaID
				return true, nil
			}
		}
		return false, nil
	}
	if pub.DraftStartedAt != 0 {
		// An earlier run sent draft/add and died before storing the answer: look first.
		found, err := find()
		if err != nil {
			return fmt.Errorf("look for an earlier draft: %w", err)
		}
		if found {
			p.report.Step("found the draft an earlier run created: %s", pub.DraftMediaID)
			res.Draft = "recovered"
			if err := p.api.UpdateDraft(ctx, pub.DraftMediaID, 0, wa); err != nil {
				return fmt.Errorf("update draft of issue %d: %w", pub.IssueNumber, err)
			}
			return p.drafted(ctx, pub, contentHash, res)
		}
	}
	p.report.Step("create the draft")
	pub.DraftStartedAt = p.now().Unix()
	if err := p.record(ctx, pub, pub.Step); err != nil {
		return err
	}
	res.Draft = "created"
	err := p.retry(ctx, "create draft", func() error {
		id, err := p.api.AddDraft(ctx, wa)
		if err == nil {
			pub.DraftMediaID = id
		}
		return err
	}, find)
	if err != nil {
		return fmt.Errorf("create draft of issue %d: %w", pub.IssueNumber, err)
	}
	return p.drafted(ctx, pub, contentHash, res)
}

func (p *Publisher) drafted(ctx context.Context, pub *store.Publication, contentHash string, res *Result) error {
	pub.DraftStartedAt = 0
	pub.ContentHash = contentHash
	res.DraftMediaID = pub.DraftMediaID
	if err := p.record(ctx, pub, store.Later(pub.Step, store.StepDrafted)); err != nil {
		return err
	}
	return p.event(ctx, res, store.ActionDrafted, "draft "+pub.DraftMediaID+" "+res.Draft)
}

// readBack reads a draft this run sent back from WeChat and reports what the editor did
// not keep; the run stops before publishing when text was lost.
func (p *Publisher) readBack(ctx context.Context, pub *store.Publication, wa wechat.DraftArticle, res *Result) error {
	if res.Draft == "unchanged" {
		return nil
	}
	saved, err := p.api.GetDraft(ctx, pub.DraftMediaID)
	if err != nil {
		return fmt.Errorf("read back draft %s: %w", pub.DraftMediaID, err)
	}
	if len(saved) == 0 {
		return fmt.Errorf("read back draft %s: it holds no article", pub.DraftMediaID)
	}
	kept := compareKept(wa.Content, saved[0].Content)
	res.Kept = &kept
	if !kept.OK() {
		p.report.Step("WeChat did not keep all of the draft: %s", kept)
	}
	return nil
}

// event adds a step to the audit trail, with who ran it.
func (p *Publisher) event(ctx context.Context, res *Result, action, detail string) error {
	return p.store.AddEvent(ctx, store.Event{Issue: res.Issue, Actor: res.Actor, Action: action, Detail: detail})
}

// preview sends the draft to each staff phone not yet sent this content. A preview is
// not idempotent on WeChat's side (the phone gets a second message, and previews have a
// daily quota), so one whose answer was lost is recorded as possibly sent and never
// repeated blindly.
func (p *Publisher) preview(ctx context.Context, pub *store.Publication, to []wechat.Recipient, contentHash string, res *Result) error {
	if len(to) == 0 {
		return nil
	}
	sent := strings.Split(pub.Previewed, "\n")
	for _, r := range to {
		key := r.String() + " " + contentHash
		switch previewDecision(*pub, r, contentHash) {
		case "already sent":
			res.PreviewSkipped = append(res.PreviewSkipped, r.String())
			p.report.Step("preview to %s: already sent for this content", r)
			continue
		case "may have been sent":
			res.PreviewUnknown = append(res.PreviewUnknown, r.String())
			p.report.Step("preview to %s may have been sent by an earlier run (its answer was lost); not repeated", r)
			continue
		}
		p.report.Step("preview to %s", r)
		err := p.api.Preview(ctx, r, pub.DraftMediaID)
		switch {
		case err == nil:
			res.Previewed = append(res.Previewed, r.String())
		case wechat.Retryable(err) && ctx.Err() == nil:
			// No answer, or a server error that may have come after the work: WeChat may
			// have sent it.
			key += unknownOutcome
			res.PreviewUnknown = append(res.PreviewUnknown, r.String())
			p.report.Step("preview to %s may have been sent (%v); not repeated", r, err)
		default:
			return fmt.Errorf("preview to %s: %w", r, err)
		}
		sent = append(sent, key)
		pub.Previewed = strings.TrimPrefix(strings.Join(sent, "\n"), "\n")
		if err := p.record(ctx, pub, store.Later(pub.Step, store.StepPreviewed)); err != nil {
			return err
		}
		detail := "to " + r.String()
		if strings.HasSuffix(key, unknownOutcome) {
			detail += " (answer lost: may have been sent)"
		}
		if err := p.event(ctx, res, store.ActionPreviewed, detail); err != nil {
			return err
		}
	}
	return nil
}

// unknownOutcome marks a preview whose answer was lost.
const unknownOutcome = " ?"

// publish submits the draft (unless this content was submitted before) and waits for the
// job to finish.
func (p *Publisher) publish(ctx context.Context, pub *store.Publication, is *issue.Issue, wa wechat.DraftArticle, contentHash, coverURL string, opt Options, res *Result) error {
	decision := publishDecision(*pub, contentHash)
	if decision == "published" && pub.MassMsgID != 0 {
		return &SentCorrectionError{Issue: pub.IssueNumber, MsgID: pub.MassMsgID}
	}
	res.Republish = decision == "published" && pub.ArticleURL != ""
	if res.Republish {
		res.PreviousURL = pub.ArticleURL
		if !opt.Replace {
			if opt.ConfirmReplace == nil {
				return &ReplaceError{Issue: pub.IssueNumber, URL: pub.ArticleURL}
			}
			if err := opt.ConfirmReplace(is, pub.ArticleURL); err != nil {
				return err
			}
		}
	}
	oldArticle := ""
	if res.Republish {
		oldArticle = pub.ArticleID
	}
	if decision == "already published" {
		res.ArticleURL, res.Published = pub.ArticleURL, "already published"
		p.report.Step("already published: %s", pub.ArticleURL)
		return nil
	}
	// find looks for the article among the published ones, for a while: a job that was
	// accepted is listed only once it has finished.
	find := func() (bool, error) {
		deadline := p.now().Add(p.reconcileWait)
		for {
			_, items, err := p.api.Published(ctx, 0, 20)
			if err != nil {
				return false, err
			}
			for _, it := range items {
				if n := it.Content.NewsItem; len(n) > 0 && n[0].Title == wa.Title && n[0].ThumbMediaID == wa.ThumbMediaID && it.UpdateTime >= pub.PublishStartedAt-60 {
					pub.ArticleID, pub.ArticleURL, pub.PublishStatus = it.ArticleID, n[0].URL, wechat.PublishOK
					return true, nil
				}
			}
			if p.now().After(deadline) {
				return false, nil
			}
			select {
			case <-time.After(p.pollFirst):
			case <-ctx.Done():
				return false, ctx.Err()
			}
		}
	}
	switch {
	case decision == "resumed":
		res.Published = "resumed"
		p.report.Step("publish job %d was submitted before; waiting for it", pub.PublishID)
	case pub.PublishHash == contentHash && pub.PublishStartedAt != 0 && pub.PublishID == 0:
		// An earlier run submitted and died before storing the answer: look first.
		found, err := find()
		if err != nil {
			return fmt.Errorf("look for an earlier publish: %w", err)
		}
		if found {
			res.Published = "recovered"
			return p.published(ctx, pub, coverURL, res)
		}
		fallthrough
	default:
		p.report.Step("publish draft %s", pub.DraftMediaID)
		pub.PublishHash, pub.PublishStartedAt, pub.PublishID, pub.PublishStatus = contentHash, p.now().Unix(), 0, -1
		if err := p.record(ctx, pub, pub.Step); err != nil {
			return err
		}
		recovered := false
		err := p.retry(ctx, "publish", func() error {
			job, err := p.api.SubmitPublish(ctx, pub.DraftMediaID)
			if err == nil {
				pub.PublishID, pub.MsgDataID = job.PublishID, job.MsgDataID
			}
			return err
		}, func() (bool, error) {
			ok, err := find()
			recovered = ok
			return ok, err
		})
		var ae *wechat.APIError
		if errors.As(err, &ae) {
			// WeChat refused it: nothing was submitted, so no later run need look for it.
			pub.PublishHash, pub.PublishStartedAt = "", 0
			if rerr := p.record(ctx, pub, pub.Step); rerr != nil {
				return rerr
			}
			if ae.Code == wechat.CodeUnauthorized {
				return &NoFreepublishError{Issue: pub.IssueNumber, DraftMediaID: pub.DraftMediaID}
			}
		}
		if err != nil {
			return fmt.Errorf("publish issue %d: %w", pub.IssueNumber, err)
		}
		if recovered {
			res.Published = "recovered"
			return p.published(ctx, pub, coverURL, res)
		}
		pub.PublishStartedAt = 0
		if err := p.record(ctx, pub, store.Later(pub.Step, store.StepSubmitted)); err != nil {
			return err
		}
	}
	st, err := p.poll(ctx, pub.PublishID, opt.PollTimeout)
	if err != nil {
		return fmt.Errorf("publish issue %d: %w", pub.IssueNumber, err)
	}
	pub.PublishStatus = st.Status
	if st.Status != wechat.PublishOK {
		if err := p.record(ctx, pub, store.StepFailed); err != nil {
			return err
		}
		perr := &PublishError{Issue: pub.IssueNumber, Status: st.Status}
		if err := p.event(ctx, res, store.ActionFailed, perr.Error()); err != nil {
			return err
		}
		return perr
	}
	if oldArticle != "" && oldArticle != st.ArticleID {
		// Recorded with the new article, in one write: a run that dies after this still
		// deletes the old one when run again.
		pub.Retired = strings.TrimPrefix(pub.Retired+"\n"+oldArticle, "\n")
	}
	pub.ArticleID, pub.ArticleURL = st.ArticleID, st.URL()
	if res.Published == "" {
		res.Published = "published"
	}
	return p.published(ctx, pub, coverURL, res)
}

// retire deletes the articles a correction replaced (freepublish/delete), once the
// correction is live; one already gone counts as deleted.
func (p *Publisher) retire(ctx context.Context, pub *store.Publication, res *Result) error {
	for pub.Retired != "" {
		id, rest, _ := strings.Cut(pub.Retired, "\n")
		p.report.Step("delete the replaced article %s", id)
		err := p.api.DeletePublished(ctx, id)
		var ae *wechat.APIError
		if err != nil && !(errors.As(err, &ae) && ae.Code == wechat.CodeInvalidArticleID) {
			return fmt.Errorf("issue %d: the correction is live at %s, but deleting the replaced article %s failed (run again to retry): %w",
				pub.IssueNumber, pub.ArticleURL, id, err)
		}
		pub.Retired = rest
		if err := p.record(ctx, pub, pub.Step); err != nil {
			return err
		}
		res.Replaced = append(res.Replaced, id)
		if err := p.event(ctx, res, store.ActionReplaced, "article "+id+" deleted; live now: "+pub.ArticleURL); err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) published(ctx context.Context, pub *store.Publication, coverURL string, res *Result) error {
	res.ArticleURL = pub.ArticleURL
	if err := p.record(ctx, pub, store.Later(pub.Step, store.StepPublished)); err != nil {
		return err
	}
	if err := p.store.SetIssueURLs(ctx, pub.IssueNumber, pub.ArticleURL, coverURL); err != nil {
		return err
	}
	p.report.Step("published: %s", pub.ArticleURL)
	return p.event(ctx, res, store.ActionPublished, pub.ArticleURL)
}

// poll asks for a publish job's status, waiting longer each time, until it is final.
func (p *Publisher) poll(ctx context.Context, id int64, timeout time.Duration) (wechat.PublishStatus, error) {
	deadline := p.now().Add(timeout)
	wait := p.pollFirst
	for {
		st, err := p.api.GetPublishStatus(ctx, id)
		if err != nil {
			return st, err
		}
		if st.Status != wechat.PublishPublishing {
			return st, nil
		}
		if p.now().After(deadline) {
			return st, fmt.Errorf("job %d still publishing after %s; run again to keep waiting", id, timeout)
		}
		p.report.Step("publishing…")
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return st, ctx.Err()
		}
		wait = min(wait*3/2, p.pollMax)
	}
}

// broadcast mass-sends the draft to every follower, once per issue: the clientmsgid is the
// issue's, recorded before the call, so neither a rerun nor a retry sends twice.
func (p *Publisher) broadcast(ctx context.Context, pub *store.Publication, res *Result) error {
	key := fmt.Sprintf("wxpub-issue-%d", pub.IssueNumber)
	if broadcastDecision(*pub) == "already sent" {
		res.MassMsgID, res.Broadcast = pub.MassMsgID, "already sent"
		p.report.Step("already sent to all followers (msg_id %d)", pub.MassMsgID)
		return nil
	}
	p.report.Step("send to all followers")
	pub.ClientMsgID = key
	if err := p.record(ctx, pub, pub.Step); err != nil {
		return err
	}
	ms, err := p.api.SendToAll(ctx, pub.DraftMediaID, key)
	if err != nil {
		return fmt.Errorf("send issue %d to all followers: %w", pub.IssueNumber, err)
	}
	pub.MassMsgID, pub.MassMsgDataID = ms.MsgID, ms.MsgDataID
	res.MassMsgID, res.Broadcast = ms.MsgID, "sent"
	if ms.Existing {
		res.Broadcast = "already sent"
	}
	if err := p.record(ctx, pub, store.StepBroadcast); err != nil {
		return err
	}
	return p.event(ctx, res, store.ActionBroadcast, fmt.Sprintf("msg_id %d", ms.MsgID))
}

// plan says what a run will do, from the store and the same decisions a run makes, calling
// nothing: which images and cover go up, whether the draft is created, updated or kept,
// who gets a preview, whether the issue is published (again) and sent.
func (p *Publisher) plan(ctx context.Context, is *issue.Issue, res *Result, images []*source, cover *source, generated bool, pub store.Publication, opt Options) (*Result, error) {
	urls := map[string]string{}
	known := true // every upload is known, so the content as sent is too
	for _, im := range images {
		up, err := p.store.Upload(ctx, im.hash, store.UploadContent)
		switch {
		case err == nil:
			urls[im.src] = up.URL
			res.ImagesReused++
		case errors.Is(err, store.ErrNotFound):
			if _, _, err := forContent(im.data); err != nil {
				return nil, fmt.Errorf("image %s: %w", im.src, err)
			}
			res.ImagesUploaded++
			known = false
		default:
			return nil, err
		}
	}
	coverUp, err := p.store.Upload(ctx, cover.hash, store.UploadCover)
	switch {
	case err == nil:
		res.Cover, res.CoverMediaID = "reused", coverUp.MediaID
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	case generated:
		res.Cover, known = "generated and uploaded", false
	default:
		res.Cover, known = "uploaded", false
	}
	contentHash := ""
	if known {
		if _, contentHash, err = article(is, opt, urls, coverUp.MediaID, cover); err != nil {
			return nil, err
		}
	}
	res.Draft, res.DraftMediaID = draftDecision(pub, contentHash), pub.DraftMediaID
	for _, r := range opt.PreviewTo {
		switch previewDecision(pub, r, contentHash) {
		case "already sent":
			res.PreviewSkipped = append(res.PreviewSkipped, r.String())
		case "may have been sent":
			res.PreviewUnknown = append(res.PreviewUnknown, r.String())
		default:
			res.Previewed = append(res.Previewed, r.String())
		}
	}
	if opt.Publish {
		res.Published = publishDecision(pub, contentHash)
		if res.Published == "published" && pub.MassMsgID != 0 {
			return nil, &SentCorrectionError{Issue: pub.IssueNumber, MsgID: pub.MassMsgID}
		}
		res.ArticleURL = pub.ArticleURL
		// A changed issue already published becomes a new article with a new URL.
		res.Republish = res.Published == "published" && pub.ArticleURL != ""
		if res.Republish {
			res.PreviousURL = pub.ArticleURL
		}
	}
	if opt.Broadcast {
		res.Broadcast = broadcastDecision(pub)
		res.MassMsgID = pub.MassMsgID
	}
	return res, nil
}
