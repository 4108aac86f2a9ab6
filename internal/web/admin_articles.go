package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/articlemeta"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Journal is what the admin UI needs from the journal workflow
// (journal.Service).
type Journal interface {
	SaveArticle(ctx context.Context, a store.Article) (journal.Result, error)
	Publish(ctx context.Context, tenantID int64, key string) (journal.Result, error)
	Unpublish(ctx context.Context, tenantID int64, key string) (journal.Result, error)
	CompleteReview(ctx context.Context, tenantID int64, articleKey string, reviewerPersonID int64, completed time.Time) (store.Item, error)
	SaveEditor(ctx context.Context, e store.Editor) (store.Editor, store.Item, error)
	EndEditor(ctx context.Context, tenantID, editorID int64, day time.Time) (store.Editor, store.Item, error)
}

type adminArticlesData struct {
	Tenant   store.Tenant
	Articles []store.Article
	Article  store.Article // the one shown or being edited
	People   []store.PersonListItem
	// ContributorRows are the author lines of the form, in order (the
	// article's, then a few empty ones); ContributorError says what is
	// wrong with them.
	ContributorRows  []string
	ContributorError string
	Error            string
	// Problems are the fields of a refused article form.
	Problems    journal.Problems
	ReviewModes []store.ReviewMode
	New         bool
	// Reviews of the article shown, and ReviewError a refused review
	// form's message.
	Reviews     []adminReviewRow
	ReviewError string
}

func (s *Server) adminArticlesPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, status int, d adminArticlesData) {
	ctx := r.Context()
	var err error
	if d.Articles, err = s.store.ListArticles(ctx, t.ID, 200); err != nil {
		s.adminFail(w, r, a, "list articles", err)
		return
	}
	page, err := s.store.ListPeople(ctx, t.ID, store.PeopleQuery{Limit: 500})
	if err != nil {
		s.adminFail(w, r, a, "list people", err)
		return
	}
	d.Tenant, d.People, d.ReviewModes = t, page.People, store.ReviewModes
	if !d.New && d.Article.ID != 0 {
		if d.Reviews, err = s.adminArticleReviews(ctx, t.ID, d.Article, d.People); err != nil {
			s.adminFail(w, r, a, "list reviews", err)
			return
		}
	}
	if d.ContributorRows == nil {
		byID := map[int64]store.PersonListItem{}
		for _, p := range d.People {
			byID[p.ID] = p
		}
		for _, c := range d.Article.Contributors {
			if c.PersonID == 0 {
				d.ContributorRows = append(d.ContributorRows, adminContributorLine(c.Name, c.Roles))
			} else if p, ok := byID[c.PersonID]; ok {
				d.ContributorRows = append(d.ContributorRows, adminContributorLine(adminPersonLine(p), c.Roles))
			}
		}
	}
	for range 3 {
		d.ContributorRows = append(d.ContributorRows, "")
	}
	title := "Articles of " + t.Name
	if !d.New {
		title = d.Article.Title
	}
	s.render(w, r, status, "admin_articles", s.adminPage(r, a, title, d))
}

func (s *Server) adminArticles(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil {
		s.adminNotFound(w, r, a)
		return
	}
	s.adminArticlesPage(w, r, a, t, http.StatusOK, adminArticlesData{New: true, Article: store.Article{JournalTitle: t.Name}})
}

func (s *Server) adminArticle(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil {
		s.adminNotFound(w, r, a)
		return
	}
	art, err := s.store.Article(r.Context(), t.ID, r.PathValue("key"))
	if err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	s.adminArticlesPage(w, r, a, t, http.StatusOK, adminArticlesData{Article: art})
}

// adminArticleContributorsJATS downloads the article's contributors as a
// JATS <contrib-group> (package articlemeta).
func (s *Server) adminArticleContributorsJATS(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminArticleContributors(w, r, a, t, "jats", articlemeta.JATS)
}

// adminArticleContributorsCrossref downloads them as Crossref deposit
// <contributors>.
func (s *Server) adminArticleContributorsCrossref(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminArticleContributors(w, r, a, t, "crossref", articlemeta.Crossref)
}

