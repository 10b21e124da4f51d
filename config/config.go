// Package config loads wxpub's settings from, in rising order of precedence, built-in
// defaults, the file wxpub.yaml (or --config PATH), WXPUB_* environment variables and
// command-line flags. It is the only package that knows viper.
package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is every setting wxpub reads. Each key is also an environment variable: WXPUB_ and
// the key path upper-cased with "." turned into "_" (log.level ↔ WXPUB_LOG_LEVEL).
type Config struct {
	Log     Log     `mapstructure:"log"`
	Render  Render  `mapstructure:"render"`
	WeChat  WeChat  `mapstructure:"wechat"`
	Store   Store   `mapstructure:"store"`
	Publish Publish `mapstructure:"publish"`
	Sandbox Sandbox `mapstructure:"sandbox"`
	Server  Server  `mapstructure:"server"`
	Reply   Reply   `mapstructure:"reply"`
	Redis   Redis   `mapstructure:"redis"`
	// File is the config file that was read, "" when none was.
	File string `mapstructure:"-"`
}

// Log configures logging.
type Log struct {
	// Level is one of trace, debug, info, warn, error.
	Level string `mapstructure:"level"`
	// Format is "text" (for people) or "json" (for log collectors).
	Format string `mapstructure:"format"`
}

// Render configures how issues become articles.
type Render struct {
	// Theme is a built-in theme name or the path of a theme file (.yaml).
	Theme string `mapstructure:"theme"`
	// Author is the article author when an issue's front matter names none.
	Author string `mapstructure:"author"`
}

// WeChat is the official account.
type WeChat struct {
	AppID     string `mapstructure:"app_id"`
	AppSecret string `mapstructure:"app_secret"`
	// Token signs the message callback (and the sandbox's pushed events).
	Token string `mapstructure:"token"`
	// AESKey is the EncodingAESKey of safe mode; AESKeyPrevious the one before it, kept
	// while WeChat may still use it.
	AESKey         string `mapstructure:"aes_key"`
	AESKeyPrevious string `mapstructure:"aes_key_previous"`
	// APIBase is the API's address: the live API, or a sandbox's.
	APIBase string `mapstructure:"api_base"`
	// Timeout bounds each API call attempt.
	Timeout time.Duration `mapstructure:"timeout"`
	// PreviewTo are staff phones (OpenIDs or WeChat IDs) that publish previews on.
	PreviewTo []string `mapstructure:"preview_to"`
}

// Store says where wxpub keeps its data.
type Store struct {
	DSN string `mapstructure:"dsn"`
}

// Publish tunes `wxpub publish`.
type Publish struct {
	Concurrency int           `mapstructure:"concurrency"`
	PollTimeout time.Duration `mapstructure:"poll_timeout"`
}

// Sandbox configures `wxpub sandbox` (it takes its credentials from wechat.app_id and
// wechat.app_secret, and signs pushed events with wechat.token).
type Sandbox struct {
	Addr        string `mapstructure:"addr"`
	CallbackURL string `mapstructure:"callback_url"`
}

// Server configures `wxpub serve`, the message callback.
type Server struct {
	Addr string `mapstructure:"addr"`
	Path string `mapstructure:"path"`
	// MaxClockSkew refuses requests whose timestamp is further from now (0: no check).
	MaxClockSkew time.Duration `mapstructure:"max_clock_skew"`
	// ReplyBudget is how long a reply may take before the callback answers "success".
	ReplyBudget time.Duration `mapstructure:"reply_budget"`
	// RefreshInterval is how often the server looks for issues imported or published by
	// other processes.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
}

// Redis, when Addr is set, is shared by the replicas: the access token, the replies kept
// for retries, and notices of changed issues.
type Redis struct {
	Addr     string `mapstructure:"addr"`
	Password string `mapstructure:"password"`
	DB       int    `mapstructure:"db"`
	Prefix   string `mapstructure:"prefix"`
}

// Reply configures what followers get.
type Reply struct {
	Welcome string `mapstructure:"welcome"`
	// Menu maps menu button keys (CLICK events) to the queries they stand for. In the
	// environment: WXPUB_REPLY_MENU="key=query;key2=query2".
	Menu map[string]string `mapstructure:"menu"`
}

