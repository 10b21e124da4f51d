package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Snapshot is an issue as it was imported: its Markdown and every image it names, so
// that publishing reads the store only.
type Snapshot struct {
	// ID identifies the content: the same name, source and images give the same ID.
	ID          string
	IssueNumber int
	// Name is the file it came from, for messages (FILE:LINE) and relative image paths.
	Name   string
	Source []byte
	// Assets maps each image as the issue writes it (a path or URL, the cover too) to the
	// SHA-256 of its bytes.
	Assets map[string]string
	// CreatedAt is when it was last imported (Unix seconds): importing an earlier version
	// again makes it the latest.
	CreatedAt int64
}

// SnapshotID is the ID of a snapshot's content.
func SnapshotID(name string, source []byte, assets map[string]string) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(source)
	keys := make([]string, 0, len(assets))
	for k := range assets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k + "=" + assets[k]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AssetHash is the content address of an asset.
func AssetHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SaveSnapshot stores a snapshot and its assets (hash → bytes) in one transaction; a
// snapshot or asset stored before is kept as it is.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot, data map[string][]byte) error {
	assets, err := json.Marshal(snap.Assets)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save snapshot of issue %d: %w", snap.IssueNumber, err)
	}
	defer tx.Rollback()
	now := s.now().Unix()
	for hash, d := range data {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO assets (hash, data, created_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`), hash, d, now); err != nil {
			return fmt.Errorf("save snapshot of issue %d: asset %.12s: %w", snap.IssueNumber, hash, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO snapshots (id, issue_number, name, source, assets, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at`), snap.ID, snap.IssueNumber, snap.Name, string(snap.Source), string(assets), now); err != nil {
		return fmt.Errorf("save snapshot of issue %d: %w", snap.IssueNumber, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save snapshot of issue %d: %w", snap.IssueNumber, err)
	}
	return nil
}

// Snapshot returns a stored snapshot; the error wraps ErrNotFound when there is none.
func (s *Store) Snapshot(ctx context.Context, id string) (Snapshot, error) {
	return s.snapshot(ctx, fmt.Sprintf("snapshot %.12s", id), `WHERE id = ?`, id)
}

// LatestSnapshot returns the snapshot of an issue imported last; the error wraps
// ErrNotFound when the issue has none.
func (s *Store) LatestSnapshot(ctx context.Context, issue int) (Snapshot, error) {
	return s.snapshot(ctx, fmt.Sprintf("latest snapshot of issue %d", issue), `WHERE issue_number = ? ORDER BY created_at DESC LIMIT 1`, issue)
}

func (s *Store) snapshot(ctx context.Context, what, where string, arg any) (Snapshot, error) {
	var snap Snapshot
	var source, assets string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, issue_number, name, source, assets, created_at FROM snapshots `+where), arg).
		Scan(&snap.ID, &snap.IssueNumber, &snap.Name, &source, &assets, &snap.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Snapshot{}, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("%s: %w", what, err)
	}
	snap.Source = []byte(source)
	if err := json.Unmarshal([]byte(assets), &snap.Assets); err != nil {
		return Snapshot{}, fmt.Errorf("%s: assets: %w", what, err)
	}
	return snap, nil
}

// Asset returns an asset's bytes; the error wraps ErrNotFound when there is none.
func (s *Store) Asset(ctx context.Context, hash string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT data FROM assets WHERE hash = ?`), hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("asset %.12s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("asset %.12s: %w", hash, err)
	}
	return data, nil
}
