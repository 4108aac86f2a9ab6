package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Journal saves and publishes articles; *journal.Service is one. An
// articles file goes through it as the admin UI's and the REST API's
// articles do, so that the three share one set of rules (those of
// journal.CheckArticle) and one workflow.
type Journal interface {
	SaveArticle(ctx context.Context, a store.Article) (journal.Result, error)
	Publish(ctx context.Context, tenantID int64, articleKey string) (journal.Result, error)
}

var _ Journal = (*journal.Service)(nil)

// contribRef is a contributor as a file names them, before the tenant's
// people are looked up: a person by email, reference or id, or a name.
type contribRef struct {
	email, ref string
	id         int64
	name       string
	roles      []string
	// bad: the entry could not be read (reported already); it stands in
	// the list as a placeholder, so that the journal's rules still number
	// the others as the file does.
	bad bool
}

// person reports whether the entry names a person of the tenant.
func (c contribRef) person() bool { return c.email != "" || c.ref != "" || c.id != 0 }

// String names the entry in messages as the file wrote it.
func (c contribRef) String() string {
	s := c.name
	switch {
	case c.email != "":
		s = c.email
	case c.ref != "":
		s = "ref:" + c.ref
	case c.id != 0:
		s = "person_id " + strconv.FormatInt(c.id, 10)
	case s == "":
		return "empty"
	}
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// colProblem is a problem of one column found while reading a row.
type colProblem struct {
	column string
	code   Code
	msg    string
}

// rowArticle is an article as a row gives it, its contributors not yet
// looked up.
type rowArticle struct {
	a        store.Article
	contribs []contribRef
	// others are the other ISSNs as written, to quote in messages.
	others  []string
	publish bool
}

// readArticle reads the article of a row's values: what is the file's
// own syntax (the date's text, lists, yes or no) is read here; whether the
// article is valid is journal.CheckArticle's to say. Validation and import
// both read rows with it.
func readArticle(v map[string]string) (rowArticle, []colProblem) {
	var probs []colProblem
	r := rowArticle{a: store.Article{Key: v["key"], Title: v["title"], Subtitle: v["subtitle"],
		TranslatedTitle: v["translated-title"], TranslatedTitleLanguage: v["translated-title-language"],
		Abstract: v["abstract"], Language: v["language"], Type: v["type"], JournalTitle: v["journal-title"],
		ISSN: v["issn"], DOI: v["doi"], URL: v["url"], ReviewMode: store.ReviewMode(v["review-mode"])}}
	if d := v["publication-date"]; d != "" {
		y, m, day, ok := dateParts(d)
		if !ok {
			probs = append(probs, colProblem{"publication-date", CodeBadDate, dateSyntaxMessage(d)})
		}
		r.a.PubYear, r.a.PubMonth, r.a.PubDay = y, m, day
	}
	others, err := splitList(v["other-issns"])
	if err != nil {
		probs = append(probs, colProblem{"other-issns", CodeBadValue, "other-issns is not a JSON array of texts: " + err.Error()})
	}
	r.others, r.a.OtherISSNs = others, others
	var cps []colProblem
	r.contribs, cps = parseContributors(v["contributors"])
	probs = append(probs, cps...)
	r.publish, _ = yesNo(v["publish"])
	return r, probs
}

// splitList reads a list column: a JSON array of texts, or texts
// separated by ";".
func splitList(v string) ([]string, error) {
	var out []string
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			return nil, errors.New("each element must be a text")
		}
		return out, nil
	}
	for part := range strings.SplitSeq(v, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out, nil
}

// dateParts reads a date's text, YYYY, YYYY-MM or YYYY-MM-DD, into the
// article's numbers. Whether the date exists and ORCID takes its year is
// the journal's rule (CheckArticle); a month or day written 00 is no
// date's text, since 0 means "none" in the article.
func dateParts(s string) (y, m, d int, ok bool) {
	p := dateRe.FindStringSubmatch(s)
	if p == nil {
		return 0, 0, 0, false
	}
	y, _ = strconv.Atoi(p[1])
	if p[2] != "" {
		if m, _ = strconv.Atoi(p[2]); m == 0 {
			return 0, 0, 0, false
		}
	}
	if p[3] != "" {
		if d, _ = strconv.Atoi(p[3]); d == 0 {
			return 0, 0, 0, false
		}
	}
	return y, m, d, true
}

func dateSyntaxMessage(v string) string {
	return fmt.Sprintf("%q is not a date: write YYYY, YYYY-MM or YYYY-MM-DD", v)
}

// yesNo reads the publish column; "" is no.
func yesNo(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true":
		return true, true
	case "no", "false", "":
		return false, true
	}
	return false, false
}

