package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// openAPIBase is the document without its paths: info, security scheme,
// and every schema the routes name. buildDocument adds the paths from the
// route table.
//
//go:embed openapi.json
var openAPIBase []byte

var pathParamRe = regexp.MustCompile(`\{([a-z_]+)\}`)

// pathParams lists the wildcards of a path, in order.
func pathParams(path string) []string {
	var out []string
	for _, m := range pathParamRe.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// pathParamDocs describes each path wildcard the routes use.
var pathParamDocs = map[string]map[string]any{
	"id":          {"description": "The person's id.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"key":         {"description": "Your own key of the article or item.", "schema": map[string]any{"type": "string", "minLength": 1}},
	"endpoint_id": {"description": "The webhook endpoint's id.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"editor_id":   {"description": "The editorial board member's id.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"delivery_id": {"description": "The delivery's id.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"batch_id":    {"description": "The batch file's id.", "schema": map[string]any{"type": "integer", "minimum": 1}},
	"kind":        {"description": "The kind of batch file.", "schema": map[string]any{"type": "string", "enum": batchKinds()}},
}

// buildDocument makes the OpenAPI document: the base plus one operation
// per route, each with every status it may answer.
func buildDocument(routes []Route) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIBase, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ref := func(name string) (map[string]any, error) {
		if _, ok := schemas[name]; !ok {
			return nil, fmt.Errorf("api: openapi.json has no schema %q", name)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}, nil
	}
	paths := map[string]any{}
	ids := map[string]bool{}
	for _, rt := range routes {
		if ids[rt.Op.ID] {
			return nil, fmt.Errorf("api: operationId %q used twice", rt.Op.ID)
		}
		ids[rt.Op.ID] = true
		op := map[string]any{"operationId": rt.Op.ID, "summary": rt.Op.Summary, "tags": []string{rt.Op.Tag}}
		var params []any
		for _, name := range pathParams(rt.Path) {
			d, ok := pathParamDocs[name]
			if !ok {
				return nil, fmt.Errorf("api: path parameter {%s} of %s is not described", name, rt.Path)
			}
			params = append(params, map[string]any{"name": name, "in": "path", "required": true,
				"description": d["description"], "schema": d["schema"]})
		}
		for _, q := range rt.Op.Query {
			sch := map[string]any{"type": q.Type}
			if len(q.Enum) > 0 {
				sch["enum"] = q.Enum
			}
			param := map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": sch}
			if q.Required {
				param["required"] = true
			}
			params = append(params, param)
		}
		if rt.Method == http.MethodPost && !rt.public {
			params = append(params, map[string]any{"$ref": "#/components/parameters/IdempotencyKey"})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Op.Body != "" {
			r, err := ref(rt.Op.Body)
			if err != nil {
				return nil, err
			}
			op["requestBody"] = map[string]any{"required": !rt.Op.OptionalBody,
				"content": map[string]any{"application/json": map[string]any{"schema": r}}}
		}
		if len(rt.Op.Uploads) > 0 {
			content, err := media(ref, "", rt.Op.Uploads)
			if err != nil {
				return nil, err
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		responses := map[string]any{}
		for status, schema := range rt.Op.Answers {
			resp := map[string]any{"description": http.StatusText(status)}
			content, err := media(ref, schema, rt.Op.Files)
			if err != nil {
				return nil, err
			}
			if len(content) > 0 {
				resp["content"] = content
			}
			responses[strconv.Itoa(status)] = resp
		}
		problems := append(standardProblems(rt), rt.Op.Problems...)
		slices.Sort(problems)
		for _, status := range slices.Compact(problems) {
			responses[strconv.Itoa(status)] = map[string]any{"$ref": "#/components/responses/Problem" + strconv.Itoa(status)}
		}
		op["responses"] = responses
		if rt.public {
			op["security"] = []any{}
		}
		full := Prefix + rt.Path
		item, _ := paths[full].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[full] = item
		}
		method := strings.ToLower(rt.Method)
		if _, dup := item[method]; dup {
			return nil, fmt.Errorf("api: %s %s routed twice", rt.Method, full)
		}
		item[method] = op
	}
	doc["paths"] = paths
	return json.MarshalIndent(doc, "", "  ")
}

// media is the content map of a body: application/json with schema (if
// any) and each of files, as $refs made by ref.
func media(ref func(string) (map[string]any, error), schema string, files map[string]string) (map[string]any, error) {
	content := map[string]any{}
	if schema != "" {
		r, err := ref(schema)
		if err != nil {
			return nil, err
		}
		content["application/json"] = map[string]any{"schema": r}
	}
	for mt, sch := range files {
		r, err := ref(sch)
		if err != nil {
			return nil, err
		}
		content[mt] = map[string]any{"schema": r}
	}
	return content, nil
}

func (s *Server) openAPI(c *call) (reply, error) {
	return reply{status: http.StatusOK, body: json.RawMessage(s.doc)}, nil
}
