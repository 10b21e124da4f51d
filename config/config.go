// Package config loads wxpub's settings from, in rising order of precedence, built-in
// defaults, the file wxpub.yaml (or --config PATH), WXPUB_* environment variables and
// command-line flags. It is the only package that knows viper.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cast"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Config is every setting wxpub reads. Each key is also an environment variable: WXPUB_ and
// the key path upper-cased with "." turned into "_" (log.level ↔ WXPUB_LOG_LEVEL).
type Config struct {
	Log      Log
	Render   Render
	WeChat   WeChat
	Account  Account
	Store    Store
	Publish  Publish
	Schedule Schedule
	Sandbox  Sandbox
	Server   Server
	Reply    Reply
	Search   Search
	Insight  Insight
	Redis    Redis
	// File is the config file that was read, "" when none was.
	File string
}

// Log configures logging.
type Log struct {
	// Level is one of trace, debug, info, warn, error.
	Level string
	// Format is "text" (for people) or "json" (for log collectors).
	Format string
}

// Render configures how issues become articles.
type Render struct {
	// Theme is a built-in theme name or the path of a theme file (.yaml).
	Theme string
	// Author is the article author when an issue's front matter names none.
	Author string
}

// Encoding modes of the message callback, the three choices of the MP backend's
// 消息加解密方式.
const (
	// ModePlain accepts plaintext messages signed with the token, and refuses encrypted ones.
	ModePlain = "plain"
	// ModeCompat accepts both plaintext and encrypted messages (兼容模式).
	ModeCompat = "compat"
	// ModeSafe accepts only messages covered by a valid msg_signature and encrypted with
	// the account's EncodingAESKey (安全模式).
	ModeSafe = "safe"
)

// WeChat is the official account.
type WeChat struct {
	AppID     string
	AppSecret string
	// Token signs the message callback (and the sandbox's pushed events).
	Token string
	// EncodingMode is ModePlain, ModeCompat or ModeSafe; unset, it is safe when AESKey is
	// set and plain otherwise.
	EncodingMode string
	// AESKey is the EncodingAESKey of safe mode; AESKeyPrevious the one before it, kept
	// while WeChat may still use it.
	AESKey         string
	AESKeyPrevious string
	// APIBase is the API's address: the live API, or a sandbox's.
	APIBase string
	// Timeout bounds each API call attempt.
	Timeout time.Duration
	// PreviewTo are staff phones (OpenIDs or WeChat IDs) that publish previews on.
	PreviewTo []string
}

// Account is what wxpub knows of the official account beyond its credentials.
type Account struct {
	// Timezone is the IANA zone that scheduled times are written and printed in.
	Timezone string
	// Location is Timezone, loaded.
	Location *time.Location
}

// Schedule tunes the jobs that publish at a set time (run by `wxpub serve`).
type Schedule struct {
	// JobTimeout bounds one attempt of a job.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before another replica takes it up
	// as abandoned (its replica died); more than JobTimeout.
	RescueAfter time.Duration
	// PollInterval is how often a replica looks for due jobs.
	PollInterval time.Duration
}

// Store says where wxpub keeps its data.
type Store struct {
	DSN string
}

// Publish tunes `wxpub publish`.
type Publish struct {
	Concurrency int
	PollTimeout time.Duration
	// LeaseTTL is how long a publish run's claim on an issue lasts without renewal: a run
	// that died is taken over this long after its last renewal.
	LeaseTTL time.Duration
	// RequireApproval lets --broadcast send only an issue approved (`wxpub approve`) by
	// someone other than the publisher.
	RequireApproval bool
}

// Sandbox configures `wxpub sandbox` (it takes its credentials from wechat.app_id and
// wechat.app_secret, and signs pushed events with wechat.token).
type Sandbox struct {
	Addr        string
	CallbackURL string
}

