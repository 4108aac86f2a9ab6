package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

func testLinks(t *testing.T, e *env) {
	c := e.credential(t, "APP-L")
	tn := e.tenant(t, "links", c.ID)
	p := e.person(t, tn.ID, "Grace", "Hopper")
	_, err := e.s.Link(e.ctx, tn.ID, p.ID)
	want(t, "no link yet", err, store.ErrNotFound)

	id := orcidID(t, 7)
	auth := e.authorization(t, p, c.ID, id)
	l, err := e.s.SaveAuthorization(e.ctx, auth)
	want(t, "save", err, nil)
	now := e.clock.Now().UTC().Truncate(time.Microsecond)
	if l.ORCID != id || l.ORCIDURI != testEnv.IDURI(id) || l.Name != "Grace Hopper" || l.AccessToken != auth.AccessToken ||
		l.RefreshToken != auth.RefreshToken || l.IDToken != auth.IDToken || !slices.Equal(l.Scopes, auth.Scopes) ||
		!l.ExpiresAt.Equal(auth.ExpiresAt.Truncate(time.Microsecond)) || !l.AuthenticatedAt.Equal(now) ||
		l.State != store.LinkConnected || l.CredentialID != c.ID || l.TenantID != tn.ID || l.PersonID != p.ID {
		t.Fatalf("saved %+v", l)
	}
	for name, read := range map[string]func() (store.Link, error){
		"Link":        func() (store.Link, error) { return e.s.Link(e.ctx, tn.ID, p.ID) },
		"LinkByID":    func() (store.Link, error) { return e.s.LinkByID(e.ctx, tn.ID, l.ID) },
		"LinkByORCID": func() (store.Link, error) { return e.s.LinkByORCID(e.ctx, tn.ID, id) },
	} {
		got, err := read()
		want(t, name, err, nil)
		if !linkEqual(got, l) {
			t.Fatalf("%s = %+v, want %+v", name, got, l)
		}
	}
	if !l.Covers(e.clock.Now(), "/read-limited", "/activities/update") || l.Covers(e.clock.Now(), "/person/update") ||
		l.Covers(l.ExpiresAt, "/read-limited") {
		t.Fatal("Covers is wrong")
	}

	// Connecting again (a scope upgrade) updates the same row.
	e.clock.Add(time.Hour)
	auth.Scopes = append(auth.Scopes, "/person/update")
	auth.AccessToken, auth.RefreshToken, auth.IDToken = "access-2", "", ""
	l2, err := e.s.SaveAuthorization(e.ctx, auth)
	want(t, "save again", err, nil)
	if l2.ID != l.ID || l2.AccessToken != "access-2" || l2.RefreshToken != "" || l2.IDToken != "" || len(l2.Scopes) != 4 {
		t.Fatalf("saved again %+v", l2)
	}

	want(t, "revoke", e.s.MarkLinkRevoked(e.ctx, l.ID, "401 invalid_token"), nil)
	rv, err := e.s.Link(e.ctx, tn.ID, p.ID)
	want(t, "read revoked", err, nil)
	if rv.State != store.LinkRevoked || rv.StateReason != "401 invalid_token" || rv.AccessToken != "" || rv.ORCID != id {
		t.Fatalf("revoked %+v", rv)
	}
	_, err = e.s.LinkByORCID(e.ctx, tn.ID, id)
	want(t, "a revoked iD has no connected link", err, store.ErrNotFound)
	want(t, "revoke again is a no-op", e.s.MarkLinkRevoked(e.ctx, l.ID, "again"), nil)
	want(t, "revoke missing", e.s.MarkLinkRevoked(e.ctx, 9999, "x"), store.ErrNotFound)

	l3, err := e.s.SaveAuthorization(e.ctx, e.authorization(t, p, c.ID, id))
	want(t, "reconnect after revocation", err, nil)
	if l3.ID != l.ID || l3.State != store.LinkConnected || l3.StateReason != "" {
		t.Fatalf("reconnected %+v", l3)
	}
	want(t, "remove", e.s.RemoveLink(e.ctx, tn.ID, l.ID, "removed by admin:1"), nil)
	rm, err := e.s.Link(e.ctx, tn.ID, p.ID)
	want(t, "read removed", err, nil)
	if rm.State != store.LinkRemoved || rm.ORCID != "" || rm.ORCIDURI != "" || rm.AccessToken != "" || rm.RefreshToken != "" ||
		rm.IDToken != "" || len(rm.Scopes) != 0 || !rm.ExpiresAt.IsZero() || rm.StateReason != "removed by admin:1" {
		t.Fatalf("removed %+v", rm)
	}
	want(t, "remove missing", e.s.RemoveLink(e.ctx, tn.ID, 9999, "x"), store.ErrNotFound)

	// A new credential for the tenant (sandbox to production) starts with
	// no links; the old one stays in the history.
	prod := e.credential(t, "APP-PROD")
	e.connect(t, p, c.ID, id)
	tn.CredentialID = prod.ID
	if _, err := e.s.UpdateTenant(e.ctx, tn); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Link(e.ctx, tn.ID, p.ID)
	want(t, "no link under the new credential", err, store.ErrNotFound)
	_, err = e.s.LinkByORCID(e.ctx, tn.ID, id)
	want(t, "no iD under the new credential", err, store.ErrNotFound)
	hist, err := e.s.LinksOfPerson(e.ctx, tn.ID, p.ID)
	want(t, "history", err, nil)
	if len(hist) != 1 || hist[0].CredentialID != c.ID {
		t.Fatalf("history %+v", hist)
	}

	for _, tc := range []struct {
		name string
		edit func(*store.Authorization)
		err  error
	}{
		{"unknown person", func(a *store.Authorization) { a.PersonID = 9999 }, store.ErrNotFound},
		{"unknown credential", func(a *store.Authorization) { a.CredentialID = 9999 }, store.ErrNotFound},
		{"bad iD", func(a *store.Authorization) { a.ID = "0000-0002-1825-0098" }, store.ErrInvalid},
		{"URI of another iD", func(a *store.Authorization) { a.IDURI = testEnv.IDURI(orcidID(t, 8)) }, store.ErrInvalid},
		{"no token", func(a *store.Authorization) { a.AccessToken = "" }, store.ErrInvalid},
	} {
		a := e.authorization(t, p, prod.ID, id)
		tc.edit(&a)
		_, err := e.s.SaveAuthorization(e.ctx, a)
		want(t, tc.name, err, tc.err)
	}
}

