package enduserweb

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tredjepart/tredjepart/shared/websession"
)

// messages by key, in bokmål and English.
var messages = websession.Messages{
	"title": {"Tilgang til strømdata", "Access to electricity data"},
	"skip":  {"Hopp til innholdet", "Skip to content"},
	"nav":   {"Hovedmeny", "Main menu"},
	// Each page's title, before the service's name.
	"page.pending.html":    {"Forespørsler om tilgang", "Requests for access"},
	"page.request.html":    {"Forespørsel om tilgang", "Request for access"},
	"page.result.html":     {"Svarene dine", "Your answers"},
	"page.access.html":     {"Mine tilganger", "My access"},
	"page.authorize.html":  {"Gi tilgang", "Give access"},
	"page.problem.html":    {"Noe gikk galt", "Something went wrong"},
	"page.logged-out.html": {"Du er logget ut", "You are logged out"},
	"nav.pending":          {"Forespørsler", "Requests"},
	"nav.access":           {"Mine tilganger", "My access"},
	"logout":               {"Logg ut", "Log out"},
	"language":             {"English", "Norsk"},
	"loggedInAs":           {"Innlogget som", "Logged in as"},
	"onBehalfOf":           {"for", "for"},
	"pending.heading":      {"Forespørsler om tilgang", "Requests for access"},
	"pending.intro":        {"Disse aktørene ber om å få se strømdataene dine. Du bestemmer selv.", "These companies ask to see your electricity data. It is your decision."},
	"pending.none":         {"Du har ingen åpne forespørsler.", "You have no open requests."},
	"thirdParty":           {"Aktør", "Company"},
	"meteringPoint":        {"Målepunkt", "Metering point"},
	"requestedLevel":       {"Ønsket tilgang", "Access asked for"},
	"expires":              {"Svar innen", "Answer by"},
	"decision":             {"Ditt svar", "Your answer"},
	"decision.later":       {"Svar senere", "Decide later"},
	"decision.approve":     {"Godta", "Approve"},
	"decision.decline":     {"Avslå", "Decline"},
	"level":                {"Tilgangsnivå", "Access level"},
	"level.LIMITED":        {"Begrenset", "Limited"},
	// What limited access gives, by how often the metering point is metered;
	// without a point (giving access on My access), as it is metered.
	"level.help.LIMITED": {"Begrenset: strømforbruket ditt slik målepunktet måles: time for time eller kvarter for kvarter, og målepunktets adresse, type og prisområde.",
		"Limited: your electricity use as the metering point is metered: hour by hour or quarter-hour by quarter-hour, and the metering point's address, type and price area."},
	"level.help.LIMITED.PT60M": {"Begrenset: strømforbruket ditt time for time, og målepunktets adresse, type og prisområde.",
		"Limited: your electricity use hour by hour, and the metering point's address, type and price area."},
	"level.help.LIMITED.PT15M": {"Begrenset: strømforbruket ditt kvarter for kvarter, og målepunktets adresse, type og prisområde.",
		"Limited: your electricity use quarter-hour by quarter-hour, and the metering point's address, type and price area."},
	"level.FULL": {"Full", "Full"},
	"level.help.FULL": {"Full: det samme, og i tillegg navnet ditt som kunde og strømavtalen din så lenge du bor der.",
		"Full: the same, and also your name as the customer and your electricity contract while you live there."},
	"submit":          {"Send svar", "Send answers"},
	"result.heading":  {"Svarene dine", "Your answers"},
	"result.APPROVED": {"Godtatt", "Approved"},
	"result.REJECTED": {"Avslått", "Declined"},
	// A rejection that was no one's answer: the deadline passed.
	"result.EXPIRED":   {"Utløpt: du svarte ikke innen fristen", "Expired: it was not answered in time"},
	"result.WITHDRAWN": {"Trukket tilbake av aktøren", "Withdrawn by the company"},
	"result.failed":    {"Ikke registrert", "Not recorded"},
	"result.none": {"Du svarte ikke på noen forespørsler. De venter under «Forespørsler» til du svarer eller fristen går ut.",
		"You answered no requests. They wait under “Requests” until you answer or they expire."},
	"back":            {"Tilbake", "Back"},
	"access.heading":  {"Mine tilganger", "My access"},
	"access.intro":    {"Aktører som kan se strømdataene dine. Du kan endre eller fjerne tilgangen når du vil; det virker straks.", "Companies that can see your electricity data. You can change or remove access at any time; it takes effect at once."},
	"access.none":     {"Ingen aktører har tilgang.", "No company has access."},
	"access.since":    {"Gitt", "Given"},
	"access.window":   {"Data fra", "Data from"},
	"access.period":   {"Data for", "Data for"},
	"access.movedOut": {"Du har flyttet herfra", "You have moved out"},
	"access.movedOut.help": {"Tilgangen du ga mens du bodde her, gjelder bare dataene fra tiden din her. Du kan fortsatt endre eller fjerne den.",
		"The access you gave while you lived here covers only the data from your time here. You can still change or remove it."},
	"access.change":     {"Endre nivå", "Change level"},
	"access.remove":     {"Fjern tilgang", "Remove access"},
	"access.removed":    {"Fjernet", "Removed"},
	"reads.heading":     {"Hvem har lest dataene dine", "Who has read your data"},
	"reads.intro":       {"Hver gang en aktør henter data om målepunktene dine, står det her.", "Every time a company fetches data about your metering points, it is listed here."},
	"reads.none":        {"Ingen har lest dataene dine ennå.", "No one has read your data yet."},
	"reads.when":        {"Tidspunkt", "When"},
	"reads.what":        {"Hva", "What"},
	"reads.period":      {"Periode", "Period"},
	"reads.all":         {"Hele loggen som JSON", "The whole log as JSON"},
	"what.master-data":  {"Anleggsdata", "Master data"},
	"what.meter-values": {"Måleverdier", "Meter values"},
	"what.export":       {"Nedlasting av dataene dine", "Download of your data"},
	"reads.you":         {"Du selv", "You"},
	"export.heading":    {"Last ned dataene dine", "Download your data"},
	"export.intro": {"Alt vi har om deg: forespørslene om målepunktene dine, tilgangene du har gitt og hver endring av dem, og hvem som har lest dataene dine. Bare tiden du selv hadde målepunktet er med. Nedlastingen blir ført i loggen over.",
		"Everything we keep about you: the requests about your metering points, the access you have given and every change to it, and who has read your data. Only the time you held each metering point is included. The download is recorded in the log above."},
	"export.json":       {"Last ned som JSON", "Download as JSON"},
	"export.zip":        {"Last ned som CSV-filer (zip)", "Download as CSV files (zip)"},
	"done.level":        {"Tilgangsnivået er endret.", "The access level has been changed."},
	"done.grant":        {"Aktøren har fått tilgang.", "The company has been given access."},
	"done.revoke":       {"Tilgangen er fjernet.", "The access has been removed."},
	"grant.heading":     {"Gi en aktør tilgang", "Give a company access"},
	"grant.gln":         {"Aktørens GLN (13 siffer)", "The company's GLN (13 digits)"},
	"errors.heading":    {"For å gå videre må du rette opp dette:", "To go on, please correct this:"},
	"grant.invalidGLN":  {"Aktørens GLN er ikke gyldig. Sjekk at alle 13 sifrene er riktige.", "The company's GLN is not valid. Check that all 13 digits are right."},
	"grant.unknownGLN":  {"Ingen aktør med dette GLN-et er registrert.", "No company with this GLN is registered."},
	"grant.submit":      {"Gi tilgang", "Give access"},
	"notFound":          {"Fant ingenting her.", "Nothing was found here."},
	"notFound.heading":  {"Fant ikke siden", "Page not found"},
	"loggedOut.heading": {"Du er logget ut", "You are logged out"},
	"loggedOut.body":    {"Du kan lukke vinduet, eller gå videre herfra.", "You can close this window, or go on from here."},
	"loggedOut.again":   {"Logg inn igjen", "Log in again"},
	"loggedOut.front":   {"Til forsiden for tilgang til strømdata", "To the front page of access to electricity data"},
	"result.errors":     {"Disse svarene ble ikke registrert:", "These answers were not recorded:"},
	"grant.gln.help": {"GLN er aktørens nummer i strømmarkedet. Du finner det hos aktøren, for eksempel i avtalen din med dem.",
		"The GLN is the company's number in the electricity market. The company gives it to you, for example in your agreement with them."},
	// Details of refusals, as the pages and the domain write them in English.
	"The form could not be read.":                   {"Skjemaet kunne ikke leses.", "The form could not be read."},
	"Choose an access level.":                       {"Velg et tilgangsnivå.", "Choose an access level."},
	"Choose to approve or decline.":                 {"Velg å godta eller avslå.", "Choose to approve or decline."},
	"An internal error occurred; please try again.": {"Noe gikk galt hos oss. Prøv igjen.", "An internal error occurred; please try again."},
	"An internal error occurred. It has been logged; retrying is safe.": {
		"Noe gikk galt hos oss. Feilen er logget, og det er trygt å prøve igjen.",
		"An internal error occurred. It has been logged; retrying is safe."},
	"Unknown action.": {"Ukjent handling.", "Unknown action."},
	"The request expired before it was approved.": {"Forespørselen gikk ut før du godtok den.", "The request expired before it was approved."},
	"The request expired or was declined before this decision.": {
		"Forespørselen gikk ut eller ble avslått før dette svaret.", "The request expired or was declined before this decision."},
	"The third party already has access to this metering point; change its level instead.": {
		"Aktøren har allerede tilgang til dette målepunktet. Endre nivået i stedet.",
		"The third party already has access to this metering point; change its level instead."},
	"This link is not valid: the company or its return address is not registered.": {
		"Denne lenken er ikke gyldig: aktøren eller adressen den skal tilbake til, er ikke registrert.",
		"This link is not valid: the company or its return address is not registered."},
	"This form is not valid: the company or its return address is not registered.": {
		"Dette skjemaet er ikke gyldig: aktøren eller adressen det skal tilbake til, er ikke registrert.",
		"This form is not valid: the company or its return address is not registered."},
	"The form had expired or did not come from this site. Please go back, reload and try again.": {
		"Skjemaet var utløpt eller kom ikke fra denne siden. Gå tilbake, last siden på nytt og prøv igjen.",
		"The form had expired or did not come from this site. Please go back, reload and try again."},
	"authorize.asks": {"ber om tilgang til strømdataene dine", "asks for access to your electricity data"},
	"error":          {"Noe gikk galt", "Something went wrong"},
}

