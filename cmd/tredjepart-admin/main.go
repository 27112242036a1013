// Command tredjepart-admin is an entry point: the operator's tool for registering third
// parties and data providers, and for the morning's delivery, through the
// admin API:
//
//	tredjepart-admin third-party register -gln 7070000000013 -name "Varme AS" -org 911222337 -client-id varme -redirect-uri https://varme.example/return
//	tredjepart-admin third-party list
//	tredjepart-admin data-provider disable 7070000000020
//	tredjepart-admin status
//	tredjepart-admin deliver -day 2026-12-04
//	tredjepart-admin redrive DeliveryJobs -dry-run
//
// The API is -api or $TREDJEPART_API; the bearer token, which must carry
// the admin scope, is $TREDJEPART_TOKEN.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tredjepart/tredjepart/shared/adminapi"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `usage: tredjepart-admin third-party|data-provider register|list|show|update|disable|enable [flags] [gln]

  register  -gln -name -org -client-id (repeatable) [-contact-name -contact-email -contact-phone]
            third parties: -redirect-uri (repeatable); data providers: -role grid-company|metering-system -grid-area (repeatable)
  list      a table of every party (-json for JSON)
  show      one party as JSON
  update    changes the fields given (register's flags); a repeatable flag replaces the whole list
  disable   stops the party at once; nothing is deleted
  enable    lets it in again
` + operationsUsage + `
Every command takes -api (default $TREDJEPART_API); the token is $TREDJEPART_TOKEN. A command takes
only its own flags, before or after its argument; a party's GLN is -gln or the argument.
`

// Environment variables the tool reads.
const (
	APIEnv   = "TREDJEPART_API"
	TokenEnv = "TREDJEPART_TOKEN"
)

// run is the whole command, with its outside world passed in; it returns
// the exit status: 0 done, 1 the API refused or failed, 2 a usage error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if status, ok := operation(ctx, args, getenv, time.Now(), stdout, stderr); ok {
			return status
		}
	}
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	kind, verb := args[0], args[1]
	if kind != "third-party" && kind != "data-provider" {
		fmt.Fprintf(stderr, "unknown kind %q\n\n%s", kind, usage)
		return 2
	}
	f, ok := newFlags(kind, verb, getenv, stderr)
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", verb, usage)
		return 2
	}
	glnArgs := 1
	if verb == "list" {
		glnArgs = 0
	}
	rest, ok := parseVerb(f.set, args[2:], glnArgs, stderr, usage)
	if !ok {
		return 2
	}
	if len(rest) > 0 {
		if f.gln != "" {
			fmt.Fprintf(stderr, "%s takes the GLN once, as -gln or as its argument, not both: %q\n\n%s", f.set.Name(), rest[0], usage)
			return 2
		}
		f.gln = rest[0]
	}
	client := &adminapi.Client{BaseURL: f.api, Token: getenv(TokenEnv)}
	if client.BaseURL == "" {
		fmt.Fprintf(stderr, "no API: set -api or %s\n", APIEnv)
		return 2
	}
	var out any
	var err error
	if kind == "third-party" {
		out, err = thirdParty(ctx, client, verb, f)
	} else {
		out, err = dataProvider(ctx, client, verb, f)
	}
	var usageErr usageError
	switch {
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "%s\n\n%s", err, usage)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	if table, ok := out.(func(io.Writer)); ok && !f.json {
		table(stdout)
		return 0
	}
	if table, ok := out.(listing); ok {
		out = table.items
	}
	return printJSON(stdout, stderr, out)
}

// printJSON writes out as indented JSON; it returns the exit status.
func printJSON(stdout, stderr io.Writer, out any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type flags struct {
	set                                     *flag.FlagSet
	api, gln, name, org, role               string
	contactName, contactEmail, contactPhone string
	clientIDs, redirectURIs, gridAreas      list
	json                                    bool
}

// newFlags defines the flags verb takes for kind, and only those; ok is
// false for a verb there is none of.
func newFlags(kind, verb string, getenv func(string) string, stderr io.Writer) (f *flags, ok bool) {
	f = &flags{set: flag.NewFlagSet(kind+" "+verb, flag.ContinueOnError)}
	s := f.set
	s.SetOutput(stderr)
	s.StringVar(&f.api, "api", getenv(APIEnv), "the admin API's base URL")
	switch verb {
	case "list":
		s.BoolVar(&f.json, "json", false, "print JSON")
		return f, true
	case "show", "disable", "enable":
	case "register", "update":
		s.StringVar(&f.name, "name", "", "the party's name")
		s.StringVar(&f.org, "org", "", "organisation number (9 digits)")
		s.Var(&f.clientIDs, "client-id", "an OAuth client id acting for the party (repeatable)")
		s.StringVar(&f.contactName, "contact-name", "", "whom the operator reaches")
		s.StringVar(&f.contactEmail, "contact-email", "", "the contact's e-mail")
		s.StringVar(&f.contactPhone, "contact-phone", "", "the contact's phone")
		if kind == "third-party" {
			s.Var(&f.redirectURIs, "redirect-uri", "where end users return after deciding (repeatable)")
		} else {
			s.StringVar(&f.role, "role", "", "grid-company or metering-system")
			s.Var(&f.gridAreas, "grid-area", "EIC code of a grid area it answers for (repeatable)")
		}
	default:
		return nil, false
	}
	s.StringVar(&f.gln, "gln", "", "the party's GLN (13 digits)")
	return f, true
}

// parseVerb parses a verb's flags from args, where they may stand before,
// among and after its at most maxArgs arguments, and returns those
// arguments. ok is false after a usage error, written to stderr: a flag the
// set does not define (the flag package names it), or an argument too many.
func parseVerb(set *flag.FlagSet, args []string, maxArgs int, stderr io.Writer, usage string) (rest []string, ok bool) {
	if err := set.Parse(args); err != nil {
		return nil, false
	}
	// Parse stops at the first argument; the flags after it are parsed in turn.
	for set.NArg() > 0 && len(rest) < maxArgs {
		rest = append(rest, set.Arg(0))
		if err := set.Parse(set.Args()[1:]); err != nil {
			return nil, false
		}
	}
	if set.NArg() > 0 {
		fmt.Fprintf(stderr, "%s takes no argument %q\n\n%s", set.Name(), set.Arg(0), usage)
		return nil, false
	}
	return rest, true
}

// given reports whether the flag was on the command line.
func (f *flags) given(name string) bool {
	found := false
	f.set.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

func (f *flags) needGLN() error {
	if f.gln == "" {
		return usageError("which party? give -gln or the GLN after the flags")
	}
	return nil
}

// contact overlays the contact flags given on c.
// overlay sets the fields both kinds of party have from the flags given.
func (f *flags) overlay(name, org *string, clientIDs *[]string, c *adminapi.ContactBody) {
	for _, field := range []struct {
		flag  string
		to    *string
		value string
	}{
		{"name", name, f.name}, {"org", org, f.org},
		{"contact-name", &c.Name, f.contactName}, {"contact-email", &c.Email, f.contactEmail}, {"contact-phone", &c.Phone, f.contactPhone},
	} {
		if f.given(field.flag) {
			*field.to = field.value
		}
	}
	if f.given("client-id") {
		*clientIDs = f.clientIDs
	}
}

// listing is a list command's result: a table, or its items as JSON.
type listing struct{ items any }

// commands are what the API offers for one kind of party; both kinds are
// run by the same verbs.
type commands[B adminapi.PartyBody] struct {
	parties adminapi.Parties[B]
	blank   func(gln string) B
	overlay func(B) B // the fields given as flags, over a party
	header  string    // the list's column names, tab-separated
	row     func(B) string
}

func (cmds commands[B]) do(ctx context.Context, verb string, f *flags) (any, error) {
	if verb == "list" {
		parties, err := cmds.parties.List(ctx)
		if err != nil || f.json {
			return listing{parties}, err
		}
		return func(w io.Writer) {
			t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(t, cmds.header)
			for _, p := range parties {
				fmt.Fprintln(t, cmds.row(p))
			}
			t.Flush()
		}, nil
	}
	if err := f.needGLN(); err != nil {
		return nil, err
	}
	switch verb {
	case "register":
		return cmds.parties.Register(ctx, cmds.overlay(cmds.blank(f.gln)))
	case "show":
		return cmds.parties.Get(ctx, f.gln)
	case "update":
		// The party as read, with its version: the API refuses the update
		// if someone changed it in between.
		current, err := cmds.parties.Get(ctx, f.gln)
		if err != nil {
			return nil, err
		}
		return cmds.parties.Update(ctx, cmds.overlay(current))
	}
	// disable or enable: newFlags knows no other verb.
	return cmds.parties.SetDisabled(ctx, f.gln, verb == "disable")
}

func thirdParty(ctx context.Context, c *adminapi.Client, verb string, f *flags) (any, error) {
	return commands[adminapi.ThirdPartyBody]{
		parties: c.ThirdParties(),
		blank:   func(gln string) adminapi.ThirdPartyBody { return adminapi.ThirdPartyBody{GLN: gln} },
		overlay: func(tp adminapi.ThirdPartyBody) adminapi.ThirdPartyBody {
			f.overlay(&tp.Name, &tp.OrgNumber, &tp.ClientIDs, &tp.Contact)
			if f.given("redirect-uri") {
				tp.RedirectURIs = f.redirectURIs
			}
			return tp
		},
		header: "GLN\tNAME\tORG NUMBER\tCLIENT IDS\tSTATUS",
		row: func(tp adminapi.ThirdPartyBody) string {
			return strings.Join([]string{tp.GLN, tp.Name, tp.OrgNumber, strings.Join(tp.ClientIDs, ","), status(tp.Disabled)}, "\t")
		},
	}.do(ctx, verb, f)
}

func dataProvider(ctx context.Context, c *adminapi.Client, verb string, f *flags) (any, error) {
	return commands[adminapi.DataProviderBody]{
		parties: c.DataProviders(),
		blank:   func(gln string) adminapi.DataProviderBody { return adminapi.DataProviderBody{GLN: gln} },
		overlay: func(dp adminapi.DataProviderBody) adminapi.DataProviderBody {
			f.overlay(&dp.Name, &dp.OrgNumber, &dp.ClientIDs, &dp.Contact)
			if f.given("role") {
				dp.Role = f.role
			}
			if f.given("grid-area") {
				dp.GridAreas = f.gridAreas
			}
			return dp
		},
		header: "GLN\tNAME\tROLE\tORG NUMBER\tCLIENT IDS\tGRID AREAS\tSTATUS",
		row: func(dp adminapi.DataProviderBody) string {
			return strings.Join([]string{dp.GLN, dp.Name, dp.Role, dp.OrgNumber, strings.Join(dp.ClientIDs, ","), gridAreas(dp.GridAreas), status(dp.Disabled)}, "\t")
		},
	}.do(ctx, verb, f)
}

// gridAreas names a few grid areas, or counts many, so the table stays readable.
func gridAreas(areas []string) string {
	if len(areas) > 3 {
		return fmt.Sprintf("%s … (%d areas)", strings.Join(areas[:2], ","), len(areas))
	}
	return strings.Join(areas, ",")
}

func status(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "enabled"
}
