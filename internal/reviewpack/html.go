package reviewpack

import (
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes the pack as one self-contained HTML file: no external
// style, script or image, so that it can be emailed to ORCID or attached to
// a ticket and read anywhere. Everything that came from the tenant or the
// registry (names, URLs, messages) is escaped by html/template.
func (p *Pack) WriteHTML(w io.Writer) error {
	t, err := template.New("pack").Funcs(template.FuncMap{
		// The tag is written whole: html/template would write each "+"
		// of the base64 as "&#43;", making the file larger for nothing.
		// Safe: base64's alphabet has no quote, and the rest is escaped.
		"img": func(s Step) template.HTML {
			return template.HTML(`<img src="` + dataURL(s.PNG) + `" alt="Screenshot: ` + //nolint:gosec // see above
				template.HTMLEscapeString(s.Title) + `" data-step="` + template.HTMLEscapeString(s.ID) + `">`)
		},
		"join": strings.Join,
		"inc":  func(i int) int { return i + 1 },
	}).Parse(packHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, p)
}

// MemberAPI is the version of ORCID's API orcidlink uses.
func (p *Pack) MemberAPI() string { return "3.0" }

const packHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ORCID integration review: {{.Tenant.Name}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1, h2, h3 { line-height: 1.2; }
figure { margin: 1.5rem 0 2.5rem; }
figure img { max-width: 100%; border: 1px solid #bbb; box-shadow: 0 1px 4px #0002; }
figcaption { margin-top: .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.url { word-break: break-all; }
code { font-size: .9em; }
.left-out { background: #fff4e5; border-left: 4px solid #e08a00; padding: .5rem 1rem; }
</style>
</head>
<body>
<h1>ORCID integration review: {{.Tenant.Name}}</h1>
<p>A demonstration of how <strong>{{.Tenant.Name}}</strong> connects researchers to ORCID through orcidlink, made
{{.Created.Format "2 January 2006 15:04 MST"}} against the sandbox credential <strong>{{.Credential.Name}}</strong>
(client <code>{{.Credential.ClientID}}</code>{{with .Credential.ClientName}}, shown to researchers as &ldquo;{{.}}&rdquo;{{end}},
registry {{.Credential.Env.SiteURL}}). Each step below is a screenshot of what a researcher sees, with what happens;
after them, what ORCID cannot see from the researcher's side.</p>
<nav><ol>{{range .Steps}}<li><a href="#step-{{.ID}}">{{.Title}}</a></li>{{end}}
<li><a href="#api-version">API version</a></li><li><a href="#scopes">Scopes asked</a></li>
<li><a href="#storage">What is stored, and how it is sealed</a></li><li><a href="#read-back">The item written and read back</a></li>
<li><a href="#call-log">The call log of this run</a></li>{{if .LeftOut}}<li><a href="#left-out">What this pack leaves out</a></li>{{end}}</ol></nav>

{{if .LeftOut}}<section class="left-out" id="left-out"><h2>What this pack leaves out</h2>
<ul>{{range .LeftOut}}<li>{{.}}</li>{{end}}</ul></section>{{end}}

<h2>The researcher's steps</h2>
{{range $i, $s := .Steps}}<figure id="step-{{.ID}}">
<h3>{{$i | inc}}. {{.Title}}</h3>
{{img .}}
<figcaption>{{.Explain}}{{with .URL}}<br><small>At <code>{{.}}</code></small>{{end}}</figcaption>
</figure>
{{else}}<p>No screenshots: see what this pack leaves out, above.</p>{{end}}

<h2 id="api-version">API version</h2>
<p>orcidlink uses ORCID's <strong>Member API v{{.MemberAPI}}</strong> (<code>{{.Credential.Env.MemberAPIURL}}</code>) for
reading and writing records, OAuth 2.0 (three-legged, authorization code) with OpenID Connect for the authenticated iD,
at <code>{{.Credential.Env.SiteURL}}/oauth/authorize</code> and <code>/oauth/token</code>, and the Public API only
to read public data. The iD is never typed by anyone: it comes from the token response and the signed id_token, and
is stored as its full URI (<code>{{with .ORCIDURI}}{{.}}{{else}}https://sandbox.orcid.org/0000-…{{end}}</code>).
Tokens are kept until they expire (ORCID issues them for 20 years) and revoked at ORCID when the researcher
disconnects or an administrator removes the iD.</p>

<h2 id="scopes">Scopes asked</h2>
<p>Researchers of {{.Tenant.Name}} are asked for: {{range .Scopes}}<code>{{.}}</code> {{else}}(none listed){{end}}.
The invitation page explains each permission in words before the researcher goes to ORCID, and the tenant chooses
what it asks for, so nobody is asked for more than the tenant uses.</p>

<h2 id="storage">What is stored, and how it is sealed</h2>
<ul>
<li>For each researcher: names, email and the organisation's own reference (typed by the organisation); the
authenticated iD URI, the name ORCID returned, the scopes granted, when they were granted and when they expire.</li>
<li>The access token, refresh token and id_token are <strong>encrypted at rest with AES-256-GCM</strong> under keys kept
outside the database; each value is bound to its row, so a ciphertext copied elsewhere does not decrypt. Client
secrets are sealed the same way. Tokens never appear in pages, API answers or logs.</li>
<li>Invitations are stored as a SHA-256 hash of their link's token; a sent email keeps a copy with the link removed.</li>
<li>What orcidlink writes to records (each item with its put-code and state), and a log of every call to ORCID with
tokens, secrets and codes redacted, kept 90 days by default, as ORCID asks members to keep such logs.</li>
<li>On disconnection or removal, tokens are revoked at ORCID and deleted with the iD; the history says who did it.</li>
</ul>

<h2 id="read-back">The item written and read back</h2>
{{if .WorkTitle}}<p>The work &ldquo;{{.WorkTitle}}&rdquo; was sent by the tenant's system through orcidlink's REST API,
written to the record with the Member API{{with .ItemPutCode}} (put-code <code>{{.}}</code>){{end}}.
{{with .ReadBack}}{{.}}{{end}}</p>
{{else}}<p>No work was written in this run (see what this pack leaves out).</p>{{end}}

<h2 id="call-log">The call log of this run</h2>
<p>Every call orcidlink made to ORCID for the test researcher, oldest first, as the admin UI and the REST API show it
(headers and bodies are kept too, with tokens redacted).</p>
{{if .Calls}}<table>
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Method</th><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Duration</th></tr></thead>
<tbody>{{range .Calls}}<tr><td>{{.At.UTC.Format "15:04:05.000"}}</td><td>{{.Method}}</td><td class="url"><code>{{.URL}}</code></td><td>{{if .Status}}{{.Status}}{{else}}no response{{end}}</td><td>{{.Duration}}</td></tr>{{end}}</tbody>
</table>{{else}}<p>No call was made in this run.</p>{{end}}

<p><small>Made by <code>orcidlink review-pack --tenant {{.Tenant.Slug}}</code> against {{.BaseURL}}; test researcher
{{.PersonID}} of the tenant.</small></p>
</body>
</html>
`
