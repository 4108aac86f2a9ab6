package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/web"
)

func TestAdminPasswordHash(t *testing.T) {
	h, err := web.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=") {
		t.Errorf("hash %q is not an argon2id PHC string", h)
	}
	if h2, _ := web.HashPassword("a long enough password"); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		hash, password string
		want, wantErr  bool
	}{
		{h, "a long enough password", true, false},
		{h, "a long enough passwore", false, false},
		{h, "", false, false},
		{"", "x", false, true},
		{"$argon2i$v=19$m=65536,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{strings.Replace(h, "m=", "m=x", 1), "a long enough password", false, true},
	} {
		got, err := web.VerifyPassword(tc.hash, tc.password)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("VerifyPassword(%.30q…, %q) = %v, %v; want %v, error %v", tc.hash, tc.password, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestAdminSignInAndOut(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := env.client(t)

	form := c.get("/admin/signin")
	for _, id := range []string{`id="signin-email"`, `id="signin-password"`} {
		if !strings.Contains(form.body, id) {
			t.Errorf("sign-in form lacks %s", id)
		}
	}
	// Email case does not matter.
	c.signIn("Site@Example.org", adminTestPassword)
	dash := c.get("/admin/")
	if dash.status != http.StatusOK || !strings.Contains(dash.body, "site@example.org") {
		t.Fatalf("dashboard after sign-in: %d\n%s", dash.status, dash.body)
	}
	if !strings.Contains(dash.body, `class="admin-nav"`) {
		t.Error("dashboard lacks the admin navigation")
	}
	u, err := env.st.AdminUserByEmail(context.Background(), "site@example.org")
	if err != nil || u.LastLoginAt.IsZero() {
		t.Errorf("last sign-in not recorded: %+v, %v", u, err)
	}

	out := c.post("/admin/signout", nil)
	if out.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", out.status)
	}
	if a := c.get("/admin/"); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/signin") {
		t.Errorf("dashboard after sign-out: %d to %q, want a redirect to sign in", a.status, a.location)
	}
}

// The session cookie is a new one after sign-in (no fixation), HttpOnly,
// and Secure when the server is reached over https.
func TestAdminSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tls        bool
		wantSecure bool
	}{{"http", false, false}, {"https", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			env := newAdminEnv(t, adminEnvOptions{tls: tc.tls})
			env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
			c := env.client(t)
			signIn := func() *http.Cookie {
				t.Helper()
				req, _ := http.NewRequest(http.MethodPost, env.baseURL+"/admin/signin",
					strings.NewReader(url.Values{"email": {"site@example.org"}, "password": {adminTestPassword}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err := c.http.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				for _, ck := range resp.Cookies() {
					if ck.Name == "orcidlink_session" {
						return ck
					}
				}
				t.Fatal("sign-in set no session cookie")
				return nil
			}
			first := signIn()
			if !first.HttpOnly || first.Secure != tc.wantSecure {
				t.Errorf("session cookie HttpOnly=%v Secure=%v; want true, %v", first.HttpOnly, first.Secure, tc.wantSecure)
			}
			// Signing in again from a browser that has a session must
			// still give a new token: a token planted before sign-in
			// (session fixation) is worth nothing after.
			if second := signIn(); second.Value == first.Value {
				t.Error("session token not renewed at sign-in")
			}
		})
	}
}

// Five wrong passwords from one address lock the account for that address
// for 15 minutes: the right password is then refused from there too, with
// the same message as a wrong one or an unknown email, so the form tells
// nothing about which accounts exist. The lock is the stranger's alone:
// the administrator, from another address, signs in all the while.
func TestAdminSignInLockout(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	u := env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	const stranger, home = "203.0.113.7", "198.51.100.20"
	c := env.client(t)
	try := func(from, email, password string) adminAnswer {
		t.Helper()
		return c.postFrom(from, "/admin/signin", url.Values{"email": {email}, "password": {password}})
	}

	unknown := try(stranger, "nobody@example.org", adminTestPassword)
	if unknown.status != http.StatusUnauthorized {
		t.Fatalf("unknown email: %d, want 401", unknown.status)
	}
	for i := 1; i <= 5; i++ {
		a := try(stranger, "site@example.org", "wrong password "+string(rune('0'+i)))
		if a.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i, a.status)
		}
		if msg, want := adminSignInMessage(a.body), adminSignInMessage(unknown.body); msg != want || msg == "" {
			t.Errorf("wrong password %d says %q, unknown email says %q: they must read the same", i, msg, want)
		}
	}
	if got, err := env.st.AdminUser(context.Background(), u.ID); err != nil || got.FailedLogins != 5 || !got.LockedUntil.IsZero() {
		t.Fatalf("after 5 failures from one address: failed %d, locked until %v (%v); want 5 recorded and no lock for everyone",
			got.FailedLogins, got.LockedUntil, err)
	}
	for _, tc := range []struct {
		name, from, email string
		want              int
	}{
		{"right password from the stranger's address", stranger, "site@example.org", http.StatusUnauthorized},
		{"same email in other case from the stranger's address", stranger, "SITE@example.org", http.StatusUnauthorized},
		{"right password from the administrator's address", home, "site@example.org", http.StatusSeeOther},
	} {
		a := try(tc.from, tc.email, adminTestPassword)
		if a.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, a.status, tc.want)
		}
		if tc.want == http.StatusUnauthorized && adminSignInMessage(a.body) != adminSignInMessage(unknown.body) {
			t.Errorf("%s: a locked account answers differently from an unknown email", tc.name)
		}
	}
	if got, _ := env.st.AdminUser(context.Background(), u.ID); got.FailedLogins != 0 {
		t.Errorf("failed count after a success: %d, want 0", got.FailedLogins)
	}
	// An account an administrator locked stays locked, and reads the same.
	if err := env.st.LockAdminUser(context.Background(), u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a := env.client(t).postFrom(home, "/admin/signin", url.Values{"email": {"site@example.org"}, "password": {adminTestPassword}}); a.status != http.StatusUnauthorized || adminSignInMessage(a.body) != adminSignInMessage(unknown.body) {
		t.Errorf("locked account: %d %q, want 401 with the usual message", a.status, adminSignInMessage(a.body))
	}
}