// formatted are the details written with a format, the site's and the
// domain's, by their English format (%s, %d for the parts filled in): each
// one's bokmål, with the same verbs in the same order.
var formatted = map[string]string{
	"The request is %s and can no longer change.":                                 "Forespørselen er %s og kan ikke lenger endres.",
	"%s cannot be given access now: the operator has suspended its registration.": "%s kan ikke få tilgang nå: operatøren har stanset registreringen deres.",
	"Metering point: %s": "Målepunkt: %s",
	"The company's %s":   "Aktørens %s",
	// What is wrong with a GSRN or GLN typed in (ident.Error), after its kind.
	"%s: is required":               "%s: må fylles ut",
	"%s: must contain only digits":  "%s: kan bare inneholde sifre",
	"%s: must be %d digits, got %d": "%s: må ha %d sifre, ikke %d",
	"%s: check digit should be %d":  "%s: kontrollsifferet skal være %d",
}

// A request's status, as a formatted detail names it.
var statusWords = map[string]string{
	"APPROVED": "godtatt", "REJECTED": "avslått", "WITHDRAWN": "trukket tilbake",
}

// detailForm is one of formatted, as a pattern that matches a detail.
type detailForm struct {
	english *regexp.Regexp
	bokmal  string
}

var (
	verb        = regexp.MustCompile(`%[sd]`)
	detailForms = compileForms(formatted)
)

