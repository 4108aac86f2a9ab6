package sandbox

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// SettingsChange is the body of PATCH /_sandbox/researchers/{orcid}: the
// settings the researcher also changes on the account page. Absent fields
// stay as they are.
type SettingsChange struct {
	DefaultVisibility *string `json:"default_visibility,omitempty"`
	NamesVisibility   *string `json:"names_visibility,omitempty"`
	CreditName        *string `json:"credit_name,omitempty"`
	Biography         *string `json:"biography,omitempty"`
	// EmailVerified marks the email verified or not (control API only:
	// the researcher verifies by following the emailed link).
	EmailVerified *bool `json:"email_verified,omitempty"`
}

// maxBiography is the limit of ORCID's biography form
// (BaseController.validateBiography, message
// Length.changePersonalInfoForm.biography).
const maxBiography = 5000

// checkSettings validates and normalises the researcher's settings: a
// visibility is public, limited or private (any case; public when empty),
// names are trimmed.
func checkSettings(in researcherSettings) (researcherSettings, error) {
	norm := func(field, v string) (string, error) {
		v = strings.ToLower(strings.TrimSpace(v))
		switch orcid.Visibility(v) {
		case "":
			return string(orcid.VisibilityPublic), nil
		case orcid.VisibilityPublic, orcid.VisibilityLimited, orcid.VisibilityPrivate:
			return v, nil
		}
		return "", &FieldError{field, `must be "public", "limited" or "private"`}
	}
	var err error
	if in.DefaultVisibility, err = norm("default_visibility", in.DefaultVisibility); err != nil {
		return in, err
	}
	if in.NamesVisibility, err = norm("names_visibility", in.NamesVisibility); err != nil {
		return in, err
	}
	in.CreditName = strings.TrimSpace(in.CreditName)
	in.Biography = strings.TrimSpace(in.Biography)
	if utf8.RuneCountInString(in.Biography) > maxBiography {
		return in, &FieldError{"biography", "The maximum length for biography is 5000 characters, including line breaks"}
	}
	return in, nil
}

// UpdateResearcherSettings applies a settings change to a record. What a
// client already wrote keeps its visibility: the default applies to items
// added afterwards, as on ORCID.
func (r *Registry) UpdateResearcherSettings(ctx context.Context, orcidID string, ch SettingsChange) (Researcher, error) {
	res, err := r.store.Researcher(ctx, orcidID)
	if err != nil {
		return res, err
	}
	in := researcherSettings{CreditName: res.CreditName, Biography: res.Biography,
		DefaultVisibility: res.DefaultVisibility, NamesVisibility: res.NamesVisibility}
	if ch.DefaultVisibility != nil {
		in.DefaultVisibility = *ch.DefaultVisibility
	}
	if ch.NamesVisibility != nil {
		in.NamesVisibility = *ch.NamesVisibility
	}
	if ch.CreditName != nil {
		in.CreditName = *ch.CreditName
	}
	if ch.Biography != nil {
		in.Biography = *ch.Biography
	}
	if in, err = checkSettings(in); err != nil {
		return res, err
	}
	if err := r.store.UpdateResearcherSettings(ctx, res.ORCID, in, r.now()); err != nil {
		return res, err
	}
	if ch.EmailVerified != nil {
		if err := r.store.setEmailVerified(ctx, res.ORCID, *ch.EmailVerified, unix(r.now())); err != nil {
			return res, err
		}
	}
	return r.store.Researcher(ctx, res.ORCID)
}