// Server configures `wxpub serve`, the message callback.
type Server struct {
	// Addr is the public listener: it answers Path and nothing else.
	Addr string
	Path string
	// AdminAddr serves /healthz, /readyz and /metrics ("" turns them off).
	AdminAddr string
	// MaxClockSkew refuses requests whose timestamp is further from now (0: no check).
	MaxClockSkew time.Duration
	// ReplyBudget is how long a reply may take before the callback answers "success".
	ReplyBudget time.Duration
	// RefreshInterval is how often the server looks for issues imported or published by
	// other processes.
	RefreshInterval time.Duration
	// PublicURL is where WeChat reaches the callback (the URL set in the MP backend), for
	// `wxpub doctor`; "" skips that check.
	PublicURL string
	// MaxConnections caps the public listener's open connections.
	MaxConnections int
	// AnswerCacheBytes bounds the memory of answers kept for repeated questions.
	AnswerCacheBytes int
}

// Search configures the keyword index.
type Search struct {
	// IndexDir keeps the index between runs ("" beside the SQLite store, or
	// ./wxpub-data/index with PostgreSQL).
	IndexDir string
	// Glossary is a file of more aliases for the built-in glossary ("" for none).
	Glossary string
}

// Insight configures what is kept of followers' messages.
type Insight struct {
	// Enabled keeps each message's normalized query, answer kind and a keyed hash of the
	// follower, for wxpub insight.
	Enabled bool
	// Retention is how long they are kept; a daily job deletes older ones.
	Retention time.Duration
}

// Redis, when Addr is set, is shared by the replicas: the access token, the replies kept
// for retries, and notices of changed issues.
type Redis struct {
	Addr     string
	Password string
	DB       int
	Prefix   string
}

// Reply configures what followers get.
type Reply struct {
	Welcome string
	// NoMatch opens the answer to a query that found nothing ("" for the built-in text).
	NoMatch string
	// Language answers messages with no letters (digits, emoji): zh or en.
	Language string
	// Menu maps menu button keys (CLICK events) to the queries they stand for. In the
	// environment: WXPUB_REPLY_MENU="key=query;key2=query2".
	Menu map[string]string
}

// setting is one key: its default and the field it fills.
type setting struct {
	key string
	def any
	dst any // *string, *bool, *int, *time.Duration, *[]string or *map[string]string
}

// settings lists every key with its default and field; a key must be here for its
// environment variable to be seen (viper binds the environment of keys it knows only).
func (c *Config) settings() []setting {
	return []setting{
		{"log.level", "info", &c.Log.Level},
		{"log.format", "text", &c.Log.Format},
		{"render.theme", "classic", &c.Render.Theme},
		{"render.author", "", &c.Render.Author},

		{"wechat.app_id", "", &c.WeChat.AppID},
		{"wechat.app_secret", "", &c.WeChat.AppSecret},
		{"wechat.token", "", &c.WeChat.Token},
		{"wechat.encoding_mode", "", &c.WeChat.EncodingMode},
		{"wechat.aes_key", "", &c.WeChat.AESKey},
		{"wechat.aes_key_previous", "", &c.WeChat.AESKeyPrevious},
		{"wechat.api_base", "https://api.weixin.qq.com", &c.WeChat.APIBase},
		{"wechat.timeout", "15s", &c.WeChat.Timeout},
		{"wechat.preview_to", []string{}, &c.WeChat.PreviewTo},

		{"account.timezone", "Asia/Shanghai", &c.Account.Timezone},

		{"store.dsn", "sqlite://./wxpub-data/wxpub.db", &c.Store.DSN},

		{"publish.concurrency", 4, &c.Publish.Concurrency},
		{"publish.poll_timeout", "10m", &c.Publish.PollTimeout},
		{"publish.lease_ttl", "30s", &c.Publish.LeaseTTL},
		{"publish.require_approval", false, &c.Publish.RequireApproval},

		{"schedule.job_timeout", "15m", &c.Schedule.JobTimeout},
		{"schedule.rescue_after", "16m", &c.Schedule.RescueAfter},
		{"schedule.poll_interval", "1s", &c.Schedule.PollInterval},

		{"sandbox.addr", "127.0.0.1:8081", &c.Sandbox.Addr},
		{"sandbox.callback_url", "", &c.Sandbox.CallbackURL},

		{"server.addr", "127.0.0.1:8080", &c.Server.Addr},
		{"server.path", "/wechat", &c.Server.Path},
		{"server.admin_addr", "127.0.0.1:9090", &c.Server.AdminAddr},
		{"server.max_clock_skew", "5m", &c.Server.MaxClockSkew},
		{"server.reply_budget", "4s", &c.Server.ReplyBudget},
		{"server.refresh_interval", "2s", &c.Server.RefreshInterval},
		{"server.public_url", "", &c.Server.PublicURL},
		{"server.max_connections", 1024, &c.Server.MaxConnections},
		{"server.answer_cache_bytes", 4 << 20, &c.Server.AnswerCacheBytes},

		{"reply.welcome", "", &c.Reply.Welcome},
		{"reply.no_match", "", &c.Reply.NoMatch},
		{"reply.language", "zh", &c.Reply.Language},
		{"reply.menu", map[string]string{}, &c.Reply.Menu},

		{"search.index_dir", "", &c.Search.IndexDir},
		{"search.glossary", "", &c.Search.Glossary},

		{"insight.enabled", true, &c.Insight.Enabled},
		{"insight.retention", "180d", &c.Insight.Retention},

		{"redis.addr", "", &c.Redis.Addr},
		{"redis.password", "", &c.Redis.Password},
		{"redis.db", 0, &c.Redis.DB},
		{"redis.prefix", "wxpub:", &c.Redis.Prefix},
	}
}

