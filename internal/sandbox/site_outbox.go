package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

type outboxEmail struct {
	Email
	// Delivered is what sandbox.orcid.org would have done: it only sends
	// mail to @mailinator.com addresses.
	Delivered bool
}

type outboxPage struct {
	pageCommon
	Emails []outboxEmail
}

func (r *Registry) handleOutbox(w http.ResponseWriter, req *http.Request) {
	es, err := r.store.Emails(req.Context())
	if err != nil {
		r.serverError(w, req, fmt.Errorf("outbox: %w", err))
		return
	}
	p := outboxPage{pageCommon: r.common(req, "Outbox", "")}
	for _, e := range es {
		p.Emails = append(p.Emails, outboxEmail{Email: e, Delivered: strings.HasSuffix(strings.ToLower(e.To), "@mailinator.com")})
	}
	r.render(w, req, http.StatusOK, "outbox", p)
}
