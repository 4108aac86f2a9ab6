package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// record is a person's imported ORCID record.
type record struct {
	ORCID     string          `json:"orcid"`
	FetchedAt time.Time       `json:"fetched_at"`
	Record    json.RawMessage `json:"record"` // ORCID's v3.0 JSON, as read
}

func (s *Server) getRecord(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	r, err := s.st.Record(c.ctx, c.tenant, p.ID)
	if err != nil {
		return reply{}, withDetail(err, "The person's record was never imported; POST to this path asks for it.")
	}
	return ok(record{ORCID: r.ORCIDURI, FetchedAt: r.FetchedAt, Record: r.Record})
}

type importQueued struct {
	Status string `json:"status"`
}

// importRecord queues a read of the person's record, which needs a
// connected link.
func (s *Server) importRecord(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	l, err := s.st.Link(c.ctx, c.tenant, p.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && l.State != store.LinkConnected) {
		return reply{}, connect.ErrNotConnected
	}
	if err != nil {
		return reply{}, err
	}
	if err := s.cfg.Queue.Import(c.ctx, c.tenant, p.ID); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusAccepted, body: importQueued{Status: "queued"}}, nil
}