// parseContributors reads the contributors column: entries separated by
// ";" (see the column's help), or a JSON array of such entries and of
// objects like the REST API's. Entries are numbered from 1 among those
// given, as the journal's rules number them.
func parseContributors(v string) ([]contribRef, []colProblem) {
	var out []contribRef
	var probs []colProblem
	add := func(c contribRef, code Code, msg string) {
		if msg != "" {
			probs = append(probs, colProblem{"contributors", code, fmt.Sprintf("contributor %d: %s", len(out)+1, msg)})
			c = contribRef{bad: true}
		}
		out = append(out, c)
	}
	if !strings.HasPrefix(v, "[") {
		for entry := range strings.SplitSeq(v, ";") {
			if entry = strings.TrimSpace(entry); entry != "" {
				c, code, msg := contributorText(entry)
				add(c, code, msg)
			}
		}
		return out, probs
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(v), &elems); err != nil {
		return nil, []colProblem{{"contributors", CodeBadValue, "contributors is not a JSON array of contributors"}}
	}
	for _, e := range elems {
		c, code, msg := contributorJSON(e)
		add(c, code, msg)
	}
	return out, probs
}

// contributorText reads "ada@example.org", "ref:E1234" or a name, each
// optionally followed by CRediT roles, each after "|".
func contributorText(entry string) (contribRef, Code, string) {
	parts := strings.Split(entry, "|")
	var c contribRef
	for _, r := range parts[1:] {
		if r = strings.TrimSpace(r); r != "" {
			c.roles = append(c.roles, r)
		}
	}
	who := strings.TrimSpace(parts[0])
	switch {
	case len(who) >= 4 && strings.EqualFold(who[:4], "ref:"):
		if c.ref = strings.TrimSpace(who[4:]); c.ref == "" {
			return c, CodeBadValue, `"ref:" names no reference`
		}
	case strings.Contains(who, "@") && !strings.ContainsAny(who, " \t"):
		if !isEmail(who) {
			return c, CodeBadEmail, fmt.Sprintf("%q is not an email address like name@example.org", who)
		}
		c.email = strings.ToLower(who)
	default:
		c.name = who // none: the journal's rules say it needs one
	}
	return c, "", ""
}

// contributorJSON reads an element of a JSON array of contributors: a
// text as in a CSV cell, or an object with one of person_id, email,
// person_ref or name, and roles.
func contributorJSON(raw json.RawMessage) (contribRef, Code, string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return contributorText(s)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return contribRef{}, CodeBadValue, "is neither a text nor an object"
	}
	var c contribRef
	text := func(k string, into *string) error {
		if err := json.Unmarshal(obj[k], into); err != nil {
			return fmt.Errorf("%s must be a text", k)
		}
		*into = strings.TrimSpace(*into)
		return nil
	}
	for _, k := range []string{"person_id", "email", "person_ref", "name", "roles"} {
		if _, ok := obj[k]; !ok || string(obj[k]) == "null" {
			continue
		}
		var err error
		switch k {
		case "person_id":
			if json.Unmarshal(obj[k], &c.id) != nil || c.id <= 0 {
				err = errors.New("person_id must be a person's id, a positive whole number")
			}
		case "email":
			if err = text(k, &c.email); err == nil && !isEmail(c.email) {
				return c, CodeBadEmail, fmt.Sprintf("%q is not an email address like name@example.org", c.email)
			}
			c.email = strings.ToLower(c.email)
		case "person_ref":
			err = text(k, &c.ref)
		case "name":
			err = text(k, &c.name)
		case "roles":
			if json.Unmarshal(obj[k], &c.roles) != nil {
				err = errors.New("roles must be an array of CRediT role URIs")
			}
		}
		if err != nil {
			return c, CodeBadValue, err.Error()
		}
	}
	for k := range obj {
		switch k {
		case "person_id", "email", "person_ref", "name", "roles":
		default:
			return c, CodeBadValue, fmt.Sprintf("%q is not a field of a contributor (person_id, email, person_ref, name, roles)", k)
		}
	}
	if n := btoi(c.id != 0) + btoi(c.email != "") + btoi(c.ref != ""); n > 1 {
		return c, CodeBadValue, "names its person by one of person_id, email or person_ref, not several"
	}
	return c, "", ""
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pendingArticle is a row's article waiting for its contributors to be
// looked up with the rest of the chunk.
type pendingArticle struct {
	rowArticle
	// skip holds the columns with a problem already: the journal's rules
	// are not reported on them again.
	skip map[string]bool
}

