package sdk

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/broadcast"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/draft"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// The sandbox was written beside wxpub's client; the SDK was not. Driven through the
// SDK's typed calls alone, with tokens it fetches itself, every endpoint it has a call for
// answers in shapes the SDK decodes, into the values the sandbox holds (a zero value where
// one was sent is a shape bug).
func TestSandboxAgainstTheSDK(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 10 * time.Millisecond})
	foreignID, _ := sb.AddForeign(sandbox.Article{Title: "第134期", Content: "<p>旧文</p>"}, time.Now().Add(-48*time.Hour))
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	OfficialAccount(c) // points the SDK's global HTTP settings at the sandbox; no call through c
	classic := officialaccount.NewOfficialAccount(&offconfig.Config{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, Cache: wechat.NewMemoryCache()})
	if tok, err := classic.GetAccessToken(); err != nil || tok == "" {
		t.Fatalf("the SDK's /cgi-bin/token: %q %v", tok, err)
	}
	oa := officialaccount.NewOfficialAccount(&offconfig.Config{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret,
		Cache: wechat.NewMemoryCache(), UseStableAK: true})

	// The SDK's uploads take a file path.
	img := image.NewRGBA(image.Rect(0, 0, 90, 90))
	img.Set(1, 1, color.White)
	var png90 bytes.Buffer
	png.Encode(&png90, img)
	coverPath := filepath.Join(t.TempDir(), "cover.png")
	if err := os.WriteFile(coverPath, png90.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	mat := oa.GetMaterial()
	if u, err := mat.ImageUpload(coverPath); err != nil || !strings.HasPrefix(u, sb.URL()+"/mmbiz/") {
		t.Errorf("ImageUpload: %q %v", u, err)
	}
	cover, coverURL, err := mat.AddMaterial(material.MediaTypeImage, coverPath)
	if err != nil || cover == "" || coverURL == "" {
		t.Fatalf("AddMaterial: %q %q %v", cover, coverURL, err)
	}
	mats, err := mat.BatchGetMaterial(material.PermanentMaterialTypeImage, 0, 10)
	if err != nil || mats.TotalCount != 1 || len(mats.Item) != 1 || mats.Item[0].MediaID != cover ||
		mats.Item[0].Name != "cover.png" || mats.Item[0].URL != coverURL || mats.Item[0].UpdateTime == 0 {
		t.Fatalf("BatchGetMaterial: %+v %v", mats, err)
	}
	const openID = "oFollower0000000000000000001"
	if err := oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage(openID, "您好")); err != nil {
		t.Errorf("custom message Send: %v", err)
	}
	d := oa.GetDraft()
	mediaID, err := d.AddDraft([]*draft.Article{{Title: "第135期", Author: "立方", Digest: "摘要", Content: "<p>正文</p>", ThumbMediaID: cover}})
	if err != nil || mediaID == "" {
		t.Fatalf("AddDraft: %q %v", mediaID, err)
	}
	got, err := d.GetDraft(mediaID)
	if err != nil || len(got) != 1 || got[0].Title != "第135期" || got[0].Content != "<p>正文</p>" || got[0].ThumbMediaID != cover {
		t.Fatalf("GetDraft: %+v %v", got, err)
	}
	if err := d.UpdateDraft(&draft.Article{Title: "第135期（更正）", Content: "<p>正文二</p>", ThumbMediaID: cover}, mediaID, 0); err != nil {
		t.Fatalf("UpdateDraft: %v", err)
	}
	if n, err := d.CountDraft(); err != nil || n != 1 {
		t.Errorf("CountDraft: %d %v", n, err)
	}
	// The SDK sends no_content as a boolean where the documentation shows 0 or 1.
	list, err := d.PaginateDraft(0, 10, false)
	if err != nil || list.TotalCount != 1 || len(list.Item) != 1 || list.Item[0].MediaID != mediaID ||
		list.Item[0].Content.NewsItem[0].Title != "第135期（更正）" || list.Item[0].UpdateTime == 0 {
		t.Fatalf("PaginateDraft: %+v %v", list, err)
	}
	// The SDK's preview, to one follower: wxpub never calls it (platform doc §4: called
	// without a follower it mass-sends), but the sandbox must answer it as WeChat does.
	if res, err := oa.GetBroadcast().Preview().SendNews(&broadcast.User{OpenID: []string{openID}}, mediaID, false); err != nil || res.MsgID == 0 {
		t.Errorf("preview: %+v %v", res, err)
	}
	if p := sb.Previews(); len(p) != 1 || p[0].ToUser != openID || p[0].MediaID != mediaID {
		t.Errorf("the sandbox kept the preview as %+v", p)
	}

	fp := oa.GetFreePublish()
	publishID, err := fp.Publish(mediaID)
	if err != nil || publishID == 0 {
		t.Fatalf("Publish: %d %v", publishID, err)
	}
	var status struct {
		articleID, url string
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		st, err := fp.SelectStatus(publishID)
		if err != nil {
			t.Fatalf("SelectStatus: %v", err)
		}
		if st.PublishStatus == 0 {
			if st.PublishID != publishID || st.ArticleID == "" || len(st.ArticleDetail.Items) != 1 || st.ArticleDetail.Items[0].ArticleURL == "" {
				t.Fatalf("SelectStatus decoded zero values: %+v", st)
			}
			status.articleID, status.url = st.ArticleID, st.ArticleDetail.Items[0].ArticleURL
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still publishing: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pub, err := fp.Paginate(0, 10, true)
	if err != nil || pub.TotalCount != 2 || pub.Item[0].ArticleID != status.articleID || pub.Item[0].Content.NewsItem[0].URL != status.url ||
		pub.Item[1].ArticleID != foreignID {
		t.Fatalf("Paginate: %+v %v", pub, err)
	}
	arts, err := fp.First(status.articleID)
	if err != nil || len(arts) != 1 || arts[0].Title != "第135期（更正）" || arts[0].URL != status.url {
		t.Fatalf("First (getarticle): %+v %v", arts, err)
	}
	// A mass send to everyone (no user), its status read back.
	sent, err := oa.GetBroadcast().SendNews(nil, mediaID, false)
	if err != nil || sent.MsgID == 0 {
		t.Fatalf("SendNews: %+v %v", sent, err)
	}
	if m := sb.MassSends(); len(m) != 1 || !m[0].ToAll || m[0].MsgID != sent.MsgID || m[0].MsgDataID != sent.MsgDataID {
		t.Errorf("the sandbox kept the send as %+v, the SDK read %+v", m, sent)
	}
	ms, err := oa.GetBroadcast().GetMassStatus(strconv.FormatInt(sent.MsgID, 10))
	if err != nil || ms.MsgID != sent.MsgID || ms.MsgStatus != "SEND_SUCCESS" {
		t.Errorf("GetMassStatus: %+v %v", ms, err)
	}
	if err := oa.GetBroadcast().Delete(sent.MsgID, 0); err != nil {
		t.Errorf("Delete (mass): %v", err)
	}
	if ms, err := oa.GetBroadcast().GetMassStatus(strconv.FormatInt(sent.MsgID, 10)); err != nil || ms.MsgStatus != "DELETE" {
		t.Errorf("GetMassStatus after the delete: %+v %v", ms, err)
	}
	// The SDK has no typed call for openapi/quota/get: its own HTTP helper, with its token.
	tok, err := oa.GetAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := util.PostJSON(wechat.DefaultBaseURL+"/cgi-bin/openapi/quota/get?access_token="+tok, map[string]string{"cgi_path": "/cgi-bin/draft/add"})
	var quota struct {
		util.CommonError
		Quota struct {
			DailyLimit int `json:"daily_limit"`
			Used       int `json:"used"`
			Remain     int `json:"remain"`
		} `json:"quota"`
	}
	if err != nil || util.DecodeWithError(raw, &quota, "GetAPIQuota") != nil || quota.Quota.Used != 1 ||
		quota.Quota.Remain != quota.Quota.DailyLimit-1 || quota.Quota.DailyLimit == 0 {
		t.Errorf("quota/get: %+v %v", quota, err)
	}
	if err := oa.GetBasic().ClearQuota(); err != nil {
		t.Errorf("ClearQuota: %v", err)
	}

	m := oa.GetMenu()
	buttons := []*menu.Button{new(menu.Button).SetClickButton("最新一期", "latest"),
		new(menu.Button).SetSubButton("更多", []*menu.Button{new(menu.Button).SetViewButton("官网", "https://www.example.com/")})}
	if err := m.SetMenu(buttons); err != nil {
		t.Fatalf("SetMenu: %v", err)
	}
	live, err := m.GetMenu()
	if err != nil || len(live.Menu.Button) != 2 || live.Menu.Button[0].Key != "latest" || live.Menu.Button[1].SubButtons[0].URL != "https://www.example.com/" {
		t.Errorf("GetMenu: %+v %v", live, err)
	}
	self, err := m.GetCurrentSelfMenuInfo()
	if err != nil || self.IsMenuOpen != 1 || len(self.SelfMenuInfo.Button) != 2 || self.SelfMenuInfo.Button[1].SubButton.List[0].Name != "官网" {
		t.Errorf("GetCurrentSelfMenuInfo: %+v %v", self, err)
	}
	day := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	cube := oa.GetDataCube()
	if sum, err := cube.GetUserSummary(day, day); err != nil || len(sum.List) != 1 || sum.List[0].RefDate != day {
		t.Errorf("GetUserSummary: %+v %v", sum, err)
	}
	if cum, err := cube.GetUserAccumulate(day, day); err != nil || len(cum.List) != 1 || cum.List[0].CumulateUser == 0 {
		t.Errorf("GetUserAccumulate: %+v %v", cum, err)
	}
	if tot, err := cube.GetArticleTotal(day, day); err != nil || len(tot.List) != 1 || tot.List[0].MsgID != foreignID+"_1" ||
		tot.List[0].Title != "第134期" || len(tot.List[0].Details) != 1 || tot.List[0].Details[0].IntPageReadUser == 0 {
		t.Errorf("GetArticleTotal: %+v %v", tot, err)
	}

	if err := fp.Delete(status.articleID, 0); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := d.DeleteDraft(mediaID); err != nil {
		t.Errorf("DeleteDraft: %v", err)
	}
	if n, _ := d.CountDraft(); n != 0 {
		t.Errorf("%d drafts after DeleteDraft", n)
	}
	if err := m.DeleteMenu(); err != nil || sb.Menu() != nil {
		t.Errorf("DeleteMenu: %v", err)
	}

	// Every endpoint the sandbox serves was driven by the SDK.
	called := map[string]bool{}
	for _, call := range sb.Calls() {
		called[call.Path] = true
	}
	for _, path := range sb.Endpoints() {
		if !called[path] {
			t.Errorf("the SDK did not drive %s", path)
		}
	}
	if u := sb.Unknown(); len(u) > 0 {
		t.Errorf("the SDK called URLs the sandbox does not serve: %+v", u)
	}
}

// The SDK fetching its own token from the sandbox (stable_token, as UseStableAK asks)
// decodes it, and its calls are accepted with it.
func TestSDKFetchesItsOwnStableToken(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	OfficialAccount(c) // points the SDK's global HTTP settings at the sandbox
	own := officialaccount.NewOfficialAccount(&offconfig.Config{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret,
		Cache: wechat.NewMemoryCache(), UseStableAK: true})
	tok, err := own.GetAccessToken()
	if err != nil || tok == "" {
		t.Fatalf("the SDK's stable_token: %q %v", tok, err)
	}
	if n, err := own.GetDraft().CountDraft(); err != nil || n != 0 {
		t.Errorf("a call with the SDK's own token: %d %v", n, err)
	}
	fetched := 0
	for _, call := range sb.Calls() {
		if call.Path == "/cgi-bin/stable_token" {
			fetched++
		}
	}
	if fetched != 1 {
		t.Errorf("%d stable_token calls, want the SDK's one", fetched)
	}
}
