package orcidtest

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSchemaForEveryVendoredXSD checks the namespace-to-schema mapping
// against the schemas themselves: every vendored XSD's targetNamespace must
// map to a schema with that target namespace.
func TestSchemaForEveryVendoredXSD(t *testing.T) {
	dir := ModelDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.xsd"))
	if len(files) < 20 {
		t.Fatalf("only %d XSDs under %s", len(files), dir)
	}
	target := regexp.MustCompile(`targetNamespace="([^"]+)"`)
	nsOf := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := target.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no targetNamespace", path)
		}
		return string(m[1])
	}
	for _, f := range files {
		ns := nsOf(f)
		got, ok := SchemaFor(ns)
		if !ok {
			t.Errorf("no schema for %s (declared by %s)", ns, filepath.Base(f))
			continue
		}
		if mapped := nsOf(filepath.Join(dir, got)); mapped != ns {
			t.Errorf("SchemaFor(%s) = %s, which targets %s", ns, got, mapped)
		}
	}
	for _, ns := range []string{"", "http://example.org/ns/work", "http://www.orcid.org/ns/../x", "http://www.orcid.org/ns/group-id"} {
		if f, ok := SchemaFor(ns); ok {
			t.Errorf("SchemaFor(%q) = %q, want none", ns, f)
		}
	}
}

func TestRootNamespace(t *testing.T) {
	ns, err := RootNamespace([]byte(`<?xml version="1.0"?><!-- c --><w:work xmlns:w="http://www.orcid.org/ns/work"/>`))
	if err != nil || ns != "http://www.orcid.org/ns/work" {
		t.Errorf("RootNamespace = %q, %v", ns, err)
	}
	if _, err := RootNamespace([]byte(`   `)); err == nil {
		t.Error("empty document accepted")
	}
}
