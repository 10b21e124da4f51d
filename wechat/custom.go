package wechat

import (
	"context"
)

// SendCustom sends a customer-service message (message/custom/send), msg being its JSON
// body. Not retried: a repeat would reach the follower twice.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
func (c *Client) SendCustom(ctx context.Context, msg any) error {
	return c.do(ctx, call{endpoint: "/cgi-bin/message/custom/send", body: msg})
}
