package wechat

import (
	"net/http"
	"os"
	"strings"

	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/util"
	"github.com/sirupsen/logrus"
)

// The SDK's init sets the global logrus logger to Debug on stdout, after which its server
// logs decrypted messages (OpenIDs, content). Importing this package undoes that: the
// global logger goes back to warnings on stderr. wxpub logs through its own loggers.
func init() {
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(os.Stderr)
}

// OfficialAccount returns an SDK object for the same account, for SDK features wxpub has
// not wrapped. It takes its tokens from c (one cache, one refresher).
//
// Process-global state remains in the SDK, and this sets it: util.DefaultHTTPClient (a
// client with c's timeout, replaced rather than mutated) and util.SetURIModifier (rewriting
// the SDK's hard-coded https://api.weixin.qq.com to c's base URL). The last call wins, so a
// process should make SDK objects for one base URL only. Client's own calls use neither.
// Create the SDK's sub-objects (GetDraft(), …) once at start: its lazy getters race on
// first concurrent use.
func (c *Client) OfficialAccount() *officialaccount.OfficialAccount {
	util.DefaultHTTPClient = &http.Client{Timeout: c.opt.Timeout, Transport: c.hc.Transport}
	base := c.base
	util.SetURIModifier(func(uri string) string {
		return strings.Replace(uri, DefaultBaseURL, base, 1)
	})
	oa := officialaccount.NewOfficialAccount(&offconfig.Config{AppID: c.opt.AppID, AppSecret: c.opt.AppSecret, Cache: c.cache, UseStableAK: !c.opt.ClassicToken})
	oa.SetAccessTokenHandle(c)
	return oa
}
