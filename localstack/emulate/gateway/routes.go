package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tredjepart/tredjepart/shared/resources"
)

type segmentKind int

// Ordered from most to least specific.
const (
	literal segmentKind = iota
	param
	greedy
)

type segment struct {
	kind  segmentKind
	value string // the literal, or the parameter's name
}

// route is a resources.Route with its path parsed.
type route struct {
	resources.Route
	segments []segment
}

// compileRoute parses an API Gateway route path: literal segments,
// {name} parameters, and a final greedy {name+}.
func compileRoute(r resources.Route) (route, error) {
	if r.Method == "" {
		return route{}, fmt.Errorf("gateway: route %q has no method", r.Key())
	}
	if !strings.HasPrefix(r.Path, "/") {
		return route{}, fmt.Errorf("gateway: route %q: path must start with /", r.Key())
	}
	var segs []segment
	parts := splitPath(r.Path)
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return route{}, fmt.Errorf("gateway: route %q: greedy parameter must be last", r.Key())
			}
			segs = append(segs, segment{greedy, p[1 : len(p)-2]})
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			segs = append(segs, segment{param, p[1 : len(p)-1]})
		case strings.ContainsAny(p, "{}"):
			return route{}, fmt.Errorf("gateway: route %q: bad segment %q", r.Key(), p)
		default:
			segs = append(segs, segment{literal, p})
		}
	}
	return route{Route: r, segments: segs}, nil
}

// splitPath splits "/a/b" into ["a" "b"]; "/" gives [""].
func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match reports whether the route matches the escaped request path and
// returns its decoded path parameters.
func (rt route) match(method string, rawParts []string) (map[string]string, bool) {
	if rt.Method != method && rt.Method != "ANY" {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segments {
		if s.kind == greedy {
			rest := rawParts[i:]
			if len(rest) == 0 || (len(rest) == 1 && rest[0] == "") {
				return nil, false
			}
			v, err := url.PathUnescape(strings.Join(rest, "/"))
			if err != nil {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s.value] = v
			return params, true
		}
		if i >= len(rawParts) {
			return nil, false
		}
		v, err := url.PathUnescape(rawParts[i])
		if err != nil {
			return nil, false
		}
		switch s.kind {
		case literal:
			if v != s.value {
				return nil, false
			}
		case param:
			if v == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s.value] = v
		}
	}
	if len(rawParts) != len(rt.segments) {
		return nil, false
	}
	return params, true
}

// moreSpecific reports whether a should win over b when both match: the
// first differing segment decides (literal over {param} over {proxy+}),
// then a longer path, then an exact method over ANY.
func moreSpecific(a, b route) bool {
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if a.segments[i].kind != b.segments[i].kind {
			return a.segments[i].kind < b.segments[i].kind
		}
	}
	if len(a.segments) != len(b.segments) {
		return len(a.segments) > len(b.segments)
	}
	return a.Method != "ANY" && b.Method == "ANY"
}

// router selects the most specific matching route, as API Gateway does.
type router []route

func (rs router) find(method, escapedPath string) (route, map[string]string, bool) {
	parts := splitPath(escapedPath)
	var best route
	var bestParams map[string]string
	found := false
	for _, rt := range rs {
		params, ok := rt.match(method, parts)
		if !ok {
			continue
		}
		if !found || moreSpecific(rt, best) {
			best, bestParams, found = rt, params, true
		}
	}
	return best, bestParams, found
}
