package tiered

import (
	"github.com/maypok86/otter/v2"

	"github.com/goxweb/gox/framework/cache"
)

// drop forgets keys and makes fills that read them before the drop fail.
func (t *Store) drop(keys ...string) {
	if t.entries == nil {
		return
	}
	for _, k := range keys {
		st := t.stripe(k)
		st.mu.Lock()
		st.gen.Add(1)
		t.entries.Invalidate(k)
		st.mu.Unlock()
	}
}

// dropCovered forgets the entries in memory carrying one of tags or at
// one of paths, and makes every fill that read before it fail.
func (t *Store) dropCovered(tags, paths []string) {
	if t.entries == nil {
		return
	}
	var keys []string
	t.indexMu.Lock()
	t.invalidations.Add(1)
	for _, tag := range tags {
		for k := range t.byTag[tag] {
			keys = append(keys, k)
		}
	}
	for _, p := range paths {
		for k := range t.byPath[p] {
			keys = append(keys, k)
		}
	}
	t.indexMu.Unlock()
	t.drop(keys...)
}

// dropAll forgets every key. Holding every stripe keeps fills that read
// the inner store before the drop from landing after it.
func (t *Store) dropAll() {
	if t.entries == nil {
		return
	}
	for i := range t.stripes {
		t.stripes[i].mu.Lock()
		t.stripes[i].gen.Add(1)
	}
	t.indexMu.Lock()
	t.invalidations.Add(1)
	t.indexMu.Unlock()
	t.entries.InvalidateAll()
	for i := range t.stripes {
		t.stripes[i].mu.Unlock()
	}
}

// changed applies a batch of the inner store's change feed.
func (t *Store) changed(changes []cache.Change) {
	var keys, tags, paths []string
	for _, c := range changes {
		switch c.Kind {
		case cache.ChangeEntry:
			keys = append(keys, c.Name)
		case cache.ChangeTag:
			tags = append(tags, c.Name)
		case cache.ChangePath:
			paths = append(paths, c.Name)
		case cache.ChangeAll:
			t.dropAll()
			return
		}
	}
	t.drop(keys...)
	if len(tags) > 0 || len(paths) > 0 {
		t.dropCovered(tags, paths)
	}
}

// index records h under its tags and path; the caller holds indexMu.
func (t *Store) index(key string, h *hotEntry) {
	add := func(m map[string]map[string]*hotEntry, name string) {
		keys := m[name]
		if keys == nil {
			keys = make(map[string]*hotEntry)
			m[name] = keys
		}
		keys[key] = h
	}
	for _, tag := range h.l.Entry.Tags {
		add(t.byTag, tag)
	}
	add(t.byPath, cache.KeyPath(key))
}

// deleted removes an entry otter dropped (invalidated, replaced or
// evicted) from the index, unless the index already holds its successor.
// Otter calls it under the entry's bucket lock; it takes only indexMu,
// which is never held while calling otter.
func (t *Store) deleted(e otter.DeletionEvent[string, *hotEntry]) {
	remove := func(m map[string]map[string]*hotEntry, name string) {
		keys := m[name]
		if keys[e.Key] != e.Value {
			return
		}
		delete(keys, e.Key)
		if len(keys) == 0 {
			delete(m, name)
		}
	}
	t.indexMu.Lock()
	defer t.indexMu.Unlock()
	for _, tag := range e.Value.l.Entry.Tags {
		remove(t.byTag, tag)
	}
	remove(t.byPath, cache.KeyPath(e.Key))
}
