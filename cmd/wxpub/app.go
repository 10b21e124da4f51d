package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"golang.org/x/term"

	"wxpub/cluster"
	"wxpub/config"
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

	cluster *cluster.Cluster // nil without redis.addr
}

// openCluster connects to Redis when redis.addr is set (nil, nil otherwise). Redis being
// down is not an error: the replica works alone until it is back.
func (a *App) openCluster(ctx context.Context) (*cluster.Cluster, error) {
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

func newLogger(c config.Log, w io.Writer) *logrus.Logger {
	log := logrus.New()
	log.SetOutput(w)
	lvl, err := logrus.ParseLevel(c.Level)
	if err != nil {
		lvl = logrus.InfoLevel
	}
	log.SetLevel(lvl)
	if c.Format == "json" {
		log.SetFormatter(&logrus.JSONFormatter{})
	} else {
		f, ok := w.(*os.File)
		log.SetFormatter(&logrus.TextFormatter{ForceColors: ok && term.IsTerminal(int(f.Fd())), DisableTimestamp: ok && term.IsTerminal(int(f.Fd()))})
	}
	return log
}

// Close releases what the app holds.
func (a *App) Close() error {
	if a.cluster != nil {
		return a.cluster.Close()
	}
	return nil
}

// theme loads the configured theme.
func (a *App) theme() (*render.Theme, error) {
	return render.LoadTheme(a.Config.Render.Theme)
}

// prepare parses an issue and loads the theme: the first steps of every command that
// works on an issue file.
func (a *App) prepare(path string) (*issue.Issue, *render.Theme, error) {
	is, err := issue.ParseFile(path)
	if err != nil {
		return nil, nil, err
	}
	t, err := a.theme()
	if err != nil {
		return nil, nil, err
	}
	return is, t, nil
}

func (a *App) renderOptions(t *render.Theme) render.Options {
	return render.Options{Theme: t, Author: a.Config.Render.Author}
}

// Render writes an issue's content HTML to out ("" or "-" for standard output).
func (a *App) Render(path, out string) error {
	is, t, err := a.prepare(path)
	if err != nil {
		return err
	}
	art, err := render.Render(is, a.renderOptions(t))
	if err != nil {
		return err
	}
	// What WeChat would refuse is not written: the same errors as lint.
	if fs := lint.Check(is, art, t); fs.Errors() > 0 {
		for _, f := range fs {
			if f.Severity == lint.Error {
				fmt.Fprintln(a.Err, f)
			}
		}
		return &exitError{msg: fmt.Sprintf("%s: %s; nothing written", path, fs.Summary())}
	}
	if err := a.write(out, []byte(art.Content)); err != nil {
		return err
	}
	a.Log.WithFields(logrus.Fields{"file": path, "items": len(is.Items()), "chars": len([]rune(art.Content)), "theme": t.Name}).Info("rendered")
	return nil
}

// Preview writes a standalone page showing the article at phone width.
func (a *App) Preview(path, out string) error {
	is, t, err := a.prepare(path)
	if err != nil {
		return err
	}
	page, err := render.Preview(is, a.renderOptions(t))
	if err != nil {
		return err
	}
	if err := a.write(out, page); err != nil {
		return err
	}
	if out != "" && out != "-" {
		abs, _ := filepath.Abs(out)
		a.Log.WithField("file", path).Infof("preview written: file://%s", abs)
	}
	return nil
}

// Lint prints every finding; it fails when any is an error.
func (a *App) Lint(path string) error {
	is, t, err := a.prepare(path)
	if err != nil {
		return err
	}
	art, err := render.Render(is, a.renderOptions(t))
	if err != nil {
		return err
	}
	fs := lint.Check(is, art, t)
	for _, f := range fs {
		fmt.Fprintln(a.Out, f)
	}
	if n := fs.Errors(); n > 0 {
		return &exitError{msg: fmt.Sprintf("%s: %s", path, fs.Summary())}
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
