package consentweb

import (
	"net/http"
	"time"

	"github.com/tredjepart/tredjepart/shared/businessday"
)

// Languages: bokmål by default, English on request.
const (
	bokmal  = "nb"
	english = "en"
)

// messages by key, in bokmål and English.
var messages = map[string][2]string{
	"title":             {"Tilgang til strømdata", "Access to electricity data"},
	"skip":              {"Hopp til innholdet", "Skip to content"},
	"nav.pending":       {"Forespørsler", "Requests"},
	"nav.access":        {"Mine tilganger", "My access"},
	"logout":            {"Logg ut", "Log out"},
	"language":          {"English", "Norsk"},
	"loggedInAs":        {"Innlogget som", "Logged in as"},
	"onBehalfOf":        {"for", "for"},
	"pending.heading":   {"Forespørsler om tilgang", "Requests for access"},
	"pending.intro":     {"Disse aktørene ber om å få se strømdataene dine. Du bestemmer selv.", "These companies ask to see your electricity data. It is your decision."},
	"pending.none":      {"Du har ingen åpne forespørsler.", "You have no open requests."},
	"thirdParty":        {"Aktør", "Company"},
	"meteringPoint":     {"Målepunkt", "Metering point"},
	"requestedLevel":    {"Ønsket tilgang", "Access asked for"},
	"expires":           {"Svar innen", "Answer by"},
	"decision":          {"Ditt svar", "Your answer"},
	"decision.later":    {"Svar senere", "Decide later"},
	"decision.approve":  {"Godta", "Approve"},
	"decision.decline":  {"Avslå", "Decline"},
	"level":             {"Tilgangsnivå", "Access level"},
	"level.LIMITED":     {"Begrenset: måleverdier og grunnleggende opplysninger", "Limited: meter values and basic information"},
	"level.FULL":        {"Full: også avtale- og anleggsdata", "Full: also contract and master data"},
	"submit":            {"Send svar", "Send answers"},
	"result.heading":    {"Svarene dine", "Your answers"},
	"result.APPROVED":   {"Godtatt", "Approved"},
	"result.REJECTED":   {"Avslått", "Declined"},
	"result.failed":     {"Ikke registrert", "Not recorded"},
	"back":              {"Tilbake", "Back"},
	"access.heading":    {"Mine tilganger", "My access"},
	"access.intro":      {"Aktører som kan se strømdataene dine. Du kan endre eller fjerne tilgangen når du vil; det virker straks.", "Companies that can see your electricity data. You can change or remove access at any time; it takes effect at once."},
	"access.none":       {"Ingen aktører har tilgang.", "No company has access."},
	"access.since":      {"Gitt", "Given"},
	"access.window":     {"Data fra", "Data from"},
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
	"done.level":        {"Tilgangsnivået er endret.", "The access level has been changed."},
	"done.grant":        {"Aktøren har fått tilgang.", "The company has been given access."},
	"done.revoke":       {"Tilgangen er fjernet.", "The access has been removed."},
	"grant.heading":     {"Gi en aktør tilgang", "Give a company access"},
	"grant.gln":         {"Aktørens GLN (13 siffer)", "The company's GLN (13 digits)"},
	"grant.submit":      {"Gi tilgang", "Give access"},
	"notFound":          {"Fant ingenting her.", "Nothing was found here."},
	"authorize.asks":    {"ber om tilgang til strømdataene dine", "asks for access to your electricity data"},
	"error":             {"Noe gikk galt", "Something went wrong"},
}

// translator renders messages and times in one language.
type translator struct{ lang string }

// Lang is the page's language code; Other is the one to switch to.
func (t translator) Lang() string { return t.lang }

func (t translator) Other() string {
	if t.lang == english {
		return bokmal
	}
	return english
}

func (t translator) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if t.lang == english {
		return m[1]
	}
	return m[0]
}

// When renders an instant in Oslo time.
func (t translator) When(at time.Time) string {
	return at.In(businessday.Oslo).Format("02.01.2006 15:04")
}

// Deadline renders an instant that falls at midnight in Oslo as 24:00 on
// the day before, the way a deadline is read ("by the end of 2 December").
func (t translator) Deadline(at time.Time) string {
	local := at.In(businessday.Oslo)
	if local.Hour() == 0 && local.Minute() == 0 {
		return local.AddDate(0, 0, -1).Format("02.01.2006") + " 24:00"
	}
	return t.When(at)
}

// Day renders a civil date.
func (t translator) Day(at time.Time) string {
	return at.In(businessday.Oslo).Format("02.01.2006")
}

// languageOf reads ?lang= (and remembers it), then the cookie.
func languageOf(w http.ResponseWriter, r *http.Request, secure bool) string {
	if l := r.URL.Query().Get("lang"); l == bokmal || l == english {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, Secure: secure, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value == english {
		return english
	}
	return bokmal
}
