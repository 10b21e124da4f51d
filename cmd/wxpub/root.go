package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"wxpub/config"
)

func newRootCmd() *cobra.Command {
	var cfgPath string
	var app *App
	root := &cobra.Command{
		Use:   "wxpub",
		Short: "Publish the bilingual newsletter on a WeChat Official Account",
		Long: `wxpub turns an issue of the newsletter, written in Markdown, into a WeChat article,
and answers followers' keyword queries with matching items.

Settings come from wxpub.yaml (or --config), WXPUB_* environment variables and flags.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			c, err := config.Load(cfgPath, cmd.Flags())
			if err != nil {
				return err
			}
			app = &App{Config: c, Log: newLogger(c.Log, os.Stderr), Out: cmd.OutOrStdout()}
			if c.File != "" {
				app.Log.WithField("file", c.File).Debug("config read")
			}
			return nil
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			if app != nil {
				return app.Close()
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&cfgPath, "config", "", "config file (default ./wxpub.yaml when present)")
	pf.String("log-level", "info", "log level: trace, debug, info, warn, error")
	pf.String("log-format", "text", "log format: text or json")

	get := func() *App { return app }
	root.AddCommand(
		newRenderCmd(get),
		newPreviewCmd(get),
		newLintCmd(get),
		newInspectCmd(get),
		newVersionCmd(),
	)
	return root
}

func newRenderCmd(app func() *App) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "render FILE",
		Short: "Write the article's content HTML, as it will be sent to WeChat",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return app().Render(args[0], out) },
	}
	c.Flags().StringVarP(&out, "output", "o", "", "output file (default standard output)")
	themeFlags(c)
	return c
}

func newPreviewCmd(app func() *App) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "preview FILE",
		Short: "Write a standalone page showing the article at phone width, light and dark",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return app().Preview(args[0], out) },
	}
	c.Flags().StringVarP(&out, "output", "o", "", "output file (default standard output)")
	themeFlags(c)
	return c
}

func newLintCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "lint FILE",
		Short: "Check an issue against WeChat's limits and the newsletter's rules",
		Long: `lint prints each problem as FILE:LINE: message. Errors (limits WeChat enforces,
missing images) exit 1; warnings (missing translations, placeholder links) exit 0.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return app().Lint(args[0]) },
	}
	themeFlags(c)
	return c
}

func newInspectCmd(app func() *App) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect FILE",
		Short: "Print the parsed issue as JSON",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return app().Inspect(args[0]) },
	}
}

func themeFlags(c *cobra.Command) {
	c.Flags().String("theme", "", "built-in theme (classic, crimson, jade) or theme file .yaml")
	c.Flags().String("author", "", "article author when the issue names none")
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print wxpub's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			rev := ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						rev = " " + s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wxpub %s%s (%s %s/%s)\n", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}
