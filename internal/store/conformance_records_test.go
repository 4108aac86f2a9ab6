package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testRecords: the latest import replaces the previous one, stays within
// its tenant, and goes with the person.
func testRecords(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "records")
	other, _ := e.itemFixture(t, "records-other")
	_, err := e.s.Record(e.ctx, tn.ID, p.ID)
	want(t, "record before any import", err, store.ErrNotFound)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, body := range []string{`{"path":"/first"}`, `{"path":"/second"}`} {
		err := e.s.SaveRecord(e.ctx, store.ImportedRecord{TenantID: tn.ID, PersonID: p.ID, ORCIDURI: "https://sandbox.orcid.org/0000-0002-1825-0097",
			Record: json.RawMessage(body), FetchedAt: at.Add(time.Duration(i) * time.Hour)})
		want(t, "save record", err, nil)
	}
	r, err := e.s.Record(e.ctx, tn.ID, p.ID)
	want(t, "record", err, nil)
	if string(r.Record) != `{"path":"/second"}` || !r.FetchedAt.Equal(at.Add(time.Hour)) || r.ORCIDURI == "" {
		t.Fatalf("record %+v (%s)", r, r.Record)
	}
	_, err = e.s.Record(e.ctx, other.ID, p.ID)
	want(t, "another tenant's view of the record", err, store.ErrNotFound)
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, p.ID), nil)
	_, err = e.s.Record(e.ctx, tn.ID, p.ID)
	want(t, "record of a deleted person", err, store.ErrNotFound)
}