// FlagKeys maps command-line flag names to the keys they set.
var FlagKeys = map[string]string{
	"log-level":    "log.level",
	"log-format":   "log.format",
	"theme":        "render.theme",
	"author":       "render.author",
	"preview-to":   "wechat.preview_to",
	"sandbox-addr": "sandbox.addr",
	"addr":         "server.addr",
	"admin-addr":   "server.admin_addr",
}

// FileNames are the names a config file is looked up by in the working directory.
var FileNames = []string{"wxpub.yaml", "wxpub.yml"}

// Error is one bad setting: its key, where its value came from (a file and line, an
// environment variable, a flag) and what is wrong with it.
type Error struct {
	Key    string
	Source string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s): %v", e.Key, e.Source, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Errors is every bad setting found in one load.
type Errors []*Error

func (es Errors) Error() string {
	if len(es) == 1 {
		return "config: " + es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problems:", len(es))
	for _, e := range es {
		b.WriteString("\n  " + e.Error())
	}
	return b.String()
}

// Load reads the configuration. path is the --config flag ("" looks for wxpub.yaml or
// wxpub.yml in the working directory and is content when there is none); flags, when
// given, override the file and the environment for every flag in FlagKeys that was set.
// Every bad setting is reported, each naming its key and source, in one Errors.
func Load(path string, flags *pflag.FlagSet) (*Config, error) {
	var c Config
	settings := c.settings()
	v := viper.New()
	for _, s := range settings {
		v.SetDefault(s.key, s.def)
	}
	v.SetEnvPrefix("WXPUB")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	file, err := findFile(path)
	if err != nil {
		return nil, err
	}
	var doc *yaml.Node
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		if len(root.Content) > 0 {
			doc = root.Content[0]
			if doc.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("config %s:%d: the file must be a mapping of keys (log:, wechat:, …)", file, doc.Line)
			}
		}
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
	}
	l := &loader{v: v, file: file, doc: doc, flags: flags}
	if flags != nil {
		for name, key := range FlagKeys {
			if f := flags.Lookup(name); f != nil && f.Changed {
				if err := v.BindPFlag(key, f); err != nil {
					return nil, fmt.Errorf("flag --%s: %w", name, err)
				}
			}
		}
	}

	known := map[string]bool{}
	var maps []string
	for _, s := range settings {
		known[s.key] = true
		if _, ok := s.dst.(*map[string]string); ok {
			maps = append(maps, s.key+".")
		}
	}
	var errs Errors
	for _, k := range l.fileKeys(doc, "") {
		if known[k] || hasAnyPrefix(k, maps) {
			continue
		}
		errs = append(errs, &Error{Key: k, Source: l.fileSource(k), Err: errors.New("unknown key (wxpub.example.yaml lists every key)")})
	}
	unread := map[string]bool{}
	for _, s := range settings {
		if err := l.assign(s); err != nil {
			unread[s.key] = true
			errs = append(errs, &Error{Key: s.key, Source: l.source(s.key), Err: err})
		}
	}
	for _, e := range c.validate() {
		if !unread[e.Key] {
			e.Source = l.source(e.Key)
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.File = file
	return &c, nil
}

// findFile is the config file to read: path when given (it must exist), else wxpub.yaml
// or wxpub.yml in the working directory, else "". Only those names are config files: a
// binary called wxpub beside them is not one.
func findFile(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("config %s: %w", path, err)
		}
		return path, nil
	}
	for _, name := range FileNames {
		fi, err := os.Stat(name)
		if err == nil && fi.Mode().IsRegular() {
			return name, nil
		}
	}
	return "", nil
}

