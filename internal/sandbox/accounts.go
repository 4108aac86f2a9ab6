package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// NewResearcher is what it takes to create a record: the registration form,
// the seed file and the control API all come here.
type NewResearcher struct {
	ORCID       string `json:"orcid,omitempty"` // minted when empty
	GivenNames  string `json:"given_names"`
	FamilyNames string `json:"family_names,omitempty"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	// The researcher's own settings (account page): the visibility new
	// items get ("public" when empty), the visibility of the name
	// ("public" when empty), a credit (published) name and a biography.
	DefaultVisibility string `json:"default_visibility,omitempty"`
	NamesVisibility   string `json:"names_visibility,omitempty"`
	CreditName        string `json:"credit_name,omitempty"`
	Biography         string `json:"biography,omitempty"`
	// State, Primary and CreatedBy put the new record in a state other
	// than active (states.go); a primary record must exist already.
	State     RecordState `json:"state,omitempty"`
	Primary   string      `json:"primary,omitempty"`
	CreatedBy string      `json:"created_by,omitempty"`
	// EmailVerified says whether the email is verified: true when absent,
	// so seeded and scripted researchers can use everything at once;
	// the registration form sets false (security.go).
	EmailVerified *bool `json:"email_verified,omitempty"`
	// TwoFactorSecret, a base32 TOTP secret, creates the record with
	// two-factor sign-in on (twofactor.go), so that scripts can sign in
	// with codes computed from it.
	TwoFactorSecret string `json:"two_factor_secret,omitempty"`
}

// FieldError names the input field a problem is about, so forms and the JSON
// control API can show it next to the field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// CreateResearcher validates the input, mints an iD when none is given and
// stores the new record.
func (r *Registry) CreateResearcher(ctx context.Context, in NewResearcher) (Researcher, error) {
	in.GivenNames = strings.TrimSpace(in.GivenNames)
	in.FamilyNames = strings.TrimSpace(in.FamilyNames)
	in.Email = strings.TrimSpace(in.Email)
	switch {
	case in.GivenNames == "":
		return Researcher{}, &FieldError{"given_names", "Please enter your first/given name."}
	case !validEmail(in.Email):
		return Researcher{}, &FieldError{"email", "Please enter a valid email address."}
	case len(in.Password) < 8:
		return Researcher{}, &FieldError{"password", "Passwords must be at least 8 characters long."}
	case in.State != "" && !in.State.valid():
		return Researcher{}, &FieldError{"state", fmt.Sprintf("%q is not a record state; use one of %s", in.State, stateList())}
	}
	if in.TwoFactorSecret != "" {
		if _, err := decodeTOTPSecret(in.TwoFactorSecret); err != nil {
			return Researcher{}, &FieldError{"two_factor_secret", "must be a base32 TOTP secret, such as " + newTOTPSecret()}
		}
	}
	settings, err := checkSettings(researcherSettings{CreditName: in.CreditName, Biography: in.Biography,
		DefaultVisibility: in.DefaultVisibility, NamesVisibility: in.NamesVisibility})
	if err != nil {
		return Researcher{}, err
	}
	if _, err := r.store.ResearcherByEmail(ctx, in.Email); err == nil {
		return Researcher{}, &FieldError{"email", "An ORCID record already exists with this email address; sign in instead."}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id := in.ORCID
	if id != "" {
		parsed, err := orcid.ParseID(id)
		if err != nil {
			return Researcher{}, &FieldError{"orcid", err.Error()}
		}
		id = parsed.String()
	} else {
		var err error
		if id, err = r.mintID(ctx); err != nil {
			return Researcher{}, err
		}
	}
	now := r.now()
	res := Researcher{
		ORCID: id, GivenNames: in.GivenNames, FamilyNames: in.FamilyNames, Email: in.Email,
		PasswordHash: hashPassword(in.Password), CreatedAt: now, ModifiedAt: now,
		CreditName: settings.CreditName, Biography: settings.Biography,
		DefaultVisibility: settings.DefaultVisibility, NamesVisibility: settings.NamesVisibility,
		State: StateActive, StateChangedAt: now,
	}
	if err := r.store.CreateResearcher(ctx, res); err != nil {
		if errors.Is(err, ErrConflict) {
			return Researcher{}, &FieldError{"orcid", "the iD " + id + " is already taken"}
		}
		return Researcher{}, err
	}
	if err := r.initSecurity(ctx, id, in); err != nil {
		if derr := r.store.DeleteResearcher(ctx, id); derr != nil {
			return Researcher{}, errors.Join(err, derr)
		}
		return Researcher{}, err
	}
	res.EmailVerified = in.EmailVerified == nil || *in.EmailVerified
	res.Using2FA = in.TwoFactorSecret != ""
	if in.State != "" && in.State != StateActive || in.Primary != "" || in.CreatedBy != "" {
		// A refused state leaves no half-made record behind.
		st, err := r.SetResearcherState(ctx, id, StateChange{State: in.State, Primary: in.Primary, CreatedBy: in.CreatedBy})
		if err != nil {
			if derr := r.store.DeleteResearcher(ctx, id); derr != nil {
				return Researcher{}, errors.Join(err, derr)
			}
			return Researcher{}, err
		}
		res = st
	}
	return res, nil
}

// mintID draws an unused iD from ORCID's current range 0009-0000-0000-0000
// to 0009-0010-0000-0000, as ORCID's generation manager does.
func (r *Registry) mintID(ctx context.Context) (string, error) {
	for range 100 {
		base := fmt.Sprintf("%015d", 900000000000+randIntn(100000000))
		id, err := orcid.ComputeID(base)
		if err != nil {
			return "", err
		}
		if _, err := r.store.Researcher(ctx, id.String()); errors.Is(err, ErrNotFound) {
			return id.String(), nil
		}
	}
	return "", errors.New("sandbox: could not mint an unused iD")
}

// Authenticate checks a username (email or iD, in any form people paste)
// and password.
func (r *Registry) Authenticate(ctx context.Context, username, password string) (Researcher, error) {
	username = strings.TrimSpace(username)
	var res Researcher
	var err error
	if id, perr := orcid.ParseID(username); perr == nil {
		res, err = r.store.Researcher(ctx, id.String())
	} else {
		res, err = r.store.ResearcherByEmail(ctx, username)
	}
	if err != nil {
		return Researcher{}, errors.New("invalid email/iD or password")
	}
	// ORCID checks the record's state while loading the account, before
	// the password (OrcidUserDetailsServiceImpl.checkStatuses).
	if msg := r.signInBlocked(res); msg != "" {
		return Researcher{}, &SignInRefused{State: res.State, Message: msg}
	}
	if !checkPassword(res.PasswordHash, password) {
		return Researcher{}, errors.New("invalid email/iD or password")
	}
	return res, nil
}

// SignInRefused is the sign-in of a record whose state forbids it
// (deprecated, deactivated, unclaimed); Message is ORCID's text for it.
type SignInRefused struct {
	State   RecordState
	Message string
}

func (e *SignInRefused) Error() string { return e.Message }

// NewClient registers an API client; ids and secrets are generated when
// empty, in ORCID's shapes (APP- plus 16 characters; a UUID secret).
type NewClient struct {
	ID           string   `json:"client_id,omitempty"`
	Secret       string   `json:"client_secret,omitempty"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Website      string   `json:"website,omitempty"`
	RedirectURIs []string `json:"redirect_uris"`
	Type         string   `json:"type,omitempty"` // member (default) or public
	Premium      bool     `json:"premium,omitempty"`
	// GroupIDRecords asks for what ORCID enables on request: the
	// two-legged /group-id-record/read and /group-id-record/update scopes
	// (member clients only).
	GroupIDRecords bool `json:"group_id_records,omitempty"`
}

