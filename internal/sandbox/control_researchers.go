package sandbox

import (
	"errors"
	"net/http"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// researcherJSON is a researcher as the control API and the developer
// tools show it: identity, settings and state, never the password.
type researcherJSON struct {
	ORCID             string      `json:"orcid"`
	URI               string      `json:"uri"`
	GivenNames        string      `json:"given_names"`
	FamilyNames       string      `json:"family_names"`
	CreditName        string      `json:"credit_name"`
	Email             string      `json:"email"`
	Biography         string      `json:"biography"`
	DefaultVisibility string      `json:"default_visibility"`
	NamesVisibility   string      `json:"names_visibility"`
	State             RecordState `json:"state"`
	Primary           string      `json:"primary,omitempty"`
	CreatedBy         string      `json:"created_by,omitempty"`
	StateChangedAt    *time.Time  `json:"state_changed_at,omitempty"`
	// EmailVerified and TwoFactor: whether the email is verified and
	// whether signing in asks for a second factor (security.go).
	EmailVerified bool `json:"email_verified"`
	TwoFactor     bool `json:"two_factor"`
}

func (r *Registry) researcherJSON(x Researcher) researcherJSON {
	j := researcherJSON{ORCID: x.ORCID, URI: r.IDURI(x.ORCID), GivenNames: x.GivenNames, FamilyNames: x.FamilyNames,
		CreditName: x.CreditName, Email: x.Email, Biography: x.Biography, DefaultVisibility: x.DefaultVisibility,
		NamesVisibility: x.NamesVisibility, State: x.State, Primary: x.PrimaryORCID, CreatedBy: x.CreatedByClient,
		EmailVerified: x.EmailVerified, TwoFactor: x.Using2FA}
	if x.State != StateActive {
		t := x.StateChangedAt
		j.StateChangedAt = &t
	}
	return j
}

// ctlResearcherID reads the {orcid} of the path in any form people paste.
func (r *Registry) ctlResearcherID(w http.ResponseWriter, req *http.Request) (string, bool) {
	id, err := orcid.ParseID(req.PathValue("orcid"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, ctlError{Error: "no such researcher: " + err.Error()})
		return "", false
	}
	return id.String(), true
}

// ctlFailResearcher is ctlFail with 404 for an unknown record.
func (r *Registry) ctlFailResearcher(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, ctlError{Error: err.Error()})
		return
	}
	r.ctlFail(w, err)
}

// ctlSetResearcherState is PUT /_sandbox/researchers/{orcid}/state.
func (r *Registry) ctlSetResearcherState(w http.ResponseWriter, req *http.Request) {
	id, ok := r.ctlResearcherID(w, req)
	if !ok {
		return
	}
	var in StateChange
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	res, err := r.SetResearcherState(req.Context(), id, in)
	if err != nil {
		r.ctlFailResearcher(w, err)
		return
	}
	writeJSON(w, http.StatusOK, r.researcherJSON(res))
}

// ctlUpdateResearcher is PATCH /_sandbox/researchers/{orcid}: the
// researcher's settings (default visibility, name visibility, credit name,
// biography).
func (r *Registry) ctlUpdateResearcher(w http.ResponseWriter, req *http.Request) {
	id, ok := r.ctlResearcherID(w, req)
	if !ok {
		return
	}
	var in SettingsChange
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	res, err := r.UpdateResearcherSettings(req.Context(), id, in)
	if err != nil {
		r.ctlFailResearcher(w, err)
		return
	}
	writeJSON(w, http.StatusOK, r.researcherJSON(res))
}
