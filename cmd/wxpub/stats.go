package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"wxpub/stats"
	"wxpub/store"
	"wxpub/wechat/sdk"
)

// fetchStats reads the analytics of the days from first to last into the store.
func (a *App) fetchStats(ctx context.Context, st *store.Store, first, last string) (int, error) {
	client, err := a.client()
	if err != nil {
		return 0, err
	}
	return stats.Fetch(ctx, sdk.OfficialAccount(client).GetDataCube(), st, first, last)
}

// StatsFetch backfills the analytics from a day on (the API keeps about a year).
func (a *App) StatsFetch(ctx context.Context, since string) error {
	if _, err := time.Parse(time.DateOnly, since); err != nil {
		return fmt.Errorf("--since %q: want YYYY-MM-DD", since)
	}
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	n, err := a.fetchStats(ctx, st, since, time.Now().In(stats.Beijing).AddDate(0, 0, -1).Format(time.DateOnly))
	if errors.Is(err, stats.ErrNoPermission) {
		fmt.Fprintf(a.Out, "Not fetched: %v. Reports go on with what followers ask.\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "Fetched the figures of %d days (followers, and each article's reads and shares).\n", n)
	return nil
}

func newStatsCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{Use: "stats", Short: "Fetch the account's figures from WeChat's analytics (wxpub serve fetches yesterday's daily)"}
	var since string
	fetch := &cobra.Command{
		Use:   "fetch --since YYYY-MM-DD",
		Short: "Backfill followers gained and lost, and each article's reads and shares, from a day on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().StatsFetch(cmd.Context(), since)
		},
	}
	fetch.Flags().StringVar(&since, "since", time.Now().AddDate(0, 0, -7).Format(time.DateOnly), "the first day (Beijing time)")
	c.AddCommand(fetch)
	return c
}