// CreateClient validates and stores a client. With upsert, an existing
// client of the same id is replaced (seeding is idempotent).
func (r *Registry) CreateClient(ctx context.Context, in NewClient, upsert bool) (Client, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Type == "" {
		in.Type = "member"
	}
	if in.Name == "" {
		return Client{}, &FieldError{"name", "a client needs a name: ORCID shows it to researchers"}
	}
	if in.Type != "member" && in.Type != "public" {
		return Client{}, &FieldError{"type", `must be "member" or "public"`}
	}
	if in.Premium && in.Type != "member" {
		return Client{}, &FieldError{"premium", "only member clients can be premium"}
	}
	if in.GroupIDRecords && in.Type != "member" {
		return Client{}, &FieldError{"group_id_records", "only member clients can manage group-id-records"}
	}
	if len(in.RedirectURIs) == 0 {
		return Client{}, &FieldError{"redirect_uris", "At least one redirect_uri must be registered with the client."}
	}
	for _, u := range in.RedirectURIs {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || p.Scheme == "" || p.Host == "" {
			return Client{}, &FieldError{"redirect_uris", fmt.Sprintf("%q is not an absolute URL", u)}
		}
	}
	if in.ID == "" {
		in.ID = "APP-" + randomString(16, upperNum)
	}
	if in.Secret == "" {
		in.Secret = newUUID()
	}
	c := Client{ID: in.ID, Secret: in.Secret, Name: in.Name, Description: in.Description, Website: in.Website,
		RedirectURIs: in.RedirectURIs, Type: in.Type, Premium: in.Premium, GroupIDRecords: in.GroupIDRecords, CreatedAt: r.now()}
	var err error
	if upsert {
		err = r.store.UpsertClient(ctx, c)
	} else {
		err = r.store.CreateClient(ctx, c)
	}
	if errors.Is(err, ErrConflict) {
		return Client{}, &FieldError{"client_id", "a client with this id already exists"}
	}
	return c, err
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

// newUUID returns a random (version 4) UUID, the shape of ORCID's tokens.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Argon2id with modest costs: these are sandbox passwords, and tests create
// many accounts.
const (
	argonTime    = 1
	argonMemory  = 8 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
