// Package orcid is a client for the ORCID API v3.0 and the vocabulary every
// other part of orcidlink speaks about ORCID: iDs, scopes, environments,
// the typed v3.0 record model and ORCID's error bodies.
//
// The model types marshal both as ORCID's JSON (application/vnd.orcid+json)
// and as ORCID's namespaced XML (application/vnd.orcid+xml), because the same
// types serve the client (which talks JSON) and the offline registry in
// package sandbox (which must answer in whichever the caller asks for).
package orcid
