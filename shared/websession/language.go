package websession

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Languages: bokmål by default, English on request.
const (
	Bokmal  = "nb"
	English = "en"
)

// Messages are a site's texts by key, in bokmål and English.
type Messages map[string][2]string

// Translator renders messages and times in one language.
type Translator struct {
	lang     string
	messages Messages
}

// NewTranslator renders messages in lang.
func NewTranslator(lang string, messages Messages) Translator {
	return Translator{lang: lang, messages: messages}
}

// Lang is the page's language code; Other is the one to switch to.
func (t Translator) Lang() string { return t.lang }

func (t Translator) Other() string {
	if t.lang == English {
		return Bokmal
	}
	return English
}

// T is the message with key, or the key itself when there is none.
func (t Translator) T(key string) string {
	m, ok := t.messages[key]
	if !ok {
		return key
	}
	if t.lang == English {
		return m[1]
	}
	return m[0]
}

// When renders an instant in Oslo time.
func (t Translator) When(at time.Time) string {
	return at.In(oslo.Oslo).Format("02.01.2006 15:04")
}

// Deadline renders an instant that falls at midnight in Oslo as 24:00 on
// the day before, the way a deadline is read ("by the end of 2 December").
func (t Translator) Deadline(at time.Time) string {
	local := at.In(oslo.Oslo)
	if local.Hour() == 0 && local.Minute() == 0 {
		return local.AddDate(0, 0, -1).Format("02.01.2006") + " 24:00"
	}
	return t.When(at)
}

// TimeLeft renders a time left in days and hours; none left is "0".
func (t Translator) TimeLeft(left time.Duration) string {
	if left <= 0 {
		return "0"
	}
	hours := int(left.Round(time.Hour) / time.Hour)
	if t.lang == English {
		return fmt.Sprintf("%d d %d h", hours/24, hours%24)
	}
	return fmt.Sprintf("%d d %d t", hours/24, hours%24)
}

// Day renders a civil date.
func (t Translator) Day(at time.Time) string {
	return at.In(oslo.Oslo).Format("02.01.2006")
}

// Quantity renders kWh with its 3 decimals, with a decimal comma in bokmål.
func (t Translator) Quantity(q decimal.Decimal) string {
	s := q.StringFixed(3)
	if t.lang == Bokmal {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// language reads ?lang= (and remembers it in the cookie named), then the
// cookie.
func (c *Cookies) language(w http.ResponseWriter, r *http.Request, name string) string {
	if l := r.URL.Query().Get("lang"); l == Bokmal || l == English {
		http.SetCookie(w, &http.Cookie{Name: name, Value: l, Path: c.path, MaxAge: 365 * 24 * 3600, Secure: c.secure, SameSite: http.SameSiteLaxMode})
		return l
	}
	if cookie, err := r.Cookie(name); err == nil && cookie.Value == English {
		return English
	}
	return Bokmal
}
