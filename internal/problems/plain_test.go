package problems

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestExplain: ORCID's messages, as the worker stores them, get the plain
// reason an editor understands; every reason can be found by its key (the
// failed list's filter), and an unknown message is "other", not a guess.
func TestExplain(t *testing.T) {
	for _, tc := range []struct{ msg, key string }{
		{"409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code 12.", "duplicate"},
		{"403 Forbidden: You are not the source of the work, so you are not allowed to update it.", "not-source"},
		{"403 Forbidden: Insufficient or wrong scope.", "permission"},
		{"missing the ORCID permission /activities/update", "permission"},
		{"400 Bad Request: Invalid activity, a title is required.", "title"},
		{"400 Bad Request: Invalid activity, an external identifier is required.", "identifier"},
		{"400 Bad request: disambiguated-organization must be present and valid", "organisation"},
		{"400 Bad Request: The group you are trying to access does not exist, you may need to create it.", "review-group"},
		{"400 Bad request: invalid date: 2024-13-40 ", "date"},
		{"400 Bad Request: End date must come after start date.", "date"},
		{"400 Bad Request: invalid ISSN", "issn"},
		{"409 Conflict: The maximum number of works that can be connected to an ORCID record is 10,000", "too-many-works"},
		{"409 Conflict: The ORCID record is locked and cannot be edited.", "record-locked"},
		{"ORCID POST http://127.0.0.1/v3.0/0009-0000-0000-0001/work: 503: Service Unavailable", "unavailable"},
		{"ORCID POST http://127.0.0.1/v3.0/0009-0000-0000-0001/work: 400: Bad Request", "invalid"},
		{"ORCID POST http://127.0.0.1/oauth/token: 401 (unauthorized_client): Bad client credentials", "credential"},
		{"ORCID PUT http://127.0.0.1/v3.0/x/work/1: 401: Unauthorized", "authorization"},
		{"Something nobody foresaw", "other"},
		{"", "other"},
	} {
		r := Explain(tc.msg)
		if r.Key != tc.key {
			t.Errorf("Explain(%q) = %q (%s), want %q", tc.msg, r.Key, r.Text, tc.key)
		}
		if r.Text == "" {
			t.Errorf("Explain(%q) has no words", tc.msg)
		}
		if back, ok := ReasonByKey(r.Key); !ok || back != r {
			t.Errorf("ReasonByKey(%q) = %+v %v", r.Key, back, ok)
		}
	}
	if _, ok := ReasonByKey("no-such-reason"); ok {
		t.Error("an unknown key names a reason")
	}
}

// TestGroupFailures: messages that mean the same are counted together,
// most frequent first, keeping a few of ORCID's messages.
func TestGroupFailures(t *testing.T) {
	got, total := groupFailures([]store.FailedGroup{
		{LastError: "ORCID POST x: 503: Service Unavailable", Count: 1},
		{LastError: "400 Bad Request: Invalid activity, a title is required.", Count: 2},
		{LastError: "ORCID POST x: 429: Too Many Requests", Count: 2},
	})
	if total != 5 || len(got) != 2 {
		t.Fatalf("grouped %+v, total %d", got, total)
	}
	if got[0].Key != "unavailable" || got[0].Count != 3 || len(got[0].Messages) != 2 || got[1].Key != "title" || got[1].Count != 2 {
		t.Fatalf("grouped %+v", got)
	}
}
