package wechat

import (
	"errors"
	"strings"
	"testing"
)

// The official vectors of the platform doc §3.
func TestVectorV1Encrypt(t *testing.T) {
	c, err := NewCrypter("wxb11529c136998cb6", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Encrypt([]byte("我是中文abcd123"), []byte("aaaabbbbccccdddd"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="; got != want {
		t.Errorf("V1 encrypt = %s\nwant %s", got, want)
	}
	msg, err := c.Decrypt(got)
	if err != nil || string(msg) != "我是中文abcd123" {
		t.Errorf("V1 decrypt = %q, %v", msg, err)
	}
	if _, err := NewCrypter("wxb11529c136998cb6", "abcde", ""); !errors.Is(err, ErrBadAESKey) || !strings.Contains(err.Error(), "wechat.aes_key") {
		t.Errorf("a 5-character key: %v", err)
	}
}

const (
	v6Encrypt   = "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg=="
	v6Plain     = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>"
	v6AESKey    = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	v6AppID     = "wx134c8103faa5a59e"
	v6ReplyEnc  = "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7"
	v6ReplyText = "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>"
)

func TestVectorV6(t *testing.T) {
	if got := Signature("AAAAA", "1715943329", "1590219412"); got != "cc0c594499c1634947d5b502f158ee518947db27" {
		t.Errorf("signature = %s", got)
	}
	if got := Signature("AAAAA", "1715943329", "1590219412", v6Encrypt); got != "6c12a4205838198b8fa631b3220723bb07f1015c" {
		t.Errorf("msg_signature = %s", got)
	}
	c, err := NewCrypter(v6AppID, v6AESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.Decrypt(v6Encrypt)
	if err != nil || string(msg) != v6Plain {
		t.Errorf("decrypt = %q, %v", msg, err)
	}
	enc, err := c.Encrypt([]byte(v6ReplyText), []byte("999951349e8ee746"))
	if err != nil || enc != v6ReplyEnc {
		t.Errorf("reply encrypt = %s, %v", enc, err)
	}
	if got := Signature("AAAAA", "1713424427", "415670741", v6ReplyEnc); got != "03e0812039325c2712ef5f0f980fd14c70d6e307" {
		t.Errorf("reply MsgSignature = %s", got)
	}
	// The wrong AppID is refused; the previous key still opens messages after a rotation.
	other, _ := NewCrypter("wxsomeoneelse00000", v6AESKey, "")
	if _, err := other.Decrypt(v6Encrypt); !errors.Is(err, ErrWrongApp) {
		t.Errorf("wrong appid: %v", err)
	}
	rotated, err := NewCrypter(v6AppID, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", v6AESKey)
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := rotated.Decrypt(v6Encrypt); err != nil || string(msg) != v6Plain {
		t.Errorf("previous key: %q %v", msg, err)
	}
	stranger, _ := NewCrypter(v6AppID, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")
	if _, err := stranger.Decrypt(v6Encrypt); !errors.Is(err, ErrDecrypt) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestVectorV10(t *testing.T) {
	if got := Signature("AAAAA", "1714037059", "486452656"); got != "899cf89e464efb63f54ddac96b0a0a235f53aa78" {
		t.Errorf("signature = %s", got)
	}
	if !SignatureOK("899CF89E464EFB63F54DDAC96B0A0A235F53AA78", "AAAAA", "1714037059", "486452656") {
		t.Error("upper-case hex refused")
	}
	if SignatureOK("899cf89e464efb63f54ddac96b0a0a235f53aa77", "AAAAA", "1714037059", "486452656") {
		t.Error("forged signature accepted")
	}
}

func TestRepliesAreWellFormed(t *testing.T) {
	x := TextReply("o1", "gh_1", 1, "含 ]]> 与 <a href=\"https://mp.weixin.qq.com/s/x\">链接</a>")
	m, err := ParseMessage(x)
	if err != nil || m.Content != "含 ]]> 与 <a href=\"https://mp.weixin.qq.com/s/x\">链接</a>" || m.MsgType != "text" || m.ToUserName != "o1" {
		t.Errorf("text reply round trip: %+v %v\n%s", m, err, x)
	}
	n := NewsReply("o1", "gh_1", 1, []NewsArticle{{Title: "T", Description: "D", PicURL: "p", URL: "u"}})
	if !strings.Contains(string(n), "<ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[T]]></Title>") {
		t.Errorf("news reply: %s", n)
	}
	if _, err := ParseMessage(n); err != nil {
		t.Errorf("news reply not XML: %v", err)
	}
}

func TestDedupKey(t *testing.T) {
	msg := Message{FromUserName: "o1", MsgType: "text", MsgID: 42, CreateTime: 7}
	ev := Message{FromUserName: "o1", MsgType: "event", Event: "CLICK", EventKey: "k", CreateTime: 7}
	if msg.DedupKey() != "o1|42" || ev.DedupKey() != "o1|7|CLICK|k" {
		t.Errorf("keys %q %q", msg.DedupKey(), ev.DedupKey())
	}
}
