package apicheck_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/openapi"
)

// The document's own examples, put together as the exchanges they show,
// pass the same check as every exchange the end-to-end tests make: each
// operation's request, from its parameters' and its body's examples, with
// each response example of each status and media type, and that status's
// header examples. A problem example shared by many operations (a
// component) names one of their paths as its instance; it is checked with
// the request's path there. One of an operation's own must name its path.
func TestTheDocumentsExamplesPass(t *testing.T) {
	v := newValidator(t)
	var doc map[string]any
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(node any) map[string]any {
		m, _ := node.(map[string]any)
		for {
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			var n any = doc
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				n = n.(map[string]any)[part]
			}
			m = n.(map[string]any)
		}
	}
	// firstExample is the value of the first of examples, in a stable order.
	firstExample := func(examples map[string]any) (string, any) {
		names := slices.Sorted(func(yield func(string) bool) {
			for name := range examples {
				if !yield(name) {
					return
				}
			}
		})
		if len(names) == 0 {
			return "", nil
		}
		return names[0], resolve(examples[names[0]])["value"]
	}
	text := func(value any) string {
		if s, ok := value.(string); ok {
			return s
		}
		raw, _ := json.Marshal(value)
		return string(raw)
	}
	exchanges := 0
	for path, item := range doc["paths"].(map[string]any) {
		item := item.(map[string]any)
		for method, op := range item {
			if method == "parameters" {
				continue
			}
			op := op.(map[string]any)
			key := strings.ToUpper(method) + " " + path
			target, query, header := path, url.Values{}, http.Header{}
			params, _ := item["parameters"].([]any)
			more, _ := op["parameters"].([]any)
			for _, p := range slices.Concat(params, more) {
				p := resolve(p)
				value, ok := p["example"]
				if named, _ := p["examples"].(map[string]any); !ok && len(named) > 0 {
					_, value = firstExample(named)
					ok = true
				}
				if !ok {
					t.Errorf("%s: parameter %s has no example", key, p["name"])
					continue
				}
				name := p["name"].(string)
				switch p["in"] {
				case "path":
					target = strings.ReplaceAll(target, "{"+name+"}", url.PathEscape(text(value)))
				case "query":
					query.Set(name, text(value))
				case "header":
					header.Set(name, text(value))
				}
			}
			if len(query) > 0 {
				target += "?" + query.Encode()
			}
			body, contentType := "", ""
			if rb := resolve(op["requestBody"]); rb != nil {
				for mediaType, content := range rb["content"].(map[string]any) {
					_, value := firstExample(resolve(content)["examples"].(map[string]any))
					body, contentType = text(value), mediaType
					break
				}
			}
			for status, res := range op["responses"].(map[string]any) {
				res := resolve(res)
				code := 0
				fmt.Sscan(status, &code)
				answer := func(contentType string) *http.Response {
					r := &http.Response{StatusCode: code, Status: http.StatusText(code), Header: http.Header{}, Body: http.NoBody}
					for name, h := range resolve(res["headers"]) {
						if value, ok := resolve(h)["example"]; ok {
							r.Header.Set(name, text(value))
						}
					}
					if contentType != "" {
						r.Header.Set("Content-Type", contentType)
					}
					return r
				}
				content, _ := res["content"].(map[string]any)
				if len(content) == 0 {
					exchanges++
					if err := v.Check(exampleRequest(method, target, body, contentType, header), answer(""), nil); err != nil {
						t.Errorf("%s → %s (no body): %v", key, status, err)
					}
				}
				_, sharedResponse := op["responses"].(map[string]any)[status].(map[string]any)["$ref"]
				for mediaType, c := range content {
					examples, _ := resolve(c)["examples"].(map[string]any)
					for name, ex := range examples {
						exchanges++
						value := resolve(ex)["value"]
						if _, sharedExample := ex.(map[string]any)["$ref"]; sharedResponse || sharedExample {
							value = withInstance(value, strings.SplitN(target, "?", 2)[0])
						}
						if err := v.Check(exampleRequest(method, target, body, contentType, header), answer(mediaType), []byte(text(value))); err != nil {
							t.Errorf("%s → %s %s example %q: %v", key, status, mediaType, name, err)
						}
					}
				}
			}
		}
	}
	if exchanges < 200 {
		t.Fatalf("checked %d exchanges", exchanges)
	}
	t.Logf("checked %d exchanges made of the document's examples", exchanges)
}

func exampleRequest(method, target, body, contentType string, header http.Header) *http.Request {
	req := request(strings.ToUpper(method), target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	return req
}

// withInstance is a copy of a problem example with instance set to path.
func withInstance(value any, path string) any {
	problem, ok := value.(map[string]any)
	if _, has := problem["instance"]; !ok || !has {
		return value
	}
	c := maps.Clone(problem)
	c["instance"] = path
	return c
}