// defaults lists every key with its default; a key must be here for its environment
// variable to be seen (viper only binds the environment of keys it knows).
var defaults = map[string]any{
	"log.level":     "info",
	"log.format":    "text",
	"render.theme":  "classic",
	"render.author": "",

	"wechat.app_id":           "",
	"wechat.app_secret":       "",
	"wechat.token":            "",
	"wechat.aes_key":          "",
	"wechat.aes_key_previous": "",
	"wechat.api_base":         "https://api.weixin.qq.com",
	"wechat.timeout":          "15s",
	"wechat.preview_to":       []string{},

	"store.dsn": "sqlite://./wxpub-data/wxpub.db",

	"publish.concurrency":  4,
	"publish.poll_timeout": "10m",

	"sandbox.addr":         "127.0.0.1:8081",
	"sandbox.callback_url": "",

	"server.addr":             "127.0.0.1:8080",
	"server.path":             "/wechat",
	"server.max_clock_skew":   "5m",
	"server.reply_budget":     "4s",
	"server.refresh_interval": "2s",

	"reply.welcome": "",
	"reply.menu":    map[string]string{},

	"redis.addr":     "",
	"redis.password": "",
	"redis.db":       0,
	"redis.prefix":   "wxpub:",
}

// FlagKeys maps command-line flag names to the keys they set.
var FlagKeys = map[string]string{
	"log-level":  "log.level",
	"log-format": "log.format",
	"theme":      "render.theme",
	"author":     "render.author",
	"preview-to": "wechat.preview_to",
	"addr":       "sandbox.addr",
	"listen":     "server.addr",
}

// Load reads the configuration. path is the --config flag ("" looks for wxpub.yaml in the
// working directory and is content when there is none); flags, when given, override the
// file and the environment for every flag in FlagKeys that was set.
func Load(path string, flags *pflag.FlagSet) (*Config, error) {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	v.SetEnvPrefix("WXPUB")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if path != "" {
		v.SetConfigFile(path)
	} else {
		v.SetConfigName("wxpub")
		v.SetConfigType("yaml")
		v.AddConfigPath(".")
	}
	if err := v.ReadInConfig(); err != nil {
		var notFound viper.ConfigFileNotFoundError
		if path != "" || !errors.As(err, &notFound) {
			return nil, fmt.Errorf("config %s: %w", describe(path), err)
		}
	}
	if flags != nil {
		for name, key := range FlagKeys {
			if f := flags.Lookup(name); f != nil && f.Changed {
				if err := v.BindPFlag(key, f); err != nil {
					return nil, fmt.Errorf("flag --%s: %w", name, err)
				}
			}
		}
	}
	for _, k := range v.AllKeys() {
		if _, ok := defaults[k]; !ok && v.InConfig(k) {
			return nil, fmt.Errorf("config %s: unknown key %q", v.ConfigFileUsed(), k)
		}
	}
	// A map cannot come from the environment as is: read "key=query;…" there.
	if s, ok := v.Get("reply.menu").(string); ok {
		menu, err := parseMenu(s)
		if err != nil {
			return nil, fmt.Errorf("reply.menu: %w", err)
		}
		v.Set("reply.menu", menu)
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return nil, fmt.Errorf("config %s: %w", describe(v.ConfigFileUsed()), err)
	}
	c.File = v.ConfigFileUsed()
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", describe(c.File), err)
	}
	return &c, nil
}

func describe(path string) string {
	if path == "" {
		return "(defaults and environment)"
	}
	return path
}

func (c *Config) validate() error {
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	if c.WeChat.Timeout <= 0 {
		return fmt.Errorf("wechat.timeout: %s must be positive", c.WeChat.Timeout)
	}
	if c.Server.MaxClockSkew < 0 {
		return fmt.Errorf("server.max_clock_skew: %s must not be negative (0 turns the check off)", c.Server.MaxClockSkew)
	}
	if c.Server.ReplyBudget <= 0 || c.Server.ReplyBudget >= 5*time.Second {
		return fmt.Errorf("server.reply_budget: %s must be above 0 and under WeChat's 5s", c.Server.ReplyBudget)
	}
	if !strings.HasPrefix(c.Server.Path, "/") {
		return fmt.Errorf("server.path: %q must start with /", c.Server.Path)
	}
	if c.Server.RefreshInterval <= 0 {
		return fmt.Errorf("server.refresh_interval: %s must be positive", c.Server.RefreshInterval)
	}
	if c.Publish.Concurrency < 1 || c.Publish.Concurrency > 32 {
		return fmt.Errorf("publish.concurrency: %d is outside 1–32", c.Publish.Concurrency)
	}
	if c.Publish.PollTimeout <= 0 {
		return fmt.Errorf("publish.poll_timeout: %s must be positive", c.Publish.PollTimeout)
	}
	switch strings.ToLower(c.Log.Level) {
	case "trace", "debug", "info", "warn", "warning", "error":
	default:
		return fmt.Errorf("log.level: %q is not one of trace, debug, info, warn, error", c.Log.Level)
	}
	return nil
}

// Keys returns every configuration key, for documentation and tests.
func Keys() []string {
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	return keys
}

// parseMenu reads "key=query;key2=query2".
func parseMenu(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ";") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, q, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not key=query", pair)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(q)
	}
	return m, nil
}