// checkArticle reads a row's article (Kind Articles); its rules are
// checked once its people are known (articleChecks).
func (v *validator) checkArticle(p *pendingRow, bad map[string]bool, add func(string, Code, string, ...any)) {
	r, probs := readArticle(p.Values)
	pa := &pendingArticle{rowArticle: r, skip: maps.Clone(bad)}
	for _, pr := range probs {
		if bad[pr.column] {
			continue // the column's text is wrong already (control characters, not UTF-8)
		}
		add(pr.column, pr.code, "%s", pr.msg)
		if pr.column != "contributors" {
			// A bad contributor stands as a placeholder; the others are
			// still checked.
			pa.skip[pr.column] = true
		}
	}
	if bad["contributors"] {
		pa.contribs = nil
	}
	p.article = pa
}

// resolveArticles looks up the people the chunk's articles name, in one
// go per chunk as the other kinds' people are, then checks each article.
func (v *validator) resolveArticles(ctx context.Context, chunk []pendingRow) error {
	var emails, refs []string
	var ids []int64
	for _, p := range chunk {
		if p.article == nil {
			continue
		}
		for _, c := range p.article.contribs {
			switch {
			case c.bad:
			case c.email != "":
				emails = append(emails, c.email)
			case c.ref != "":
				refs = append(refs, c.ref)
			case c.id != 0:
				ids = append(ids, c.id)
			}
		}
	}
	known := store.PeopleRefs{}
	var err error
	if len(emails)+len(refs) > 0 {
		if known, err = v.opts.People.ResolvePeople(ctx, v.opts.TenantID, emails, refs); err != nil {
			return fmt.Errorf("batch: validate: %w", err)
		}
	}
	var knownIDs map[int64]bool
	if len(ids) > 0 {
		if knownIDs, err = v.opts.People.KnownPersonIDs(ctx, v.opts.TenantID, ids); err != nil {
			return fmt.Errorf("batch: validate: %w", err)
		}
	}
	for i := range chunk {
		if chunk[i].article != nil {
			v.articleChecks(&chunk[i], known, knownIDs)
		}
	}
	return nil
}

// unresolved stands for a contributor that is reported already (unknown,
// or unreadable): a name, which the journal's rules take as it is.
const unresolved = "?"

// articleChecks reports a row's contributors who are no people of the
// tenant, then every problem journal.CheckArticle finds, each on its
// column.
func (v *validator) articleChecks(p *pendingRow, known store.PeopleRefs, knownIDs map[int64]bool) {
	pa := p.article
	add := func(column string, code Code, msg string) {
		p.Problems = append(p.Problems, Problem{Row: p.Row.Row, Line: p.Line, Column: column, Code: code, Message: msg})
	}
	a := pa.a
	a.TenantID = v.opts.TenantID
	a.OtherISSNs = append([]string(nil), pa.others...)
	for i, c := range pa.contribs {
		ct := store.Contributor{Name: c.name, Roles: c.roles}
		if c.bad {
			ct = store.Contributor{Name: unresolved}
		} else if c.person() {
			var ok bool
			switch {
			case c.email != "":
				ct.PersonID, ok = known.ByEmail[c.email]
			case c.ref != "":
				ct.PersonID, ok = known.ByRef[c.ref]
			default:
				ct.PersonID, ok = c.id, knownIDs[c.id]
			}
			if !ok {
				add("contributors", CodeUnknownPerson, fmt.Sprintf("contributor %d: no person %s in this tenant: add them first, or name them by name alone", i+1, c))
				ct = store.Contributor{Name: unresolved, Roles: c.roles}
			}
		}
		a.Contributors = append(a.Contributors, ct)
	}
	for _, pr := range journal.CheckArticle(&a) {
		column, msg := pa.problem(pr, p.Values)
		if pa.skip[column] {
			continue
		}
		add(column, articleCode(column, pr.Message), msg)
	}
}

// articleFields maps the journal's field names to the columns.
var articleFields = map[string]string{
	"title": "title", "subtitle": "subtitle", "translated_title": "translated-title",
	"translated_title_language": "translated-title-language", "abstract": "abstract", "language": "language",
	"journal_title": "journal-title", "issn": "issn", "other_issns": "other-issns", "doi": "doi", "url": "url",
	"type": "type", "publication_date": "publication-date", "review_mode": "review-mode", "contributors": "contributors",
}

