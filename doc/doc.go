// Package doc holds orcidlink's guides (the Markdown files beside this
// one), embedded in the binary so that the admin UI serves them at
// /admin/help/ (internal/web/admin_help.go): an administrator reads the
// guide of the very version that runs, with no checkout at hand.
package doc

import (
	"embed"
	"io/fs"
)

//go:embed *.md
var files embed.FS

// Files is the guides, one NAME.md each.
func Files() fs.FS { return files }
