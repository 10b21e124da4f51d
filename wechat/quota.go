package wechat

import "context"

// Quota is an endpoint's daily call quota.
type Quota struct {
	DailyLimit int `json:"daily_limit"`
	Used       int `json:"used"`
	Remain     int `json:"remain"`
}

// Quota reads the daily call quota of one endpoint (cgiPath "/cgi-bin/draft/add"). It
// spends no quota of the endpoint it reads.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html
func (c *Client) Quota(ctx context.Context, cgiPath string) (Quota, error) {
	var out struct {
		Quota Quota `json:"quota"`
	}
	err := c.do(ctx, call{endpoint: "/cgi-bin/openapi/quota/get", body: map[string]any{"cgi_path": cgiPath}, out: &out, idempotent: true})
	return out.Quota, err
}
