package web_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// repeated is an endless stream of one byte.
type repeated byte

func (r repeated) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// streamUpload posts the upload form with a file streamed from body,
// never held: the request has no length, as a browser's may not.
func (c *adminClient) streamUpload(path, kind string, body io.Reader) adminAnswer {
	c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", "big.csv")
		_, err := io.Copy(fw, body)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, c.base+path, pr)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// TestAdminBatchLimits: through the admin UI, a value far over any
// column's is refused on that value while the file streams (its report
// gives the length, not the value), and a file over the upload limit is
// refused as too large once it passes the limit, leaving no batch.
func TestAdminBatchLimits(t *testing.T) {
	env := newBatchEnv(t)
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + adminItoa(mine.ID)

	const cell = 8 << 20
	file := io.MultiReader(strings.NewReader("email,given-names,family-names\nana@example.org,"),
		io.LimitReader(repeated('x'), cell), strings.NewReader(",Lima\nben@example.org,Ben,Okafor\n"))
	up := c.streamUpload(base+"/batches", "people", file)
	if up.status != http.StatusSeeOther || !strings.HasPrefix(up.location, base+"/batches/") {
		t.Fatalf("upload: %d to %q\n%.2000s", up.status, up.location, up.body)
	}
	page := c.get(up.location)
	wantContains(t, "report page", page, http.StatusOK, "too-long", "8388608 bytes long")
	if strings.Contains(page.body, strings.Repeat("x", 1000)) {
		t.Errorf("the report page quotes more than a preview of the value")
	}
	rep := c.get(up.location + "/report.csv")
	if rep.status != http.StatusOK || len(rep.body) > 4<<10 {
		t.Errorf("report.csv: %d, %d bytes", rep.status, len(rep.body))
	}

	// Past the upload limit (256 MB), in one endless value.
	over := io.MultiReader(strings.NewReader("email,given-names\nana@example.org,"), io.LimitReader(repeated('y'), 257<<20))
	big := c.streamUpload(base+"/batches", "people", over)
	if big.status != http.StatusRequestEntityTooLarge || !strings.Contains(big.body, "too large") {
		t.Fatalf("an upload over the limit: %d\n%.2000s", big.status, big.body)
	}
	list, err := env.st.ListBatches(t.Context(), mine.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d batches after one upload and one refused: %+v", len(list), list)
	}
}