// adminArticleContributors serves the download of the tenant's article
// (t is the tenant the administrator may see: another's article is not
// found). What cannot be written (a name Crossref's schema refuses) is
// said on the article's page instead.
func (s *Server) adminArticleContributors(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant,
	format string, write func([]articlemeta.Contributor) ([]byte, error)) {
	if s.cfg.Journal == nil {
		s.adminNotFound(w, r, a)
		return
	}
	art, err := s.store.Article(r.Context(), t.ID, r.PathValue("key"))
	if err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	cs, err := articlemeta.Load(r.Context(), s.store, art)
	if err != nil {
		s.adminFail(w, r, a, "read the article's contributors", err)
		return
	}
	doc, err := write(cs)
	var ne *articlemeta.NameError
	switch {
	case errors.As(err, &ne):
		s.adminArticlesPage(w, r, a, t, http.StatusUnprocessableEntity, adminArticlesData{Article: art,
			Error: fmt.Sprintf("No Crossref download: Crossref's deposit schema does not accept contributor %d's name as recorded (%s %s).",
				ne.Contributor, ne.Element, ne.Reason)})
		return
	case errors.Is(err, articlemeta.ErrNoContributors):
		s.adminArticlesPage(w, r, a, t, http.StatusUnprocessableEntity, adminArticlesData{Article: art,
			Error: "No download: the article has no contributors."})
		return
	case err != nil:
		s.adminFail(w, r, a, "write the article's contributors", err)
		return
	}
	name := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return r
		}
		return '-'
	}, art.Key)
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="article-`+name+`-contributors.`+format+`.xml"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
}

// adminArticleSave creates or updates an article from the form; the
// journal service re-sends a published article's works to every author.
func (s *Server) adminArticleSave(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil || r.ParseForm() != nil {
		s.adminNotFound(w, r, a)
		return
	}
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	art := store.Article{TenantID: t.ID, Key: strings.TrimSpace(r.PostFormValue("key")), Title: strings.TrimSpace(r.PostFormValue("title")),
		JournalTitle: strings.TrimSpace(r.PostFormValue("journal_title")), ISSN: strings.TrimSpace(r.PostFormValue("issn")),
		DOI: strings.TrimSpace(r.PostFormValue("doi")), URL: strings.TrimSpace(r.PostFormValue("url")),
		PubYear: num("year"), PubMonth: num("month"), PubDay: num("day"),
		ReviewMode: store.ReviewMode(strings.TrimSpace(r.PostFormValue("review_mode"))),
		Subtitle:   strings.TrimSpace(r.PostFormValue("subtitle")), TranslatedTitle: strings.TrimSpace(r.PostFormValue("translated_title")),
		TranslatedTitleLanguage: strings.TrimSpace(r.PostFormValue("translated_title_language")),
		Abstract:                strings.TrimSpace(r.PostFormValue("abstract")), Language: strings.TrimSpace(r.PostFormValue("language")),
		OtherISSNs: strings.FieldsFunc(r.PostFormValue("other_issns"), func(c rune) bool { return c == ',' || c == ' ' || c == ';' })}
	// A mistyped year is a problem to show, never a date silently emptied.
	for _, k := range []string{"year", "month", "day"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			if _, err := strconv.Atoi(v); err != nil {
				art.PubYear = -1
			}
		}
	}
	var rows []string
	var rowErr string
	for _, v := range r.PostForm["contributor"] {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		rows = append(rows, v)
		c, err := s.adminContributor(r.Context(), t.ID, v)
		if err != nil {
			rowErr = err.Error()
			continue
		}
		art.Contributors = append(art.Contributors, c)
	}
	if len(rows) > store.MaxContributors {
		rowErr = "An article has at most " + strconv.Itoa(store.MaxContributors) + " authors."
	}
	// Another article under the same reference is never overwritten from
	// the "new article" form.
	if r.PostFormValue("new") == "1" {
		if _, err := s.store.Article(r.Context(), t.ID, art.Key); err == nil {
			s.adminArticlesPage(w, r, a, t, http.StatusConflict, adminArticlesData{Article: art, ContributorRows: rows, New: true,
				Error: "Another article already has the reference " + art.Key + ": choose another, or edit that one from the list."})
			return
		}
	}
	ps := journal.CheckArticle(&art)
	var err error
	var res journal.Result
	if rowErr != "" && ps == nil {
		ps = journal.Problems{{Field: "contributor", Message: rowErr}}
	}
	ctx := withAdminAudit(r, a, t.ID, 0, "article.saved", map[string]any{"key": art.Key})
	if ps == nil {
		res, err = s.cfg.Journal.SaveArticle(ctx, art)
	}
	var ve *orcid.ValidationError
	switch {
	case ps != nil:
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, ContributorRows: rows, ContributorError: rowErr,
			Problems: ps, Error: "The article was not saved: please correct the fields marked below.", New: r.PostFormValue("new") == "1"})
	case errors.As(err, &ps):
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, ContributorRows: rows, ContributorError: rowErr,
			Problems: ps, Error: "The article was not saved: please correct the fields marked below.", New: r.PostFormValue("new") == "1"})
	case err == nil:
		s.adminAuditDone(ctx, map[string]any{"key": res.Article.Key})
		s.adminRedirect(w, r, adminArticlePath(t.ID, res.Article.Key), "Article saved.")
	case errors.As(err, &ve), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrNotFound):
		msg := "The article could not be saved: " + adminReason(err, "the input is not valid, or a person it names no longer exists") + "."
		if ve != nil {
			msg = "ORCID would refuse this article: " + ve.Error()
		}
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, ContributorRows: rows, Error: msg, New: true})
	default:
		s.adminFail(w, r, a, "save the article", err)
	}
}

