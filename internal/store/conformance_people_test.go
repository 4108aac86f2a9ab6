package store_test

import (
	"bytes"
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

func testPeople(t *testing.T, e *env) {
	c := e.credential(t, "APP-P")
	tn := e.tenant(t, "people", c.ID)
	p, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: " Ada ", FamilyNames: "Lovelace",
		Email: "Ada@Example.org", ExternalRef: "author-1", Language: "en"})
	want(t, "create", err, nil)
	if p.GivenNames != "Ada" || p.ExternalRef != "author-1" || p.TenantID != tn.ID {
		t.Fatalf("created %+v", p)
	}
	got, err := e.s.Person(e.ctx, tn.ID, p.ID)
	want(t, "read", err, nil)
	if got != p {
		t.Fatalf("read %+v, want %+v", got, p)
	}
	if got, err := e.s.PersonByEmail(e.ctx, tn.ID, "ada@EXAMPLE.org"); err != nil || got.ID != p.ID {
		t.Fatalf("by email, other case: %+v, %v", got, err)
	}
	if got, err := e.s.PersonByExternalRef(e.ctx, tn.ID, "author-1"); err != nil || got.ID != p.ID {
		t.Fatalf("by reference: %+v, %v", got, err)
	}
	_, err = e.s.PersonByExternalRef(e.ctx, tn.ID, "")
	want(t, "empty reference finds no one", err, store.ErrNotFound)

	for _, tc := range []struct {
		name   string
		p      store.Person
		target error
	}{
		{"same email, other case", store.Person{GivenNames: "A", Email: "ADA@example.org"}, store.ErrConflict},
		{"same reference", store.Person{GivenNames: "B", Email: "b@example.org", ExternalRef: "author-1"}, store.ErrConflict},
		{"no reference", store.Person{GivenNames: "C", Email: "c@example.org"}, nil},
		{"no reference either", store.Person{GivenNames: "D", Email: "d@example.org"}, nil},
		{"no name", store.Person{Email: "e@example.org"}, store.ErrInvalid},
		{"bad email", store.Person{GivenNames: "F", Email: "not-an-email"}, store.ErrInvalid},
		{"missing tenant", store.Person{TenantID: 9999, GivenNames: "G", Email: "g@example.org"}, store.ErrNotFound},
	} {
		if tc.p.TenantID == 0 {
			tc.p.TenantID = tn.ID
		}
		_, err := e.s.CreatePerson(e.ctx, tc.p)
		want(t, tc.name, err, tc.target)
	}
	// The same email in another tenant is another person.
	other := e.tenant(t, "other", c.ID)
	_, err = e.s.CreatePerson(e.ctx, store.Person{TenantID: other.ID, GivenNames: "Ada", Email: "ada@example.org",
		ExternalRef: "author-1"})
	want(t, "same email and reference in another tenant", err, nil)

	e.clock.Add(time.Minute)
	p.FamilyNames, p.ExternalRef = "King", ""
	upd, err := e.s.UpdatePerson(e.ctx, p)
	want(t, "update", err, nil)
	if upd.FamilyNames != "King" || upd.ExternalRef != "" || !upd.UpdatedAt.After(upd.CreatedAt) {
		t.Fatalf("updated %+v", upd)
	}
	p.Email = "c@example.org"
	_, err = e.s.UpdatePerson(e.ctx, p)
	want(t, "update to a taken email", err, store.ErrConflict)
	want(t, "delete", e.s.DeletePerson(e.ctx, tn.ID, p.ID), nil)
	_, err = e.s.Person(e.ctx, tn.ID, p.ID)
	want(t, "read deleted", err, store.ErrNotFound)
	want(t, "delete again", e.s.DeletePerson(e.ctx, tn.ID, p.ID), store.ErrNotFound)
}