// A flood of sign-in attempts from one address is answered 429 once its
// budget is spent, without costing a hash, while another address signs in
// as usual; a request that merely claims another address in
// X-Forwarded-For, from a peer that is not a trusted proxy, is counted as
// the peer.
func TestAdminSignInFloodThrottled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		// wantOther is what the other address gets after the flood.
		wantOther int
	}{
		{"behind a trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, http.StatusSeeOther},
		{"no trusted proxy: X-Forwarded-For is not believed", nil, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newAdminEnv(t, adminEnvOptions{trustedProxies: tc.trusted})
			env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
			flooder := env.client(t)
			var throttled, refused int
			for i := range 30 {
				a := flooder.postFrom("203.0.113.66", "/admin/signin", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)},
					"password": {"not the password"}})
				switch a.status {
				case http.StatusTooManyRequests:
					throttled++
				case http.StatusUnauthorized:
					refused++
				default:
					t.Fatalf("attempt %d: %d", i, a.status)
				}
			}
			if refused > 10 || throttled < 20 {
				t.Errorf("of 30 attempts from one address, %d were checked and %d throttled; want at most 10 checked", refused, throttled)
			}
			a := env.client(t).postFrom("198.51.100.20", "/admin/signin", url.Values{"email": {"site@example.org"}, "password": {adminTestPassword}})
			if a.status != tc.wantOther {
				t.Errorf("sign-in from another address after the flood: %d, want %d", a.status, tc.wantOther)
			}
		})
	}
}

