package stats

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/store"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
	"wxpub/wechat/sdk"
)

// The figures of a week are fetched within the API's spans and stored; an unverified
// account is told apart.
func TestFetch(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{Now: func() time.Time { return time.Now() }})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	api := sdk.OfficialAccount(c).GetDataCube()
	first := time.Now().In(Beijing).AddDate(0, 0, -9).Format(time.DateOnly)
	n, err := Fetch(ctx, api, st, first, time.Now().In(Beijing).Format(time.DateOnly))
	if err != nil || n != 9 {
		t.Fatalf("fetched %d days, %v (want 9: today is not ready)", n, err)
	}
	days, err := st.FollowerDays(ctx, first)
	if err != nil || len(days) != 9 || days[0].Cumulated < 5000 {
		t.Errorf("follower days %+v %v", days, err)
	}
	// The API was asked within its spans: 7 days for followers, 1 for articles.
	spans := 0
	for _, call := range sb.Calls() {
		if call.Path == "/datacube/getarticletotal" {
			spans++
		}
		if call.ErrCode != 0 {
			t.Errorf("%s answered %d", call.Path, call.ErrCode)
		}
	}
	if spans != 9 {
		t.Errorf("%d getarticletotal calls", spans)
	}
	sb.SetUnauthorized(sandbox.Unverified...)
	if _, err := Fetch(ctx, api, st, first, first); !errors.Is(err, ErrNoPermission) {
		t.Errorf("unverified: %v", err)
	}
}
