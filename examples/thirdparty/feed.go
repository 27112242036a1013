package main

import (
	"context"
	"fmt"

	"github.com/tredjepart/tredjepart/client"
)

// pageSize is the most documents asked for at once (the API allows 100).
const pageSize = 100

// readFeed reads GET /v1/deliveries from the stored position to its end,
// handling every document not handled before. The feed holds every
// document of the last 30 days, pushed or not, so this is how we catch up
// with what came while we were down or while pushes failed.
func (a *app) readFeed(ctx context.Context) error {
	for {
		var cursor string
		a.state.read(func(s *state) { cursor = s.FeedPosition })
		limit := pageSize
		res, err := a.api.ListDeliveriesWithResponse(ctx, &client.ListDeliveriesParams{Cursor: &cursor, Limit: &limit})
		if err != nil {
			return fmt.Errorf("read the feed: %w", err)
		}
		page := res.JSON200
		for _, item := range page.Items {
			isNew, err := a.state.claim(item.Id)
			if err != nil {
				return err
			}
			if !isNew {
				a.say("feed %s: already handled, dropped", item.Id)
				continue
			}
			raw, err := item.Document.MarshalJSON()
			if err != nil {
				return err
			}
			a.say("feed %s", item.Id)
			a.handle(item.Id, raw)
		}
		// Store the position only after handling the page: a crash before
		// this line reads the page again, and Seen drops the repeats.
		if err := a.state.update(func(s *state) { s.FeedPosition = page.NextCursor }); err != nil {
			return err
		}
		if len(page.Items) == 0 {
			return nil // the end for now; nextCursor is where new documents will come
		}
	}
}
