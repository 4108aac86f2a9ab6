package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

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
}

type adminArticlesData struct {
	Tenant   store.Tenant
	Articles []store.Article
	Article  store.Article // the one shown or being edited
	Authors  map[int64]bool
	People   []store.PersonListItem
	Error    string
	New      bool
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
	d.Tenant, d.People = t, page.People
	if !d.New && d.Article.ID != 0 {
		if d.Reviews, err = s.adminArticleReviews(ctx, t.ID, d.Article, d.People); err != nil {
			s.adminFail(w, r, a, "list reviews", err)
			return
		}
	}
	if d.Authors == nil {
		d.Authors = map[int64]bool{}
		for _, id := range d.Article.Authors {
			d.Authors[id] = true
		}
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
		PubYear: num("year"), PubMonth: num("month"), PubDay: num("day")}
	authors := map[int64]bool{}
	for _, v := range r.PostForm["author"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && !authors[id] {
			authors[id] = true
			art.Authors = append(art.Authors, id)
		}
	}
	res, err := s.cfg.Journal.SaveArticle(r.Context(), art)
	var ve *orcid.ValidationError
	switch {
	case err == nil:
		s.adminAudit(r, a, t.ID, 0, "article.saved", map[string]any{"key": res.Article.Key})
		s.adminRedirect(w, r, adminArticlePath(t.ID, res.Article.Key), "Article saved.")
	case errors.As(err, &ve), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrNotFound):
		msg := "The article could not be saved: " + strings.TrimPrefix(err.Error(), "journal: ")
		if ve != nil {
			msg = "ORCID would refuse this article: " + ve.Error()
		}
		s.adminArticlesPage(w, r, a, t, http.StatusBadRequest, adminArticlesData{Article: art, Authors: authors, Error: msg, New: true})
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
	res, err := change(r.Context(), t.ID, key)
	if err != nil {
		s.adminFail(w, r, a, what+" the article", err)
		return
	}
	s.adminAudit(r, a, t.ID, 0, "article."+what+"ed", map[string]any{"key": key, "items": len(res.Items), "invited": len(res.Invited)})
	flash := "Article " + what + "ed: " + strconv.Itoa(len(res.Items)) + " authors' copies on ORCID will follow."
	if len(res.Invited) > 0 {
		flash += " " + strconv.Itoa(len(res.Invited)) + " authors not yet connected were asked to connect."
	}
	s.adminRedirect(w, r, adminArticlePath(t.ID, key), flash)
}

func adminArticlePath(tenantID int64, key string) string {
	return adminTenantPath(tenantID) + "/articles/" + key
}
