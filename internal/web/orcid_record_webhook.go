package web

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"golang.org/x/time/rate"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store"
)

// ORCID's premium webhook calls (jobs/record_webhooks.go): ORCID POSTs an
// empty body to the callback orcidlink registered when the record changed.
// ORCID does not sign its calls, so the path carries a secret token per
// link, compared in constant time. A call only marks the record changed
// since its last import, for the daily import to read it: nothing in the
// request is read or trusted, and calling twice is calling once.
const (
	// recordWebhookRate and recordWebhookBurst bound the refused calls
	// this process answers (and logs) before it answers 429.
	recordWebhookRate  = 200
	recordWebhookBurst = 400
	// maxWebhookToken is longer than any token orcidlink makes
	// (crypto/rand.Text, 26 characters); longer ones are not looked up.
	maxWebhookToken = 64
)

// RecordWebhookRoute is the route of ORCID's calls.
const RecordWebhookRoute = "POST " + jobs.RecordWebhookPath + "{link}/{token}"

func (s *Server) registerRecordWebhookRoutes(mux *http.ServeMux) {
	mux.Handle(RecordWebhookRoute, RecordWebhooks(s.store, s.log))
}

// RecordWebhooks answers ORCID's webhook calls at RecordWebhookRoute: 204
// for a known link and its token, 404 otherwise (an unknown link and a
// wrong token alike, so that a guesser learns nothing), 429 for refused
// calls beyond recordWebhookRate a second. Only refused calls count: a
// limit on every call would let anyone who floods the route with made-up
// tokens get ORCID's own calls refused, and ORCID forgets them after a 429
// (the records would then wait for the weekly safety read). A call costs
// one read by primary key, as an invitation page does. It is served on the
// public URL, with no session: ORCID has none.
func RecordWebhooks(st *store.Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := rate.NewLimiter(recordWebhookRate, recordWebhookBurst)
	// refuse answers a call that is not ORCID's: 404, or 429 once too
	// many were refused lately (and then without a log line each).
	refuse := func(w http.ResponseWriter, r *http.Request, logIt func()) {
		if !limit.Allow() {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		if logIt != nil {
			logIt()
		}
		http.NotFound(w, r)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		linkID, err := strconv.ParseInt(r.PathValue("link"), 10, 64)
		token := r.PathValue("token")
		if err != nil || token == "" || len(token) > maxWebhookToken {
			refuse(w, r, nil)
			return
		}
		h, err := st.RecordWebhookOfLink(r.Context(), linkID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			refuse(w, r, nil)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "ORCID webhook call", "link", linkID, "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		// The same answer as for an unknown link: a guesser learns
		// nothing about which links exist.
		if subtle.ConstantTimeCompare([]byte(h.Token), []byte(token)) != 1 {
			refuse(w, r, func() {
				log.WarnContext(r.Context(), "ORCID webhook call with a wrong token refused", "link", linkID)
			})
			return
		}
		if err := st.MarkRecordChanged(r.Context(), linkID); err != nil {
			log.ErrorContext(r.Context(), "ORCID webhook call", "link", linkID, "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
