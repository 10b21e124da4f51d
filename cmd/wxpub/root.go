// Command wxpub publishes the bilingual newsletter on a WeChat Official Account and answers
// followers' keyword queries. This package only wires the others together: each cobra
// command parses its flags and calls a method of App.
package main

import (
	"os"
	_ "time/tzdata" // account.timezone works where the system has no zoneinfo (slim images)

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
		newScheduleCmd(get),
		newStatusCmd(get),
		newApproveCmd(get),
		newDoctorCmd(get),
		newMenuCmd(get),
		newInsightCmd(get),
		newForgetCmd(get),
		newStatsCmd(get),
		newReportCmd(get),
		newSyncCmd(get),
		cli.VersionCmd("wxpub", version),
	)
	cli.Polish(root)
	return root
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { cli.Run(newRootCmd()) }
