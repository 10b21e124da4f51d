package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"wxpub/bot"
	"wxpub/publish"
	"wxpub/reply"
)

// Ask prints what a follower sending query would get, from the store.
func (a *App) Ask(ctx context.Context, query string, asJSON bool) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := bot.Ask(ctx, st, query, reply.Config{Welcome: a.Config.Reply.Welcome, Menu: a.Config.Reply.Menu})
	if err != nil {
		return err
	}
	out := []byte(r.Plain())
	if asJSON {
		if out, err = r.JSON(); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(a.Out, string(out))
	return err
}

// Import adds issues to the store (and so to every server's index) without publishing.
// Every file is read before any is stored: one bad file imports nothing.
func (a *App) Import(ctx context.Context, paths []string, url string) error {
	if url != "" && len(paths) != 1 {
		return errors.New("--url names one issue's article: import one file with it")
	}
	if url != "" && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("--url %q is not an http(s) URL", url)
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	imported, err := publish.New(nil, st, a.reporter(), nil).Import(ctx, paths...)
	for _, im := range imported {
		if url != "" {
			if err := st.SetIssueURLs(ctx, im.Issue.Number, url, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.Out, "imported issue %d (%d items) from %s as snapshot %.12s\n", im.Issue.Number, len(im.Issue.Items()), im.Issue.Path, im.Snapshot.ID)
		a.notify(ctx, im.Issue.Number)
	}
	return err
}
