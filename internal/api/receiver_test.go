package api_test

import (
	"encoding/json"
	"testing"

	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// hookURL is where a test's endpoint at rcv receives.
func hookURL(rcv *webhookstest.Receiver) string { return rcv.URL() + "/orcidlink" }

// events are the envelopes of a type rcv accepted, in arrival order.
func events(rcv *webhookstest.Receiver, typ string) []webhooks.Envelope {
	var out []webhooks.Envelope
	for _, h := range rcv.Requests() {
		if h.Envelope.Type == typ {
			out = append(out, h.Envelope)
		}
	}
	return out
}

// waitEvent waits for the n-th event of a type at rcv and returns it with
// its data decoded into data.
func waitEvent(t *testing.T, rcv *webhookstest.Receiver, typ string, n int, data any) webhooks.Envelope {
	t.Helper()
	var evs []webhooks.Envelope
	rcv.Wait(t, "webhook "+typ, func([]webhookstest.Request) bool { evs = events(rcv, typ); return len(evs) >= n })
	ev := evs[n-1]
	if err := json.Unmarshal(ev.Data, data); err != nil {
		t.Fatalf("%s data: %v\n%s", typ, err, ev.Data)
	}
	return ev
}
