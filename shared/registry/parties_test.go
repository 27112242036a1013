package registry

import (
	"slices"
	"testing"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func badFields(err error) []string {
	var names []string
	if e, ok := err.(*fault.Error); ok {
		for _, f := range e.Fields {
			names = append(names, f.Field)
		}
	}
	return names
}

func TestThirdPartyValidate(t *testing.T) {
	good := ThirdParty{GLN: "7090000000011", Name: "Straum AS", OrgNumber: "912345688", ClientIDs: []string{"straum"}}
	cases := []struct {
		name string
		edit func(*ThirdParty)
		want []string
	}{
		{"valid", func(*ThirdParty) {}, nil},
		{"loopback http redirects are for native apps", func(tp *ThirdParty) {
			tp.RedirectURIs = []string{"http://127.0.0.1:8765/return", "http://localhost/cb", "http://[::1]:9/x", "https://app.example/done?x=1"}
		}, nil},
		{"bad GLN check digit", func(tp *ThirdParty) { tp.GLN = "7090000000012" }, []string{"gln"}},
		{"bad organisation number", func(tp *ThirdParty) { tp.OrgNumber = "912345687" }, []string{"orgNumber"}},
		{"blank name", func(tp *ThirdParty) { tp.Name = "  " }, []string{"name"}},
		{"no client", func(tp *ThirdParty) { tp.ClientIDs = nil }, []string{"clientIds"}},
		{"odd client ids", func(tp *ThirdParty) { tp.ClientIDs = []string{"ok", "white space", "-lead", "ok"} },
			[]string{"clientIds[1]", "clientIds[2]", "clientIds[3]"}},
		{"redirects", func(tp *ThirdParty) {
			tp.RedirectURIs = []string{"http://app.example/cb", "https://app.example/cb#x", "/relative", "https://user@app.example/", "http://10.0.0.1/cb"}
		}, []string{"redirectUris[0]", "redirectUris[1]", "redirectUris[2]", "redirectUris[3]", "redirectUris[4]"}},
		{"contact", func(tp *ThirdParty) { tp.Contact = Contact{Name: "a\nb", Email: "Ops <ops@x.no>", Phone: "call me"} },
			[]string{"contact.name", "contact.email", "contact.phone"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := good
			c.edit(&tp)
			err := tp.Validate()
			if got := badFields(err); !slices.Equal(got, c.want) {
				t.Fatalf("bad fields %v, want %v (%v)", got, c.want, err)
			}
			if c.want != nil && fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind %v", fault.KindOf(err))
			}
		})
	}
}

func TestDataProviderValidate(t *testing.T) {
	good := DataProvider{GLN: "7090000000011", Name: "Nett AS", OrgNumber: "912345688", Role: GridCompany,
		ClientIDs: []string{"nett"}, GridAreas: []string{"50YNO1ELVIA0001K", "50YELVIA-OSLO--A"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Role, bad.GridAreas = "supplier", []string{"50YNO1ELVIA0001K", "oslo", "50YNO1ELVIA0001K"}
	if got, want := badFields(bad.Validate()), []string{"role", "gridAreas[1]", "gridAreas[2]"}; !slices.Equal(got, want) {
		t.Fatalf("bad fields %v, want %v", got, want)
	}
	bad.Role, bad.GridAreas = MeteringSystem, nil
	if got := badFields(bad.Validate()); !slices.Equal(got, []string{"gridAreas"}) {
		t.Fatalf("no grid areas: %v", got)
	}
	if !good.CoversGridArea("50YELVIA-OSLO--A") || good.CoversGridArea("50YBKK-BERGEN--H") || good.CoversGridArea("") {
		t.Error("CoversGridArea")
	}
}
