package wechat

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// documented reads a fixture: a documented response example, with its source.
func documented(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile("testdata/documented/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var fx docFixture
	if err := json.Unmarshal(data, &fx); err != nil || fx.Source == "" {
		t.Fatalf("%s: %v (every fixture names its source)", name, err)
	}
	if err := json.Unmarshal(fx.Response, v); err != nil {
		t.Fatalf("%s: the documented example does not decode: %v", name, err)
	}
}

// wxpub's client reads the documented examples, and the numbers the live API sends.
func TestDocumentedExamplesDecode(t *testing.T) {
	var st PublishStatus
	documented(t, "freepublish_get.json", &st)
	if st.PublishID != 100000001 || st.Status != PublishOK || st.ArticleID != "ARTICLE_ID" || st.URL() != "ARTICLE_URL" {
		t.Errorf("freepublish/get: %+v", st)
	}
	var job PublishJob
	documented(t, "freepublish_submit.json", &job)
	if job.PublishID != 100000001 || job.MsgDataID != 2247483647 {
		t.Errorf("freepublish/submit: %+v", job)
	}
	// As the live API sends them: numbers.
	if err := json.Unmarshal([]byte(`{"publish_id":2247483648,"msg_data_id":2247483649}`), &job); err != nil || job.PublishID != 2247483648 {
		t.Errorf("numbers: %+v %v", job, err)
	}
	if err := json.Unmarshal([]byte(`{"publish_id":7,"publish_status":1}`), &st); err != nil || st.PublishID != 7 || st.Status != 1 {
		t.Errorf("numbers: %+v %v", st, err)
	}
	xmlBody, err := os.ReadFile("testdata/documented/publishjobfinish.xml")
	if err != nil {
		t.Fatal(err)
	}
	// The comment line naming the source is not part of the message.
	body := xmlBody[bytes.Index(xmlBody, []byte("-->"))+len("-->"):]
	m, err := ParseMessage(body)
	if err != nil || m.Event != "PUBLISHJOBFINISH" || m.MsgType != "event" || m.CreateTime != 1481013459 {
		t.Errorf("the documented PUBLISHJOBFINISH push: %+v %v", m, err)
	}
}
