package sandbox

import (
	"net/http"
	"time"
)

func (s *Sandbox) checkCredentials(appID, secret string) *apiError {
	switch {
	case appID != s.opt.AppID:
		return fail(CodeInvalidAppID, "invalid appid")
	case secret != s.opt.AppSecret:
		return fail(CodeInvalidSecret, "invalid appsecret")
	}
	return nil
}

func (s *Sandbox) issue(stable bool) *token {
	t := &token{value: "sbx_" + s.newID(24), stable: stable, expires: s.now().Add(s.opt.TokenTTL)}
	s.tokens[t.value] = t
	return t
}

// handleToken is GET /cgi-bin/token: a new token every call, which invalidates the
// previous one (after TokenOverlap).
func (s *Sandbox) handleToken(r *http.Request, _ []byte) (map[string]any, *apiError) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		return nil, fail(40002, "invalid grant_type")
	}
	if ae := s.checkCredentials(q.Get("appid"), q.Get("secret")); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.tokens[s.normal]; ok {
		old.replacedAt = s.now().Add(s.opt.TokenOverlap)
	}
	t := s.issue(false)
	s.normal = t.value
	return map[string]any{"access_token": t.value, "expires_in": int(s.opt.TokenTTL / time.Second)}, nil
}

// handleStableToken is POST /cgi-bin/stable_token: the current stable token while it is
// valid, a new one once it has expired or on force_refresh (20 a day, 30 s apart).
func (s *Sandbox) handleStableToken(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.GrantType != "client_credential" {
		return nil, fail(40002, "invalid grant_type")
	}
	if ae := s.checkCredentials(req.AppID, req.Secret); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	cur, ok := s.tokens[s.stable]
	if req.ForceRefresh {
		day := now.Add(-24 * time.Hour)
		n := 0
		for _, t := range s.forced {
			if t.After(day) {
				n++
			}
		}
		if n >= s.opt.ForceRefreshQuota {
			return nil, fail(CodeDailyLimit, "reach max api daily quota limit")
		}
		if len(s.forced) > 0 && now.Sub(s.forced[len(s.forced)-1]) < 30*time.Second {
			return nil, fail(CodeTooFrequent, "api minute-quota reach limit: force_refresh at most every 30 s")
		}
		s.forced = append(s.forced, now)
		if ok {
			cur.replacedAt = now
		}
		ok = false
	}
	if !ok || !now.Before(cur.expires) {
		cur = s.issue(true)
		s.stable = cur.value
	}
	return map[string]any{"access_token": cur.value, "expires_in": int(cur.expires.Sub(now) / time.Second)}, nil
}

// ExpireTokens makes every token issued so far expired, as if two hours had passed: the
// next call with one gets 42001.
func (s *Sandbox) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		t.expires = now
	}
}

// TokenFetches counts the token requests (token and stable_token) answered with a token.
func (s *Sandbox) TokenFetches() int {
	n := 0
	for _, c := range s.Calls() {
		if (c.Path == "/cgi-bin/token" || c.Path == "/cgi-bin/stable_token") && c.ErrCode == 0 && c.Status == 0 {
			n++
		}
	}
	return n
}
