package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"wxpub/bot"
	"wxpub/issue"
	"wxpub/reply"
)

// Ask prints what a follower sending query would get, from the store.
func (a *App) Ask(ctx context.Context, query string, asJSON bool) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	idx, _, err := bot.NewIndex(ctx, st)
	if err != nil {
		return err
	}
	defer idx.Close()
	r, err := reply.Answer(ctx, reply.Message{Type: "text", Content: query}, idx, reply.Config{Welcome: a.Config.Reply.Welcome, Menu: a.Config.Reply.Menu})
	if err != nil {
		return err
	}
	if asJSON {
		data, err := r.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(a.Out, string(data))
		return err
	}
	switch r.Type {
	case reply.News:
		for _, art := range r.Articles {
			fmt.Fprintf(a.Out, "%s\n%s\n%s\n", art.Title, art.Description, art.URL)
		}
	case reply.Text:
		fmt.Fprintln(a.Out, r.Content)
	default:
		fmt.Fprintln(a.Out, "(no reply)")
	}
	return nil
}

// Import adds issues to the store (and so to every server's index) without publishing.
// Every file is parsed before any is stored: one bad file imports nothing.
func (a *App) Import(ctx context.Context, paths []string, url string) error {
	if url != "" && len(paths) != 1 {
		return errors.New("--url names one issue's article: import one file with it")
	}
	if url != "" && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("--url %q is not an http(s) URL", url)
	}
	var parsed []*issue.Issue
	for _, p := range paths {
		is, err := issue.ParseFile(p)
		if err != nil {
			return err
		}
		if is.Number <= 0 {
			return &issue.Error{File: p, Msg: "no issue number: add a line such as \"No. 135\" or number: in the front matter"}
		}
		parsed = append(parsed, is)
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, is := range parsed {
		sum := sha256.Sum256(is.Source)
		if err := st.SaveIssue(ctx, is, hex.EncodeToString(sum[:])); err != nil {
			return err
		}
		if url != "" {
			if err := st.SetIssueURLs(ctx, is.Number, url, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.Out, "imported issue %d (%d items) from %s\n", is.Number, len(is.Items()), is.Path)
		a.notify(ctx, is.Number)
	}
	return nil
}