// loader reads each setting's value and knows where it came from.
type loader struct {
	v     *viper.Viper
	file  string
	doc   *yaml.Node
	flags *pflag.FlagSet
}

// envName is the environment variable of a key.
func envName(key string) string {
	return "WXPUB_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// source says where a key's value comes from, in the order of precedence.
func (l *loader) source(key string) string {
	if l.flags != nil {
		for name, k := range FlagKeys {
			if k != key {
				continue
			}
			if f := l.flags.Lookup(name); f != nil && f.Changed {
				return "flag --" + name
			}
		}
	}
	if _, ok := os.LookupEnv(envName(key)); ok {
		return "environment " + envName(key)
	}
	if l.node(key) != nil {
		return l.fileSource(key)
	}
	return "default"
}

// fileSource is FILE:LINE of a key in the config file.
func (l *loader) fileSource(key string) string {
	if n := l.node(key); n != nil {
		return fmt.Sprintf("%s:%d", l.file, n.Line)
	}
	return l.file
}

// node finds a key's value node in the file, nil when the file does not set it.
func (l *loader) node(key string) *yaml.Node {
	n := l.doc
	for _, part := range strings.Split(key, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// fileKeys lists the dotted keys the file sets (leaves, and empty mappings).
func (l *loader) fileKeys(n *yaml.Node, prefix string) []string {
	if n == nil || n.Kind != yaml.MappingNode || (len(n.Content) == 0 && prefix != "") {
		if prefix == "" {
			return nil
		}
		return []string{strings.TrimSuffix(prefix, ".")}
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, l.fileKeys(n.Content[i+1], prefix+n.Content[i].Value+".")...)
	}
	return keys
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// assign converts a key's value to its field's type.
func (l *loader) assign(s setting) error {
	val := l.v.Get(s.key)
	var err error
	switch dst := s.dst.(type) {
	case *string:
		*dst, err = cast.ToStringE(val)
	case *bool:
		*dst, err = cast.ToBoolE(val)
		if err != nil {
			err = fmt.Errorf("%q is not true or false", fmt.Sprint(val))
		}
	case *int:
		*dst, err = cast.ToIntE(val)
		if err != nil {
			err = fmt.Errorf("%q is not a whole number", fmt.Sprint(val))
		}
	case *time.Duration:
		if str, ok := val.(string); ok && strings.HasSuffix(str, "d") {
			// Days, as retention periods are written: "180d".
			if n, perr := strconv.Atoi(strings.TrimSuffix(str, "d")); perr == nil {
				*dst = time.Duration(n) * 24 * time.Hour
				return nil
			}
		}
		*dst, err = cast.ToDurationE(val)
		if err != nil {
			err = fmt.Errorf("%q is not a duration such as 30s, 5m, 1h or 180d", fmt.Sprint(val))
		}
	case *[]string:
		if str, ok := val.(string); ok {
			// From the environment: a comma-separated list.
			*dst = nil
			for _, p := range strings.Split(str, ",") {
				if p = strings.TrimSpace(p); p != "" {
					*dst = append(*dst, p)
				}
			}
			return nil
		}
		*dst, err = cast.ToStringSliceE(val)
	case *map[string]string:
		*dst, err = l.stringMap(s.key, val)
	default:
		panic("config: no conversion for " + s.key)
	}
	return err
}

// stringMap reads a map-valued key: from the file exactly as written (viper folds the
// case of map keys, and menu keys are case-sensitive), or "key=value;…" from the
// environment.
func (l *loader) stringMap(key string, val any) (map[string]string, error) {
	m := map[string]string{}
	if str, ok := val.(string); ok {
		return m, parsePairs(str, m)
	}
	if _, fromEnv := os.LookupEnv(envName(key)); !fromEnv {
		if n := l.node(key); n != nil {
			if n.Kind != yaml.MappingNode {
				return nil, errors.New("want a mapping of key: value lines")
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, vn := n.Content[i], n.Content[i+1]
				if vn.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("%s: line %d: the value must be text", k.Value, vn.Line)
				}
				m[k.Value] = vn.Value
			}
			return m, nil
		}
	}
	sm, err := cast.ToStringMapStringE(val)
	if err != nil {
		return nil, errors.New("want a mapping of key: value lines")
	}
	return sm, nil
}

// parsePairs reads "key=value;key2=value2" into m.
func parsePairs(s string, m map[string]string) error {
	for _, pair := range strings.Split(s, ";") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, q, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("%q is not key=value", pair)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(q)
	}
	return nil
}

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9]{3,32}$`)

// validate checks the values; each problem names its key (the source is added by Load).
func (c *Config) validate() Errors {
	var errs Errors
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Err: fmt.Errorf(format, args...)})
	}
	switch strings.ToLower(c.Log.Level) {
	case "trace", "debug", "info", "warn", "warning", "error":
	default:
		bad("log.level", "%q is not one of trace, debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	if c.WeChat.Token != "" && !tokenPattern.MatchString(c.WeChat.Token) {
		bad("wechat.token", "must be 3–32 letters or digits, as WeChat requires (got %d characters)", len(c.WeChat.Token))
	}
	for _, k := range []struct {
		key, val string
	}{{"wechat.aes_key", c.WeChat.AESKey}, {"wechat.aes_key_previous", c.WeChat.AESKeyPrevious}} {
		if k.val != "" && len(k.val) != 43 {
			bad(k.key, "an EncodingAESKey is 43 letters and digits, got %d characters", len(k.val))
		}
	}
	switch c.WeChat.EncodingMode {
	case "":
		c.WeChat.EncodingMode = ModePlain
		if c.WeChat.AESKey != "" {
			c.WeChat.EncodingMode = ModeSafe
		}
	case ModePlain:
	case ModeCompat, ModeSafe:
		if c.WeChat.AESKey == "" {
			bad("wechat.encoding_mode", "%s mode needs wechat.aes_key (the EncodingAESKey of 消息加解密)", c.WeChat.EncodingMode)
		}
	default:
		bad("wechat.encoding_mode", "%q is not plain, compat or safe", c.WeChat.EncodingMode)
	}
	if u, err := url.Parse(c.WeChat.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("wechat.api_base", "%q is not an http(s) URL", c.WeChat.APIBase)
	}
	if c.WeChat.Timeout <= 0 {
		bad("wechat.timeout", "%s must be positive", c.WeChat.Timeout)
	}
	if c.Publish.Concurrency < 1 || c.Publish.Concurrency > 32 {
		bad("publish.concurrency", "%d is outside 1–32", c.Publish.Concurrency)
	}
	if c.Publish.PollTimeout <= 0 {
		bad("publish.poll_timeout", "%s must be positive", c.Publish.PollTimeout)
	}
	if c.Publish.LeaseTTL < time.Second {
		bad("publish.lease_ttl", "%s must be at least 1s", c.Publish.LeaseTTL)
	}
	for _, a := range []struct {
		key, val string
		optional bool
	}{{"server.addr", c.Server.Addr, false}, {"server.admin_addr", c.Server.AdminAddr, true}, {"sandbox.addr", c.Sandbox.Addr, false}} {
		if a.val == "" && a.optional {
			continue
		}
		if err := checkAddr(a.val); err != nil {
			bad(a.key, "%v", err)
		}
	}
	if c.Server.AdminAddr != "" && c.Server.AdminAddr == c.Server.Addr && !strings.HasSuffix(c.Server.Addr, ":0") {
		bad("server.admin_addr", "must differ from server.addr: the admin endpoints are not public")
	}
	if !strings.HasPrefix(c.Server.Path, "/") {
		bad("server.path", "%q must start with /", c.Server.Path)
	}
	if c.Server.MaxClockSkew < 0 {
		bad("server.max_clock_skew", "%s must not be negative (0 turns the check off)", c.Server.MaxClockSkew)
	}
	if c.Server.ReplyBudget <= 0 || c.Server.ReplyBudget >= 5*time.Second {
		bad("server.reply_budget", "%s must be above 0 and under WeChat's 5s", c.Server.ReplyBudget)
	}
	if c.Server.RefreshInterval <= 0 {
		bad("server.refresh_interval", "%s must be positive", c.Server.RefreshInterval)
	}
	if c.Server.MaxConnections < 1 {
		bad("server.max_connections", "%d must be at least 1", c.Server.MaxConnections)
	}
	if c.Server.AnswerCacheBytes < 0 {
		bad("server.answer_cache_bytes", "%d must not be negative (0 turns the cache off)", c.Server.AnswerCacheBytes)
	}
	if loc, err := time.LoadLocation(c.Account.Timezone); err != nil || c.Account.Timezone == "" {
		bad("account.timezone", "%q is not an IANA time zone such as Asia/Shanghai", c.Account.Timezone)
	} else {
		c.Account.Location = loc
	}
	if c.Schedule.JobTimeout <= 0 {
		bad("schedule.job_timeout", "%s must be positive", c.Schedule.JobTimeout)
	}
	if c.Schedule.RescueAfter <= c.Schedule.JobTimeout {
		bad("schedule.rescue_after", "%s must be longer than schedule.job_timeout (%s): a job still running must not be taken up", c.Schedule.RescueAfter, c.Schedule.JobTimeout)
	}
	if c.Schedule.PollInterval < 10*time.Millisecond {
		bad("schedule.poll_interval", "%s must be at least 10ms", c.Schedule.PollInterval)
	}
	if c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("server.public_url", "%q is not an http(s) URL", c.Server.PublicURL)
		}
	}
	if c.Insight.Retention < 24*time.Hour {
		bad("insight.retention", "%s must be at least a day (1d)", c.Insight.Retention)
	}
	if c.Reply.Language != "zh" && c.Reply.Language != "en" {
		bad("reply.language", "%q is not zh or en", c.Reply.Language)
	}
	if c.Redis.DB < 0 {
		bad("redis.db", "%d must not be negative", c.Redis.DB)
	}
	if c.Redis.Addr != "" {
		if err := checkAddr(c.Redis.Addr); err != nil {
			bad("redis.addr", "%v", err)
		}
	}
	return errs
}

// checkAddr accepts host:port with a port number (host may be empty: every interface).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// Keys returns every configuration key, sorted, for documentation and tests.
func Keys() []string {
	var c Config
	var keys []string
	for _, s := range c.settings() {
		keys = append(keys, s.key)
	}
	sort.Strings(keys)
	return keys
}