// compileForms makes each format a pattern, longest first, so that the most
// specific form of a detail is the one used.
func compileForms(formats map[string]string) []detailForm {
	englishes := slices.Sorted(maps.Keys(formats))
	slices.SortStableFunc(englishes, func(a, b string) int { return len(b) - len(a) })
	var forms []detailForm
	for _, english := range englishes {
		pattern := strings.NewReplacer("%s", "(.+)", "%d", `(-?\d+)`).Replace(regexp.QuoteMeta(english))
		forms = append(forms, detailForm{regexp.MustCompile("^" + pattern + "$"), formats[english]})
	}
	return forms
}

// detail is a refusal's detail in the page's language: a fixed one from
// messages; a formatted one in bokmål from formatted, each part filled in
// in bokmål too where it has one (a reason, a status).
func detail(p view, s string) string {
	if _, fixed := messages[s]; fixed || p.Lang() == websession.English {
		return p.T(s)
	}
	if word, ok := statusWords[s]; ok {
		return word
	}
	for _, form := range detailForms {
		parts := form.english.FindStringSubmatch(s)
		if parts == nil {
			continue
		}
		next := 0
		return verb.ReplaceAllStringFunc(form.bokmal, func(string) string {
			next++
			return detail(p, parts[next])
		})
	}
	return s
}
