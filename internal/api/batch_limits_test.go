package api_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/batch"
)

// letters is an endless stream of one letter.
type letters byte

func (l letters) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(l)
	}
	return len(p), nil
}

// TestBatchOversizedValue: through the REST API, streamed with no length,
// a file whose value is far over any column's is accepted as a file and
// refused on that value (the length and a preview in its problem, never
// the value), its other row read as usual; the problem report, as JSON
// and as CSV, stays small.
func TestBatchOversizedValue(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	const size = 8 << 20
	for _, c := range []struct {
		ct, head, tail string
		length         int
	}{
		{"text/csv", "email,given-names,family-names\nana@example.org,", ",Lima\nben@example.org,Ben,Okafor\n", size},
		{"application/x-ndjson", `{"email":"ana@example.org","given-names":"`, `","family-names":"Lima"}` + "\n" +
			`{"email":"ben@example.org","given-names":"Ben","family-names":"Okafor"}`, size + 2},
	} {
		t.Run(c.ct, func(t *testing.T) {
			body := io.MultiReader(strings.NewReader(c.head), io.LimitReader(letters('='), size), strings.NewReader(c.tail))
			req, err := http.NewRequest("POST", e.base+api.Prefix+"/batches?kind=people", body) // chunked
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+e.keyA)
			req.Header.Set("Content-Type", c.ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			a := answer{status: resp.StatusCode, header: resp.Header, body: raw}
			if a.status != 201 {
				t.Fatalf("upload: %d %s", a.status, raw)
			}
			b := a.json(t)
			if b["state"] != "invalid" || b["total"] != float64(2) || b["invalid"] != float64(1) {
				t.Fatalf("batch %v: want 2 rows, 1 invalid", b)
			}
			id := strconv.Itoa(int(b["id"].(float64)))
			cl := e.client(t, e.keyA)
			rep := cl.do("GET", "/batches/"+id+"/problems", nil)
			if rep.status != 200 || len(rep.body) > 4<<10 {
				t.Fatalf("problems: %d, %d bytes", rep.status, len(rep.body))
			}
			probs := rep.json(t)["problems"].([]any)
			p := probs[0].(map[string]any)
			if len(probs) != 1 || p["code"] != string(batch.CodeTooLong) || p["column"] != "given-names" ||
				!strings.Contains(p["message"].(string), strconv.Itoa(c.length)) {
				t.Errorf("problems %v: want the one too-long of given-names, with its length", probs)
			}
			file := cl.do("GET", "/batches/"+id+"/problems?format=csv", nil)
			recs, err := csv.NewReader(strings.NewReader(string(file.body))).ReadAll()
			if err != nil || len(recs) != 2 || len(file.body) > 4<<10 {
				t.Fatalf("problems.csv: %v, %d bytes\n%.500s", err, len(file.body), file.body)
			}
		})
	}
}
