package store_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testRevokeLink: of many concurrent revocations of one link (one per
// item that met the dead token), exactly one reports that it revoked it;
// a revoked link stays revoked, and a missing one is not found.
func testRevokeLink(t *testing.T, e *env) {
	c := e.credential(t, "APP-R")
	tn := e.tenant(t, "revoke", c.ID)
	p := e.person(t, tn.ID, "Rosalind", "Franklin")
	l := e.connect(t, p, c.ID, orcidID(t, 11))
	var wins atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			revoked, err := e.s.RevokeLink(e.ctx, l.ID, "401 invalid_token")
			if err != nil {
				errs <- err
			}
			if revoked {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d callers revoked the link, want exactly 1", n)
	}
	got, err := e.s.Link(e.ctx, tn.ID, p.ID)
	want(t, "read", err, nil)
	if got.State != store.LinkRevoked || got.AccessToken != "" || got.StateReason != "401 invalid_token" {
		t.Fatalf("revoked link %+v", got)
	}
	_, err = e.s.RevokeLink(e.ctx, 9999, "x")
	want(t, "missing link", err, store.ErrNotFound)
}

// testLockArticle: LockArticle reads a tenant's article as it is (inside
// a transaction, holding it), and another tenant's as not found.
func testLockArticle(t *testing.T, e *env) {
	c := e.credential(t, "APP-A")
	tn := e.tenant(t, "lock", c.ID)
	other := e.tenant(t, "lock-other", c.ID)
	p := e.person(t, tn.ID, "Ada", "Lovelace")
	if _, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "l1", Title: "Locked", Type: "journal-article",
		Authors: []int64{p.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SetArticleState(e.ctx, tn.ID, "l1", store.ArticlePublished); err != nil {
		t.Fatal(err)
	}
	err := e.s.InTx(e.ctx, func(tx *store.Tx) error {
		a, err := tx.LockArticle(e.ctx, tn.ID, "l1")
		if err != nil {
			return err
		}
		if a.Title != "Locked" || a.State != store.ArticlePublished || len(a.Authors) != 1 || a.Authors[0] != p.ID {
			t.Fatalf("locked %+v", a)
		}
		return nil
	})
	want(t, "lock", err, nil)
	_, err = e.s.LockArticle(e.ctx, other.ID, "l1")
	want(t, "another tenant's article", err, store.ErrNotFound)
	_, err = e.s.LockArticle(e.ctx, tn.ID, "nope")
	want(t, "missing article", err, store.ErrNotFound)
}
