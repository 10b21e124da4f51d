package wechat

import (
	"encoding/xml"
	"testing"
)

// stdMessage is Message as encoding/xml reads it, the reference for the scanner.
type stdMessage struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        int64  `xml:"MsgId"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	Encrypt      string `xml:"Encrypt"`
	Recognition  string `xml:"Recognition"`
}

var wellFormed = []string{
	"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[个人信息 & <b>]]></Content><MsgId>1234567890123456</MsgId></xml>",
	"<?xml version=\"1.0\"?>\n<xml>\n  <ToUserName>gh_1</ToUserName>\n  <Content>a &lt;b&gt; &amp; &#20010;&#x4EBA; &quot;q&quot; &apos;</Content>\n</xml>\n",
	"<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[k]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult>1</ScanResult></ScanCodeInfo><Empty/></xml>",
	"<xml><Content><![CDATA[split ]]]]><![CDATA[> here]]></Content></xml>",
	"<xml></xml>",
}

func TestScannerAgreesWithEncodingXML(t *testing.T) {
	for _, s := range wellFormed {
		var want stdMessage
		if err := xml.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("reference refused %q: %v", s, err)
		}
		got, err := ParseMessage([]byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if stdMessage(*got) != want {
			t.Errorf("%q:\n got %+v\nwant %+v", s, *got, want)
		}
	}
}

func TestScannerRefusesMalformed(t *testing.T) {
	for _, s := range []string{
		"", "<xml>", "<xml><Content>open</xml>", "<xml><A>x</B></xml>", "<xml><Content><![CDATA[open</Content></xml>",
		"<notxml></notxml>", "<xml></xml>trailing", "<xml><A x=\"1\">v</A></xml>", "<xml><A>a & b</A></xml>", "<xml><A>&bogus;</A></xml>",
		"<xml><MsgId>12x</MsgId></xml>", "<xml><A>\xff</A></xml>", "<xml><1A>v</1A></xml>", "{\"json\":1}", "<xml><A><B>v</A></B></xml>",
	} {
		if _, err := ParseMessage([]byte(s)); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
}

// FuzzParseMessage: never a panic, and whatever encoding/xml reads as a flat message the
// scanner reads the same.
func FuzzParseMessage(f *testing.F) {
	for _, s := range wellFormed {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseMessage(data)
		var want stdMessage
		if xml.Unmarshal(data, &want) != nil || err != nil {
			return
		}
		if stdMessage(*got) != want {
			t.Fatalf("%q:\n got %+v\nwant %+v", data, *got, want)
		}
	})
}
