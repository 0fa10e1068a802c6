package cache

import "sync"

// Feed is the subscriber list of a ChangeFeed, written once for every
// backend: a store keeps one, answers Subscribe with Feed.Subscribe and
// hands each batch of changes to Send. The zero value is ready to use.
type Feed struct {
	mu   sync.Mutex // held while calling, so that batches stay in order
	next int
	subs map[int]func([]Change)
}

// Subscribe registers fn; cancel removes it and may be called more than
// once.
func (f *Feed) Subscribe(fn func([]Change)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[int]func([]Change))
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

// Send calls every subscriber with changes, unless there are none, one
// batch at a time.
func (f *Feed) Send(changes []Change) {
	if len(changes) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.subs {
		fn(changes)
	}
}

// SendKeys sends one ChangeEntry for each of keys (entries a store
// removed by itself, such as evicted ones).
func (f *Feed) SendKeys(keys []string) {
	if len(keys) == 0 {
		return
	}
	changes := make([]Change, len(keys))
	for i, k := range keys {
		changes[i] = Change{Kind: ChangeEntry, Name: k}
	}
	f.Send(changes)
}
