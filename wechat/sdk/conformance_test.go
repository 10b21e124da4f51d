package sdk

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/draft"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/message"

	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// The sandbox was written beside wxpub's client; the SDK was not. Driven through the
// SDK's typed calls, permanent materials, customer-service messages, the draft box and free
// publishing answer in shapes the SDK decodes, into the values the sandbox holds (a zero
// value where one was sent is a shape bug). The menu (menu package) and the analytics
// (stats package) are driven through the SDK in their own tests.
func TestSandboxAgainstTheSDK(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 10 * time.Millisecond})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	// A cover: the SDK's material upload takes a file path only, so wxpub's client uploads it.
	img := image.NewRGBA(image.Rect(0, 0, 90, 90))
	img.Set(1, 1, color.White)
	var png90 bytes.Buffer
	png.Encode(&png90, img)
	cover, err := c.AddMaterial(context.Background(), "cover.png", png90.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	oa := OfficialAccount(c)
	mats, err := oa.GetMaterial().BatchGetMaterial(material.PermanentMaterialTypeImage, 0, 10)
	if err != nil || mats.TotalCount != 1 || len(mats.Item) != 1 || mats.Item[0].MediaID != cover.MediaID ||
		mats.Item[0].Name != "cover.png" || mats.Item[0].URL == "" || mats.Item[0].UpdateTime == 0 {
		t.Fatalf("BatchGetMaterial: %+v %v", mats, err)
	}
	if err := oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage("oFollower0000000000000000001", "您好")); err != nil {
		t.Errorf("custom message Send: %v", err)
	}
	d := oa.GetDraft()
	mediaID, err := d.AddDraft([]*draft.Article{{Title: "第135期", Author: "立方", Digest: "摘要", Content: "<p>正文</p>", ThumbMediaID: cover.MediaID}})
	if err != nil || mediaID == "" {
		t.Fatalf("AddDraft: %q %v", mediaID, err)
	}
	got, err := d.GetDraft(mediaID)
	if err != nil || len(got) != 1 || got[0].Title != "第135期" || got[0].Content != "<p>正文</p>" || got[0].ThumbMediaID != cover.MediaID {
		t.Fatalf("GetDraft: %+v %v", got, err)
	}
	if err := d.UpdateDraft(&draft.Article{Title: "第135期（更正）", Content: "<p>正文二</p>", ThumbMediaID: cover.MediaID}, mediaID, 0); err != nil {
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
	if err != nil || pub.TotalCount != 1 || pub.Item[0].ArticleID != status.articleID || pub.Item[0].Content.NewsItem[0].URL != status.url {
		t.Fatalf("Paginate: %+v %v", pub, err)
	}
	arts, err := fp.First(status.articleID)
	if err != nil || len(arts) != 1 || arts[0].Title != "第135期（更正）" || arts[0].URL != status.url {
		t.Fatalf("First (getarticle): %+v %v", arts, err)
	}
	// A mass send by wxpub's client (never the SDK's Broadcast, whose preview can send to
	// everyone: platform doc §4), its status read by the SDK.
	sent, err := c.SendToAll(context.Background(), mediaID, "wxpub-sdk-check")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := oa.GetBroadcast().GetMassStatus(strconv.FormatInt(sent.MsgID, 10))
	if err != nil || ms.MsgID != sent.MsgID || ms.MsgStatus != "SEND_SUCCESS" {
		t.Errorf("GetMassStatus: %+v %v", ms, err)
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
