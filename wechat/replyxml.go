package wechat

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// NewsArticle is one article of a news reply.
type NewsArticle struct {
	Title, Description, PicURL, URL string
}

// replyHead writes the fields every reply starts with.
func replyHead(b *bytes.Buffer, to, from string, createTime int64, msgType string) {
	b.WriteString("<xml><ToUserName>")
	cdata(b, to)
	b.WriteString("</ToUserName><FromUserName>")
	cdata(b, from)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(createTime, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[" + msgType + "]]></MsgType>")
}

// TextReply writes a text reply's XML.
func TextReply(to, from string, createTime int64, content string) []byte {
	var b bytes.Buffer
	b.Grow(200 + len(to) + len(from) + len(content))
	replyHead(&b, to, from, createTime, "text")
	b.WriteString("<Content>")
	cdata(&b, content)
	b.WriteString("</Content></xml>")
	return b.Bytes()
}

// NewsReply writes a news reply's XML.
func NewsReply(to, from string, createTime int64, articles []NewsArticle) []byte {
	// Sized once: growing the buffer as it went was a sixth of a reply's allocations.
	n := 250 + len(to) + len(from)
	for _, a := range articles {
		n += 130 + len(a.Title) + len(a.Description) + len(a.PicURL) + len(a.URL)
	}
	var b bytes.Buffer
	b.Grow(n)
	replyHead(&b, to, from, createTime, "news")
	b.WriteString("<ArticleCount>")
	b.WriteString(strconv.Itoa(len(articles)))
	b.WriteString("</ArticleCount><Articles>")
	for _, a := range articles {
		b.WriteString("<item><Title>")
		cdata(&b, a.Title)
		b.WriteString("</Title><Description>")
		cdata(&b, a.Description)
		b.WriteString("</Description><PicUrl>")
		cdata(&b, a.PicURL)
		b.WriteString("</PicUrl><Url>")
		cdata(&b, a.URL)
		b.WriteString("</Url></item>")
	}
	b.WriteString("</Articles></xml>")
	return b.Bytes()
}

// cdata writes s as CDATA, splitting any "]]>" inside it and leaving out what XML 1.0
// forbids, so the XML stays well formed whatever a follower sent.
func cdata(b *bytes.Buffer, s string) {
	s = XMLText(s)
	b.WriteString("<![CDATA[")
	if strings.Contains(s, "]]>") {
		s = strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>")
	}
	b.WriteString(s)
	b.WriteString("]]>")
}

// XMLText returns s without the characters XML 1.0 does not allow (C0 controls other than
// tab, newline and return; U+FFFE and U+FFFF; bytes that are not UTF-8, which include
// encoded surrogates). Text that has none, the usual case, is returned as it is.
func XMLText(s string) string {
	bad := -1
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, size) {
			bad = i
			break
		}
		i += size
	}
	if bad < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:bad])
	for i := bad; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if xmlChar(r, size) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar reports whether a decoded rune may stand in XML 1.0.
func xmlChar(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return false
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}

// Reply is what the account answers a message with: a text, or news articles, or nothing
// (the zero Reply: the callback answers "success").
type Reply struct {
	Text     string        `json:"text,omitempty"`
	Articles []NewsArticle `json:"articles,omitempty"`
}

// Empty reports whether r says nothing.
func (r *Reply) Empty() bool { return r == nil || (r.Text == "" && len(r.Articles) == 0) }

// XML renders the reply to one follower.
func (r *Reply) XML(to, from string, createTime int64) []byte {
	if len(r.Articles) > 0 {
		return NewsReply(to, from, createTime, r.Articles)
	}
	return TextReply(to, from, createTime, r.Text)
}
