package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Steps of a publication, in order. A publication records each before the next begins.
const (
	StepParsed    = "parsed"
	StepUploaded  = "uploaded"
	StepDrafted   = "drafted"
	StepPreviewed = "previewed"
	StepSubmitted = "submitted"
	StepPublished = "published"
	StepBroadcast = "broadcast"
	StepFailed    = "failed"
)

// Later returns whichever of two steps comes later in a publication, so that a rerun
// never moves one back.
func Later(a, b string) string {
	if slices.Index(stepOrder, a) >= slices.Index(stepOrder, b) {
		return a
	}
	return b
}

// stepOrder is the order of the steps (StepFailed stands apart).
var stepOrder = []string{StepParsed, StepUploaded, StepDrafted, StepPreviewed, StepSubmitted, StepPublished, StepBroadcast}

// Publication is how far an issue's publishing got.
type Publication struct {
	IssueNumber int
	Step        string
	SourceHash  string
	// SnapshotID is the snapshot last published from.
	SnapshotID   string
	ContentHash  string // of the article last sent to the draft
	CoverMediaID string
	DraftMediaID string
	// DraftStartedAt is set (Unix seconds) while a draft/add is under way: a run that finds
	// it set looks for that draft before adding another.
	DraftStartedAt int64
	// Previewed lists "recipient content_hash" pairs already previewed.
	Previewed        string
	PublishID        int64
	PublishHash      string // content_hash submitted for publishing
	PublishStartedAt int64
	PublishStatus    int // -1 until known
	ArticleID        string
	ArticleURL       string
	MsgDataID        int64
	ClientMsgID      string
	MassMsgID        int64
	MassMsgDataID    int64
	// Retired lists, one per line, articles a correction replaced that are still to be
	// deleted.
	Retired   string
	UpdatedAt int64
}

const publicationColumns = `issue_number, step, source_hash, snapshot_id, content_hash, cover_media_id, draft_media_id, draft_started_at, previewed,
	publish_id, publish_hash, publish_started_at, publish_status, article_id, article_url, msg_data_id, clientmsgid, mass_msg_id,
	mass_msg_data_id, retired, updated_at`

// Publications returns the account's publications, by issue number.
func (s *Store) Publications(ctx context.Context) ([]Publication, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+publicationColumns+` FROM publications WHERE account = ? ORDER BY issue_number`), s.account)
	if err != nil {
		return nil, fmt.Errorf("publications: %w", err)
	}
	defer rows.Close()
	var out []Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("publications: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanPublication(row interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	err := row.Scan(&p.IssueNumber, &p.Step, &p.SourceHash, &p.SnapshotID, &p.ContentHash, &p.CoverMediaID, &p.DraftMediaID, &p.DraftStartedAt, &p.Previewed,
		&p.PublishID, &p.PublishHash, &p.PublishStartedAt, &p.PublishStatus, &p.ArticleID, &p.ArticleURL, &p.MsgDataID, &p.ClientMsgID,
		&p.MassMsgID, &p.MassMsgDataID, &p.Retired, &p.UpdatedAt)
	return p, err
}

// Publication returns an issue's publication; the error wraps ErrNotFound when the issue
// was never published.
func (s *Store) Publication(ctx context.Context, number int) (Publication, error) {
	p, err := scanPublication(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+publicationColumns+` FROM publications WHERE account = ? AND issue_number = ?`), s.account, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Publication{}, fmt.Errorf("publication of issue %d: %w", number, ErrNotFound)
	}
	if err != nil {
		return Publication{}, fmt.Errorf("publication of issue %d: %w", number, err)
	}
	return p, nil
}

// SavePublication writes p whole (insert or replace).
func (s *Store) SavePublication(ctx context.Context, p Publication) error {
	p.UpdatedAt = s.now().Unix()
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO publications (account, `+publicationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, issue_number) DO UPDATE SET step = excluded.step, source_hash = excluded.source_hash, snapshot_id = excluded.snapshot_id,
			content_hash = excluded.content_hash, cover_media_id = excluded.cover_media_id, draft_media_id = excluded.draft_media_id,
			draft_started_at = excluded.draft_started_at, previewed = excluded.previewed, publish_id = excluded.publish_id,
			publish_hash = excluded.publish_hash, publish_started_at = excluded.publish_started_at, publish_status = excluded.publish_status,
			article_id = excluded.article_id, article_url = excluded.article_url, msg_data_id = excluded.msg_data_id,
			clientmsgid = excluded.clientmsgid, mass_msg_id = excluded.mass_msg_id, mass_msg_data_id = excluded.mass_msg_data_id,
			retired = excluded.retired, updated_at = excluded.updated_at`),
		s.account, p.IssueNumber, p.Step, p.SourceHash, p.SnapshotID, p.ContentHash, p.CoverMediaID, p.DraftMediaID, p.DraftStartedAt, p.Previewed,
		p.PublishID, p.PublishHash, p.PublishStartedAt, p.PublishStatus, p.ArticleID, p.ArticleURL, p.MsgDataID, p.ClientMsgID,
		p.MassMsgID, p.MassMsgDataID, p.Retired, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save publication of issue %d: %w", p.IssueNumber, err)
	}
	return nil
}
