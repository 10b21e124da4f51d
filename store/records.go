package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"wxpub/issue"
)

// Issue is an issue as stored.
type Issue struct {
	Number     int
	SourceHash string
	Path       string
	Date       string
	Title      issue.Text
	// Model is the parsed issue as `wxpub inspect` prints it.
	Model      []byte
	Source     []byte
	ArticleURL string
	CoverURL   string
	UpdatedAt  int64
}

// Item is one item as stored, for search.
type Item struct {
	ID          string
	IssueNumber int
	Position    int
	Section     issue.Text
	Title       issue.Text
	Body        issue.Text
}

// SaveIssue stores a parsed issue and its items in one transaction, replacing an earlier
// version of the same number. The article URL and cover URL already known are kept.
func (s *Store) SaveIssue(ctx context.Context, is *issue.Issue, sourceHash string) error {
	if is.Number <= 0 {
		return fmt.Errorf("save issue %s: it has no number", is.Path)
	}
	model, err := is.JSON()
	if err != nil {
		return fmt.Errorf("save issue %d: %w", is.Number, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save issue %d: %w", is.Number, err)
	}
	defer tx.Rollback()
	now := s.now().Unix()
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO issues (number, source_hash, path, date, title_zh, title_en, model, source, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET source_hash = excluded.source_hash, path = excluded.path, date = excluded.date,
			title_zh = excluded.title_zh, title_en = excluded.title_en, model = excluded.model, source = excluded.source,
			updated_at = excluded.updated_at, revision = excluded.revision`),
		is.Number, sourceHash, is.Path, is.Date, is.Title.Zh, is.Title.En, string(model), string(is.Source), now, s.revision())
	if err != nil {
		return fmt.Errorf("save issue %d: %w", is.Number, err)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM items WHERE issue_number = ?`), is.Number); err != nil {
		return fmt.Errorf("save issue %d items: %w", is.Number, err)
	}
	pos := 0
	for _, sec := range is.Sections {
		for _, it := range sec.Items {
			pos++
			_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO items (id, issue_number, position, section_zh, section_en, title_zh, title_en, body_zh, body_en)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				it.ID, is.Number, pos, sec.Title.Zh, sec.Title.En, it.Title.Zh, it.Title.En, it.Body.Zh, it.Body.En)
			if err != nil {
				return fmt.Errorf("save issue %d item %s: %w", is.Number, it.ID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save issue %d: %w", is.Number, err)
	}
	return nil
}

// SetIssueURLs records where followers read an issue and its cover image; an empty value
// leaves that one as it was.
func (s *Store) SetIssueURLs(ctx context.Context, number int, articleURL, coverURL string) error {
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE issues SET
		article_url = CASE WHEN ? = '' THEN article_url ELSE ? END,
		cover_url = CASE WHEN ? = '' THEN cover_url ELSE ? END,
		updated_at = ?, revision = ? WHERE number = ?`), articleURL, articleURL, coverURL, coverURL, s.now().Unix(), s.revision(), number)
	if err != nil {
		return fmt.Errorf("set urls of issue %d: %w", number, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set urls of issue %d: %w", number, ErrNotFound)
	}
	return nil
}

const issueColumns = `number, source_hash, path, date, title_zh, title_en, model, source, article_url, cover_url, updated_at`

func scanIssue(row interface{ Scan(...any) error }) (Issue, error) {
	var is Issue
	var model, source string
	err := row.Scan(&is.Number, &is.SourceHash, &is.Path, &is.Date, &is.Title.Zh, &is.Title.En, &model, &source, &is.ArticleURL, &is.CoverURL, &is.UpdatedAt)
	is.Model, is.Source = []byte(model), []byte(source)
	return is, err
}

// Issue returns a stored issue; the error wraps ErrNotFound when there is none.
func (s *Store) Issue(ctx context.Context, number int) (Issue, error) {
	is, err := scanIssue(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+issueColumns+` FROM issues WHERE number = ?`), number))
	if errors.Is(err, sql.ErrNoRows) {
		return Issue{}, fmt.Errorf("issue %d: %w", number, ErrNotFound)
	}
	if err != nil {
		return Issue{}, fmt.Errorf("issue %d: %w", number, err)
	}
	return is, nil
}

// Issues returns every stored issue, newest number first.
func (s *Store) Issues(ctx context.Context) ([]Issue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+issueColumns+` FROM issues ORDER BY number DESC`)
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			return nil, fmt.Errorf("list issues: %w", err)
		}
		out = append(out, is)
	}
	return out, rows.Err()
}

// Stamp is an issue's number and revision.
type Stamp struct {
	Number   int
	Revision int64
}

// Stamps lists every issue's revision: cheap to read often, to find what changed.
func (s *Store) Stamps(ctx context.Context) ([]Stamp, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, revision FROM issues ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("list issue revisions: %w", err)
	}
	defer rows.Close()
	var out []Stamp
	for rows.Next() {
		var st Stamp
		if err := rows.Scan(&st.Number, &st.Revision); err != nil {
			return nil, fmt.Errorf("list issue revisions: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// IssueItems returns one issue's items in order.
func (s *Store) IssueItems(ctx context.Context, number int) ([]Item, error) {
	return s.items(ctx, s.rebind(`SELECT id, issue_number, position, section_zh, section_en, title_zh, title_en, body_zh, body_en
		FROM items WHERE issue_number = ? ORDER BY position`), number)
}

// ItemBodies returns the bodies of the items named, by id; unknown ids are left out.
func (s *Store) ItemBodies(ctx context.Context, ids []string) (map[string]issue.Text, error) {
	out := make(map[string]issue.Text, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT id, body_zh, body_en FROM items WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("item bodies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var b issue.Text
		if err := rows.Scan(&id, &b.Zh, &b.En); err != nil {
			return nil, fmt.Errorf("item bodies: %w", err)
		}
		out[id] = b
	}
	return out, rows.Err()
}

// Items returns every stored item, by issue (newest first) and position.
func (s *Store) Items(ctx context.Context) ([]Item, error) {
	return s.items(ctx, `SELECT id, issue_number, position, section_zh, section_en, title_zh, title_en, body_zh, body_en
		FROM items ORDER BY issue_number DESC, position`)
}

func (s *Store) items(ctx context.Context, q string, args ...any) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.IssueNumber, &it.Position, &it.Section.Zh, &it.Section.En, &it.Title.Zh, &it.Title.En, &it.Body.Zh, &it.Body.En); err != nil {
			return nil, fmt.Errorf("list items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Upload is an image already uploaded.
type Upload struct {
	Hash    string // SHA-256 of the source bytes, hex
	Kind    string // UploadContent or UploadCover
	URL     string
	MediaID string
	Name    string
}

// Upload kinds.
const (
	UploadContent = "content"
	UploadCover   = "cover"
)

// Upload returns the upload of an image; the error wraps ErrNotFound when there is none.
func (s *Store) Upload(ctx context.Context, hash, kind string) (Upload, error) {
	u := Upload{Hash: hash, Kind: kind}
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT url, media_id, name FROM uploads WHERE account = ? AND hash = ? AND kind = ?`),
		s.account, hash, kind).Scan(&u.URL, &u.MediaID, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return Upload{}, fmt.Errorf("upload %s %.12s: %w", kind, hash, ErrNotFound)
	}
	if err != nil {
		return Upload{}, fmt.Errorf("upload %s %.12s: %w", kind, hash, err)
	}
	return u, nil
}

// PutUpload records an upload; recording the same image twice keeps the first.
func (s *Store) PutUpload(ctx context.Context, u Upload) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO uploads (account, hash, kind, url, media_id, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, hash, kind) DO NOTHING`), s.account, u.Hash, u.Kind, u.URL, u.MediaID, u.Name, s.now().Unix())
	if err != nil {
		return fmt.Errorf("record upload %s %.12s: %w", u.Kind, u.Hash, err)
	}
	return nil
}
