package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is a failure the sandbox plays on calls to an endpoint, for tests.
type Fault struct {
	// Path is the endpoint ("/cgi-bin/draft/add"); "" matches every API call.
	Path string
	// Status answers with this HTTP status (a 5xx, say) and no JSON.
	Status int
	// ErrCode answers with this WeChat errcode.
	ErrCode int
	// Hang holds the request until the client gives up: a timeout.
	Hang bool
	// AfterProcessing does the work first and then fails, as when the answer is lost on
	// the way back: the call took effect though the client saw an error.
	AfterProcessing bool
	// Times is how many calls it applies to; 0 means until ClearFaults.
	Times int
}

// Inject adds a fault; faults apply in the order injected.
func (s *Sandbox) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetLatency delays every API answer by d.
func (s *Sandbox) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func (s *Sandbox) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// FailNextPublish makes the next publish job end in status (2 originality check failed,
// 3 failed, 4 rejected by review, 5 deleted, 6 banned) instead of 0.
func (s *Sandbox) FailNextPublish(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = status
}

// FailNextPublishCheck makes the next freepublish/submit fail with 53503.
func (s *Sandbox) FailNextPublishCheck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkFail = true
}

func (s *Sandbox) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path != "" && f.Path != path {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		c := *f
		return &c
	}
	return nil
}

func (s *Sandbox) applyFault(w http.ResponseWriter, r *http.Request, body []byte, f *Fault) {
	switch {
	case f.Hang:
		s.record(r, body, 0, 0)
		<-r.Context().Done()
	case f.Status != 0:
		s.record(r, body, 0, f.Status)
		http.Error(w, fmt.Sprintf("sandbox: injected HTTP %d", f.Status), f.Status)
	default:
		s.record(r, body, f.ErrCode, 0)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"errcode":%d,"errmsg":"sandbox: injected errcode %d"}`, f.ErrCode, f.ErrCode)
	}
}

// Calls returns every call received so far, in order.
func (s *Sandbox) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count counts the calls to one endpoint that succeeded (errcode 0, no fault).
func (s *Sandbox) Count(path string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Path == path && c.ErrCode == 0 && c.Status == 0 {
			n++
		}
	}
	return n
}
