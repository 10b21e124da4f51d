package wechat

import (
	"errors"
	"fmt"
)

// APIError is an errcode the WeChat API answered with. Use errors.As to get it from any
// error the client returns.
type APIError struct {
	// Endpoint is the path called ("/cgi-bin/draft/add").
	Endpoint string
	Code     int
	Msg      string
}

func (e *APIError) Error() string {
	hint := ""
	if h, ok := codeHints[e.Code]; ok {
		hint = " (" + h + ")"
	}
	return fmt.Sprintf("wechat %s: errcode %d: %s%s", e.Endpoint, e.Code, e.Msg, hint)
}

// Errcodes wxpub acts on.
const (
	CodeInvalidCredential = 40001
	CodeInvalidToken      = 40014
	CodeTokenExpired      = 42001
	CodeInvalidMediaID    = 40007
	CodeDailyLimit        = 45009
	CodeNoMassQuota       = 45028
	CodeClientMsgIDExist  = 45065
	CodePublishCheck      = 53503
	CodeUnauthorized      = 48001
	CodeIPNotAllowed      = 40164
	CodeInvalidArticleID  = 53600
	CodeMenuNotExist      = 46003
	CodeSystemBusy        = -1
)

// codeHints say in plain words what the documented errcodes mean.
var codeHints = map[int]string{
	-1:    "system busy, try again",
	40001: "invalid credential: the AppSecret is wrong or the access token is not the latest",
	40003: "invalid OpenID",
	40004: "invalid media type",
	40005: "unsupported file type: content images must be JPEG or PNG",
	40007: "invalid media_id",
	40009: "image too large: content images under 1 MB, permanent images at most 10 MB",
	40013: "invalid AppID",
	40014: "invalid access token",
	40125: "invalid AppSecret",
	40164: "this machine's IP address is not in the account's IP whitelist",
	41001: "access token missing",
	42001: "access token expired",
	44003: "empty article: title and content are required",
	45002: "content too long: under 20,000 characters and 1 MB",
	45003: "title too long: at most 32 characters",
	45004: "digest too long: at most 128 characters",
	45005: "content_source_url too long: at most 1 KB",
	45009: "daily API quota reached",
	45028: "no mass-send quota left today",
	45065: "a mass send with this clientmsgid exists",
	45110: "author too long: at most 16 characters",
	48001: "API unauthorized: the account is not verified or lacks this permission",
	53503: "the draft failed the publish check",
	53600: "invalid article_id: the article does not exist or was deleted",
	46003: "no custom menu is set",
	76021: "cgi_path not found",
}

// IsTokenError reports whether code says the access token is no good: the client drops it
// and retries the call once.
func IsTokenError(code int) bool {
	return code == CodeInvalidCredential || code == CodeInvalidToken || code == CodeTokenExpired
}

// HTTPError is an answer that was not HTTP 200.
type HTTPError struct {
	Endpoint string
	Status   int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("wechat %s: HTTP %d", e.Endpoint, e.Status)
}

// Retryable reports whether err is a failure worth trying again: an HTTP 5xx, a timeout or
// a broken connection, or errcode -1 (system busy). An errcode about the request itself is not.
func Retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code == CodeSystemBusy
	}
	var te *transportError
	return errors.As(err, &te)
}

// transportError is a request that got no answer: a timeout or a broken connection.
type transportError struct {
	endpoint string
	err      error
}

func (e *transportError) Error() string { return fmt.Sprintf("wechat %s: %v", e.endpoint, e.err) }
func (e *transportError) Unwrap() error { return e.err }