// testTenantIsolation: a person of tenant A is out of reach through tenant
// B's id, whatever the method, and nothing of A changes on the way.
func testTenantIsolation(t *testing.T, e *env) {
	c := e.credential(t, "APP-ISO")
	a, b := e.tenant(t, "tenant-a", c.ID), e.tenant(t, "tenant-b", c.ID)
	pa, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: a.ID, GivenNames: "Ann", FamilyNames: "A",
		Email: "ann@example.org", ExternalRef: "ref-a"})
	want(t, "person", err, nil)
	id := orcidID(t, 1)
	link := e.connect(t, pa, c.ID, id)
	inv, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: a.ID, PersonID: pa.ID,
		ExpiresAt: e.clock.Now().Add(time.Hour), CreatedBy: "system"})
	want(t, "invitation", err, nil)
	_, err = e.s.AppendCall(e.ctx, store.Call{TenantID: a.ID, PersonID: pa.ID, CredentialID: c.ID, Method: "GET", URL: "u"})
	want(t, "call", err, nil)
	_, err = e.s.AppendAudit(e.ctx, store.AuditEvent{TenantID: a.ID, PersonID: pa.ID, Actor: "system", Action: "x"})
	want(t, "audit", err, nil)

	at := e.clock.Now()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Person", func() error { _, err := e.s.Person(e.ctx, b.ID, pa.ID); return err }},
		{"PersonByEmail", func() error { _, err := e.s.PersonByEmail(e.ctx, b.ID, pa.Email); return err }},
		{"PersonByExternalRef", func() error { _, err := e.s.PersonByExternalRef(e.ctx, b.ID, "ref-a"); return err }},
		{"UpdatePerson", func() error {
			p := pa
			p.TenantID, p.GivenNames = b.ID, "Mallory"
			_, err := e.s.UpdatePerson(e.ctx, p)
			return err
		}},
		{"DeletePerson", func() error { return e.s.DeletePerson(e.ctx, b.ID, pa.ID) }},
		{"Link", func() error { _, err := e.s.Link(e.ctx, b.ID, pa.ID); return err }},
		{"LinkByID", func() error { _, err := e.s.LinkByID(e.ctx, b.ID, link.ID); return err }},
		{"LinkByORCID", func() error { _, err := e.s.LinkByORCID(e.ctx, b.ID, id); return err }},
		{"SaveAuthorization", func() error {
			auth := e.authorization(t, pa, c.ID, orcidID(t, 2))
			auth.TenantID = b.ID
			_, err := e.s.SaveAuthorization(e.ctx, auth)
			return err
		}},
		{"RemoveLink", func() error { return e.s.RemoveLink(e.ctx, b.ID, link.ID, "x") }},
		{"CreateInvitation", func() error {
			_, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: b.ID, PersonID: pa.ID, ExpiresAt: at.Add(time.Hour)})
			return err
		}},
		{"Invitation", func() error { _, err := e.s.Invitation(e.ctx, b.ID, inv.ID); return err }},
		{"MarkInvitationSent", func() error { return e.s.MarkInvitationSent(e.ctx, b.ID, inv.ID, at) }},
		{"MarkInvitationOpened", func() error { return e.s.MarkInvitationOpened(e.ctx, b.ID, inv.ID, at) }},
		{"SetInvitationState", func() error {
			return e.s.SetInvitationState(e.ctx, b.ID, inv.ID, store.InvitationCancelled)
		}},
		{"AppendAudit", func() error {
			_, err := e.s.AppendAudit(e.ctx, store.AuditEvent{TenantID: b.ID, PersonID: pa.ID, Actor: "system", Action: "x"})
			return err
		}},
		{"AppendCall", func() error {
			_, err := e.s.AppendCall(e.ctx, store.Call{TenantID: b.ID, PersonID: pa.ID, CredentialID: c.ID, Method: "GET", URL: "u"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { want(t, tc.name, tc.call(), store.ErrNotFound) })
	}
	for _, tc := range []struct {
		name string
		list func() (int, error)
	}{
		{"LinksOfPerson", func() (int, error) { l, err := e.s.LinksOfPerson(e.ctx, b.ID, pa.ID); return len(l), err }},
		{"ListInvitations", func() (int, error) { l, err := e.s.ListInvitations(e.ctx, b.ID, pa.ID); return len(l), err }},
		{"ListCalls", func() (int, error) { l, err := e.s.ListCalls(e.ctx, b.ID, pa.ID, 0); return len(l), err }},
		{"ListAudit", func() (int, error) { l, err := e.s.ListAudit(e.ctx, b.ID, pa.ID, 0); return len(l), err }},
		{"ListPeople", func() (int, error) {
			pg, err := e.s.ListPeople(e.ctx, b.ID, store.PeopleQuery{})
			return len(pg.People), err
		}},
	} {
		if n, err := tc.list(); err != nil || n != 0 {
			t.Errorf("%s through tenant B: %d rows, %v", tc.name, n, err)
		}
	}

	// A is intact.
	if got, err := e.s.Person(e.ctx, a.ID, pa.ID); err != nil || got != pa {
		t.Fatalf("person of A: %+v, %v", got, err)
	}
	if got, err := e.s.Link(e.ctx, a.ID, pa.ID); err != nil || got.State != store.LinkConnected || got.ORCID != id {
		t.Fatalf("link of A: %+v, %v", got, err)
	}
	if got, err := e.s.Invitation(e.ctx, a.ID, inv.ID); err != nil || got.State != store.InvitationPending ||
		!got.SentAt.IsZero() || !got.OpenedAt.IsZero() {
		t.Fatalf("invitation of A: %+v, %v", got, err)
	}
}

func testInvitations(t *testing.T, e *env) {
	c := e.credential(t, "APP-I")
	tn := e.tenant(t, "invites", c.ID)
	p := e.person(t, tn.ID, "Ivy", "Invited")
	exp := e.clock.Now().Add(14 * 24 * time.Hour)
	inv, token, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
		Scopes: []string{"/read-limited", "/activities/update"}, ExpiresAt: exp, CreatedBy: store.ActorAdmin(3)})
	want(t, "create", err, nil)
	if len(token) < 20 || inv.State != store.InvitationPending || inv.CreatedBy != "admin:3" || len(inv.Scopes) != 2 ||
		!inv.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || !inv.Usable(e.clock.Now()) || inv.Usable(exp) {
		t.Fatalf("created %+v, token %q", inv, token)
	}
	// Only the hash is stored.
	hash := e.rawBytes(t, `SELECT token_hash FROM invitations WHERE id = ?`, inv.ID)
	if bytes.Contains(hash, []byte(token)) || len(hash) != 32 {
		t.Fatalf("token_hash = %q", hash)
	}
	got, err := e.s.InvitationByToken(e.ctx, token)
	want(t, "by token", err, nil)
	if got.ID != inv.ID || got.TenantID != tn.ID || got.PersonID != p.ID {
		t.Fatalf("by token %+v", got)
	}
	for _, bad := range []string{"", token + "x", strings.ToUpper(token[:1]) + token[1:] + "Z"} {
		_, err := e.s.InvitationByToken(e.ctx, bad)
		want(t, "wrong token "+bad, err, store.ErrNotFound)
	}
	_, other, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID, ExpiresAt: exp})
	want(t, "second invitation", err, nil)
	if other == token {
		t.Fatal("two invitations share a token")
	}
	_, _, err = e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID})
	want(t, "no expiry", err, store.ErrInvalid)

	sent, opened := e.clock.Now().Add(time.Minute), e.clock.Now().Add(time.Hour)
	want(t, "sent", e.s.MarkInvitationSent(e.ctx, tn.ID, inv.ID, sent), nil)
	want(t, "opened", e.s.MarkInvitationOpened(e.ctx, tn.ID, inv.ID, opened), nil)
	want(t, "opened again", e.s.MarkInvitationOpened(e.ctx, tn.ID, inv.ID, opened.Add(time.Hour)), nil)
	want(t, "denied", e.s.SetInvitationState(e.ctx, tn.ID, inv.ID, store.InvitationDenied), nil)
	want(t, "bogus state", e.s.SetInvitationState(e.ctx, tn.ID, inv.ID, "maybe"), store.ErrInvalid)
	want(t, "missing", e.s.SetInvitationState(e.ctx, tn.ID, 9999, store.InvitationCancelled), store.ErrNotFound)
	got, err = e.s.Invitation(e.ctx, tn.ID, inv.ID)
	want(t, "read", err, nil)
	if !got.SentAt.Equal(sent.Truncate(time.Microsecond)) || !got.OpenedAt.Equal(opened.Truncate(time.Microsecond)) ||
		got.State != store.InvitationDenied || !got.Usable(e.clock.Now()) {
		t.Fatalf("read %+v", got)
	}
	list, err := e.s.ListInvitations(e.ctx, tn.ID, p.ID)
	want(t, "list", err, nil)
	if len(list) != 2 || list[0].ID <= list[1].ID {
		t.Fatalf("list %+v", list)
	}
}

