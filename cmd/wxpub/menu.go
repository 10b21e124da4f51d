package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"wxpub/menu"
	"wxpub/wechat/sdk"
)

// menuAPI is the SDK's menu calls for the configured account, with wxpub's token.
func (a *App) menuAPI() (menu.API, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	return sdk.OfficialAccount(c).GetMenu(), nil
}

// MenuApply checks a menu file and sets it as the account's menu; with dryRun it shows
// the change and sets nothing.
func (a *App) MenuApply(path string, dryRun bool) error {
	m, err := menu.Load(path, a.Config.Reply.Menu)
	if err != nil {
		return err
	}
	api, err := a.menuAPI()
	if err != nil {
		return err
	}
	live, err := menu.Live(api)
	if err != nil && !errors.Is(err, menu.ErrNoMenu) {
		return err
	}
	diff := menu.Diff(live, m)
	if diff == "" {
		fmt.Fprintln(a.Out, "The live menu is already this one: nothing to change.")
		return nil
	}
	fmt.Fprint(a.Out, diff)
	if dryRun {
		fmt.Fprintln(a.Out, "(dry run: nothing was changed)")
		return nil
	}
	if err := menu.Apply(api, m); err != nil {
		return err
	}
	fmt.Fprintln(a.Out, "Menu set; followers' WeChat shows it within about five minutes.")
	return nil
}

// MenuShow prints the live menu as a menu file.
func (a *App) MenuShow() error {
	api, err := a.menuAPI()
	if err != nil {
		return err
	}
	live, err := menu.Live(api)
	if errors.Is(err, menu.ErrNoMenu) {
		fmt.Fprintln(a.Out, "# The account has no custom menu set through the API.")
		return nil
	}
	if err != nil {
		return err
	}
	_, err = a.Out.Write(live.YAML())
	return err
}

func newMenuCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "menu",
		Short: "Set the account's custom menu from a file, or show the live one",
		Long: `Once the message callback is on, the menu and keyword replies of the MP backend stop
working: the menu is set through the API, from a file kept with the newsletter:

  buttons:
    - name: 最新一期
      key: latest              # a click button: reply.menu maps latest to a query
    - name: 专题
      sub:                     # up to 5 sub-buttons
        - name: 个人信息保护
          key: privacy
        - name: 官网
          url: https://www.example.com/     # a view button
        - name: 小程序
          type: miniprogram
          appid: wx1234567890
          pagepath: pages/index
          url: https://www.example.com/     # for clients without mini programs

WeChat's limits are checked first, with FILE:LINE errors: 3 top buttons, 5 sub-buttons,
names of 16 bytes at the top and 60 below (a Chinese character is 3), keys of 128 bytes,
URLs of 1,024; every click key must be in reply.menu.`,
	}
	var dryRun bool
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Check a menu file and set it as the account's menu (shows the change first)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().MenuApply(args[0], dryRun)
		},
	}
	apply.Flags().BoolVar(&dryRun, "dry-run", false, "show the change and set nothing")
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the live menu as a menu file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().MenuShow()
		},
	}
	c.AddCommand(apply, show)
	return c
}
