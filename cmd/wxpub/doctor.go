package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"wxpub/doctor"
	"wxpub/internal/cli"
)

// Doctor checks what the account may do and whether wxpub is set up for it, calling
// nothing that changes anything; a failed check makes it exit non-zero.
func (a *App) Doctor(ctx context.Context, asJSON bool) error {
	c := a.Config
	var api doctor.API
	if c.WeChat.AppID != "" && c.WeChat.AppSecret != "" {
		client, err := a.client()
		if err != nil {
			return err
		}
		api = client
	}
	r := doctor.Run(ctx, api, doctor.Settings{AppID: c.WeChat.AppID, AppSecret: c.WeChat.AppSecret, APIBase: c.WeChat.APIBase,
		CallbackURL: c.Server.PublicURL, Token: c.WeChat.Token, AESKey: c.WeChat.AESKey, Mode: c.WeChat.EncodingMode,
		MaxClockSkew: c.Server.MaxClockSkew})
	if asJSON {
		if err := a.printJSON(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.Out, "wxpub doctor: account %s at %s\n", c.WeChat.AppID, c.WeChat.APIBase)
		r.Write(a.Out)
	}
	if r.Failed() {
		n := r.Count(doctor.Fail)
		return &cli.ExitError{Msg: fmt.Sprintf("doctor: %d %s failed", n, map[bool]string{true: "check", false: "checks"}[n == 1])}
	}
	return nil
}

func newDoctorCmd(app func() *App) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check what the account may do and that wxpub is set up for it (changes nothing)",
		Long: `doctor prints a checklist, with a fix for each failing line, and exits non-zero when a
check fails: the credentials and token (stable_token); the IP whitelist (with the exact
address to add); which capabilities answer (draft box, free publishing, mass send, menu,
analytics: unverified and personal accounts lost free publishing in 2025); the daily
quotas of the calls wxpub makes; the callback at server.public_url (reachable, and agreeing
on the token, AES key and encoding mode); and this machine's clock against WeChat's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Doctor(cmd.Context(), asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return c
}
