package api

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/orcidlink/orcidlink/internal/articlemeta"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// articleFields are an article's own fields, alike in what the API takes
// (articleInput) and what it shows (article).
type articleFields struct {
	Key                     string   `json:"key"` // in a POST body; PUT takes it from the path
	Title                   string   `json:"title"`
	Subtitle                string   `json:"subtitle"`
	TranslatedTitle         string   `json:"translated_title"`
	TranslatedTitleLanguage string   `json:"translated_title_language"`
	Abstract                string   `json:"abstract"`
	Language                string   `json:"language"`
	JournalTitle            string   `json:"journal_title"`
	ISSN                    string   `json:"issn"`
	OtherISSNs              []string `json:"other_issns"`
	Type                    string   `json:"type"`
	DOI                     string   `json:"doi"`
	URL                     string   `json:"url"`
	PublicationDate         *pubDate `json:"publication_date"`
	// ReviewMode is open, anonymous or double-anonymous; "" takes the
	// tenant's.
	ReviewMode string `json:"review_mode"`
}

// article is an article as the API shows it, with its contributors and,
// for each, the state of their copy on ORCID.
type article struct {
	articleFields
	State        string        `json:"state"`
	Contributors []contributor `json:"contributors"`
	Reviews      []review      `json:"reviews"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

type pubDate struct {
	Year  int `json:"year"`
	Month int `json:"month,omitempty"`
	Day   int `json:"day,omitempty"`
}

// contributor is an author: a person of the tenant (PersonID; Work is
// their copy's state on ORCID, absent until the article is first
// published) or a co-author named only (Name).
type contributor struct {
	PersonID *int64    `json:"person_id"`
	Name     string    `json:"name,omitempty"`
	Roles    []string  `json:"roles"`
	Work     *workCopy `json:"work,omitempty"`
}

type workCopy struct {
	State   string `json:"state"`
	PutCode *int64 `json:"put_code"`
}

type review struct {
	PersonID    int64  `json:"person_id"`
	CompletedOn string `json:"completed_on"`
}

type articleList struct {
	Items []article `json:"items"`
}

// articleInput is the body of POST /articles and PUT /articles/{key}.
type articleInput struct {
	articleFields
	Contributors []contrib `json:"contributors"`
}

// contrib is a contributor of the input: a person of the tenant
// (person_id) or a name, with optional CRediT role URIs.
type contrib struct {
	PersonID int64    `json:"person_id"`
	Name     string   `json:"name"`
	Roles    []string `json:"roles"`
}

type reviewInput struct {
	PersonID    int64  `json:"person_id"`
	CompletedOn string `json:"completed_on"` // YYYY-MM-DD
}

// articleOf builds the answer: the article, every contributor's copy and
// the reviews.
func (s *Server) articleOf(c *call, a store.Article) (article, error) {
	out := article{articleFields: articleFields{Key: a.Key, Title: a.Title, Subtitle: a.Subtitle, TranslatedTitle: a.TranslatedTitle,
		TranslatedTitleLanguage: a.TranslatedTitleLanguage, Abstract: a.Abstract, Language: a.Language,
		JournalTitle: a.JournalTitle, ISSN: a.ISSN, OtherISSNs: append([]string{}, a.OtherISSNs...), Type: a.Type, DOI: a.DOI,
		URL: a.URL, ReviewMode: string(a.ReviewMode)}, State: string(a.State), Contributors: []contributor{}, Reviews: []review{},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if a.PubYear > 0 {
		out.PublicationDate = &pubDate{Year: a.PubYear, Month: a.PubMonth, Day: a.PubDay}
	}
	for _, ac := range a.Contributors {
		ct := contributor{Name: ac.Name, Roles: append([]string{}, ac.Roles...)}
		if ac.PersonID != 0 {
			pid := ac.PersonID
			ct.PersonID = &pid
			it, err := s.st.ItemByKey(c.ctx, c.tenant, pid, orcid.KindWork, journal.WorkKey(a.Key))
			switch {
			case err == nil:
				ct.Work = &workCopy{State: string(it.State)}
				if it.PutCode != 0 {
					pc := it.PutCode
					ct.Work.PutCode = &pc
				}
			case !errors.Is(err, store.ErrNotFound):
				return article{}, err
			}
		}
		out.Contributors = append(out.Contributors, ct)
	}
	rs, err := s.st.ListArticleReviews(c.ctx, c.tenant, a.ID)
	if err != nil {
		return article{}, err
	}
	for _, r := range rs {
		out.Reviews = append(out.Reviews, review{PersonID: r.PersonID, CompletedOn: r.Completed.UTC().Format(time.DateOnly)})
	}
	return out, nil
}

func (s *Server) journal() (Journal, error) {
	if s.cfg.Journal == nil {
		return nil, withDetail(store.ErrNotFound, "The journal workflow is not enabled on this server.")
	}
	return s.cfg.Journal, nil
}

// storeArticle checks the input field by field and makes the store's
// article of it.
func (s *Server) storeArticle(c *call, in articleInput, key string) (store.Article, error) {
	var errs fieldErrors
	if !validKey(key) {
		errs.body("/key", keyRule)
	}
	if len(in.OtherISSNs) > 50 {
		return store.Article{}, invalid("The request has invalid fields; each is listed in errors.",
			FieldError{Pointer: "/other_issns", Detail: "lists more than 50 ISSNs"})
	}
	a := store.Article{TenantID: c.tenant, Key: key, Title: in.Title, JournalTitle: in.JournalTitle, ISSN: in.ISSN, Type: in.Type,
		DOI: in.DOI, URL: in.URL, ReviewMode: store.ReviewMode(in.ReviewMode), Subtitle: in.Subtitle,
		TranslatedTitle: in.TranslatedTitle, TranslatedTitleLanguage: in.TranslatedTitleLanguage, Abstract: in.Abstract,
		Language: in.Language, OtherISSNs: in.OtherISSNs}
	if d := in.PublicationDate; d != nil {
		if d.Year == 0 {
			errs.body("/publication_date/year", "is required")
		}
		a.PubYear, a.PubMonth, a.PubDay = d.Year, d.Month, d.Day
	}
	for i, ct := range in.Contributors {
		if ct.PersonID != 0 {
			if _, err := s.st.Person(c.ctx, c.tenant, ct.PersonID); errors.Is(err, store.ErrNotFound) {
				errs.body("/contributors/"+itoa(int64(i))+"/person_id", "is not a person of the tenant")
			} else if err != nil {
				return a, err
			}
		}
		a.Contributors = append(a.Contributors, store.Contributor{PersonID: ct.PersonID, Name: ct.Name, Roles: ct.Roles})
	}
	// The article's own rules live in the journal package, shared with the
	// admin UI: every field problem is reported with its pointer.
	for _, p := range journal.CheckArticle(&a) {
		errs.body("/"+p.Field, p.Message)
	}
	return a, errs.err()
}

func (s *Server) saveArticle(c *call, a store.Article) (article, error) {
	j, err := s.journal()
	if err != nil {
		return article{}, err
	}
	ctx := auditing(c, 0, "article.saved", map[string]any{"key": a.Key})
	res, err := j.SaveArticle(ctx, a)
	if err != nil {
		return article{}, err
	}
	s.auditDone(ctx, nil)
	return s.articleOf(c, res.Article)
}

func (s *Server) createArticle(c *call) (reply, error) {
	if _, err := s.journal(); err != nil {
		return reply{}, err
	}
	var in articleInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	a, err := s.storeArticle(c, in, in.Key)
	if err != nil {
		return reply{}, err
	}
	if _, err := s.st.Article(c.ctx, c.tenant, a.Key); err == nil {
		return reply{}, withDetail(store.ErrConflict, "An article with this key exists; PUT to "+Prefix+"/articles/"+
			url.PathEscape(a.Key)+" changes it.")
	} else if !errors.Is(err, store.ErrNotFound) {
		return reply{}, err
	}
	out, err := s.saveArticle(c, a)
	if err != nil {
		return reply{}, err
	}
	return created("/articles/"+url.PathEscape(a.Key), out)
}

func (s *Server) putArticle(c *call) (reply, error) {
	if _, err := s.journal(); err != nil {
		return reply{}, err
	}
	key := c.r.PathValue("key")
	var in articleInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	if in.Key != "" && in.Key != key {
		return reply{}, invalid("The key in the body differs from the path's.", FieldError{Pointer: "/key", Detail: "must be left out or equal the path's key"})
	}
	a, err := s.storeArticle(c, in, key)
	if err != nil {
		return reply{}, err
	}
	_, err = s.st.Article(c.ctx, c.tenant, key)
	existed := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return reply{}, err
	}
	out, err := s.saveArticle(c, a)
	if err != nil {
		return reply{}, err
	}
	if existed {
		return ok(out)
	}
	return created("/articles/"+url.PathEscape(key), out)
}

func (s *Server) pathArticle(c *call) (store.Article, error) {
	if _, err := s.journal(); err != nil {
		return store.Article{}, err
	}
	a, err := s.st.Article(c.ctx, c.tenant, c.r.PathValue("key"))
	return a, withDetail(err, "There is no such article.")
}

func (s *Server) getArticle(c *call) (reply, error) {
	a, err := s.pathArticle(c)
	if err != nil {
		return reply{}, err
	}
	out, err := s.articleOf(c, a)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

func (s *Server) listArticles(c *call) (reply, error) {
	if _, err := s.journal(); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	limit := intParam(c.r.URL.Query().Get("limit"), "limit", 500, &errs)
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if limit == 0 {
		limit = 50
	}
	as, err := s.st.ListArticles(c.ctx, c.tenant, limit)
	if err != nil {
		return reply{}, err
	}
	out := articleList{Items: []article{}}
	for _, a := range as {
		v, err := s.articleOf(c, a)
		if err != nil {
			return reply{}, err
		}
		out.Items = append(out.Items, v)
	}
	return ok(out)
}

func (s *Server) publishArticle(c *call) (reply, error) {
	return s.changeArticle(c, "published", func(j Journal, a store.Article) (journal.Result, error) {
		return j.Publish(c.ctx, c.tenant, a.Key)
	})
}

func (s *Server) unpublishArticle(c *call) (reply, error) {
	return s.changeArticle(c, "unpublished", func(j Journal, a store.Article) (journal.Result, error) {
		return j.Unpublish(c.ctx, c.tenant, a.Key)
	})
}

func (s *Server) changeArticle(c *call, what string, change func(Journal, store.Article) (journal.Result, error)) (reply, error) {
	a, err := s.pathArticle(c)
	if err != nil {
		return reply{}, err
	}
	// The change runs with c's context (the callers' closures use it): it
	// carries the event from here on.
	c.ctx = auditing(c, 0, "article."+what, map[string]any{"key": a.Key})
	res, err := change(s.cfg.Journal, a)
	if err != nil {
		return reply{}, err
	}
	s.auditDone(c.ctx, map[string]any{"items": len(res.Items), "invited": len(res.Invited)})
	out, err := s.articleOf(c, res.Article)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

// completeReview records a review and puts the peer review on the
// reviewer's record.
func (s *Server) completeReview(c *call) (reply, error) {
	a, err := s.pathArticle(c)
	if err != nil {
		return reply{}, err
	}
	var in reviewInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	day, derr := time.Parse(time.DateOnly, in.CompletedOn)
	if derr != nil {
		errs.body("/completed_on", "must be a date YYYY-MM-DD")
	}
	p, perr := s.st.Person(c.ctx, c.tenant, in.PersonID)
	if errors.Is(perr, store.ErrNotFound) {
		errs.body("/person_id", "is not a person of the tenant")
	} else if perr != nil {
		return reply{}, perr
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	it, err := s.cfg.Journal.CompleteReview(c.ctx, c.tenant, a.Key, p.ID, day)
	if err != nil {
		return reply{}, err
	}
	h := itemHandlers{s: s, kind: orcid.KindPeerReview}
	out, err := h.view(c, it, links{})
	if err != nil {
		return reply{}, err
	}
	return created(h.path(p, it.Key), out)
}

// articleJATS answers the article's contributors as a JATS <contrib-group>.
func (s *Server) articleJATS(c *call) (reply, error) {
	return s.contributorsXML(c, "jats", articlemeta.JATS)
}

// articleCrossref answers the article's contributors as Crossref
// <contributors>.
func (s *Server) articleCrossref(c *call) (reply, error) {
	return s.contributorsXML(c, "crossref", articlemeta.Crossref)
}

// contributorsXML writes the contributor block of the path's article (of
// the key's tenant only: another tenant's is 404) in one format. It is
// made whole before the answer starts, so that what cannot be written (a
// name Crossref refuses) is a problem rather than a cut-short file.
func (s *Server) contributorsXML(c *call, format string, write func([]articlemeta.Contributor) ([]byte, error)) (reply, error) {
	a, err := s.pathArticle(c)
	if err != nil {
		return reply{}, err
	}
	cs, err := articlemeta.Load(c.ctx, s.st, a)
	if err != nil {
		return reply{}, err
	}
	doc, err := write(cs)
	var ne *articlemeta.NameError
	switch {
	case errors.As(err, &ne):
		return reply{}, invalid("Crossref's deposit schema does not accept a contributor's name as recorded.",
			FieldError{Pointer: fmt.Sprintf("/contributors/%d", ne.Contributor-1), Detail: ne.Element + " " + ne.Reason})
	case errors.Is(err, articlemeta.ErrNoContributors):
		return reply{}, invalid("The article has no contributors.",
			FieldError{Pointer: "/contributors", Detail: "must name at least one contributor"})
	case err != nil:
		return reply{}, err
	}
	return file("application/xml; charset=utf-8", "article-"+fileSafe(a.Key)+"-contributors."+format+".xml",
		func(w io.Writer) error {
			_, err := w.Write(doc)
			return err
		})
}

// fileSafe is key in a download's file name: letters, digits, '.', '_'
// and '-' kept, anything else (a slash, a quote) made '-'.
func fileSafe(key string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			return r
		}
		return '-'
	}, key)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
