package portalweb

import (
	"context"
	"fmt"
	"io"

	"github.com/a-h/templ"

	"github.com/tredjepart/tredjepart/shared/metering"
)

// pages draws the page the site renders by name, from its data (the
// .templ files beside this one).
func pages(p page) templ.Component {
	switch p.Template {
	case "overview.html":
		return overviewView(p, p.Data.(overviewPage))
	case "new.html":
		return newView(p, p.Data.(newRequestForm))
	case "requests.html":
		return requestsView(p, p.Data.(requestsPage))
	case "points.html":
		return pointsView(p, p.Data.(pointsPage))
	case "point.html":
		return pointView(p, p.Data.(metering.MasterDataDocument))
	case "consumption.html":
		return consumptionView(p, p.Data.(consumptionPage))
	case "deliveries.html":
		return deliveriesView(p, p.Data.(deliveriesPage))
	case "problem.html":
		detail, _ := p.Data.(string)
		return problemPage(p, detail)
	case "logged-out.html":
		return loggedOutPage(p)
	}
	return templ.ComponentFunc(func(context.Context, io.Writer) error {
		return fmt.Errorf("portal: no page %q", p.Template)
	})
}