// problem names the column of one of the journal's problems and says it
// as a file's problem, quoting the value: the entry of a list by its
// number and as written.
func (pa *pendingArticle) problem(pr journal.Problem, values map[string]string) (column, msg string) {
	parts := strings.Split(pr.Field, "/")
	column = articleFields[parts[0]]
	if column == "" {
		return "", pr.Field + " " + pr.Message // a field this table does not know yet: the row's
	}
	if len(parts) == 1 {
		if v := values[column]; v != "" && column != "contributors" && column != "other-issns" && utf8.RuneCountInString(v) <= 100 {
			return column, fmt.Sprintf("%s %q %s", column, v, pr.Message)
		}
		return column, column + " " + pr.Message
	}
	n, _ := strconv.Atoi(parts[1])
	switch column {
	case "other-issns":
		what := ""
		if n < len(pa.others) {
			what = fmt.Sprintf(" %q", pa.others[n])
		}
		return column, fmt.Sprintf("other-issns entry %d%s %s", n+1, what, pr.Message)
	case "contributors":
		who := fmt.Sprintf("contributor %d", n+1)
		if n < len(pa.contribs) {
			who += " (" + pa.contribs[n].String() + ")"
		}
		if len(parts) == 4 && parts[2] == "roles" {
			m, _ := strconv.Atoi(parts[3])
			if n < len(pa.contribs) && m < len(pa.contribs[n].roles) {
				return column, fmt.Sprintf("%s: role %q %s", who, pa.contribs[n].roles[m], pr.Message)
			}
		}
		return column, who + " " + pr.Message
	}
	return column, column + " " + pr.Message
}

// articleCode is the problem code of one of the journal's problems, by
// its column and the start of its message.
func articleCode(column, msg string) Code {
	switch {
	case column == "publication-date":
		return CodeBadDate
	case strings.HasPrefix(msg, "is required"), strings.HasPrefix(msg, "needs"):
		if column == "title" {
			return CodeMissingTitle
		}
		return CodeRequired
	case strings.Contains(msg, "longer than"), strings.Contains(msg, "more than"):
		return CodeTooLong
	}
	switch column {
	case "doi":
		return CodeBadDOI
	case "issn", "other-issns":
		return CodeBadIdentifier
	case "url":
		return CodeBadURL
	case "type":
		return CodeUnknownWorkType
	}
	return CodeBadValue
}

// article imports a row of an articles file: its contributors looked up
// again (people may have changed since the upload), the article saved
// through the journal's workflow, then published when the row asks.
func (r *run) article(ctx context.Context, row store.BatchRow, v map[string]string) error {
	st, tid := r.s.st, r.b.TenantID
	fail := func(msg string) error {
		return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, 0, 0, store.RowFailed, msg)
	}
	j := r.s.cfg.Journal
	if j == nil {
		return fail("the journal workflow is not enabled on this server")
	}
	ra, probs := readArticle(v)
	if len(probs) > 0 {
		return fail(probs[0].msg)
	}
	a := ra.a
	a.TenantID = tid
	var people []store.Person
	for i, c := range ra.contribs {
		ct := store.Contributor{Name: c.name, Roles: c.roles}
		if c.person() {
			var p store.Person
			var err error
			switch {
			case c.email != "":
				p, err = st.PersonByEmail(ctx, tid, c.email)
			case c.ref != "":
				p, err = st.PersonByExternalRef(ctx, tid, c.ref)
			default:
				p, err = st.Person(ctx, tid, c.id)
			}
			if errors.Is(err, store.ErrNotFound) {
				return fail(fmt.Sprintf("contributor %d: no person %s in this tenant", i+1, c))
			}
			if err != nil {
				return err
			}
			ct.PersonID = p.ID
			people = append(people, p)
		}
		a.Contributors = append(a.Contributors, ct)
	}
	res, err := j.SaveArticle(ctx, a)
	if rowError(err) {
		return fail(err.Error())
	}
	if err != nil {
		return err
	}
	var msgs []string
	// Authors are invited once the article is saved, as the journal guide
	// does at submission; none is sent for an article that was not.
	if r.b.Invite {
		invited := 0
		for _, p := range people {
			m, err := r.invite(ctx, p)
			if err != nil {
				return err
			}
			switch {
			case m == "invited":
				invited++
			case m != "":
				msgs = append(msgs, p.Email+" "+m)
			}
		}
		if invited > 0 {
			msgs = append(msgs, countOf(invited, "author", "authors")+" invited")
		}
	}
	switch {
	case res.Article.State == store.ArticlePublished:
		// Saving a published article already put every author's copy.
		msgs = append([]string{fmt.Sprintf("saved; published, %s updated", countOf(len(res.Items), "author's copy", "authors' copies"))}, msgs...)
	case ra.publish:
		pub, err := j.Publish(ctx, tid, a.Key)
		if rowError(err) {
			return fail("saved as " + string(res.Article.State) + ", but not published: " + err.Error())
		}
		if err != nil {
			return err
		}
		head := fmt.Sprintf("saved and published: queued for %s", countOf(len(pub.Items), "author", "authors"))
		if len(pub.Invited) > 0 {
			head += fmt.Sprintf(", %d invited", len(pub.Invited))
		}
		msgs = append([]string{head}, msgs...)
	default:
		msgs = append([]string{"saved as " + string(res.Article.State)}, msgs...)
	}
	return st.SetBatchRowOutcome(ctx, row.BatchID, row.Row, 0, 0, store.RowDone, strings.Join(msgs, "; "))
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
