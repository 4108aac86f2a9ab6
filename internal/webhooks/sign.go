package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Orcidlink-Signature"
	EventIDHeader   = "Orcidlink-Event-Id"
	EventTypeHeader = "Orcidlink-Event-Type"
	// DeliveryIDHeader differs between a delivery and its redelivery;
	// EventIDHeader does not.
	DeliveryIDHeader = "Orcidlink-Delivery-Id"
)

// DefaultTolerance is how far from now a signature's timestamp may be
// when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMalformedSignature = errors.New("webhooks: malformed signature header")
	ErrStaleSignature     = errors.New("webhooks: signature timestamp outside the tolerance")
	ErrBadSignature       = errors.New("webhooks: signature does not match")
)

// mac is the v1 signature: HMAC-SHA256, keyed with the endpoint's secret
// (its text, as shown once), of the timestamp, a dot and the body. The
// timestamp is signed so that a captured request cannot be replayed later.
func mac(secret string, t int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(t, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the SignatureHeader value for body sent at time at.
func Sign(secret string, at time.Time, body []byte) string {
	t := at.Unix()
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

// Verify checks a SignatureHeader value against the raw body received:
// the timestamp must be within tolerance of now (DefaultTolerance if
// tolerance is 0), and one of its v1 signatures must be the body's under
// secret. Receivers should then also ignore an event id they have already
// processed: a delivery may arrive more than once.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var t int64 = -1
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %q", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: timestamp %q", ErrMalformedSignature, v)
			}
			t = n
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil {
				return fmt.Errorf("%w: v1 is not hex", ErrMalformedSignature)
			}
			sigs = append(sigs, b)
		}
		// Other schemes are for later versions: ignored.
	}
	if t < 0 || len(sigs) == 0 {
		return fmt.Errorf("%w: needs t= and v1=", ErrMalformedSignature)
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrStaleSignature, time.Unix(t, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	want := mac(secret, t, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}