func (s *Server) adminArticlePublish(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminArticleChange(w, r, a, t, "publish", s.cfg.Journal.Publish)
}

func (s *Server) adminArticleUnpublish(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminArticleChange(w, r, a, t, "unpublish", s.cfg.Journal.Unpublish)
}

func (s *Server) adminArticleChange(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, what string,
	change func(context.Context, int64, string) (journal.Result, error)) {
	key := r.PathValue("key")
	if _, err := s.store.Article(r.Context(), t.ID, key); err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	ctx := withAdminAudit(r, a, t.ID, 0, "article."+what+"ed", map[string]any{"key": key})
	res, err := change(ctx, t.ID, key)
	var ps journal.Problems
	var ve *orcid.ValidationError
	switch {
	case errors.As(err, &ps), errors.As(err, &ve):
		// What ORCID would refuse: the article stays as it was, and the
		// page says what to correct.
		art, aerr := s.store.Article(r.Context(), t.ID, key)
		if aerr != nil {
			s.adminFail(w, r, a, what+" the article", errors.Join(err, aerr))
			return
		}
		msg := "The article was not " + what + "ed: please correct the fields marked below."
		if ve != nil {
			msg = "The article was not " + what + "ed: ORCID would refuse its work: " + ve.Error()
		}
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, Problems: ps, Error: msg})
		return
	case err != nil:
		s.adminFail(w, r, a, what+" the article", err)
		return
	}
	s.adminAuditDone(ctx, map[string]any{"items": len(res.Items), "invited": len(res.Invited)})
	flash := "Article " + what + "ed: the copies on the ORCID records of " + adminPlural(len(res.Items), "author", "authors") + " will follow."
	if len(res.Invited) > 0 {
		flash += " " + adminPlural(len(res.Invited), "author not yet connected was", "authors not yet connected were") + " asked to connect."
	}
	s.adminRedirect(w, r, adminArticlePath(t.ID, key), flash)
}

// adminPersonLine is how the form names a person of the tenant: what the
// browser's search shows, ending in the person's number.
func adminPersonLine(p store.PersonListItem) string {
	return strings.TrimSpace(p.GivenNames+" "+p.FamilyNames) + " <" + p.Email + "> [#" + strconv.FormatInt(p.ID, 10) + "]"
}

// adminContributor reads one author line: a person of the tenant when it
// ends in their number ("… [#12]", as the search offers them), else a
// co-author named only; CRediT roles may follow, each after a "|", as in
// batch files ("Ada Lovelace <ada@example.org> [#12] | http://credit.niso.org/contributor-roles/software/").
func (s *Server) adminContributor(ctx context.Context, tenantID int64, line string) (store.Contributor, error) {
	parts := strings.Split(line, "|")
	line = strings.TrimSpace(parts[0])
	var roles []string
	for _, r := range parts[1:] {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	open := strings.LastIndex(line, "[#")
	if open < 0 || !strings.HasSuffix(line, "]") {
		return store.Contributor{Name: line, Roles: roles}, nil
	}
	id, err := strconv.ParseInt(line[open+2:len(line)-1], 10, 64)
	if err != nil {
		return store.Contributor{Name: line, Roles: roles}, nil
	}
	if _, err := s.store.Person(ctx, tenantID, id); err != nil {
		return store.Contributor{}, fmt.Errorf("%q is not one of the tenant's people: choose them from the search, or type a co-author's name alone", line)
	}
	return store.Contributor{PersonID: id, Roles: roles}, nil
}

// adminContributorLine is a contributor as the form shows it, roles after
// "|".
func adminContributorLine(who string, roles []string) string {
	for _, r := range roles {
		who += " | " + r
	}
	return who
}

func adminArticlePath(tenantID int64, key string) string {
	return adminTenantPath(tenantID) + "/articles/" + key
}
