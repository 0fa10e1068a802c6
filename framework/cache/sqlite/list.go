package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/goxweb/gox/framework/cache"
)

// List returns the entries matching f, without bodies, ordered by key:
// every build's row of a key, each with its BuildID, most recently
// generated first. It flushes recorded reads first (its own and those a memory tier passed
// to Touch), so that AccessedAt is current.
func (s *Store) List(ctx context.Context, f cache.Filter) ([]cache.Info, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return nil, cerr
	}
	defer done()
	if err := s.flushAccess(ctx); err != nil {
		return nil, fmt.Errorf("sqlite list: %w", err)
	}
	var q strings.Builder
	var args []any
	q.WriteString(`SELECT e.key, e.route, e.etag, e.build_id, e.last_error, e.status, e.size, e.tags,
		e.generated_at, e.fresh_until, coalesce(a.at, 0) FROM entries e
		LEFT JOIN access a ON a.key = e.key AND a.build_id = e.build_id`)
	if f.Tag != "" {
		q.WriteString(" JOIN entry_tags t ON t.key = e.key AND t.build_id = e.build_id AND t.tag = ?")
		args = append(args, f.Tag)
	}
	q.WriteString(" WHERE 1")
	if f.Prefix != "" {
		q.WriteString(" AND e.key >= ?")
		args = append(args, f.Prefix)
		if end, ok := prefixEnd(f.Prefix); ok {
			q.WriteString(" AND e.key < ?")
			args = append(args, end)
		}
	}
	if f.Route != "" {
		q.WriteString(" AND e.route = ?")
		args = append(args, f.Route)
	}
	q.WriteString(" ORDER BY e.key, e.generated_at DESC, e.build_id DESC")
	if f.Limit > 0 {
		q.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	rows, err := s.read.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite list: %w", err)
	}
	defer rows.Close()
	var infos []cache.Info
	for rows.Next() {
		var in cache.Info
		var tags []byte
		var generated, fresh, accessed int64
		if err := rows.Scan(&in.Key, &in.Route, &in.ETag, &in.BuildID, &in.LastError, &in.Status, &in.Size, &tags,
			&generated, &fresh, &accessed); err != nil {
			return nil, fmt.Errorf("sqlite list: %w", err)
		}
		if in.Tags, err = decodeStrings(tags); err != nil {
			return nil, fmt.Errorf("sqlite list %s: tags: %w: %w", in.Key, err, cache.ErrCorrupt)
		}
		in.GeneratedAt, in.FreshUntil, in.AccessedAt = unixTime(generated), unixTime(fresh), unixTime(accessed)
		st := s.stamps.of(&cache.Entry{Key: in.Key, Tags: in.Tags})
		in.RevalidatedAt, in.ExpiredAt = st.RevalidatedAt, st.ExpiredAt
		infos = append(infos, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite list: %w", err)
	}
	return infos, nil
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, so that a prefix match is a range of the key index.
// There is none when prefix is all 0xff bytes.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Stats returns the number of entries, their bytes and distinct tags.
func (s *Store) Stats(ctx context.Context) (cache.Stats, error) {
	done, cerr := s.enter()
	if cerr != nil {
		return cache.Stats{}, cerr
	}
	defer done()
	var st cache.Stats
	err := s.read.QueryRowContext(ctx, `SELECT entries, bytes, (SELECT count(DISTINCT tag) FROM entry_tags) FROM totals`).
		Scan(&st.Entries, &st.Bytes, &st.Tags)
	if err != nil {
		return cache.Stats{}, fmt.Errorf("sqlite stats: %w", err)
	}
	return st, nil
}
