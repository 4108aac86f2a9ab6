package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ArticleState is where an article stands in the journal workflow.
type ArticleState string

const (
	ArticleDraft       ArticleState = "draft"
	ArticlePublished   ArticleState = "published"
	ArticleUnpublished ArticleState = "unpublished"
)

func (s ArticleState) valid() bool {
	return s == ArticleDraft || s == ArticlePublished || s == ArticleUnpublished
}

// Article is a tenant's article (the journal workflow, issue 6), named by
// the tenant's own Key.
type Article struct {
	ID       int64
	TenantID int64
	Key      string
	Title    string
	Subtitle string
	// TranslatedTitle is the title in TranslatedTitleLanguage (an ORCID
	// language code).
	TranslatedTitle, TranslatedTitleLanguage string
	// Abstract becomes the work's short description; Language (an ORCID
	// language code) the language it is written in.
	Abstract, Language string
	JournalTitle       string
	// ISSN is the journal's ("" for none): it names the review group of
	// the article's peer reviews. OtherISSNs are the journal's others (the
	// electronic one of a printed journal, say).
	ISSN       string
	OtherISSNs []string
	// Type is the ORCID work type; "" is saved as journal-article.
	Type string
	DOI  string
	URL  string
	// PubYear, PubMonth and PubDay are the publication date; 0 for none.
	PubYear, PubMonth, PubDay int
	// ReviewMode is the article's review model; "" takes the tenant's.
	ReviewMode ReviewMode
	State      ArticleState
	// Contributors are everyone who wrote it, in order: people of the
	// tenant and co-authors named only. Saving an article with no
	// Contributors takes Authors as its contributors.
	Contributors []Contributor
	// Authors are the people of the tenant among the contributors, in
	// order: the records the article's work goes to.
	Authors   []int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Contributor is one author of an article: a person of the tenant
// (PersonID), or someone outside it known by Name alone, whose record
// orcidlink never writes to.
type Contributor struct {
	PersonID int64
	Name     string
	// Roles are CRediT role URIs (orcid.CreditContributorRoles); none
	// means "author".
	Roles []string
}

// MaxContributors bounds an article's contributors.
const MaxContributors = 500

// ArticleReview is a completed review of an article by a person of the
// tenant.
type ArticleReview struct {
	ID        int64
	TenantID  int64
	ArticleID int64
	PersonID  int64
	// Key is the tenant's own name for the review.
	Key string
	// Completed is the day the review was completed (UTC date).
	Completed time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

const articleCols = `id, tenant_id, article_key, title, journal_title, issn, work_type, doi, url, pub_year, pub_month,
	pub_day, review_mode, subtitle, translated_title, translated_title_language, abstract, language, other_issns,
	state, created_at, updated_at`

func scanArticle(r scanner) (Article, error) {
	var a Article
	var others string
	err := r.Scan(&a.ID, &a.TenantID, &a.Key, &a.Title, &a.JournalTitle, &a.ISSN, &a.Type, &a.DOI, &a.URL, &a.PubYear,
		&a.PubMonth, &a.PubDay, &a.ReviewMode, &a.Subtitle, &a.TranslatedTitle, &a.TranslatedTitleLanguage, &a.Abstract,
		&a.Language, &others, &a.State, timeDest{&a.CreatedAt}, timeDest{&a.UpdatedAt})
	a.OtherISSNs = strings.Fields(others)
	return a, err
}

func (a *Article) normalize() error {
	a.Key, a.Title = strings.TrimSpace(a.Key), strings.TrimSpace(a.Title)
	a.JournalTitle, a.ISSN = strings.TrimSpace(a.JournalTitle), strings.TrimSpace(a.ISSN)
	a.Type, a.DOI, a.URL = strings.TrimSpace(a.Type), strings.TrimSpace(a.DOI), strings.TrimSpace(a.URL)
	a.Subtitle, a.Abstract, a.Language = strings.TrimSpace(a.Subtitle), strings.TrimSpace(a.Abstract), strings.TrimSpace(a.Language)
	a.TranslatedTitle, a.TranslatedTitleLanguage = strings.TrimSpace(a.TranslatedTitle), strings.TrimSpace(a.TranslatedTitleLanguage)
	a.OtherISSNs = strings.Fields(strings.Join(a.OtherISSNs, " "))
	if a.Type == "" {
		a.Type = "journal-article"
	}
	if a.State == "" {
		a.State = ArticleDraft
	}
	if err := checkTexts("key", a.Key, "title", a.Title, "subtitle", a.Subtitle, "translated_title", a.TranslatedTitle,
		"translated_title_language", a.TranslatedTitleLanguage, "journal_title", a.JournalTitle, "issn", a.ISSN,
		"other_issns", strings.Join(a.OtherISSNs, " "), "type", a.Type, "doi", a.DOI, "url", a.URL,
		"language", a.Language); err != nil {
		return err
	}
	// An abstract is the one field with paragraphs.
	if err := CheckText("abstract", a.Abstract, true); err != nil {
		return err
	}
	switch {
	case a.Key == "" || len(a.Key) > 200:
		return Refusal(ErrInvalid, "article key must be 1 to 200 bytes")
	case a.Title == "":
		return Refusal(ErrInvalid, "article title is required")
	case !a.State.valid():
		return Refusal(ErrInvalid, "article state %q", a.State)
	case !a.ReviewMode.Valid():
		return Refusal(ErrInvalid, "review mode %q is not one of %v", a.ReviewMode, ReviewModes)
	case a.PubYear < 0 || a.PubYear > 9999 || a.PubMonth < 0 || a.PubMonth > 12 || a.PubDay < 0 || a.PubDay > 31:
		return Refusal(ErrInvalid, "publication date %d-%d-%d", a.PubYear, a.PubMonth, a.PubDay)
	}
	if len(a.Contributors) == 0 {
		for _, id := range a.Authors {
			a.Contributors = append(a.Contributors, Contributor{PersonID: id})
		}
	}
	if len(a.Contributors) > MaxContributors {
		return Refusal(ErrInvalid, "an article has at most %d contributors", MaxContributors)
	}
	seen := map[int64]bool{}
	a.Authors = nil
	for i := range a.Contributors {
		c := &a.Contributors[i]
		c.Name = strings.TrimSpace(c.Name)
		if err := CheckText(fmt.Sprintf("contributors/%d/name", i), c.Name, false); err != nil {
			return err
		}
		switch {
		case c.PersonID == 0 && (c.Name == "" || len(c.Name) > 1000):
			return Refusal(ErrInvalid, "contributor %d needs a person or a name of 1 to 1,000 bytes", i+1)
		case c.PersonID != 0 && seen[c.PersonID]:
			return Refusal(ErrInvalid, "author %d named twice", c.PersonID)
		case len(c.Roles) > 14:
			return Refusal(ErrInvalid, "contributor %d has more roles than CRediT defines", i+1)
		}
		for _, r := range c.Roles {
			if r == "" || strings.ContainsAny(r, " \t\n") || len(r) > 200 {
				return Refusal(ErrInvalid, "contributor %d: role %q", i+1, r)
			}
		}
		if c.PersonID != 0 {
			c.Name = "" // a person's name is theirs, read when the work is built
			seen[c.PersonID] = true
			a.Authors = append(a.Authors, c.PersonID)
		}
	}
	return nil
}

// SaveArticle creates the article a.Key of a.TenantID, or updates its
// metadata and authors. On update, a.State "" (or draft) keeps the state;
// published or unpublished sets it.
// Authors must be people of the tenant (else ErrNotFound). It returns the
// article as stored and the authors the update removed.
func (o *ops) SaveArticle(ctx context.Context, a Article) (_ Article, removed []int64, err error) {
	defer wrap(&err, "save article %q in tenant %d", a.Key, a.TenantID)
	if err := a.normalize(); err != nil {
		return Article{}, nil, err
	}
	var out Article
	err = o.atomic(ctx, func(o *ops) error {
		now := timeText(o.now())
		old, err := o.articleByKey(ctx, a.TenantID, a.Key)
		switch {
		case err == nil:
			state := old.State
			if a.State != ArticleDraft || old.State == ArticleDraft {
				state = a.State
			}
			rows, err := o.query(ctx, `UPDATE articles SET title = ?, journal_title = ?, issn = ?, work_type = ?, doi = ?,
				url = ?, pub_year = ?, pub_month = ?, pub_day = ?, review_mode = ?, subtitle = ?, translated_title = ?,
				translated_title_language = ?, abstract = ?, language = ?, other_issns = ?, state = ?, updated_at = ?
				WHERE id = ? AND tenant_id = ? RETURNING `+articleCols,
				a.Title, a.JournalTitle, a.ISSN, a.Type, a.DOI, a.URL, a.PubYear, a.PubMonth, a.PubDay, string(a.ReviewMode),
				a.Subtitle, a.TranslatedTitle, a.TranslatedTitleLanguage, a.Abstract, a.Language, strings.Join(a.OtherISSNs, " "),
				string(state), now,
				old.ID, a.TenantID)
			got, err := collect(rows, err, scanArticle)
			if err != nil {
				return err
			}
			out = got[0]
			keep := map[int64]bool{}
			for _, id := range a.Authors {
				keep[id] = true
			}
			for _, id := range old.Authors {
				if !keep[id] {
					removed = append(removed, id)
				}
			}
			if _, err := o.exec(ctx, `DELETE FROM article_contributors WHERE article_id = ? AND tenant_id = ?`,
				old.ID, a.TenantID); err != nil {
				return err
			}
		case errors.Is(err, ErrNotFound):
			if err := o.mustExist(ctx, "tenant", a.TenantID, `SELECT 1 FROM tenants WHERE id = ?`, a.TenantID); err != nil {
				return err
			}
			rows, err := o.query(ctx, `INSERT INTO articles (tenant_id, article_key, title, journal_title, issn, work_type,
				doi, url, pub_year, pub_month, pub_day, review_mode, subtitle, translated_title, translated_title_language,
				abstract, language, other_issns, state, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+articleCols,
				a.TenantID, a.Key, a.Title, a.JournalTitle, a.ISSN, a.Type, a.DOI, a.URL, a.PubYear, a.PubMonth, a.PubDay,
				string(a.ReviewMode), a.Subtitle, a.TranslatedTitle, a.TranslatedTitleLanguage, a.Abstract, a.Language,
				strings.Join(a.OtherISSNs, " "), string(a.State), now, now)
			got, err := collect(rows, err, scanArticle)
			if err != nil {
				return dbErr(err, ErrNotFound)
			}
			out = got[0]
		default:
			return err
		}
		for i, c := range a.Contributors {
			var person any
			if c.PersonID != 0 {
				if err := o.personOfTenant(ctx, a.TenantID, c.PersonID); err != nil {
					return err
				}
				person = c.PersonID
			}
			if _, err := o.exec(ctx, `INSERT INTO article_contributors (article_id, tenant_id, sequence, person_id, name, roles)
				VALUES (?, ?, ?, ?, ?, ?)`, out.ID, a.TenantID, i+1, person, c.Name, strings.Join(c.Roles, " ")); err != nil {
				return dbErr(err, ErrNotFound)
			}
		}
		out.Contributors = cloneContributors(a.Contributors)
		out.Authors = append([]int64(nil), a.Authors...)
		return nil
	})
	if err != nil {
		return Article{}, nil, err
	}
	return out, removed, nil
}

func (o *ops) articleByKey(ctx context.Context, tenantID int64, key string) (Article, error) {
	a, err := scanArticle(o.queryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE tenant_id = ? AND article_key = ?`,
		tenantID, strings.TrimSpace(key)))
	if err != nil {
		return Article{}, notFound(err)
	}
	rows, err := o.query(ctx, `SELECT person_id, name, roles FROM article_contributors WHERE article_id = ? AND tenant_id = ?
		ORDER BY sequence`, a.ID, tenantID)
	cs, err := collect(rows, err, func(r scanner) (Contributor, error) {
		var c Contributor
		var person *int64
		var roles string
		err := r.Scan(&person, &c.Name, &roles)
		if person != nil {
			c.PersonID = *person
		}
		c.Roles = strings.Fields(roles)
		return c, err
	})
	if err != nil {
		return Article{}, err
	}
	a.Contributors = cs
	for _, c := range cs {
		if c.PersonID != 0 {
			a.Authors = append(a.Authors, c.PersonID)
		}
	}
	return a, nil
}

func cloneContributors(cs []Contributor) []Contributor {
	out := make([]Contributor, len(cs))
	for i, c := range cs {
		out[i] = Contributor{PersonID: c.PersonID, Name: c.Name, Roles: append([]string(nil), c.Roles...)}
	}
	return out
}

// Article reads a tenant's article by its key, with its authors.
func (o *ops) Article(ctx context.Context, tenantID int64, key string) (_ Article, err error) {
	defer wrap(&err, "article %q of tenant %d", key, tenantID)
	var out Article
	err = o.atomic(ctx, func(o *ops) error {
		out, err = o.articleByKey(ctx, tenantID, key)
		return err
	})
	return out, err
}

// SetArticleState moves a tenant's article to state.
func (o *ops) SetArticleState(ctx context.Context, tenantID int64, key string, state ArticleState) (_ Article, err error) {
	defer wrap(&err, "set state of article %q of tenant %d", key, tenantID)
	if !state.valid() {
		return Article{}, Refusal(ErrInvalid, "article state %q", state)
	}
	var out Article
	err = o.atomic(ctx, func(o *ops) error {
		if err := affected(o.exec(ctx, `UPDATE articles SET state = ?, updated_at = ? WHERE tenant_id = ? AND article_key = ?`,
			string(state), timeText(o.now()), tenantID, strings.TrimSpace(key))); err != nil {
			return err
		}
		out, err = o.articleByKey(ctx, tenantID, key)
		return err
	})
	return out, err
}

const reviewCols = `id, tenant_id, article_id, person_id, review_key, completed_on, created_at, updated_at`

func scanReview(r scanner) (ArticleReview, error) {
	var v ArticleReview
	var day string
	err := r.Scan(&v.ID, &v.TenantID, &v.ArticleID, &v.PersonID, &v.Key, &day, timeDest{&v.CreatedAt},
		timeDest{&v.UpdatedAt})
	if err != nil {
		return v, err
	}
	if v.Completed, err = time.Parse(time.DateOnly, day); err != nil {
		return v, fmt.Errorf("review %d: completion date %q: %w", v.ID, day, err)
	}
	return v, nil
}

// SaveArticleReview records that r.PersonID completed a review of a
// tenant's article (one review per reviewer and article: a second call
// updates it). The article and the reviewer must be the tenant's.
func (o *ops) SaveArticleReview(ctx context.Context, r ArticleReview) (_ ArticleReview, err error) {
	defer wrap(&err, "save review of article %d by person %d in tenant %d", r.ArticleID, r.PersonID, r.TenantID)
	r.Key = strings.TrimSpace(r.Key)
	if r.Key == "" || len(r.Key) > 200 || r.Completed.IsZero() {
		return ArticleReview{}, Refusal(ErrInvalid, "a review needs a key (1 to 200 bytes) and a completion date")
	}
	var out ArticleReview
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.mustExist(ctx, "article", r.ArticleID, `SELECT 1 FROM articles WHERE id = ? AND tenant_id = ?`,
			r.ArticleID, r.TenantID); err != nil {
			return err
		}
		if err := o.personOfTenant(ctx, r.TenantID, r.PersonID); err != nil {
			return err
		}
		now := timeText(o.now())
		rows, err := o.query(ctx, `INSERT INTO article_reviews (article_id, tenant_id, person_id, review_key, completed_on,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (article_id, person_id) DO UPDATE SET review_key = excluded.review_key,
			completed_on = excluded.completed_on, updated_at = excluded.updated_at RETURNING `+reviewCols,
			r.ArticleID, r.TenantID, r.PersonID, r.Key, r.Completed.UTC().Format(time.DateOnly), now, now)
		got, err := collect(rows, err, scanReview)
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		out = got[0]
		return nil
	})
	return out, err
}

// ListArticleReviews lists the reviews of a tenant's article in id order.
func (o *ops) ListArticleReviews(ctx context.Context, tenantID, articleID int64) (_ []ArticleReview, err error) {
	defer wrap(&err, "reviews of article %d of tenant %d", articleID, tenantID)
	rows, err := o.query(ctx, `SELECT `+reviewCols+` FROM article_reviews WHERE tenant_id = ? AND article_id = ?
		ORDER BY id`, tenantID, articleID)
	return collect(rows, err, scanReview)
}

// ListArticles lists a tenant's articles, newest first (authors not
// loaded: read one article for them).
func (o *ops) ListArticles(ctx context.Context, tenantID int64, limit int) (_ []Article, err error) {
	defer wrap(&err, "list articles of tenant %d", tenantID)
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := o.query(ctx, `SELECT `+articleCols+` FROM articles WHERE tenant_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?`,
		tenantID, limit)
	return collect(rows, err, scanArticle)
}
