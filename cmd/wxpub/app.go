package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/sirupsen/logrus"

	"wxpub/cluster"
	"wxpub/config"
	"wxpub/internal/cli"
	"wxpub/internal/outfile"
	"wxpub/issue"
	"wxpub/lint"
	"wxpub/render"
)

// App is wxpub's wiring: the configuration and the logger every command shares, and the
// connections opened for it.
type App struct {
	Config *config.Config
	Log    *logrus.Logger
	Out    io.Writer
	// Err is where findings and problems go beside the command's output.
	Err io.Writer

	mu      sync.Mutex       // guards cluster: the serve and publish paths may open it together
	cluster *cluster.Cluster // nil without redis.addr
}

// openCluster connects to Redis when redis.addr is set (nil, nil otherwise). Redis being
// down is not an error: the replica works alone until it is back.
func (a *App) openCluster(ctx context.Context) (*cluster.Cluster, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster != nil || a.Config.Redis.Addr == "" {
		return a.cluster, nil
	}
	r := a.Config.Redis
	c, err := cluster.Open(ctx, cluster.Options{Addr: r.Addr, Password: r.Password, DB: r.DB, Prefix: r.Prefix, Log: a.Log})
	if err != nil {
		return nil, err
	}
	a.cluster = c
	return c, nil
}

// notify tells the other replicas that an issue changed; without Redis they find out on
// their refresh timer, and a failed notice only delays them that long.
func (a *App) notify(ctx context.Context, issue int) {
	c, err := a.openCluster(ctx)
	if c == nil || err != nil {
		return
	}
	if err := c.Notify(ctx, issue); err != nil {
		a.Log.WithError(err).Warn("replicas not notified; they will see the change on their refresh timer")
	}
}

// Close releases what the app holds.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster != nil {
		return a.cluster.Close()
	}
	return nil
}

// renderOptions are the configured theme and author.
func (a *App) renderOptions() (render.Options, error) {
	t, err := render.LoadTheme(a.Config.Render.Theme)
	return render.Options{Theme: t, Author: a.Config.Render.Author}, err
}

// check parses, renders and lints an issue file with the configured theme.
func (a *App) check(path string) (*issue.Issue, *render.Article, lint.Findings, error) {
	opt, err := a.renderOptions()
	if err != nil {
		return nil, nil, nil, err
	}
	return lint.File(path, opt)
}

// Render writes an issue's content HTML to out ("" or "-" for standard output), unless
// lint finds an error: what WeChat would refuse is not written.
func (a *App) Render(path, out string) error {
	is, art, fs, err := a.check(path)
	if err != nil {
		return err
	}
	if fs.Errors() > 0 {
		for _, f := range fs.Only(lint.Error) {
			fmt.Fprintln(a.Err, f)
		}
		return &cli.ExitError{Msg: fmt.Sprintf("%s: %s; nothing written", path, fs.Summary())}
	}
	if err := a.write(out, []byte(art.Content)); err != nil {
		return err
	}
	a.Log.WithFields(logrus.Fields{"file": path, "items": len(is.Items()), "chars": len([]rune(art.Content))}).Info("rendered")
	return nil
}

// Preview writes a standalone page showing the article at phone width.
func (a *App) Preview(path, out string) error {
	opt, err := a.renderOptions()
	if err != nil {
		return err
	}
	is, err := issue.ParseFile(path)
	if err != nil {
		return err
	}
	page, err := render.Preview(is, opt)
	if err != nil {
		return err
	}
	return a.write(out, page)
}

// Lint prints every finding; it fails when any is an error.
func (a *App) Lint(path string) error {
	_, _, fs, err := a.check(path)
	if err != nil {
		return err
	}
	for _, f := range fs {
		fmt.Fprintln(a.Out, f)
	}
	if fs.Errors() > 0 {
		return &cli.ExitError{Msg: fmt.Sprintf("%s: %s", path, fs.Summary())}
	}
	return nil
}

// Inspect prints the parsed issue as JSON.
func (a *App) Inspect(path string) error {
	is, err := issue.ParseFile(path)
	if err != nil {
		return err
	}
	data, err := is.JSON()
	if err != nil {
		return err
	}
	_, err = a.Out.Write(append(data, '\n'))
	return err
}

// write writes data to path ("" or "-" for standard output), never destroying what was
// there (see package outfile).
func (a *App) write(path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := a.Out.Write(data)
		return err
	}
	return outfile.Write(path, data, outfile.Public)
}

// fileCmd is a command on one issue file; with output it takes -o.
func fileCmd(use, short, long string, output bool, run func(path, out string) error) *cobra.Command {
	var out string
	c := &cobra.Command{Use: use, Short: short, Long: long, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return run(args[0], out) }}
	if output {
		c.Flags().StringVarP(&out, "output", "o", "", "output file (default standard output)")
		themeFlags(c)
	}
	return c
}

func fileCmds(app func() *App) []*cobra.Command {
	lint := fileCmd("lint FILE", "Check an issue against WeChat's limits and the newsletter's rules",
		`lint prints each problem as FILE:LINE: message. Errors (limits WeChat enforces,
missing images) exit 1; warnings (missing translations, placeholder links) and notes exit 0.`,
		false, func(path, _ string) error { return app().Lint(path) })
	themeFlags(lint)
	return []*cobra.Command{
		fileCmd("render FILE", "Write the article's content HTML, as it will be sent to WeChat", "", true,
			func(path, out string) error { return app().Render(path, out) }),
		fileCmd("preview FILE", "Write a standalone page showing the article at phone width, light and dark", "", true,
			func(path, out string) error { return app().Preview(path, out) }),
		lint,
		fileCmd("inspect FILE", "Print the parsed issue as JSON", "", false,
			func(path, _ string) error { return app().Inspect(path) }),
	}
}

func themeFlags(c *cobra.Command) {
	c.Flags().String("theme", "", "built-in theme (classic, crimson, jade) or theme file .yaml")
	c.Flags().String("author", "", "article author when the issue names none")
}
