package journal_test

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
)

func TestBibTeX(t *testing.T) {
	a := store.Article{Key: "jx, 1", Title: "On {Braces} & 100%", Subtitle: "A Study", JournalTitle: "Journal of X",
		ISSN: "1741-4857", DOI: "10.5555/jx_1", PubYear: 2026, PubMonth: 3,
		Contributors: []store.Contributor{{PersonID: 7}, {Name: "Charles Babbage"}}}
	got := journal.BibTeX(a, map[int64]journal.Person{7: {Name: "Ada Lovelace"}})
	want := `@article{jx--1,
  author = {Ada Lovelace and Charles Babbage},
  title = {On \{Braces\} \& 100\%: A Study},
  journal = {Journal of X},
  year = {2026},
  month = {3},
  issn = {1741-4857},
  doi = {10.5555/jx\_1}
}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	a.Type = "conference-paper"
	if got := journal.BibTeX(a, nil); got[:15] != "@inproceedings{" {
		t.Fatalf("conference paper: %s", got)
	}
}
