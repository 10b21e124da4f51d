package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"wxpub/publish"
)

// Sync reconciles the account's published articles with the store: wxpub's own get their
// live URLs, others are read back into issues, stored and indexed for replies.
func (a *App) Sync(ctx context.Context) error {
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	c, err := a.client()
	if err != nil {
		return err
	}
	res, err := publish.Sync(ctx, c, st)
	if err != nil {
		return err
	}
	for _, n := range append(append([]int(nil), res.Imported...), res.Matched...) {
		a.notify(ctx, n)
	}
	if len(res.Imported) > 0 {
		if err := a.refreshIndex(ctx, opened); err != nil {
			return err
		}
	}
	list := func(ns []int) string {
		var s []string
		for _, n := range ns {
			s = append(s, fmt.Sprint(n))
		}
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, ", ")
	}
	fmt.Fprintf(a.Out, "published by wxpub, URLs recorded: %s\nimported from other articles: %s\nalready in the store: %s\n",
		list(res.Matched), list(res.Imported), list(res.Known))
	for _, w := range res.Warnings {
		fmt.Fprintln(a.Err, "warning: "+w)
	}
	return nil
}

func newSyncCmd(app func() *App) *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Bring the account's whole back catalogue into the store and the replies",
		Long: `sync walks the account's published articles (freepublish/batchget, getarticle): those
wxpub published get their live URL recorded; those published some other way (earlier
issues made in another editor) are read from their HTML back into issues and items, stored
with their URL and cover, and indexed, so followers' keywords find them too. An article
that cannot be read as an issue is a warning naming it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Sync(cmd.Context())
		},
	}
}
