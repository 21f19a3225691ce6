package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roomchat/chat/wire"
)

// Config is everything the service can be told at start-up. Every field is
// an environment variable CHAT_X and a flag --x (lower-kebab case).
type Config struct {
	Addr        string
	MongoURI    string
	MongoDB     string
	RedisURL    string
	JWTSecret   string
	DataDir     string
	CORSOrigins []string
	SendRate    float64
	EventRate   float64
	// RegisterRate is accounts per client address per hour.
	RegisterRate   float64
	TrustedProxies wire.Proxies

	JWTPublicKeyFile string
	JWTJWKSURL       string
	JWTIssuer        string
	JWTAudience      string
	TokenTTL         time.Duration
	JWTLeeway        time.Duration
	MaxContent       int
	ShutdownTimeout  time.Duration
	LogLevel         string
	PprofAddr        string
}

// setting is one configuration value: its flag name, its default and help.
type setting struct {
	name, def, help string
}

var settings = []setting{
	{"addr", ":3000", "listen address"},
	{"mongo-uri", "", "MongoDB connection string; empty: embedded storage under --data-dir"},
	{"mongo-db", "chat", "MongoDB database name"},
	{"redis-url", "", "redis:// URL enabling the Redis adapter; empty: single instance"},
	{"jwt-secret", "", "HS256 key for built-in accounts; empty: a random secret kept in --data-dir"},
	{"data-dir", "./data", "where embedded state lives"},
	{"cors-origins", "", "comma-separated allowed origins, * for any; empty: same origin only"},
	{"send-rate", "10", "messages per second per user (burst twice that); 0 turns the limit off"},
	{"event-rate", "20", "typing, join_room and history reads per second per user, together (burst twice that); 0 turns the limit off"},
	{"register-rate", "20", "accounts one client address may create per hour; 0 turns the limit off"},
	{"trusted-proxies", "", "comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For names the client"},
	{"jwt-public-key-file", "", "PEM file of an identity provider's RS256/ES256 public key"},
	{"jwt-jwks-url", "", "URL of an identity provider's JSON Web Key Set"},
	{"jwt-issuer", "", "required iss claim, when set"},
	{"jwt-audience", "", "required aud claim, when set"},
	{"token-ttl", "24h", "lifetime of tokens issued to built-in accounts"},
	{"jwt-leeway", "30s", "clock skew allowed when checking a token's exp and nbf, at most 30s"},
	{"max-content", "4000", "longest message content, in Unicode code points"},
	{"shutdown-timeout", "15s", "how long shutdown may take before it gives up waiting"},
	{"log-level", "info", "debug, info, warn or error"},
	{"pprof-addr", "", "address of a net/http/pprof listener, such as 127.0.0.1:6060; empty: off"},
}

// envName is the environment variable of a flag: addr -> CHAT_ADDR.
func envName(flagName string) string {
	return "CHAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// LoadConfig reads the configuration from flags, falling back to the
// environment, then to the defaults.
func LoadConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("chatd", flag.ContinueOnError)
	fs.SetOutput(usage)
	vals := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(envName(s.name)); v != "" {
			def = v
		}
		vals[s.name] = fs.String(s.name, def, s.help+" ("+envName(s.name)+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	get := func(name string) string { return strings.TrimSpace(*vals[name]) }
	cfg := Config{
		Addr: get("addr"), MongoURI: get("mongo-uri"), MongoDB: get("mongo-db"), RedisURL: get("redis-url"),
		JWTSecret: *vals["jwt-secret"], DataDir: get("data-dir"), CORSOrigins: splitList(get("cors-origins")),
		JWTPublicKeyFile: get("jwt-public-key-file"), JWTJWKSURL: get("jwt-jwks-url"),
		JWTIssuer: get("jwt-issuer"), JWTAudience: get("jwt-audience"), LogLevel: get("log-level"), PprofAddr: get("pprof-addr"),
	}
	var errs []error
	cfg.SendRate, errs = parseRate(get("send-rate"), "send-rate", errs)
	cfg.EventRate, errs = parseRate(get("event-rate"), "event-rate", errs)
	cfg.RegisterRate, errs = parseRate(get("register-rate"), "register-rate", errs)
	cfg.TokenTTL, errs = parseDuration(get("token-ttl"), "token-ttl", errs)
	cfg.JWTLeeway, errs = parseLeeway(get("jwt-leeway"), errs)
	var err error
	if cfg.TrustedProxies, err = wire.ParseProxies(splitList(get("trusted-proxies"))); err != nil {
		errs = append(errs, fmt.Errorf("trusted-proxies: %w", err))
	}
	cfg.ShutdownTimeout, errs = parseDuration(get("shutdown-timeout"), "shutdown-timeout", errs)
	n, err := strconv.Atoi(get("max-content"))
	if err != nil || n < 1 {
		errs = append(errs, fmt.Errorf("max-content: want a positive number, got %q", get("max-content")))
	}
	cfg.MaxContent = n
	return cfg, errors.Join(errs...)
}

// parseRate reads a rate that may be 0 (no limit) but not negative.
func parseRate(v, name string, errs []error) (float64, []error) {
	f, errs := parseFloat(v, name, errs)
	if f < 0 {
		return 0, append(errs, fmt.Errorf("%s: must not be negative", name))
	}
	return f, errs
}

// maxLeeway bounds the clock skew allowed on tokens: a token stays usable
// that long after its exp.
const maxLeeway = 30 * time.Second

func parseLeeway(v string, errs []error) (time.Duration, []error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxLeeway {
		return 0, append(errs, fmt.Errorf("jwt-leeway: want a duration from 0s to %s, got %q", maxLeeway, v))
	}
	return d, errs
}

func parseFloat(v, name string, errs []error) (float64, []error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, append(errs, fmt.Errorf("%s: want a number, got %q", name, v))
	}
	return f, errs
}

func parseDuration(v, name string, errs []error) (time.Duration, []error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, append(errs, fmt.Errorf("%s: want a duration such as 30s, got %q", name, v))
	}
	return d, errs
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// osEnv is the process environment, for LoadConfig.
func osEnv(key string) string { return os.Getenv(key) }