func testOAuthStates(t *testing.T, e *env) {
	c := e.credential(t, "APP-S")
	tn := e.tenant(t, "states", c.ID)
	p := e.person(t, tn.ID, "Sam", "State")
	inv, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
		ExpiresAt: e.clock.Now().Add(time.Hour)})
	want(t, "invitation", err, nil)
	newState := func() string {
		t.Helper()
		raw, err := e.s.CreateState(e.ctx, store.NewOAuthState{InvitationID: inv.ID, SessionBinding: "session-1",
			Nonce: "n-123", ExpiresAt: e.clock.Now().Add(10 * time.Minute)})
		want(t, "create state", err, nil)
		return raw
	}

	raw := newState()
	now := e.clock.Now().Add(time.Minute)
	_, err = e.s.ConsumeState(e.ctx, raw, "session-2", now)
	want(t, "wrong session", err, store.ErrStateWrongSession)
	st, err := e.s.ConsumeState(e.ctx, raw, "session-1", now)
	want(t, "consume", err, nil)
	if st.InvitationID != inv.ID || st.TenantID != tn.ID || st.PersonID != p.ID || st.Nonce != "n-123" ||
		!st.UsedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("consumed %+v", st)
	}
	_, err = e.s.ConsumeState(e.ctx, raw, "session-1", now)
	want(t, "replayed", err, store.ErrStateReplayed)

	expired := newState()
	_, err = e.s.ConsumeState(e.ctx, expired, "session-1", e.clock.Now().Add(10*time.Minute))
	want(t, "expired", err, store.ErrStateExpired)
	_, err = e.s.ConsumeState(e.ctx, "never-issued", "session-1", now)
	want(t, "forged", err, store.ErrNotFound)
	_, err = e.s.CreateState(e.ctx, store.NewOAuthState{InvitationID: 9999, SessionBinding: "s", ExpiresAt: now})
	want(t, "unknown invitation", err, store.ErrNotFound)
	_, err = e.s.CreateState(e.ctx, store.NewOAuthState{InvitationID: inv.ID, ExpiresAt: now})
	want(t, "no session binding", err, store.ErrInvalid)

	// Racing callbacks with one state: exactly one wins.
	racing := newState()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.s.ConsumeState(e.ctx, racing, "session-1", now)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrStateReplayed):
			t.Fatalf("racing consume: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d callbacks won the race", wins)
	}

	n, err := e.s.DeleteExpiredStates(e.ctx, e.clock.Now().Add(time.Hour))
	want(t, "delete expired", err, nil)
	if n != 3 {
		t.Fatalf("deleted %d states, want 3", n)
	}
}

