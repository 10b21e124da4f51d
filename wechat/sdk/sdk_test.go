package sdk

import (
	"context"
	"testing"

	"github.com/sirupsen/logrus"

	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// SDK calls take the client's token: one fetch serves both, and the SDK's global logger
// is put back to warnings.
func TestSDKSharesTheToken(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	oa := OfficialAccount(c)
	if logrus.GetLevel() != logrus.WarnLevel {
		t.Errorf("the global logger is at %s, want warn", logrus.GetLevel())
	}
	n, err := oa.GetDraft().CountDraft()
	if err != nil || n != 0 {
		t.Fatalf("SDK call through the sandbox: %d %v", n, err)
	}
	if _, err := c.CountDrafts(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := sb.TokenFetches(); f != 1 {
		t.Errorf("SDK and client fetched %d tokens, want 1 shared", f)
	}
}
