package api

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// uploadTimeout is how long an uploaded batch file may take to arrive.
const uploadTimeout = 15 * time.Minute

// openUpload prepares the body of an upload route: unread, bounded by
// MaxUpload, so that a file of many rows streams into its consumer. With
// an Idempotency-Key the body must be hashed before the request runs, so
// it is spooled to a temporary file first (disk, not memory); cleanup
// removes it.
func (s *Server) openUpload(w http.ResponseWriter, r *http.Request, c *call) (cleanup func(), _ *Problem) {
	tooBig := &Problem{Type: typeTooLarge, Title: "Body too large", Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("An uploaded file may have at most %d bytes.", s.cfg.MaxUpload)}
	if r.ContentLength > s.cfg.MaxUpload {
		return nil, tooBig
	}
	// A file may take longer to arrive than the server's read timeout,
	// which is sized for JSON bodies; its answer is written after it is
	// read, so the write deadline moves too. (A ResponseWriter without a
	// connection, as in tests, keeps the server's.)
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(uploadTimeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	if r.Method != http.MethodPost || r.Header.Get("Idempotency-Key") == "" {
		c.upload = body
		return func() {}, nil
	}
	f, err := os.CreateTemp("", "orcidlink-upload-*")
	if err != nil {
		s.log.ErrorContext(r.Context(), "api: spool upload", "err", err)
		p, _ := problemFor(err)
		return nil, p
	}
	cleanup = func() {
		f.Close()
		os.Remove(f.Name())
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooBig
		}
		return nil, &Problem{Type: typeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "The request body could not be read."}
	}
	c.upload, c.uploadHash = f, h.Sum(nil)
	return cleanup, nil
}

// stream writes a file answer as it is produced. The handler checked
// what can fail cleanly (a missing resource) before: once the status is
// written, a failure can only cut the body short, and is logged.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, res reply) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", res.contentType)
	if res.filename != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": res.filename}))
	}
	if res.location != "" {
		h.Set("Location", res.location)
	}
	status := res.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if err := res.write(w); err != nil {
		s.log.ErrorContext(r.Context(), "api: "+r.Method+" "+r.URL.Path+": writing the file failed midway", "err", err)
	}
}

// file is a 200 answer that is a file of contentType, written by write.
func file(contentType, filename string, write func(io.Writer) error) (reply, error) {
	return reply{status: http.StatusOK, write: write, contentType: contentType, filename: filename}, nil
}

// formatParam reads the format query parameter: one of allowed, the first
// by default.
func formatParam(c *call, errs *fieldErrors, allowed ...string) string {
	v := c.r.URL.Query().Get("format")
	if v == "" {
		return allowed[0]
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	errs.param("format", "must be one of "+fmt.Sprint(allowed))
	return allowed[0]
}

// pathID reads a positive integer path wildcard; anything else names no
// resource (404, with what).
func pathID(c *call, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(what)
	}
	return id, nil
}

// notFound is a 404 naming what is missing.
func notFound(what string) error {
	return withDetail(store.ErrNotFound, "There is no such "+what+".")
}
