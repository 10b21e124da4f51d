package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"wxpub/config"
	"wxpub/internal/cli"
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
			app = &App{Config: c, Log: cli.NewLogger(c.Log.Level, c.Log.Format, os.Stderr), Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr()}
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
	root.AddCommand(fileCmds(get)...)
	root.AddCommand(
		newPublishCmd(get),
		newSandboxCmd(get),
		newDemoCmd(get),
		newServeCmd(get),
		newImportCmd(get),
		newAskCmd(get),
		cli.VersionCmd("wxpub", version),
	)
	cli.Polish(root)
	return root
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

func newPublishCmd(app func() *App) *cobra.Command {
	var f publishFlags
	c := &cobra.Command{
		Use:   "publish FILE",
		Short: "Publish an issue: upload images and cover, create or update the draft, preview, publish, mass-send",
		Long: `publish turns an issue into a WeChat article and takes it as far as the flags say:

  (always)       lint (errors stop it before any API call), upload the images and the
                 cover, create the issue's draft or update it
  --preview-to   preview the draft on staff phones (OpenID or WeChat ID; repeatable)
  --publish      publish it and wait for the article URL
  --broadcast    mass-send it to every follower (asks, unless --yes)

It is safe to run again: every step is recorded, so a rerun finishes an interrupted job and
repeats nothing (no second draft, publish or send; a preview whose answer was lost is
reported and not repeated). Runs on the same issue and store take turns: a second run
waits for the first ("issue 135 is being published by …; waiting…"), or with --no-wait
exits non-zero at once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Publish(cmd.Context(), args[0], f, cmd.InOrStdin())
		},
	}
	c.Flags().StringArray("preview-to", nil, "preview on this phone: an OpenID or WeChat ID (repeatable; also wechat.preview_to)")
	c.Flags().BoolVar(&f.publish, "publish", false, "publish the draft and wait for the article URL")
	c.Flags().BoolVar(&f.broadcast, "broadcast", false, "mass-send to ALL followers (asks for confirmation)")
	c.Flags().BoolVar(&f.yes, "yes", false, "confirm --broadcast without asking")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "stop before the first API call and say what would be sent")
	c.Flags().BoolVar(&f.noWait, "no-wait", false, "fail at once if another run is publishing the same issue, instead of waiting for it")
	themeFlags(c)
	return c
}

func newSandboxCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local emulator of the WeChat Official Account API",
		Long: `sandbox serves an emulator of the official account API on loopback: tokens, uploads, the
draft box, publishing, mass messages. It takes the credentials in wechat.app_id and
wechat.app_secret (or its demo ones when unset); point wxpub at it with wechat.api_base.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Sandbox(ctx)
		},
	}
	c.Flags().String("sandbox-addr", "127.0.0.1:8081", "where the sandbox listens (sandbox.addr)")
	return c
}

func newDemoCmd(app func() *App) *cobra.Command {
	var dir string
	var exit bool
	c := &cobra.Command{
		Use:   "demo [FILE]",
		Short: "Publish the sample issue to a local sandbox: no account, no config",
		Long: `demo starts a local WeChat API sandbox, publishes an issue to it (the built-in sample
issue No. 135 unless FILE is given) and runs the message callback over the result, so that
followers' keywords can be tried. Its store and config go to --dir, a folder it creates
(or one an earlier demo made); it refuses any other folder that is not empty.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Demo(ctx, path, dir, exit)
		},
	}
	c.Flags().StringVar(&dir, "dir", "wxpub-data/demo", "where the demo keeps its store and config (a new folder, or one an earlier demo made)")
	c.Flags().BoolVar(&exit, "exit", false, "stop after publishing instead of serving until Ctrl-C")
	c.Flags().String("sandbox-addr", "127.0.0.1:8081", "where the sandbox listens (a free port if taken)")
	c.Flags().String("addr", "127.0.0.1:8080", "where the message callback listens (a free port if taken)")
	c.Flags().String("admin-addr", "127.0.0.1:9090", "where /healthz, /readyz and /metrics listen (a free port if taken)")
	return c
}

func newServeCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the message callback: answer followers' keywords with newsletter items",
		Long: `serve runs the WeChat message callback at server.addr + server.path (that listener
answers nothing else), and /healthz, /readyz and /metrics (GET and HEAD) on
server.admin_addr, a listener of their own to keep off the public network. It answers
followers' keywords from every issue in the store, in their language, and keeps its index
up to date as issues are imported or published. SIGINT or SIGTERM stops it gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Serve(ctx, nil)
		},
	}
	c.Flags().String("addr", "127.0.0.1:8080", "where the message callback listens (server.addr)")
	c.Flags().String("admin-addr", "127.0.0.1:9090", `where /healthz, /readyz and /metrics listen (server.admin_addr; "" turns them off)`)
	return c
}

func newImportCmd(app func() *App) *cobra.Command {
	var url string
	c := &cobra.Command{
		Use:   "import [--url URL] FILE…",
		Short: "Add issues to the store and the keyword index without publishing",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Import(cmd.Context(), args, url)
		},
	}
	c.Flags().StringVar(&url, "url", "", "the issue's article URL, where replies link (one FILE)")
	return c
}

func newAskCmd(app func() *App) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ask [--json] QUERY",
		Short: "Print what a follower sending QUERY would get",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Ask(cmd.Context(), strings.Join(args, " "), asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, `print {"type":"news","articles":[…]} or {"type":"text","content":"…","item_ids":[…]}`)
	return c
}