// testPeopleList: every person exactly once across pages, in order, with
// and without filters, even when people are added between pages.
func testPeopleList(t *testing.T, e *env) {
	c := e.credential(t, "APP-LIST")
	tn, other := e.tenant(t, "list", c.ID), e.tenant(t, "list-other", c.ID)
	e.person(t, other.ID, "Not", "Mine")
	names := [][2]string{
		{"Ana", "García"}, {"Zoë", "Müller"}, {"Li", "Wei"}, {"Wei", "Li"}, {"Ólafur", "Arnalds"}, {"Ann", "Smith"},
		{"Anne", "Smith"}, {"Bob", "smith"}, {"Ñusta", "Quispe"}, {"Jean-Luc", "Émile"}, {"Ada", "Lovelace"},
		{"Alan", "Turing"}, {"Grace", "Hopper"}, {"Edsger", "Dijkstra"}, {"Barbara", "Liskov"}, {"Donald", "Knuth"},
		{"Frances", "Allen"}, {"Ken", "Thompson"}, {"Dennis", "Ritchie"}, {"Radia", "Perlman"}, {"Hedy", "Lamarr"},
		{"Katherine", "Johnson"}, {"100%", "Under_score"},
	}
	people := map[int64]store.Person{}
	for i, n := range names {
		p := e.person(t, tn.ID, n[0], n[1])
		people[p.ID] = p
		if i%4 == 0 {
			e.connect(t, p, c.ID, orcidID(t, 100+i))
		}
	}

	// walk reads every page and checks each person comes once, in order.
	walk := func(q store.PeopleQuery, during func(page int)) []store.PersonListItem {
		t.Helper()
		var all []store.PersonListItem
		seen := map[int64]bool{}
		for page := 0; ; page++ {
			pg, err := e.s.ListPeople(e.ctx, tn.ID, q)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if len(pg.People) > q.Limit || (pg.Next != "" && len(pg.People) != q.Limit) {
				t.Fatalf("page %d has %d people, limit %d, next %q", page, len(pg.People), q.Limit, pg.Next)
			}
			for _, it := range pg.People {
				if seen[it.ID] {
					t.Fatalf("person %d (%s) came twice", it.ID, it.FamilyNames)
				}
				seen[it.ID] = true
				all = append(all, it)
			}
			if pg.Next == "" {
				break
			}
			if during != nil {
				during(page)
			}
			q.Cursor = pg.Next
		}
		for i := 1; i < len(all); i++ {
			prev, cur := strings.ToLower(all[i-1].FamilyNames), strings.ToLower(all[i].FamilyNames)
			if prev > cur {
				t.Fatalf("out of order: %q before %q", all[i-1].FamilyNames, all[i].FamilyNames)
			}
		}
		return all
	}

	all := walk(store.PeopleQuery{Limit: 5}, nil)
	if len(all) != len(names) {
		t.Fatalf("listed %d of %d people", len(all), len(names))
	}
	for _, it := range all {
		if it.TenantID != tn.ID || people[it.ID] != it.Person {
			t.Fatalf("listed %+v", it)
		}
		// The export lists what a connected person granted and when.
		connected := it.Status == store.StatusConnected
		if connected != (len(it.Scopes) > 0) || connected != !it.ConnectedAt.IsZero() {
			t.Errorf("%s (%s): scopes %v, connected at %v", it.FamilyNames, it.Status, it.Scopes, it.ConnectedAt)
		}
	}

	// People added behind the cursor while paging do not shift the pages.
	added := 0
	all = walk(store.PeopleQuery{Limit: 4}, func(page int) {
		if page < 2 {
			e.person(t, tn.ID, "Early", "Aaron"+strconv.Itoa(page)) // sorts first
			added++
		}
	})
	if len(all) != len(names) {
		t.Fatalf("while adding: listed %d, want the %d there at the start", len(all), len(names))
	}

	for _, tc := range []struct {
		search string
		status store.PersonStatus
		want   int
	}{
		{search: "smith", want: 3},
		{search: "SMITH ann", want: 2},    // every word, any case
		{search: "müller", want: 1},       // Unicode case folding ...
		{search: "MÜLLER", want: 1},       // ... on both engines
		{search: "ÉMILE", want: 1},        //
		{search: "ñusta", want: 1},        //
		{search: "example.org", want: 25}, // emails are searched too
		{search: "100%", want: 1},         // LIKE wildcards match themselves
		{search: "_", want: 1},            //
		{search: "nobody", want: 0},
		{status: store.StatusConnected, want: 6},
		{status: store.StatusNone, want: 19},
		{search: "hopper", status: store.StatusConnected, want: 1},
		{search: "smith", status: store.StatusConnected, want: 0},
		{search: string(orcidID(t, 100)), want: 1},                 // an iD, as a researcher quotes it
		{search: testEnv.IDURI(orcidID(t, 104)), want: 1},          // or its URI
		{search: "1825-1", status: store.StatusConnected, want: 6}, // part of every iD given above
		{search: string(orcidID(t, 101)), want: 0},                 // nobody has this one
	} {
		got := walk(store.PeopleQuery{Limit: 2, Search: tc.search, Status: tc.status}, nil)
		if len(got) != tc.want {
			t.Errorf("search %q status %q: %d people, want %d", tc.search, tc.status, len(got), tc.want)
		}
		for _, it := range got {
			if tc.status != "" && it.Status != tc.status {
				t.Errorf("status filter %q returned %q", tc.status, it.Status)
			}
		}
	}
	_, err := e.s.ListPeople(e.ctx, tn.ID, store.PeopleQuery{Cursor: "garbage"})
	want(t, "bad cursor", err, store.ErrInvalid)
	_, err = e.s.ListPeople(e.ctx, tn.ID, store.PeopleQuery{Status: "famous"})
	want(t, "bad status", err, store.ErrInvalid)
}

