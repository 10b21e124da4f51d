package sandbox

import (
	"encoding/json"
	"net/http"
	"time"
)

type mpnews struct {
	MediaID string `json:"media_id"`
}

// handleMassPreview is message/mass/preview: the draft on one phone, by OpenID (touser) or
// WeChat ID (towxname).
func (s *Sandbox) handleMassPreview(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		ToUser   string `json:"touser"`
		ToWxName string `json:"towxname"`
		MsgType  string `json:"msgtype"`
		MPNews   mpnews `json:"mpnews"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.ToUser == "" && req.ToWxName == "" {
		return nil, fail(CodeInvalidOpenID, "invalid openid: touser or towxname is required")
	}
	if req.MsgType != "mpnews" {
		return nil, fail(CodeInvalidArgs, "invalid args: the sandbox previews mpnews")
	}
	if _, ae := s.draft(req.MPNews.MediaID); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ToWxName != "" {
		n := 0
		for _, p := range s.previews {
			if p.ToWxName != "" {
				n++
			}
		}
		if n >= 100 {
			return nil, fail(CodeDailyLimit, "reach max api daily quota limit: towxname previews")
		}
	}
	s.previews = append(s.previews, Preview{ToUser: req.ToUser, ToWxName: req.ToWxName, MediaID: req.MPNews.MediaID})
	return map[string]any{"errmsg": "preview success", "msg_id": s.nextSeq() + 3147483000}, nil
}

// handleMassSendAll is message/mass/sendall: mass send to every follower (or a tag). A
// clientmsgid seen before is refused with 45065 and the first send's msg_id, so a retry
// never sends twice; the account has MassQuota sends a day.
func (s *Sandbox) handleMassSendAll(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		Filter *struct {
			IsToAll *bool `json:"is_to_all"`
			TagID   int   `json:"tag_id"`
		} `json:"filter"`
		MPNews            mpnews `json:"mpnews"`
		MsgType           string `json:"msgtype"`
		SendIgnoreReprint int    `json:"send_ignore_reprint"`
		ClientMsgID       string `json:"clientmsgid"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.Filter == nil || req.Filter.IsToAll == nil || (!*req.Filter.IsToAll && req.Filter.TagID == 0) {
		return nil, fail(CodeInvalidArgs, "invalid args: filter.is_to_all, or a tag_id, is required")
	}
	if req.MsgType != "mpnews" {
		return nil, fail(CodeInvalidArgs, "invalid args: the sandbox sends mpnews")
	}
	if len(req.ClientMsgID) > 64 {
		return nil, fail(CodeInvalidArgs, "invalid args: clientmsgid longer than 64 bytes")
	}
	d, ae := s.draft(req.MPNews.MediaID)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.massByKey[req.ClientMsgID]; ok && req.ClientMsgID != "" {
		return nil, &apiError{code: CodeClientMsgIDExist, msg: "clientmsgid exist", extra: map[string]any{"msg_id": m.MsgID, "msg_data_id": m.MsgDataID}}
	}
	day := s.now().Add(-24 * time.Hour)
	n := 0
	for _, m := range s.mass {
		if m.At.After(day) {
			n++
		}
	}
	if n >= s.opt.MassQuota {
		return nil, fail(CodeNoMassQuota, "has no masssend quota")
	}
	m := &MassSend{MsgID: 1000000000 + s.nextSeq(), MediaID: req.MPNews.MediaID, ClientMsgID: req.ClientMsgID,
		ToAll: *req.Filter.IsToAll, TagID: req.Filter.TagID, At: s.now(), Articles: len(d.Articles)}
	m.MsgDataID = m.MsgID + 2000000000
	s.mass = append(s.mass, m)
	if req.ClientMsgID != "" {
		s.massByKey[req.ClientMsgID] = m
	}
	return map[string]any{"errmsg": "send job submission success", "msg_id": m.MsgID, "msg_data_id": m.MsgDataID}, nil
}

// handleMassGet is message/mass/get {"msg_id"}.
func (s *Sandbox) handleMassGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		MsgID json.Number `json:"msg_id"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ae := s.massSend(req.MsgID)
	if ae != nil {
		return nil, ae
	}
	status := "SEND_SUCCESS"
	if m.Deleted {
		status = "DELETE"
	}
	return map[string]any{"msg_id": m.MsgID, "msg_status": status}, nil
}

// massSend finds a mass send by msg_id (s.mu held).
func (s *Sandbox) massSend(msgID json.Number) (*MassSend, *apiError) {
	id, _ := msgID.Int64()
	for _, m := range s.mass {
		if m.MsgID == id {
			return m, nil
		}
	}
	return nil, fail(CodeInvalidArgs, "invalid msg_id %s", msgID)
}

// handleMassDelete is message/mass/delete {"msg_id", "article_idx"}: the sent article's
// page stops opening (followers keep the card they received), and mass/get reads DELETE.
// article_idx 0 (or absent) deletes every article of the send, n the n-th; a number beyond
// the send's articles is refused. The sandbox marks the whole send deleted either way.
func (s *Sandbox) handleMassDelete(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		MsgID      json.Number `json:"msg_id"`
		ArticleIdx int         `json:"article_idx"`
		URL        string      `json:"url"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ae := s.massSend(req.MsgID)
	if ae != nil {
		return nil, ae
	}
	if req.ArticleIdx < 0 || req.ArticleIdx > m.Articles {
		return nil, fail(CodeInvalidArgs, "invalid article_idx %d", req.ArticleIdx)
	}
	m.Deleted = true
	return nil, nil
}

// handleCustomSend is message/custom/send: a customer-service message to one follower.
func (s *Sandbox) handleCustomSend(r *http.Request, body []byte) (map[string]any, *apiError) {
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	if req.ToUser == "" {
		return nil, fail(CodeInvalidOpenID, "invalid openid")
	}
	if req.MsgType == "" {
		return nil, fail(CodeInvalidArgs, "invalid args: msgtype is required")
	}
	s.mu.Lock()
	s.customs = append(s.customs, append(json.RawMessage(nil), body...))
	s.mu.Unlock()
	return nil, nil
}

// MassSends returns the accepted mass sends.
func (s *Sandbox) MassSends() []MassSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []MassSend
	for _, m := range s.mass {
		out = append(out, *m)
	}
	return out
}

// Previews returns the previews sent.
func (s *Sandbox) Previews() []Preview {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Preview(nil), s.previews...)
}

// CustomMessages returns the bodies of the customer-service messages sent.
func (s *Sandbox) CustomMessages() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.customs...)
}
