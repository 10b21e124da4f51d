// Package sdk bridges wxpub's WeChat client to github.com/silenceper/wechat/v2, for the API
// areas where the SDK's typed calls are sound (menu, analytics, user tags, comments): its
// objects take their access token from wxpub's client, so one cache and one refresher
// serve both. The paths the SDK gets wrong (token refresh, drafts and publishing, mass
// send, the callback; see the platform doc §4) stay in package wechat, which does not
// import the SDK: only a process that uses these areas pays for its global state.
package sdk

import (
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/util"
	"github.com/sirupsen/logrus"

	"wxpub/wechat"
)

var quietOnce sync.Once

// OfficialAccount returns an SDK object for c's account that takes its tokens from c.
//
// The SDK keeps process-global state, which this sets: util.DefaultHTTPClient (a client
// with c's timeout, replaced rather than mutated) and util.SetURIModifier (rewriting the
// SDK's hard-coded https://api.weixin.qq.com to c's base URL), so the last call wins and a
// process should make SDK objects for one base URL only. Importing the SDK sets the global
// logrus logger to Debug on stdout, where its server would log decrypted messages: the
// first call puts it back to warnings on stderr (wxpub logs through loggers of its own).
// Create the SDK's sub-objects (GetMenu(), …) once at start: its lazy getters race on
// first concurrent use.
func OfficialAccount(c *wechat.Client) *officialaccount.OfficialAccount {
	quietOnce.Do(func() {
		logrus.SetLevel(logrus.WarnLevel)
		logrus.SetOutput(os.Stderr)
	})
	util.DefaultHTTPClient = &http.Client{Timeout: c.Timeout(), Transport: c.Transport()}
	base := c.BaseURL()
	util.SetURIModifier(func(uri string) string {
		return strings.Replace(uri, wechat.DefaultBaseURL, base, 1)
	})
	oa := officialaccount.NewOfficialAccount(&offconfig.Config{AppID: c.AppID(), Cache: c.TokenCache(), UseStableAK: true})
	oa.SetAccessTokenHandle(c)
	return oa
}
