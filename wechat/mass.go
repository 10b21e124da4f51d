package wechat

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Recipient is one phone a preview goes to: a follower's OpenID or a WeChat ID.
type Recipient struct {
	OpenID string
	WxName string
}

func (r Recipient) String() string {
	if r.OpenID != "" {
		return "openid:" + r.OpenID
	}
	return "wxname:" + r.WxName
}

var openIDRe = regexp.MustCompile(`^o[A-Za-z0-9_-]{20,40}$`)

// ParseRecipient reads "openid:X", "wxname:X", or a bare value: an OpenID when it looks like
// one (o followed by 20 or more letters, digits, _ or -), else a WeChat ID.
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Recipient{}, errors.New("empty preview recipient")
	case strings.HasPrefix(s, "openid:"):
		return Recipient{OpenID: strings.TrimPrefix(s, "openid:")}, nil
	case strings.HasPrefix(s, "wxname:"):
		return Recipient{WxName: strings.TrimPrefix(s, "wxname:")}, nil
	case openIDRe.MatchString(s):
		return Recipient{OpenID: s}, nil
	}
	return Recipient{WxName: s}, nil
}

// Preview sends a draft to one phone (message/mass/preview). It takes exactly one
// recipient: there is no way to reach every follower through it.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (c *Client) Preview(ctx context.Context, to Recipient, mediaID string) error {
	body := map[string]any{"msgtype": "mpnews", "mpnews": map[string]string{"media_id": mediaID}}
	switch {
	case to.OpenID != "" && to.WxName == "":
		body["touser"] = to.OpenID
	case to.WxName != "" && to.OpenID == "":
		body["towxname"] = to.WxName
	default:
		return fmt.Errorf("preview: exactly one of OpenID and WeChat ID is required, got %+v", to)
	}
	// Not retried: a preview whose answer was lost may have reached the phone, and a second
	// one is a second message (and spends the daily preview quota).
	return c.do(ctx, call{endpoint: "/cgi-bin/message/mass/preview", body: body})
}

// MassSend is an accepted mass send.
type MassSend struct {
	MsgID     int64 `json:"msg_id"`
	MsgDataID int64 `json:"msg_data_id"`
	// Existing is true when WeChat already had a send with this clientmsgid (45065): this
	// call sent nothing new.
	Existing bool `json:"-"`
}

// SendToAll mass-sends a draft to every follower (message/mass/sendall with is_to_all
// true). clientMsgID is required: WeChat refuses a second send with the same one, which
// makes the call safe to repeat, so it is retried.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (c *Client) SendToAll(ctx context.Context, mediaID, clientMsgID string) (MassSend, error) {
	if clientMsgID == "" || len(clientMsgID) > 64 {
		return MassSend{}, errors.New("mass send: a clientmsgid of 1 to 64 bytes is required")
	}
	var out MassSend
	err := c.do(ctx, call{endpoint: "/cgi-bin/message/mass/sendall", out: &out, idempotent: true, body: map[string]any{
		"filter":              map[string]any{"is_to_all": true},
		"mpnews":              map[string]string{"media_id": mediaID},
		"msgtype":             "mpnews",
		"send_ignore_reprint": 0,
		"clientmsgid":         clientMsgID,
	}})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == CodeClientMsgIDExist && out.MsgID != 0 {
		out.Existing = true
		return out, nil
	}
	return out, err
}

// MassStatus returns a mass send's status ("SEND_SUCCESS", "SENDING", "SEND_FAIL", …).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
func (c *Client) MassStatus(ctx context.Context, msgID int64) (string, error) {
	var out struct {
		MsgStatus string `json:"msg_status"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/message/mass/get", body: map[string]any{"msg_id": msgID}, out: &out, idempotent: true})
	return out.MsgStatus, err
}
