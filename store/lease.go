package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease is a publish run's claim on an issue.
type Lease struct {
	Issue int
	// Owner is the run's own random id; Host, PID and Holder say who it is, for people.
	Owner  string
	Host   string
	PID    int
	Holder string
	Since  time.Time
	// Expires is when another run may take the lease unless it is renewed.
	Expires time.Time
}

// String says who holds the lease, for a message to staff.
func (l Lease) String() string {
	who := l.Host + "/" + fmt.Sprint(l.PID)
	if l.Holder != "" {
		who = l.Holder + "@" + who
	}
	return who
}

// LeaseHeldError is TakeLease's answer while another live run holds the issue.
type LeaseHeldError struct {
	Holder Lease
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("issue %d is being published by %s since %s", e.Holder.Issue, e.Holder, e.Holder.Since.Local().Format("15:04:05"))
}

// ErrLeaseLost is RenewLease's answer when the lease is no longer the caller's (it expired
// and another run took it).
var ErrLeaseLost = errors.New("the publish lease was lost")

// TakeLease claims issue for the run l.Owner for ttl: a new lease, an expired one, or one
// this run holds already. While another run holds it, the error is a *LeaseHeldError.
func (s *Store) TakeLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	now := s.now()
	l.Since, l.Expires = now, now.Add(ttl)
	// One statement, atomic on both databases: insert, or take over an expired lease (or
	// our own); a live lease of another run is left alone and nothing changes.
	res, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO publish_leases (account, issue_number, owner, host, pid, holder, since, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, issue_number) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
			holder = excluded.holder, since = excluded.since, expires_at = excluded.expires_at
		WHERE publish_leases.expires_at < ? OR publish_leases.owner = excluded.owner`),
		s.account, l.Issue, l.Owner, l.Host, l.PID, l.Holder, l.Since.UnixMilli(), l.Expires.UnixMilli(), now.UnixMilli())
	if err != nil {
		return Lease{}, fmt.Errorf("take the publish lease of issue %d: %w", l.Issue, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Lease{}, fmt.Errorf("take the publish lease of issue %d: %w", l.Issue, err)
	} else if n == 1 {
		return l, nil
	}
	held, err := s.lease(ctx, l.Issue)
	if errors.Is(err, ErrNotFound) {
		// Released between the two statements: try again.
		return s.TakeLease(ctx, l, ttl)
	}
	if err != nil {
		return Lease{}, err
	}
	return Lease{}, &LeaseHeldError{Holder: held}
}

func (s *Store) lease(ctx context.Context, issue int) (Lease, error) {
	var l Lease
	var since, expires int64
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT issue_number, owner, host, pid, holder, since, expires_at FROM publish_leases WHERE account = ? AND issue_number = ?`), s.account, issue).
		Scan(&l.Issue, &l.Owner, &l.Host, &l.PID, &l.Holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, fmt.Errorf("publish lease of issue %d: %w", issue, ErrNotFound)
	}
	if err != nil {
		return Lease{}, fmt.Errorf("publish lease of issue %d: %w", issue, err)
	}
	l.Since, l.Expires = time.UnixMilli(since), time.UnixMilli(expires)
	return l, nil
}

// RenewLease moves the lease's expiry ttl from now; ErrLeaseLost when it is not the
// owner's any more.
func (s *Store) RenewLease(ctx context.Context, issue int, owner string, ttl time.Duration) error {
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE publish_leases SET expires_at = ? WHERE account = ? AND issue_number = ? AND owner = ?`),
		s.now().Add(ttl).UnixMilli(), s.account, issue, owner)
	if err != nil {
		return fmt.Errorf("renew the publish lease of issue %d: %w", issue, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("renew the publish lease of issue %d: %w", issue, err)
	} else if n == 0 {
		return fmt.Errorf("issue %d: %w", issue, ErrLeaseLost)
	}
	return nil
}

// ReleaseLease gives the lease up, if the owner still holds it.
func (s *Store) ReleaseLease(ctx context.Context, issue int, owner string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM publish_leases WHERE account = ? AND issue_number = ? AND owner = ?`), s.account, issue, owner)
	if err != nil {
		return fmt.Errorf("release the publish lease of issue %d: %w", issue, err)
	}
	return nil
}
