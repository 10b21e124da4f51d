package store

import (
	"context"
	"fmt"
)

// FollowerDay is one day of follower figures.
type FollowerDay struct {
	Day                    string
	New, Cancel, Cumulated int
}

// ArticleDay is one article's reads and shares on one day.
type ArticleDay struct {
	Day, MsgID, Title string
	Reads, Shares     int
}

// SaveFollowerDays writes follower figures (a day again replaces it).
func (s *Store) SaveFollowerDays(ctx context.Context, days []FollowerDay) error {
	for _, d := range days {
		if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO stats_followers (account, day, new_user, cancel, cumulative) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account, day) DO UPDATE SET new_user = excluded.new_user, cancel = excluded.cancel, cumulative = excluded.cumulative`),
			s.account, d.Day, d.New, d.Cancel, d.Cumulated); err != nil {
			return fmt.Errorf("save follower figures of %s: %w", d.Day, err)
		}
	}
	return nil
}

// SaveArticleDays writes articles' figures (a day again replaces it).
func (s *Store) SaveArticleDays(ctx context.Context, days []ArticleDay) error {
	for _, d := range days {
		if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO stats_articles (account, day, msgid, title, reads, shares) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account, day, msgid) DO UPDATE SET title = excluded.title, reads = excluded.reads, shares = excluded.shares`),
			s.account, d.Day, d.MsgID, d.Title, d.Reads, d.Shares); err != nil {
			return fmt.Errorf("save article figures of %s: %w", d.Day, err)
		}
	}
	return nil
}

// FollowerDays returns the follower figures from day on, oldest first.
func (s *Store) FollowerDays(ctx context.Context, from string) ([]FollowerDay, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT day, new_user, cancel, cumulative FROM stats_followers WHERE account = ? AND day >= ? ORDER BY day`), s.account, from)
	if err != nil {
		return nil, fmt.Errorf("follower figures: %w", err)
	}
	defer rows.Close()
	var out []FollowerDay
	for rows.Next() {
		var d FollowerDay
		if err := rows.Scan(&d.Day, &d.New, &d.Cancel, &d.Cumulated); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ArticleTotals returns each article's reads and shares summed from day on, most read
// first.
func (s *Store) ArticleTotals(ctx context.Context, from string) ([]ArticleDay, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT msgid, MAX(title), SUM(reads), SUM(shares) FROM stats_articles
		WHERE account = ? AND day >= ? GROUP BY msgid ORDER BY SUM(reads) DESC, msgid`), s.account, from)
	if err != nil {
		return nil, fmt.Errorf("article figures: %w", err)
	}
	defer rows.Close()
	var out []ArticleDay
	for rows.Next() {
		var d ArticleDay
		if err := rows.Scan(&d.MsgID, &d.Title, &d.Reads, &d.Shares); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
