package store

import "time"

// SetPeopleCountsPolicy changes, for a test, how many people a tenant
// must have and how long its count must take for the count to be kept
// between views, and how long it stays fresh.
func SetPeopleCountsPolicy(s *Store, large int, slow, fresh time.Duration) {
	s.people.mu.Lock()
	defer s.people.mu.Unlock()
	s.people.large, s.people.slow, s.people.fresh = large, slow, fresh
}