func testPersonStatus(t *testing.T, e *env) {
	c := e.credential(t, "APP-ST")
	tn := e.tenant(t, "status", c.ID)
	exp := e.clock.Now().Add(time.Hour)
	invite := func(p store.Person, expires time.Time) store.Invitation {
		t.Helper()
		inv, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID, ExpiresAt: expires})
		want(t, "invite", err, nil)
		return inv
	}
	wantStatus := map[int64]store.PersonStatus{}
	none := e.person(t, tn.ID, "No", "One")
	wantStatus[none.ID] = store.StatusNone

	invited := e.person(t, tn.ID, "In", "Vited")
	invite(invited, exp)
	wantStatus[invited.ID] = store.StatusInvited

	expired := e.person(t, tn.ID, "Ex", "Pired")
	invite(expired, e.clock.Now().Add(-time.Minute))
	wantStatus[expired.ID] = store.StatusNone

	denied := e.person(t, tn.ID, "De", "Nied")
	inv := invite(denied, exp)
	want(t, "deny", e.s.SetInvitationState(e.ctx, tn.ID, inv.ID, store.InvitationDenied), nil)
	wantStatus[denied.ID] = store.StatusDenied

	reinvited := e.person(t, tn.ID, "Re", "Invited")
	inv = invite(reinvited, exp)
	want(t, "deny", e.s.SetInvitationState(e.ctx, tn.ID, inv.ID, store.InvitationDenied), nil)
	invite(reinvited, exp)
	wantStatus[reinvited.ID] = store.StatusInvited

	connected := e.person(t, tn.ID, "Con", "Nected")
	invite(connected, exp)
	e.connect(t, connected, c.ID, orcidID(t, 1))
	wantStatus[connected.ID] = store.StatusConnected

	revoked := e.person(t, tn.ID, "Re", "Voked")
	l := e.connect(t, revoked, c.ID, orcidID(t, 2))
	want(t, "revoke", e.s.MarkLinkRevoked(e.ctx, l.ID, "401"), nil)
	wantStatus[revoked.ID] = store.StatusRevoked

	removed := e.person(t, tn.ID, "Re", "Moved")
	l = e.connect(t, removed, c.ID, orcidID(t, 3))
	want(t, "remove", e.s.RemoveLink(e.ctx, tn.ID, l.ID, "admin"), nil)
	wantStatus[removed.ID] = store.StatusRemoved

	pg, err := e.s.ListPeople(e.ctx, tn.ID, store.PeopleQuery{})
	want(t, "list", err, nil)
	for _, it := range pg.People {
		if it.Status != wantStatus[it.ID] {
			t.Errorf("%s %s: status %q, want %q", it.GivenNames, it.FamilyNames, it.Status, wantStatus[it.ID])
		}
		if (it.Status == store.StatusConnected || it.Status == store.StatusRevoked) != (it.ORCIDURI != "") {
			t.Errorf("%s %s: iD %q with status %q", it.GivenNames, it.FamilyNames, it.ORCIDURI, it.Status)
		}
	}
	if len(pg.People) != len(wantStatus) {
		t.Fatalf("listed %d people", len(pg.People))
	}
	// One person's status (their page, the REST API) is the list's.
	for _, it := range pg.People {
		one, err := e.s.PersonWithStatus(e.ctx, tn.ID, it.ID)
		want(t, "person with status", err, nil)
		if one.Status != it.Status || one.ORCIDURI != it.ORCIDURI || one.Person != it.Person {
			t.Errorf("%s %s alone: %q %q, in the list: %q %q", it.GivenNames, it.FamilyNames, one.Status, one.ORCIDURI,
				it.Status, it.ORCIDURI)
		}
	}
	// The counts agree with the list, and see no other tenant.
	elsewhere := e.person(t, e.tenant(t, "status-other", c.ID).ID, "Else", "Where")
	_, err = e.s.PersonWithStatus(e.ctx, tn.ID, elsewhere.ID)
	want(t, "another tenant's person", err, store.ErrNotFound)
	counts, err := e.s.CountPeople(e.ctx, tn.ID)
	want(t, "count", err, nil)
	wantCounts := map[store.PersonStatus]int{}
	for _, st := range wantStatus {
		wantCounts[st]++
	}
	if !maps.Equal(counts, wantCounts) {
		t.Errorf("counts %v, want %v", counts, wantCounts)
	}
}
