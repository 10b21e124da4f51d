package sandbox

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func sortNewest[T any](xs []T, at func(T) time.Time, id func(T) string) {
	sort.Slice(xs, func(i, j int) bool {
		if a, b := at(xs[i]), at(xs[j]); !a.Equal(b) {
			return a.After(b)
		}
		return id(xs[i]) > id(xs[j])
	})
}

// handlePublishSubmit is freepublish/submit {"media_id"} → {"publish_id","msg_data_id"}: it
// only accepts the job, which finishes PublishDelay later.
func (s *Sandbox) handlePublishSubmit(r *http.Request, body []byte) (map[string]any, *apiError) {
	d, ae := s.draftOf(body)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkFail {
		s.checkFail = false
		return nil, fail(CodePublishCheck, "the draft failed the publish check")
	}
	s.jobSeq++
	job := &PublishJob{PublishID: s.jobSeq, MsgDataID: s.jobSeq + 1000, MediaID: d.MediaID, Status: 1,
		Articles: append([]Article(nil), d.Articles...)}
	final := s.failNext
	s.failNext = 0
	s.jobs[job.PublishID] = job
	if s.closed {
		return nil, fail(-1, "system busy")
	}
	s.wg.Add(1)
	time.AfterFunc(s.opt.PublishDelay, func() {
		defer s.wg.Done()
		s.finishJob(job, final)
	})
	return map[string]any{"publish_id": job.PublishID, "msg_data_id": job.MsgDataID}, nil
}

func (s *Sandbox) finishJob(job *PublishJob, status int) {
	s.mu.Lock()
	job.Status = status
	job.Done = s.now()
	if status == 0 {
		job.ArticleID = "sbxart_" + s.newID(12)
		job.URL = s.url + "/s/" + job.ArticleID
		for i := range job.Articles {
			job.Articles[i].URL = job.URL
			if len(job.Articles) > 1 {
				job.Articles[i].URL += "?idx=" + strconv.Itoa(i+1)
			}
		}
		s.articles[job.ArticleID] = job
	}
	cb, tok := s.opt.CallbackURL, s.opt.Token
	ev := s.publishEvent(job)
	s.mu.Unlock()
	if cb != "" {
		s.push(cb, tok, "PUBLISHJOBFINISH", ev)
	}
}

func (s *Sandbox) publishEvent(job *PublishJob) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo><publish_id>%d</publish_id><publish_status>%d</publish_status>",
		AccountID, "oSandboxSystem0000000000000", s.now().Unix(), job.PublishID, job.Status)
	if job.Status == 0 {
		fmt.Fprintf(&b, "<article_id><![CDATA[%s]]></article_id><article_detail><count>%d</count>", job.ArticleID, len(job.Articles))
		for i, a := range job.Articles {
			fmt.Fprintf(&b, "<item><idx>%d</idx><article_url><![CDATA[%s]]></article_url></item>", i+1, a.URL)
		}
		b.WriteString("</article_detail>")
	} else {
		b.WriteString("<fail_idx>1</fail_idx>")
	}
	b.WriteString("</PublishEventInfo></xml>")
	return b.String()
}

// Sign computes the callback signature: hex(sha1(sorted(token, timestamp, nonce))).
func Sign(token, timestamp, nonce string) string {
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// push posts an event to the callback URL in plain mode, signed as WeChat signs it.
func (s *Sandbox) push(cb, tok, event, body string) {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	u, err := url.Parse(cb)
	p := Push{Event: event, Body: body}
	if err == nil {
		q := u.Query()
		q.Set("signature", Sign(tok, ts, nonce))
		q.Set("timestamp", ts)
		q.Set("nonce", nonce)
		q.Set("openid", "oSandboxSystem0000000000000")
		u.RawQuery = q.Encode()
		client := &http.Client{Timeout: 5 * time.Second}
		var resp *http.Response
		resp, err = client.Post(u.String(), "text/xml", bytes.NewBufferString(body))
		if err == nil {
			p.Status = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil {
		p.Err = err.Error()
	}
	s.mu.Lock()
	s.pushes = append(s.pushes, p)
	s.mu.Unlock()
}

// Pushes returns the events pushed to the callback URL.
func (s *Sandbox) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// handlePublishGet is freepublish/get {"publish_id"}.
func (s *Sandbox) handlePublishGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	// The live API takes the id as a number or as a string of digits.
	var req struct {
		PublishID json.Number `json:"publish_id"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	id, _ := req.PublishID.Int64()
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ok := s.jobs[id]
	if !ok {
		return nil, fail(CodeInvalidArgs, "invalid publish_id %q", req.PublishID)
	}
	out := map[string]any{"publish_id": job.PublishID, "publish_status": job.Status}
	if job.Status == 0 {
		items := []map[string]any{}
		for i, a := range job.Articles {
			items = append(items, map[string]any{"idx": i + 1, "article_url": a.URL})
		}
		out["article_id"] = job.ArticleID
		out["article_detail"] = map[string]any{"count": len(items), "item": items}
	}
	if job.Status >= 2 {
		out["fail_idx"] = []int{1}
	} else {
		out["fail_idx"] = []int{}
	}
	return out, nil
}

// handlePublishBatchGet is freepublish/batchget: published articles, newest first.
func (s *Sandbox) handlePublishBatchGet(r *http.Request, body []byte) (map[string]any, *apiError) {
	req, ae := decodePage(body)
	if ae != nil {
		return nil, ae
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total, jobs := newestPage(s.articles, func(j *PublishJob) time.Time { return j.Done }, func(j *PublishJob) string { return j.ArticleID }, req)
	items := []map[string]any{}
	for _, j := range jobs {
		news := append([]Article(nil), j.Articles...)
		if req.NoContent == 1 {
			for k := range news {
				news[k].Content = ""
			}
		}
		items = append(items, map[string]any{"article_id": j.ArticleID, "content": map[string]any{"news_item": publishedArticles(news)}, "update_time": j.Done.Unix()})
	}
	return map[string]any{"total_count": total, "item_count": len(items), "item": items}, nil
}

// Published returns the publish jobs, in order of submission.
func (s *Sandbox) Published() []PublishJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id := range s.jobs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []PublishJob
	for _, id := range ids {
		out = append(out, *s.jobs[id])
	}
	return out
}
