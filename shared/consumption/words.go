package consumption

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

// lexicon is the chart's wording in one language.
type lexicon struct {
	en       bool
	comma    bool // decimal comma
	months   [12]string
	short    [12]string
	weekdays [7]string
	axis     map[View]string
	measured string
	other    string
}

var bokmal = lexicon{
	comma:    true,
	months:   [12]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	short:    [12]string{"jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"},
	weekdays: [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
	axis:     map[View]string{Day: "Time", Month: "Dag", Year: "Måned"},
	measured: "Målt",
	other:    "Estimert, korrigert eller ufullstendig",
}

var english = lexicon{
	en:       true,
	months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	short:    [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	axis:     map[View]string{Day: "Hour", Month: "Day", Year: "Month"},
	measured: "Measured",
	other:    "Estimated, adjusted or incomplete",
}

// words returns the lexicon for lang: English for "en", else bokmål.
func words(lang string) lexicon {
	if strings.EqualFold(lang, "en") || strings.HasPrefix(strings.ToLower(lang), "en-") {
		return english
	}
	return bokmal
}

func (t lexicon) date(d time.Time) string {
	if t.en {
		return fmt.Sprintf("%s %d %s %d", t.weekdays[d.Weekday()], d.Day(), t.months[d.Month()-1], d.Year())
	}
	return fmt.Sprintf("%s %d. %s %d", t.weekdays[d.Weekday()], d.Day(), t.months[d.Month()-1], d.Year())
}

func (t lexicon) title(s Span) string {
	switch s.View {
	case Month:
		if t.en {
			return fmt.Sprintf("Consumption per day, %s %d", t.months[s.From.Month()-1], s.From.Year())
		}
		return fmt.Sprintf("Forbruk per dag, %s %d", t.months[s.From.Month()-1], s.From.Year())
	case Year:
		if t.en {
			return fmt.Sprintf("Consumption per month, %d", s.From.Year())
		}
		return fmt.Sprintf("Forbruk per måned, %d", s.From.Year())
	}
	if t.en {
		return "Consumption per hour, " + t.date(s.From)
	}
	return "Forbruk per time, " + t.date(s.From)
}

// label sets each slot's tick label and name. An hour that occurs twice (the
// autumn DST change) is labelled A then B.
func (t lexicon) label(v View, slots []slot) {
	seen := map[int]int{}
	for _, s := range slots {
		seen[s.start.Hour()]++
	}
	nth := map[int]int{}
	for i := range slots {
		s := &slots[i]
		switch v {
		case Month:
			s.label = fmt.Sprint(s.start.Day())
			if t.en {
				s.name = fmt.Sprintf("%d %s", s.start.Day(), t.months[s.start.Month()-1])
			} else {
				s.name = fmt.Sprintf("%d. %s", s.start.Day(), t.months[s.start.Month()-1])
			}
		case Year:
			s.label = t.short[s.start.Month()-1]
			s.name = t.months[s.start.Month()-1]
		default:
			h := s.start.Hour()
			s.label = fmt.Sprintf("%02d", h)
			s.name = fmt.Sprintf("%s–%s", s.start.Format("15:04"), s.end.Format("15:04"))
			if seen[h] > 1 {
				s.label += string(rune('A' + nth[h]))
				nth[h]++
				s.name += fmt.Sprintf(" (%s, UTC%s)", s.label, s.start.Format("-07:00"))
			}
		}
	}
}

func (t lexicon) quantity(q string) string {
	if t.comma {
		q = strings.ReplaceAll(q, ".", ",")
	}
	return q + " " + Unit
}

// describe summarises the chart for the <desc>: what the bars are, the
// total, the highest bar, missing data and what the dashed bars mean.
func (t lexicon) describe(span Span, slots []slot) string {
	var b strings.Builder
	hours := len(slots)
	if span.View == Day && hours != 24 {
		switch {
		case t.en && hours < 24:
			fmt.Fprintf(&b, "The day has %d hours: summer time starts, so 02:00–03:00 does not exist. ", hours)
		case t.en:
			fmt.Fprintf(&b, "The day has %d hours: summer time ends, so 02:00–03:00 occurs twice, as 02A (UTC+02:00) and 02B (UTC+01:00). ", hours)
		case hours < 24:
			fmt.Fprintf(&b, "Døgnet har %d timer: sommertiden begynner, så klokken 02–03 finnes ikke. ", hours)
		default:
			fmt.Fprintf(&b, "Døgnet har %d timer: sommertiden slutter, så timen 02–03 kommer to ganger, som 02A (UTC+02:00) og 02B (UTC+01:00). ", hours)
		}
	}
	total, withData := decimal.Zero, 0
	var peak *slot
	for i := range slots {
		s := &slots[i]
		if s.rows == 0 {
			continue
		}
		withData++
		total = total.Add(s.quantity)
		if peak == nil || s.quantity.GreaterThan(peak.quantity) {
			peak = s
		}
	}
	if withData == 0 {
		if t.en {
			b.WriteString("No meter values for this period.")
		} else {
			b.WriteString("Ingen måleverdier for perioden.")
		}
		return b.String()
	}
	unit := map[View][2]string{Day: {"hours", "timer"}, Month: {"days", "dager"}, Year: {"months", "måneder"}}[span.View]
	if t.en {
		fmt.Fprintf(&b, "Total %s. Highest %s, %s.", t.quantity(metervalues.FormatQuantity(total)), t.quantity(metervalues.FormatQuantity(peak.quantity)), peak.name)
		if missing := len(slots) - withData; missing > 0 {
			fmt.Fprintf(&b, " %d of %d %s have no data.", missing, len(slots), unit[0])
		}
		if anyOther(slots) {
			b.WriteString(" Light bars with a dashed edge are estimated, adjusted or incomplete values.")
		}
		return b.String()
	}
	fmt.Fprintf(&b, "Totalt %s. Høyest %s, %s.", t.quantity(metervalues.FormatQuantity(total)), t.quantity(metervalues.FormatQuantity(peak.quantity)), peak.name)
	if missing := len(slots) - withData; missing > 0 {
		fmt.Fprintf(&b, " %d av %d %s mangler data.", missing, len(slots), unit[1])
	}
	if anyOther(slots) {
		b.WriteString(" Lyse søyler med stiplet kant er estimerte, korrigerte eller ufullstendige verdier.")
	}
	return b.String()
}
