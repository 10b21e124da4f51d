package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// TokenLock is a lock shared by the processes that share a TokenCache. Lock blocks until it
// is held or ctx ends; an error means the lock cannot be had (its store is down), and the
// caller goes ahead alone.
type TokenLock interface {
	Lock(ctx context.Context, name string) (release func(), err error)
}

// tokenKey is the SDK's cache key for this account's token, so that an SDK object sharing
// the cache uses the same token.
func (c *Client) tokenKey() string {
	if c.opt.ClassicToken {
		return "gowechat_officialaccount__access_token_" + c.opt.AppID
	}
	return "gowechat_officialaccount__stable_access_token_" + c.opt.AppID
}

// GetAccessToken returns a valid access token; it implements the SDK's
// credential.AccessTokenHandle.
func (c *Client) GetAccessToken() (string, error) {
	return c.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns the cached token, or fetches one. Concurrent callers in this
// process wait for a single fetch.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
func (c *Client) GetAccessTokenContext(ctx context.Context) (string, error) {
	if v, ok := c.cache.Get(c.tokenKey()).(string); ok && v != "" {
		return v, nil
	}
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if v, ok := c.cache.Get(c.tokenKey()).(string); ok && v != "" {
		return v, nil
	}
	if c.tokenErr != nil && time.Now().Before(c.tokenRetryAt) {
		return "", fmt.Errorf("get access token (not asking again until %s): %w", c.tokenRetryAt.Format(time.TimeOnly), c.tokenErr)
	}
	if c.opt.Lock != nil {
		release, err := c.opt.Lock.Lock(ctx, c.tokenKey())
		if err == nil {
			defer release()
			// Another process may have fetched it while this one waited.
			if v, ok := c.cache.Get(c.tokenKey()).(string); ok && v != "" {
				return v, nil
			}
		} else if ctx.Err() != nil {
			return "", fmt.Errorf("get access token: %w", ctx.Err())
		}
	}
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	cl := call{endpoint: "/cgi-bin/stable_token", out: &res, idempotent: true, noToken: true,
		body: map[string]any{"grant_type": "client_credential", "appid": c.opt.AppID, "secret": c.opt.AppSecret, "force_refresh": false}}
	if c.opt.ClassicToken {
		cl = call{endpoint: "/cgi-bin/token", method: http.MethodGet, out: &res, idempotent: true, noToken: true,
			query: url.Values{"grant_type": {"client_credential"}, "appid": {c.opt.AppID}, "secret": {c.opt.AppSecret}}}
	}
	if err := c.do(ctx, cl); err != nil {
		if ctx.Err() == nil {
			c.tokenBackoff = min(max(2*c.tokenBackoff, time.Second), time.Minute)
			c.tokenErr, c.tokenRetryAt = err, time.Now().Add(c.tokenBackoff)
		}
		return "", fmt.Errorf("get access token: %w", err)
	}
	c.tokenErr, c.tokenBackoff = nil, 0
	if res.AccessToken == "" {
		return "", fmt.Errorf("get access token: wechat %s: answer holds no access_token", cl.endpoint)
	}
	// Refresh before the platform expires it: a fifth of its life early, at most 5 minutes.
	ttl := time.Duration(res.ExpiresIn) * time.Second
	margin := min(ttl/5, 5*time.Minute)
	if err := c.cache.Set(c.tokenKey(), res.AccessToken, ttl-margin); err != nil {
		return "", fmt.Errorf("cache access token: %w", err)
	}
	c.log.WithField("expires_in", res.ExpiresIn).Debug("access token fetched")
	return res.AccessToken, nil
}

// dropToken removes the cached token, unless another caller already replaced it.
func (c *Client) dropToken(bad string) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if v, _ := c.cache.Get(c.tokenKey()).(string); v == bad {
		_ = c.cache.Delete(c.tokenKey())
	}
}
