package apigw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func TestDecodeStrictRefusesDuplicateKeys(t *testing.T) {
	type contact struct {
		Name string `json:"name"`
	}
	var into struct {
		URL     string    `json:"url"`
		Contact contact   `json:"contact"`
		Items   []contact `json:"items"`
	}
	known := []string{"url", "contact", "items"}
	cases := map[string]string{
		`{"url":"https://a.example","url":"https://b.example"}`:     "url",
		`{"contact":{"name":"A","name":"B"}}`:                       "contact.name",
		`{"items":[{"name":"A"},{"name":"B","name":"C"}]}`:          "items[1].name",
		`{"items":[[{"x":1}],[{"x":1},{"x":1,"y":{"z":1,"z":2}}]]}`: "items[1][1].y.z",
		`{"items":[{"name":"A"}],"url":"x","items":[{"name":"B"}]}`: "items",
	}
	for body, field := range cases {
		_, err := DecodeStrict([]byte(body), &into, known...)
		e, ok := err.(*fault.Error)
		if !ok || e.Kind != fault.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != field || e.Fields[0].Reason != "appears more than once" {
			t.Errorf("%s: %v, want a 400 naming %s", body, err, field)
		}
	}
	for _, body := range []string{
		`{"url":"x","contact":{"name":"A"},"items":[{"name":"A"},{"name":"A"}]}`, // the same key in sibling objects
		`{"contact":{"name":"url"},"url":"contact"}`,
	} {
		if unknown, err := DecodeStrict([]byte(body), &into, known...); err != nil || len(unknown) > 0 {
			t.Errorf("%s: %v %v", body, unknown, err)
		}
	}
}

// keys are the names generated objects use, as JSON strings: "a" three
// ways (plain, escaped, escaped in part), so that a repeat can hide behind
// an escape, and "A", which is another name.
var keys = []string{`"a"`, `"\u0061"`, `"\u0061b"`, `"ab"`, `"b"`, `"A"`, `"c\"d"`}

// tree is a generated JSON value whose objects may repeat keys.
type tree struct {
	keys     []string // an object's keys, in order; nil for an array or a leaf
	children []tree   // an object's values, or an array's items
	array    bool
	leaf     string
}

// grow builds a tree from fuzz bytes: small objects and arrays, keys from
// a few letters, so that repeats are common.
func grow(data []byte, depth int) (tree, []byte) {
	if len(data) == 0 || depth > 6 {
		return tree{leaf: `1`}, data
	}
	b, data := data[0], data[1:]
	switch b % 4 {
	case 0, 1:
		n := int(b/4) % 4
		tr := tree{keys: []string{}}
		for range n {
			if len(data) == 0 {
				break
			}
			key := keys[int(data[0])%len(keys)]
			var child tree
			child, data = grow(data[1:], depth+1)
			tr.keys, tr.children = append(tr.keys, key), append(tr.children, child)
		}
		return tr, data
	case 2:
		n := int(b/4) % 4
		tr := tree{array: true}
		for range n {
			var child tree
			child, data = grow(data, depth+1)
			tr.children = append(tr.children, child)
		}
		return tr, data
	}
	return tree{leaf: fmt.Sprintf(`"%c"`, 'a'+b%26)}, data
}

func (tr tree) json() string {
	switch {
	case tr.array:
		items := make([]string, len(tr.children))
		for i, c := range tr.children {
			items[i] = c.json()
		}
		return "[" + strings.Join(items, ",") + "]"
	case tr.keys != nil:
		members := make([]string, len(tr.keys))
		for i, k := range tr.keys {
			members[i] = fmt.Sprintf("%s :\n%s", k, tr.children[i].json())
		}
		return "{" + strings.Join(members, ",") + "}"
	}
	return tr.leaf
}

// firstDuplicate is the path of the first repeated key in document order,
// found the plain way: the reference the decoder is checked against.
func (tr tree) firstDuplicate(path string) (string, bool) {
	seen := map[string]bool{}
	for i, child := range tr.children {
		childPath := fmt.Sprintf("%s[%d]", path, i)
		if !tr.array {
			var name string
			if err := json.Unmarshal([]byte(tr.keys[i]), &name); err != nil {
				panic(err)
			}
			childPath = name
			if path != "" {
				childPath = path + "." + name
			}
			if seen[name] {
				return childPath, true
			}
			seen[name] = true
		}
		if p, found := child.firstDuplicate(childPath); found {
			return p, true
		}
	}
	return "", false
}

// checkDuplicates checks DecodeStrict against firstDuplicate on the
// document grown from data; it reports whether the document repeats a key.
func checkDuplicates(t *testing.T, data []byte) bool {
	tr, _ := grow(data, 0)
	doc := `{"v":` + tr.json() + `}`
	want, dup := tr.firstDuplicate("v")
	_, err := DecodeStrict([]byte(doc), new(struct {
		V any `json:"v"`
	}), "v")
	e, _ := err.(*fault.Error)
	switch {
	case dup && (e == nil || len(e.Fields) != 1 || e.Fields[0].Field != want):
		t.Fatalf("%s: %v, want a 400 naming %s", doc, err, want)
	case !dup && err != nil:
		t.Fatalf("%s: %v", doc, err)
	}
	return dup
}

func FuzzDuplicateKeys(f *testing.F) {
	for _, seed := range []string{"", "\x00\x00\x01\x00\x01", "\x04\x00\x04\x00\x00\x01", "\x0a\x02\x0a\x00\x00", "\x0e\x05\x04\x01\x01\x00\x00"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDuplicates(t, data) })
}

// The fuzz target's property over many generated documents, on every run.
func TestDuplicateKeysProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	repeats := 0
	for range 5000 {
		data := make([]byte, rng.IntN(64))
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		if checkDuplicates(t, data) {
			repeats++
		}
	}
	if repeats < 500 {
		t.Fatalf("only %d of 5000 documents repeat a key: the generator tests too little", repeats)
	}
}

// tokenRepeatedName is repeatedName done plainly with json.Decoder's
// tokens: the reference the scanner is checked against.
func tokenRepeatedName(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []*container
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *container
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			name, isName := tok.(string)
			if !isName {
				stack = stack[:len(stack)-1]
				continue
			}
			if _, seen := top.names[name]; seen {
				top.name = name
				return containerPath(stack), true
			}
			top.names[name], top.name, top.wantKey = struct{}{}, name, false
			continue
		}
		if tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil {
			if top.object {
				top.wantKey = true
			} else {
				top.index++
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &container{object: true, names: map[string]struct{}{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &container{index: -1})
		}
	}
}

// On any bytes, the scanner finds what the token reference finds in valid
// JSON, and nothing in anything else.
func FuzzRepeatedName(f *testing.F) {
	for _, seed := range []string{`{"a":1,"a":2}`, `{"a":[{"b":1},{"b":1,"\u0062":2}]}`, `[[{"x":{"y":1,"y":2}}]]`,
		`{"a":1 "a":2}`, `{"a":"\"","a":"}"}`, `{"a":true,"b":null,"c":-1.5e3,"a":[]}`, `{"a":{}`, `"\u00`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		path, found := repeatedName(raw)
		want, wantFound := "", false
		if json.Valid(raw) {
			want, wantFound = tokenRepeatedName(raw)
		}
		if path != want || found != wantFound {
			t.Fatalf("%q: %q %v, want %q %v", raw, path, found, want, wantFound)
		}
	})
}
