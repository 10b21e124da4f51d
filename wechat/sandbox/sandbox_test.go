package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func code(m map[string]any) int {
	c, _ := m["errcode"].(float64)
	return int(c)
}

func TestStableToken(t *testing.T) {
	now := time.Unix(1700000000, 0)
	sb, err := Start("", Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	u := sb.URL() + "/cgi-bin/stable_token"
	req := `{"grant_type":"client_credential","appid":"` + DemoAppID + `","secret":"` + DemoAppSecret + `","force_refresh":%s}`
	a := post(t, u, strings.Replace(req, "%s", "false", 1))
	b := post(t, u, strings.Replace(req, "%s", "false", 1))
	if a["access_token"] == nil || a["access_token"] != b["access_token"] || a["expires_in"].(float64) != 7200 {
		t.Errorf("stable_token must return the current token: %v %v", a, b)
	}
	if c := code(post(t, u, `{"grant_type":"client_credential","appid":"wrong","secret":"x"}`)); c != CodeInvalidAppID {
		t.Errorf("wrong appid: %d", c)
	}
	if c := code(post(t, u, `{"grant_type":"client_credential","appid":"`+DemoAppID+`","secret":"x"}`)); c != CodeInvalidSecret {
		t.Errorf("wrong secret: %d", c)
	}
	f := post(t, u, strings.Replace(req, "%s", "true", 1))
	if f["access_token"] == a["access_token"] {
		t.Error("force_refresh returned the old token")
	}
	if c := code(post(t, sb.URL()+"/cgi-bin/draft/count?access_token="+a["access_token"].(string), `{}`)); c != CodeInvalidCredential {
		t.Errorf("the replaced token answered %d, want 40001", c)
	}
	if c := code(post(t, u, strings.Replace(req, "%s", "true", 1))); c != CodeTooFrequent {
		t.Errorf("a second force_refresh within 30 s: %d", c)
	}
	now = now.Add(7201 * time.Second)
	if c := code(post(t, sb.URL()+"/cgi-bin/draft/count?access_token="+f["access_token"].(string), `{}`)); c != CodeTokenExpired {
		t.Errorf("an expired token answered %d, want 42001", c)
	}
	if c := code(post(t, sb.URL()+"/cgi-bin/draft/count", `{}`)); c != CodeTokenMissing {
		t.Errorf("no token: %d", c)
	}
}

func TestUnknownURLIsLoud(t *testing.T) {
	sb, err := Start("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	resp, err := http.Post(sb.URL()+"/cgi-bin/nosuch/api", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "no endpoint POST /cgi-bin/nosuch/api") {
		t.Errorf("unknown URL answered %d %s", resp.StatusCode, body)
	}
	if u := sb.Unknown(); len(u) != 1 || u[0].Path != "/cgi-bin/nosuch/api" {
		t.Errorf("unknown calls = %+v", u)
	}
	for _, p := range []string{"/s/nosuch", "/s/draft/nosuch", "/mmbiz/nosuch.png"} {
		if resp, err := http.Get(sb.URL() + p); err != nil || resp.StatusCode != 404 {
			t.Errorf("GET %s: %v %v", p, resp.StatusCode, err)
		}
	}
}

func TestCheckCrop(t *testing.T) {
	for _, ok := range []string{"", "0_0_1_1", "0.287222_0_0.712778_1"} {
		if err := checkCrop(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"0_0_1", "0_0_1.5_1", "0.1234567_0_1_1", "1_0_0_1", "a_b_c_d"} {
		if checkCrop(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// mass/delete refuses an unknown msg_id and an article_idx beyond the send, and afterwards
// mass/get reads DELETE.
func TestMassDelete(t *testing.T) {
	sb, err := Start("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	tok := post(t, sb.URL()+"/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"`+DemoAppID+`","secret":"`+DemoAppSecret+`"}`)["access_token"].(string)
	api := func(path, body string) map[string]any { return post(t, sb.URL()+path+"?access_token="+tok, body) }
	sb.mu.Lock()
	sb.drafts["d1"] = &Draft{MediaID: "d1", Articles: []Article{{Title: "a"}, {Title: "b"}}}
	sb.mu.Unlock()
	sent := api("/cgi-bin/message/mass/sendall", `{"filter":{"is_to_all":true},"mpnews":{"media_id":"d1"},"msgtype":"mpnews","clientmsgid":"k"}`)
	id, _ := sent["msg_id"].(float64)
	if id == 0 {
		t.Fatalf("sendall: %v", sent)
	}
	msgID := strconv.FormatInt(int64(id), 10)
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"msg_id":424242}`, CodeInvalidArgs},
		{`{"msg_id":` + msgID + `,"article_idx":3}`, CodeInvalidArgs},
		{`{"msg_id":` + msgID + `,"article_idx":2}`, 0},
	} {
		if c := code(api("/cgi-bin/message/mass/delete", tc.body)); c != tc.want {
			t.Errorf("mass/delete %s: errcode %d, want %d", tc.body, c, tc.want)
		}
	}
	if st := api("/cgi-bin/message/mass/get", `{"msg_id":`+msgID+`}`); st["msg_status"] != "DELETE" {
		t.Errorf("mass/get after the delete: %v", st)
	}
}