func linkEqual(a, b store.Link) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// testLinkConflicts: an iD is connected to at most one person per tenant.
func testLinkConflicts(t *testing.T, e *env) {
	c := e.credential(t, "APP-C")
	a, b := e.tenant(t, "conf-a", c.ID), e.tenant(t, "conf-b", c.ID)
	p1, p2 := e.person(t, a.ID, "First", "Person"), e.person(t, a.ID, "Second", "Person")
	id := orcidID(t, 11)
	e.connect(t, p1, c.ID, id)

	_, err := e.s.SaveAuthorization(e.ctx, e.authorization(t, p2, c.ID, id))
	want(t, "second person, same iD, same tenant", err, store.ErrConflict)
	var lce *store.LinkConflictError
	if !errors.As(err, &lce) || lce.OtherPersonID != p1.ID || lce.TenantID != a.ID || lce.ORCIDURI != testEnv.IDURI(id) {
		t.Fatalf("conflict error %#v", err)
	}
	_, err = e.s.Link(e.ctx, a.ID, p2.ID)
	want(t, "nothing stored for the second person", err, store.ErrNotFound)

	// Inside a transaction too, and the transaction stays usable.
	err = e.s.InTx(e.ctx, func(tx *store.Tx) error {
		_, err := tx.SaveAuthorization(e.ctx, e.authorization(t, p2, c.ID, id))
		want(t, "conflict in a transaction", err, store.ErrConflict)
		_, err = tx.Person(e.ctx, a.ID, p2.ID)
		return err
	})
	want(t, "transaction after a conflict", err, nil)

	pb := e.person(t, b.ID, "Other", "Tenant")
	_, err = e.s.SaveAuthorization(e.ctx, e.authorization(t, pb, c.ID, id))
	want(t, "same iD in another tenant", err, nil)

	// Once the first link is no longer connected, the iD is free.
	l1, _ := e.s.Link(e.ctx, a.ID, p1.ID)
	want(t, "revoke first", e.s.MarkLinkRevoked(e.ctx, l1.ID, "401"), nil)
	_, err = e.s.SaveAuthorization(e.ctx, e.authorization(t, p2, c.ID, id))
	want(t, "second person after the first was revoked", err, nil)
	_, err = e.s.SaveAuthorization(e.ctx, e.authorization(t, p1, c.ID, id))
	want(t, "first person reconnecting now conflicts", err, store.ErrConflict)
}

