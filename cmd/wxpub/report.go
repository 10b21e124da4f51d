package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"wxpub/internal/outfile"
	"wxpub/report"
	"wxpub/store"
)

// buildReport gathers the report of the period since (30d, 12h or a date).
func (a *App) buildReport(ctx context.Context, st *store.Store, since string) (*report.Page, error) {
	from, err := a.parseSince(since)
	if err != nil {
		return nil, err
	}
	return report.Build(ctx, st, from, a.Config.Account.Location, a.Config.WeChat.AppID)
}

// Report writes the report page to out.
func (a *App) Report(ctx context.Context, since, out string) error {
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	p, err := a.buildReport(ctx, st, since)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	// Followers' queries are the firm's own business: the file is private like the store.
	if out == "" || out == "-" {
		_, err = a.Out.Write(b.Bytes())
		return err
	}
	if err := outfile.Write(out, b.Bytes(), outfile.Private); err != nil {
		return err
	}
	fmt.Fprintf(a.Err, "wrote %s (%s): open it in a browser; it needs no network\n", out, p.Period)
	return nil
}

// reportHandler serves the report on the admin listener: /report?since=30d.
func (a *App) reportHandler(st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since := r.URL.Query().Get("since")
		if since == "" {
			since = "30d"
		}
		p, err := a.buildReport(r.Context(), st, since)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		p.Write(w)
	})
}

func newReportCmd(app func() *App) *cobra.Command {
	var since, out string
	c := &cobra.Command{
		Use:   "report [--since 30d] [-o report.html]",
		Short: "A page of charts: what followers asked, how articles were read, how followers grew",
		Long: `report writes one self-contained HTML page (no script, no external font: it opens
offline) with charts of the messages a day by answer, the top queries and the top
unanswered ones, the items most asked for, reads and shares per article and follower
growth. wxpub serve shows the same page on the admin listener at /report?since=30d.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Report(cmd.Context(), since, out)
		},
	}
	c.Flags().StringVar(&since, "since", "30d", "the period: 30d, 12h or a date YYYY-MM-DD")
	c.Flags().StringVarP(&out, "output", "o", "report.html", `where to write the page ("-" for standard output)`)
	return c
}