// adminSignInMessage is the refusal shown on the sign-in form.
func adminSignInMessage(body string) string {
	_, rest, ok := strings.Cut(body, `id="signin-error">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(rest, "<")
	return msg
}

// Every admin page needs sign-in: an anonymous GET is sent to the sign-in
// form, remembering where it was going; an anonymous POST changes nothing.
func TestAdminPagesNeedSignIn(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	cred := env.addCredential(t, "Shared", "APP-0000000000000001", "s3cret-value")
	tn := env.addTenant(t, "journal", cred.ID)
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	c := env.client(t)

	paths := []string{
		"/admin/",
		"/admin/tenants",
		"/admin/tenants/new",
		"/admin/tenants/" + adminItoa(tn.ID),
		"/admin/tenants/" + adminItoa(tn.ID) + "/edit",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people?status=connected",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/new",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID),
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID) + "/edit",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID) + "/remove-id",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID) + "/delete",
		"/admin/credentials",
		"/admin/credentials/new",
		"/admin/credentials/" + adminItoa(cred.ID),
		"/admin/credentials/" + adminItoa(cred.ID) + "/edit",
		"/admin/credentials/" + adminItoa(cred.ID) + "/production",
		"/admin/outbox",
		"/admin/outbox/1",
		"/admin/outbox/1/preview",
		"/admin/users",
		"/admin/invite",
		"/admin/users/1/edit",
		"/admin/no-such-page",
	}
	for _, path := range paths {
		a := c.get(path)
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/signin") {
			t.Errorf("GET %s: %d to %q, want 303 to /admin/signin", path, a.status, a.location)
			continue
		}
		if path != "/admin/" {
			if want := "/admin/signin?next=" + url.QueryEscape(path); a.location != want {
				t.Errorf("GET %s: to %q, want %q", path, a.location, want)
			}
		}
		if strings.Contains(a.body, "Lima") || strings.Contains(a.body, "s3cret") {
			t.Errorf("GET %s: the redirect shows data", path)
		}
	}

	posts := []string{
		"/admin/tenants/new",
		"/admin/tenants/" + adminItoa(tn.ID) + "/edit",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/new",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID) + "/invite",
		"/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID) + "/delete",
		"/admin/credentials/new",
		"/admin/credentials/" + adminItoa(cred.ID) + "/reinvite",
		"/admin/invite",
	}
	for _, path := range posts {
		a := c.post(path, url.Values{"name": {"Changed"}, "slug": {"changed"}, "email": {"x@example.org"},
			"given_names": {"X"}, "send_email": {"on"}})
		if a.status != http.StatusSeeOther || a.location != "/admin/signin" {
			t.Errorf("POST %s: %d to %q, want 303 to /admin/signin", path, a.status, a.location)
		}
	}
	ctx := context.Background()
	if got, err := env.st.Person(ctx, tn.ID, p.ID); err != nil || got.GivenNames != "Ana" {
		t.Errorf("person after anonymous posts: %+v, %v", got, err)
	}
	if invs, _ := env.st.ListInvitations(ctx, tn.ID, p.ID); len(invs) != 0 {
		t.Errorf("anonymous posts created %d invitations", len(invs))
	}
	if ts, _ := env.st.ListTenants(ctx); len(ts) != 1 {
		t.Errorf("anonymous posts left %d tenants, want 1", len(ts))
	}
	if us, _ := env.st.ListAdminUsers(ctx); len(us) != 0 {
		t.Errorf("anonymous posts created %d administrators", len(us))
	}
}

// The sign-in form only ever sends people on to a page of the admin UI.
func TestAdminSignInNext(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	for _, tc := range []struct{ next, want string }{
		{"", "/admin/"},
		{"/admin/outbox", "/admin/outbox"},
		{"/admin/tenants/1/people?status=invited", "/admin/tenants/1/people?status=invited"},
		{"https://evil.example/admin/", "/admin/"},
		{"//evil.example/admin/", "/admin/"},
		{"/\\evil.example", "/admin/"},
		{"/admin/\\\\evil.example", "/admin/"},
		{"/static/style.css", "/admin/"},
	} {
		c := env.client(t)
		a := c.post("/admin/signin", url.Values{"email": {"site@example.org"}, "password": {adminTestPassword}, "next": {tc.next}})
		if a.status != http.StatusSeeOther || a.location != tc.want {
			t.Errorf("next=%q: %d to %q, want 303 to %q", tc.next, a.status, a.location, tc.want)
		}
	}
}

// A form posted from another site is refused before it reaches a handler.
func TestAdminCrossSitePostRefused(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	req, _ := http.NewRequest(http.MethodPost, env.baseURL+"/admin/invite", strings.NewReader(url.Values{
		"email": {"evil@example.org"}, "role": {"site_admin"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if a := c.do(req); a.status != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", a.status)
	}
	if invs, _ := env.st.ListAdminInvitations(context.Background(), 0); len(invs) != 0 {
		t.Error("a cross-site post invited an administrator")
	}
}