// Tokens and secrets long and distinctive enough that finding one in the
// database file cannot be chance.
const (
	plainAccess  = "ACCESS-7c1e4f0a-SHOULD-NEVER-BE-STORED-IN-CLEAR"
	plainRefresh = "REFRESH-93d2b8aa-SHOULD-NEVER-BE-STORED-IN-CLEAR"
	plainIDToken = "IDTOKEN-1f5e6d7c-SHOULD-NEVER-BE-STORED-IN-CLEAR"
	plainSecret  = "SECRET-55aa11cc-SHOULD-NEVER-BE-STORED-IN-CLEAR"
)

func (e *env) sealedFixture(t *testing.T) (store.Credential, store.Person, store.Link) {
	t.Helper()
	c, err := e.s.CreateCredential(e.ctx, store.Credential{Name: "sealed", Env: testEnv, API: orcid.MemberAPI,
		ClientID: "APP-SEALED", ClientSecret: plainSecret})
	if err != nil {
		t.Fatal(err)
	}
	tn := e.tenant(t, "sealed", c.ID)
	p := e.person(t, tn.ID, "Sealed", "Person")
	auth := e.authorization(t, p, c.ID, orcidID(t, 21))
	auth.AccessToken, auth.RefreshToken, auth.IDToken = plainAccess, plainRefresh, plainIDToken
	l, err := e.s.SaveAuthorization(e.ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	return c, p, l
}

func testSealedAtRest(t *testing.T, e *env) {
	c, _, l := e.sealedFixture(t)
	if l.AccessToken != plainAccess || c.ClientSecret != plainSecret {
		t.Fatal("the store does not give back what it sealed")
	}
	check := func(what string, raw []byte, plain string) {
		t.Helper()
		if bytes.Contains(raw, []byte(plain)) || !bytes.HasPrefix(raw, []byte("v1:test1:")) {
			t.Errorf("%s is stored as %q", what, raw)
		}
	}
	check("client secret", e.rawBytes(t, `SELECT client_secret FROM credentials WHERE id = ?`, c.ID), plainSecret)
	check("access token", e.rawBytes(t, `SELECT access_token FROM orcid_links WHERE id = ?`, l.ID), plainAccess)
	check("refresh token", e.rawBytes(t, `SELECT refresh_token FROM orcid_links WHERE id = ?`, l.ID), plainRefresh)
	check("id token", e.rawBytes(t, `SELECT id_token FROM orcid_links WHERE id = ?`, l.ID), plainIDToken)

	if e.driver != "sqlite" {
		return
	}
	// The file itself, with its write-ahead log where fresh pages live, and
	// again after a checkpoint has moved them into the main file.
	scan := func(when string) {
		t.Helper()
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(e.dsn + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for _, plain := range []string{plainAccess, plainRefresh, plainIDToken, plainSecret} {
				if bytes.Contains(b, []byte(plain)) {
					t.Errorf("%s: %s appears in clear in %s", when, plain, e.dsn+suffix)
				}
			}
		}
	}
	// A control: what is stored in clear is found, so the scan can see.
	if b, _ := os.ReadFile(e.dsn + "-wal"); !bytes.Contains(b, []byte("APP-SEALED")) {
		t.Fatal("the client id, stored in clear, is not in the write-ahead log: the scan proves nothing")
	}
	scan("before checkpoint")
	if st, err := os.Stat(e.dsn + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("expected a write-ahead log to scan: %v", err)
	}
	e.rawExec(t, `PRAGMA wal_checkpoint(TRUNCATE)`)
	scan("after checkpoint")
}

// testSealedBoundToRow: a sealed value moved to another row or column does
// not open.
func testSealedBoundToRow(t *testing.T, e *env) {
	c, p, l := e.sealedFixture(t)
	q := e.person(t, p.TenantID, "Other", "Person")
	l2 := e.connect(t, q, c.ID, orcidID(t, 22))

	stolen := e.rawBytes(t, `SELECT access_token FROM orcid_links WHERE id = ?`, l.ID)
	e.rawExec(t, `UPDATE orcid_links SET access_token = ? WHERE id = ?`, stolen, l2.ID)
	_, err := e.s.Link(e.ctx, q.TenantID, q.ID)
	want(t, "another row's token", err, seal.ErrCorrupt)

	e.rawExec(t, `UPDATE orcid_links SET refresh_token = access_token WHERE id = ?`, l.ID)
	_, err = e.s.Link(e.ctx, p.TenantID, p.ID)
	want(t, "another column's token", err, seal.ErrCorrupt)

	c2 := e.credential(t, "APP-OTHER")
	secret := e.rawBytes(t, `SELECT client_secret FROM credentials WHERE id = ?`, c.ID)
	e.rawExec(t, `UPDATE credentials SET client_secret = ? WHERE id = ?`, secret, c2.ID)
	_, err = e.s.Credential(e.ctx, c2.ID)
	want(t, "another credential's secret", err, seal.ErrCorrupt)
}

func testReseal(t *testing.T, e *env) {
	c, p, l := e.sealedFixture(t)
	var batch []store.Person
	for i := range 4 { // enough rows for several batches
		q := e.person(t, p.TenantID, "Batch", strconv.Itoa(i))
		e.connect(t, q, c.ID, orcidID(t, 30+i))
		batch = append(batch, q)
	}
	removed := e.person(t, p.TenantID, "Removed", "Person")
	rl := e.connect(t, removed, c.ID, orcidID(t, 40))
	want(t, "remove", e.s.RemoveLink(e.ctx, p.TenantID, rl.ID, "x"), nil) // no tokens left to reseal

	// notUnder counts the sealed values not under a key.
	notUnder := func(keyID string) int {
		t.Helper()
		prefix := []byte("v1:" + keyID + ":")
		var conds []string
		var args []any
		for _, col := range []string{"credentials.client_secret", "orcid_links.access_token",
			"orcid_links.refresh_token", "orcid_links.id_token"} {
			table, column, _ := strings.Cut(col, ".")
			conds = append(conds, fmt.Sprintf(`(SELECT count(*) FROM %s WHERE %s IS NOT NULL AND substr(%s, 1, %d) <> ?)`,
				table, column, column, len(prefix)))
			args = append(args, prefix)
		}
		var n int
		if err := e.s.DB().QueryRowContext(e.ctx, e.raw(`SELECT `+strings.Join(conds, " + ")), args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := notUnder("test2"); n != 16 { // a secret, and three tokens for each of five links
		t.Fatalf("%d values to reseal, want 16", n)
	}

	// Rotate: the server now runs with k2 primary and k1 still in the ring,
	// and the rotation runs beside it.
	ring := func() *seal.Ring { return storetest.Ring(t, storetest.Key2, storetest.Key1) }
	server, rotator := e.open(t, ring()), e.open(t, ring())
	var calls [][2]int
	n, err := rotator.ResealAll(e.ctx, 2, func(done, total int) {
		calls = append(calls, [2]int{done, total})
		if len(calls) == 1 {
			// Meanwhile the server stores new tokens for someone not
			// resealed yet: sealed with k2 already, and newer than what
			// the rotation would write.
			a := e.authorization(t, batch[3], c.ID, orcidID(t, 33))
			a.AccessToken = "fresh-from-the-server"
			if _, err := server.SaveAuthorization(e.ctx, a); err != nil {
				t.Error(err)
			}
		}
	})
	want(t, "reseal", err, nil)
	// The credential and four links; the fifth the server rewrote.
	if n != 5 || len(calls) < 3 || calls[len(calls)-1] != [2]int{5, 6} {
		t.Fatalf("resealed %d rows, progress %v", n, calls)
	}
	if n := notUnder("test2"); n != 0 {
		t.Fatalf("%d values not under the new key", n)
	}

	// The old key can go: a ring with k2 alone opens everything.
	only2 := e.open(t, storetest.Ring(t, storetest.Key2))
	got, err := only2.Link(e.ctx, p.TenantID, p.ID)
	want(t, "open with the new key alone", err, nil)
	if got.ID != l.ID || got.AccessToken != plainAccess || got.RefreshToken != plainRefresh || got.IDToken != plainIDToken {
		t.Fatalf("tokens after reseal: %+v", got)
	}
	if got, err := only2.Link(e.ctx, p.TenantID, batch[3].ID); err != nil || got.AccessToken != "fresh-from-the-server" {
		t.Fatalf("the server's write: %+v, %v", got, err)
	}
	if cr, err := only2.Credential(e.ctx, c.ID); err != nil || cr.ClientSecret != plainSecret {
		t.Fatalf("secret after reseal: %q, %v", cr.ClientSecret, err)
	}
	// And the old key alone no longer can.
	_, err = e.s.Link(e.ctx, p.TenantID, p.ID)
	want(t, "open with the old key alone", err, seal.ErrUnknownKey)

	n, err = only2.ResealAll(e.ctx, 2, nil)
	if err != nil || n != 0 {
		t.Fatalf("second reseal: %d, %v", n, err)
	}
}
