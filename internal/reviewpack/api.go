package reviewpack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// apiClient is the tenant's system's side of the run: orcidlink's REST API
// (doc/api.md) with the run's key.
type apiClient struct {
	base, key string
	http      *http.Client
}

// do sends a JSON request and decodes a JSON answer; a status other than
// want is an error carrying the start of the answer (a problem document).
func (c *apiClient) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, clip(string(b), 300))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *apiClient) createPerson(ctx context.Context, given, family, email, ref string) (int64, error) {
	var p struct {
		ID int64 `json:"id"`
	}
	err := c.do(ctx, "POST", "/people", map[string]string{"given_names": given, "family_names": family,
		"email": email, "external_ref": ref}, http.StatusCreated, &p)
	return p.ID, err
}

// invite makes the invitation and emails it (the email is a step of the
// pack); the answer carries the link the researcher opens.
func (c *apiClient) invite(ctx context.Context, person int64) (string, error) {
	var inv struct {
		URL string `json:"url"`
	}
	err := c.do(ctx, "POST", "/people/"+strconv.FormatInt(person, 10)+"/invitations",
		map[string]bool{"send_email": true}, http.StatusCreated, &inv)
	if err == nil && inv.URL == "" {
		err = fmt.Errorf("the invitation has no link")
	}
	return inv.URL, err
}

// apiItem is an item as the API shows it.
type apiItem struct {
	State     string `json:"state"`
	PutCode   *int64 `json:"put_code"`
	ORCIDPath string `json:"orcid_path"`
	LastError string `json:"last_error"`
}

// writeWork puts a work on the researcher's record and waits until ORCID
// has it (or says why not).
func (c *apiClient) writeWork(ctx context.Context, person int64, key, title string) (apiItem, error) {
	path := "/people/" + strconv.FormatInt(person, 10) + "/works"
	work := map[string]any{"key": key, "item": map[string]any{
		"title": map[string]any{"title": map[string]string{"value": title}},
		"type":  "journal-article",
		"external-ids": map[string]any{"external-id": []map[string]string{{
			"external-id-type": "doi", "external-id-value": "10.5555/review-pack." + key,
			"external-id-relationship": "self"}}},
	}}
	if err := c.do(ctx, "POST", path, work, http.StatusCreated, nil); err != nil {
		return apiItem{}, err
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var it apiItem
		if err := c.do(ctx, "GET", path+"/"+key, nil, http.StatusOK, &it); err != nil {
			return it, err
		}
		switch it.State {
		case "synced":
			return it, nil
		case "failed-permanent":
			return it, fmt.Errorf("ORCID refused the work: %s", it.LastError)
		}
		if time.Now().After(deadline) {
			return it, fmt.Errorf("the work was still %q after 90 seconds", it.State)
		}
		select {
		case <-ctx.Done():
			return it, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readBack has orcidlink read the record from ORCID (the import the
// admin UI also offers) and returns what it read.
func (c *apiClient) readBack(ctx context.Context, person int64) (json.RawMessage, error) {
	path := "/people/" + strconv.FormatInt(person, 10) + "/record"
	if err := c.do(ctx, "POST", path, nil, http.StatusAccepted, nil); err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for {
		var rec struct {
			FetchedAt time.Time       `json:"fetched_at"`
			Record    json.RawMessage `json:"record"`
		}
		err := c.do(ctx, "GET", path, nil, http.StatusOK, &rec)
		// The import runs on the queue: wait for a reading made after
		// the request (a 404 until the first one).
		if err == nil && !rec.FetchedAt.Before(start.Add(-time.Second)) {
			return rec.Record, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the record was not read back within 60 seconds (%v)", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
