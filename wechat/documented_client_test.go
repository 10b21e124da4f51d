package wechat

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"wxpub/internal/jsonshape"
)

// docFixture is a documented example (wechat/testdata/documented): the endpoint, its
// source, the documented request and answer.
type docFixture struct {
	Endpoint string          `json:"endpoint"`
	Source   string          `json:"source"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// documentedServer answers every endpoint with its documented example, as go-github's
// tests do with a local fake: an unknown URL fails the test. It records the JSON bodies
// the client sent, by endpoint.
func documentedServer(t *testing.T) (*httptest.Server, map[string]docFixture, func(string) []byte) {
	t.Helper()
	names, _ := filepath.Glob("testdata/documented/*.json")
	fx := map[string]docFixture{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f docFixture
		if err := json.Unmarshal(data, &f); err != nil || f.Endpoint == "" || f.Source == "" {
			t.Fatalf("%s: %v (every fixture names its endpoint and its source)", name, err)
		}
		fx[f.Endpoint] = f
	}
	var mu sync.Mutex
	sent := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := fx[r.URL.Path]
		if !ok {
			t.Errorf("the client called %s %s, which has no documented example", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			mu.Lock()
			sent[r.URL.Path] = body
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(f.Response)
	}))
	t.Cleanup(srv.Close)
	return srv, fx, func(path string) []byte { mu.Lock(); defer mu.Unlock(); return sent[path] }
}

// wxpub's client decodes every documented answer into the values the example holds, and
// the requests it sends use the documented field names with the documented JSON types.
func TestClientReadsTheDocumentedExamples(t *testing.T) {
	srv, fx, sent := documentedServer(t)
	c, err := New(Options{AppID: "wx0000000000000001", AppSecret: "0123456789abcdef0123456789abcdef", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(what string, ok bool, got any) {
		t.Helper()
		if !ok {
			t.Errorf("%s decoded to %+v", what, got)
		}
	}
	tok, err := c.GetAccessTokenContext(ctx)
	check("stable_token", err == nil && tok == "ACCESS_TOKEN", tok)
	url, err := c.UploadImage(ctx, "a.png", []byte("\x89PNG"))
	check("uploadimg", err == nil && url == "http://mmbiz.qpic.cn/XXXXX", url)
	m, err := c.AddMaterial(ctx, "a.png", []byte("\x89PNG"))
	check("add_material", err == nil && m.MediaID == "MEDIA_ID" && m.URL == "URL", m)
	total, mats, err := c.Materials(ctx, 0, 20)
	check("batchget_material", err == nil && total == 1 && len(mats) == 1 && mats[0].Name == "NAME" && mats[0].UpdateTime == 1515377425, mats)
	article := DraftArticle{Title: "TITLE", Author: "AUTHOR", Digest: "DIGEST", Content: "CONTENT", ContentSourceURL: "CONTENT_SOURCE_URL",
		ThumbMediaID: "THUMB_MEDIA_ID", PicCrop2351: "0_0_1_0.5", PicCrop11: "0_0_1_1"}
	id, err := c.AddDraft(ctx, article)
	check("draft/add", err == nil && id == "MEDIA_ID", id)
	check("draft/update", c.UpdateDraft(ctx, id, 0, article) == nil, nil)
	arts, err := c.GetDraft(ctx, id)
	check("draft/get", err == nil && len(arts) == 1 && arts[0].Title == "TITLE" && arts[0].ThumbMediaID == "THUMB_MEDIA_ID" && arts[0].URL == "URL", arts)
	total, drafts, err := c.Drafts(ctx, 0, 20, true)
	check("draft/batchget", err == nil && total == 1 && len(drafts) == 1 && drafts[0].MediaID == "MEDIA_ID" &&
		drafts[0].UpdateTime == 1700000000 && drafts[0].Content.NewsItem[0].ContentSourceURL == "CONTENT_SOURCE_URL", drafts)
	n, err := c.CountDrafts(ctx)
	check("draft/count", err == nil && n == 15, n)
	job, err := c.SubmitPublish(ctx, id)
	check("freepublish/submit", err == nil && job.PublishID == 100000001 && job.MsgDataID == 2247483647, job)
	st, err := c.GetPublishStatus(ctx, job.PublishID)
	check("freepublish/get", err == nil && st.Status == PublishOK && st.ArticleID == "ARTICLE_ID" && st.URL() == "ARTICLE_URL", st)
	total, pubs, err := c.Published(ctx, 0, 20)
	check("freepublish/batchget", err == nil && total == 1 && len(pubs) == 1 && pubs[0].ArticleID == "ARTICLE_ID" &&
		pubs[0].Content.NewsItem[0].URL == "URL" && !pubs[0].Content.NewsItem[0].IsDeleted, pubs)
	arts, err = c.PublishedArticle(ctx, "ARTICLE_ID")
	check("freepublish/getarticle", err == nil && len(arts) == 1 && arts[0].Title == "TITLE" && arts[0].URL == "URL", arts)
	check("freepublish/delete", c.DeletePublished(ctx, "ARTICLE_ID") == nil, nil)
	check("draft/delete", c.DeleteDraft(ctx, id) == nil, nil)
	check("mass/preview", c.Preview(ctx, Recipient{OpenID: "OPENID"}, id) == nil, nil)
	ms, err := c.SendToAll(ctx, id, "CLIENTMSGID")
	check("mass/sendall", err == nil && ms.MsgID == 34182 && ms.MsgDataID == 206227730, ms)
	status, err := c.MassStatus(ctx, ms.MsgID)
	check("mass/get", err == nil && status == "SEND_SUCCESS", status)
	check("custom/send", c.SendCustom(ctx, map[string]any{"touser": "OPENID", "msgtype": "text", "text": map[string]any{"content": "Hello World"}}) == nil, nil)
	q, err := c.Quota(ctx, "/cgi-bin/message/custom/send")
	check("quota/get", err == nil, q)

	// The requests: every field wxpub sends is documented, with the documented type.
	for path, f := range fx {
		body := sent(path)
		if len(f.Request) == 0 || len(body) == 0 {
			continue
		}
		var want, got any
		if err := json.Unmarshal(f.Request, &want); err != nil {
			t.Fatalf("%s: the documented request: %v", path, err)
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("%s: the client sent %s: %v", path, body, err)
			continue
		}
		documentedFields(t, path, want, got)
	}
}

// requestDifferences are where wxpub sends what the documentation types otherwise and the
// live API takes it, by the documented type (say why beside each).
var requestDifferences = map[string]string{
	// The current pages type the IDs as strings; the live API answers them as numbers and
	// takes them back as numbers (the SDK sends them so too).
	"/cgi-bin/freepublish/get publish_id": "string",
	"/cgi-bin/message/mass/get msg_id":    "string",
}

// documentedFields reports a field wxpub sent (got) that the documented request (want)
// lacks, or has with another JSON type, unless requestDifferences excuses it.
func documentedFields(t *testing.T, endpoint string, want, got any) {
	t.Helper()
	for _, d := range jsonshape.Unexcused(got, want, endpoint, requestDifferences) {
		if d.Got == "" {
			t.Errorf("%s: wxpub sends %s, which the documented request does not have", endpoint, d.Path)
		} else {
			t.Errorf("%s: wxpub sends %s as a %s, the documentation as a %s", endpoint, d.Path, d.Want, d.Got)
		}
	}
}
