package store

import (
	"context"
	"fmt"
	"time"
)

// Actions of the audit trail.
const (
	ActionImported  = "imported"
	ActionDrafted   = "drafted"
	ActionPreviewed = "previewed"
	ActionPublished = "published"
	ActionReplaced  = "replaced"
	ActionBroadcast = "broadcast"
	ActionScheduled = "scheduled"
	ActionCancelled = "cancelled"
	ActionApproved  = "approved"
	ActionFailed    = "failed"
)

// Event is one entry of the audit trail: who did what to an issue, when.
type Event struct {
	Issue  int
	At     time.Time
	Actor  string
	Action string
	Detail string
}

// AddEvent appends an event to the account's audit trail (At: now when zero).
func (s *Store) AddEvent(ctx context.Context, e Event) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO events (account, issue_number, at, seq, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		s.account, e.Issue, e.At.UnixMilli(), s.revision(), e.Actor, e.Action, e.Detail)
	if err != nil {
		return fmt.Errorf("record %s of issue %d: %w", e.Action, e.Issue, err)
	}
	return nil
}

// Events returns the account's audit trail for one issue (0: every issue), oldest first.
func (s *Store) Events(ctx context.Context, issue int) ([]Event, error) {
	q, args := `SELECT issue_number, at, actor, action, detail FROM events WHERE account = ?`, []any{s.account}
	if issue != 0 {
		q += ` AND issue_number = ?`
		args = append(args, issue)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q+` ORDER BY at, seq`), args...)
	if err != nil {
		return nil, fmt.Errorf("read the audit trail: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Issue, &at, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Approval is a person's sign-off on one snapshot of an issue.
type Approval struct {
	Issue      int
	SnapshotID string
	Approver   string
	At         time.Time
}

// Approve records an approval (again: no change) and its event, in one transaction.
func (s *Store) Approve(ctx context.Context, a Approval) error {
	if a.At.IsZero() {
		a.At = s.now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("approve issue %d: %w", a.Issue, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO approvals (account, issue_number, snapshot_id, approver, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, issue_number, snapshot_id, approver) DO NOTHING`), s.account, a.Issue, a.SnapshotID, a.Approver, a.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("approve issue %d: %w", a.Issue, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO events (account, issue_number, at, seq, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			s.account, a.Issue, a.At.UnixMilli(), s.revision(), a.Approver, ActionApproved, "snapshot "+short(a.SnapshotID)); err != nil {
			return fmt.Errorf("approve issue %d: %w", a.Issue, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("approve issue %d: %w", a.Issue, err)
	}
	return nil
}

// Approvals returns the approvals of one snapshot of an issue.
func (s *Store) Approvals(ctx context.Context, issue int, snapshotID string) ([]Approval, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT approver, at FROM approvals WHERE account = ? AND issue_number = ? AND snapshot_id = ? ORDER BY at`),
		s.account, issue, snapshotID)
	if err != nil {
		return nil, fmt.Errorf("approvals of issue %d: %w", issue, err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		a := Approval{Issue: issue, SnapshotID: snapshotID}
		var at int64
		if err := rows.Scan(&a.Approver, &at); err != nil {
			return nil, fmt.Errorf("approvals of issue %d: %w", issue, err)
		}
		a.At = time.UnixMilli(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// short is the first 12 characters of an ID, as messages show it.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
