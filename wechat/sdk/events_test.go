package sdk

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"

	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/follower"
	"wxpub/wechat/sandbox"
)

// The events the platform pushes are read alike by the SDK's message type, by
// node-easywechat's server and by wxpub's scanner: the sandbox's PUBLISHJOBFINISH, the
// documentation's, and a follower's subscribe, CLICK and VIEW.
func TestEventsReadByTheSDK(t *testing.T) {
	pushed := make(chan []byte, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		pushed <- body
		io.WriteString(w, "success")
	}))
	defer cb.Close()
	sb := testenv.Sandbox(t, sandbox.Options{CallbackURL: cb.URL, PublishDelay: 10 * time.Millisecond})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 60, 60)))
	cover, err := c.AddMaterial(ctx, "c.png", img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	mediaID, err := c.AddDraft(ctx, wechat.DraftArticle{Title: "t", Content: "<p>x</p>", ThumbMediaID: cover.MediaID})
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.SubmitPublish(ctx, mediaID)
	if err != nil {
		t.Fatal(err)
	}
	var publishEvent []byte
	select {
	case publishEvent = <-pushed:
	case <-time.After(5 * time.Second):
		t.Fatal("no PUBLISHJOBFINISH pushed")
	}
	var ev message.MixMessage
	if err := xml.Unmarshal(publishEvent, &ev); err != nil {
		t.Fatalf("the SDK cannot read the push: %v\n%s", err, publishEvent)
	}
	info := ev.PublishEventInfo
	if ev.Event != message.EventPublishJobFinish || info.PublishID != job.PublishID || info.PublishStatus != 0 ||
		info.ArticleID == "" || len(info.ArticleDetail.Item) != 1 || info.ArticleDetail.Item[0].ArticleURL == "" {
		t.Errorf("the SDK reads the push as %+v", ev)
	}

	// The documentation's own example of the push, too.
	doc, err := os.ReadFile("../testdata/documented/publishjobfinish.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc = doc[bytes.Index(doc, []byte("-->"))+3:]
	var docEv message.MixMessage
	if err := xml.Unmarshal(doc, &docEv); err != nil || docEv.PublishEventInfo.PublishID != 2247503051 || docEv.PublishEventInfo.ArticleDetail.Item[0].ArticleURL != "ARTICLE_URL" {
		t.Errorf("the SDK reads the documented push as %+v %v", docEv.PublishEventInfo, err)
	}

	f := follower.New("http://unused", "tok", follower.Plain)
	bodies := [][]byte{publishEvent, doc, []byte(f.EventMessage("subscribe", "")), []byte(f.EventMessage("CLICK", "latest")),
		[]byte(f.EventMessage("VIEW", "https://www.example.com/"))}
	var files []string
	for i, body := range bodies {
		name := filepath.Join(t.TempDir(), fmt.Sprintf("event%d.xml", i))
		if err := os.WriteFile(name, bytes.TrimSpace(body), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	// node-easywechat's Message: every value a string, PublishEventInfo a nested object.
	var nodeMsgs []map[string]any
	runNode(t, "events", map[string]string{"APP_ID": sandbox.DemoAppID, "APP_SECRET": sandbox.DemoAppSecret,
		"EVENT_FILES": strings.Join(files, "\n")}, &nodeMsgs)
	if len(nodeMsgs) != len(bodies) {
		t.Fatalf("node-easywechat read %d of %d events", len(nodeMsgs), len(bodies))
	}
	for i, body := range bodies {
		var sdkMsg message.MixMessage
		if err := xml.Unmarshal(body, &sdkMsg); err != nil {
			t.Fatalf("the SDK cannot read %s: %v", body, err)
		}
		ours, err := wechat.ParseMessage(body)
		if err != nil {
			t.Fatalf("wxpub cannot read %s: %v", body, err)
		}
		if string(sdkMsg.Event) != ours.Event || sdkMsg.EventKey != ours.EventKey || string(sdkMsg.FromUserName) != ours.FromUserName ||
			sdkMsg.CreateTime != ours.CreateTime || string(sdkMsg.MsgType) != ours.MsgType || ours.Event == "" {
			t.Errorf("read differently:\nSDK   %+v\nwxpub %+v", sdkMsg.CommonToken, ours)
		}
		n := nodeMsgs[i]
		if n["Event"] != ours.Event || n["FromUserName"] != ours.FromUserName || n["MsgType"] != ours.MsgType ||
			n["CreateTime"] != strconv.FormatInt(ours.CreateTime, 10) || (ours.EventKey != "" && n["EventKey"] != ours.EventKey) {
			t.Errorf("read differently:\nnode-easywechat %v\nwxpub           %+v", n, ours)
		}
		if ours.Event == "PUBLISHJOBFINISH" && (at(n, "PublishEventInfo", "publish_id") != strconv.FormatInt(sdkMsg.PublishEventInfo.PublishID, 10) ||
			at(n, "PublishEventInfo", "article_id") != sdkMsg.PublishEventInfo.ArticleID || at(n, "PublishEventInfo", "article_id") == "") {
			t.Errorf("node-easywechat reads the publish result as %v, the SDK as %+v", n["PublishEventInfo"], sdkMsg.PublishEventInfo)
		}
	}
}
