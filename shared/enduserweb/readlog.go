package enduserweb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// ReadLog lists who read an end user's metering data.
type ReadLog interface {
	List(ctx context.Context, user pseudonym.EndUserID, cursor string, limit int) (readlog.Page, error)
}

// recentReads is how many reads My access shows; the JSON feed pages through all.
const recentReads = 20

// readView is one read, as the end user sees it.
type readView struct {
	At              string `json:"at"`
	ThirdPartyID    string `json:"thirdPartyId,omitempty"` // empty for the end user's own export
	ThirdPartyName  string `json:"thirdPartyName,omitempty"`
	MeteringPointID string `json:"meteringPointId,omitempty"`
	What            string `json:"what"`
	From            string `json:"from,omitempty"`
	To              string `json:"to,omitempty"`
	// The same instants for the page, which shows them in Oslo time.
	at, from, to time.Time
}

type readPage struct {
	Items      []readView `json:"items"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

func (s *site) reads(ctx context.Context, user pseudonym.EndUserID, cursor string, limit int) (readPage, error) {
	page, err := s.readLog.List(ctx, user, cursor, limit)
	if err != nil {
		return readPage{}, err
	}
	out := readPage{Items: make([]readView, 0, len(page.Entries)), NextCursor: page.NextCursor}
	names := map[string]string{}
	for _, e := range page.Entries {
		gln := string(e.ThirdParty)
		if _, ok := names[gln]; !ok && gln != "" {
			names[gln] = s.name(ctx, e.ThirdParty)
		}
		v := readView{
			At: oslo.FormatUTC(e.At), ThirdPartyID: gln, ThirdPartyName: names[gln],
			MeteringPointID: string(e.MeteringPoint), What: string(e.What),
			at: e.At, from: e.From, to: e.To,
		}
		if !e.From.IsZero() {
			v.From, v.To = e.From.Format(registry.DateLayout), e.To.Format(registry.DateLayout)
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// apiUser is who is logged in, for the JSON feeds under /v1/me: without a
// session they answer 401, never a login page.
func (s *site) apiUser(w http.ResponseWriter, r *http.Request) (session, bool) {
	user, err := s.Session(r)
	switch {
	case errors.Is(err, websession.ErrNoSession):
		s.apiProblem(w, r, fault.New(fault.Unauthenticated, "Log in at /consent first; this feed uses the same session."))
		return user, false
	case err != nil:
		s.apiProblem(w, r, err)
		return user, false
	}
	return user, true
}

func (s *site) apiProblem(w http.ResponseWriter, r *http.Request, err error) {
	doc := problem.From(r.Context(), s.logger, err, r.URL.Path)
	doc.RequestID = websession.RequestID(r)
	writeProblem(w, doc)
}

// accessLog is GET /v1/me/access-log: the logged-in end user's read log as
// JSON, newest first.
func (s *site) accessLog(w http.ResponseWriter, r *http.Request) {
	user, ok := s.apiUser(w, r)
	if !ok {
		return
	}
	limit := recentReads
	if l := r.URL.Query().Get("limit"); l != "" {
		var err error
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 100 {
			s.apiProblem(w, r, fault.InvalidFields(fault.FieldError{Field: "limit", Reason: "must be a whole number from 1 to 100"}))
			return
		}
	}
	page, err := s.reads(r.Context(), user.EndUser, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.apiProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// export is GET /v1/me/export: everything about the logged-in end user
// (package personaldata) as one JSON document, or with format=zip as a zip
// of CSV files, to save. Each export is recorded in their read log.
func (s *site) export(w http.ResponseWriter, r *http.Request) {
	user, ok := s.apiUser(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "zip" {
		s.apiProblem(w, r, fault.InvalidFields(fault.FieldError{Field: "format", Reason: "must be json or zip"}))
		return
	}
	x, err := s.personalData.Export(r.Context(), user.EndUser)
	if err != nil {
		s.apiProblem(w, r, err)
		return
	}
	name := "tredjepart-" + s.clock.Now().In(oslo.Oslo).Format(registry.DateLayout)
	w.Header().Set("Cache-Control", "no-store")
	if format == "zip" {
		var body bytes.Buffer // whole, so that a failure is still a problem document
		if err := x.WriteZip(&body); err != nil {
			s.apiProblem(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
		_, _ = w.Write(body.Bytes())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
	_ = x.WriteJSON(w)
}

func writeProblem(w http.ResponseWriter, doc problem.Document) {
	w.Header().Set("Content-Type", problem.ContentType)
	w.WriteHeader(doc.Status)
	_, _ = w.Write(doc.JSON())
}
