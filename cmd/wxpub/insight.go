package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"wxpub/store"
)

// insightReport is what followers asked in a period, as wxpub insight prints it.
type insightReport struct {
	Since     string        `json:"since"`
	Outcomes  []store.Count `json:"outcomes"`
	Top       []store.Count `json:"top_queries"`
	Unmatched []store.Count `json:"top_unanswered"`
	Items     []itemCount   `json:"top_items"`
}

type itemCount struct {
	Item  string `json:"item"`
	Title string `json:"title"`
	N     int    `json:"n"`
}

// parseSince reads --since: 30d, 12h, or a date (YYYY-MM-DD, in account.timezone).
func (a *App) parseSince(s string) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var d int
		if _, err := fmt.Sscanf(n, "%d", &d); err == nil && d > 0 {
			return time.Now().AddDate(0, 0, -d), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, a.Config.Account.Location); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want 30d, 12h or YYYY-MM-DD", s)
}

// Insight prints what followers asked since a time: outcomes, top queries, top queries
// that found nothing (the content gaps) and the items most asked for, by language.
func (a *App) Insight(ctx context.Context, since string, limit int, asJSON bool) error {
	from, err := a.parseSince(since)
	if err != nil {
		return err
	}
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	r := insightReport{Since: from.In(a.Config.Account.Location).Format(time.RFC3339)}
	if r.Outcomes, err = st.Outcomes(ctx, from); err != nil {
		return err
	}
	if r.Top, err = st.TopQueries(ctx, from, limit); err != nil {
		return err
	}
	if r.Unmatched, err = st.TopQueries(ctx, from, limit, "no_match", "partial"); err != nil {
		return err
	}
	items, err := st.TopItems(ctx, from, limit)
	if err != nil {
		return err
	}
	for _, c := range items {
		ic := itemCount{Item: c.Value, N: c.N}
		if title, err := st.ItemTitles(ctx, c.Value); err == nil {
			ic.Title = title
		}
		r.Items = append(r.Items, ic)
	}
	if asJSON {
		return a.printJSON(r)
	}
	fmt.Fprintf(a.Out, "Followers' messages since %s\n", a.when(from))
	if len(r.Outcomes) == 0 {
		fmt.Fprintln(a.Out, "  none recorded (insight.enabled keeps them while wxpub serve answers)")
		return nil
	}
	w := tabwriter.NewWriter(a.Out, 0, 4, 2, ' ', 0)
	var parts []string
	for _, o := range r.Outcomes {
		parts = append(parts, fmt.Sprintf("%s %d", o.Value, o.N))
	}
	fmt.Fprintf(w, "\nanswers:\t%s\n", strings.Join(parts, ", "))
	section := func(title string, cs []store.Count) {
		fmt.Fprintf(w, "\n%s\n", title)
		for _, c := range cs {
			fmt.Fprintf(w, "  %d\t%s\t%s\n", c.N, c.Lang, c.Value)
		}
	}
	section("top queries", r.Top)
	section("top queries that found nothing or only part (content gaps)", r.Unmatched)
	fmt.Fprintln(w, "\nitems most asked for")
	for _, c := range r.Items {
		fmt.Fprintf(w, "  %d\t%s\t%s\n", c.N, c.Item, c.Title)
	}
	return w.Flush()
}

// Forget erases one follower's records from the store.
func (a *App) Forget(ctx context.Context, openID string) error {
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	n, err := st.Forget(ctx, openID)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "Deleted %d records of that follower. The store keeps nothing else of them; logs carry only a short hash, never the OpenID.\n", n)
	return nil
}

func newInsightCmd(app func() *App) *cobra.Command {
	var since string
	var limit int
	var asJSON bool
	c := &cobra.Command{
		Use:   "insight [--since 30d]",
		Short: "What followers asked: top queries, content gaps, items most asked for, by language",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Insight(cmd.Context(), since, limit, asJSON)
		},
	}
	c.Flags().StringVar(&since, "since", "30d", "the period: 30d, 12h or a date YYYY-MM-DD")
	c.Flags().IntVar(&limit, "top", 10, "how many of each")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newForgetCmd(app func() *App) *cobra.Command {
	return &cobra.Command{
		Use:   "forget OPENID",
		Short: "Erase everything the store keeps of one follower (their insight records)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Forget(cmd.Context(), args[0])
		},
	}
}
