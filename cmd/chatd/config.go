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
	SessionTTL       time.Duration
	SessionTokenTTL  time.Duration
	JWTLeeway        time.Duration
	MaxContent       int
	MaxUpload        int64
	EditWindow       time.Duration
	ShutdownTimeout  time.Duration
	LogLevel         string
	PprofAddr        string
	// MemoryLimit is the Go runtime's soft memory limit in bytes; 0 leaves
	// the runtime's default (no limit).
	MemoryLimit int64

	AdminUser         string
	AdminPasswordHash string
	AdminMode         string
}

// setting is one configuration value: its flag name, its default, the
// default as the README shows it (when it is not the value itself) and
// what it means. This table is the one description of the configuration:
// the flags' help and the README's table are made from it (see
// TestREADMEConfigurationTable).
type setting struct {
	name, def, shown, doc string
}

var settings = []setting{
	{"addr", ":3000", "", "listen address; `:3000` listens on every interface, `127.0.0.1:3000` on this machine only, `127.0.0.1:0` picks a free port"},
	{"mongo-uri", "", "empty: embedded storage under `CHAT_DATA_DIR`", "MongoDB connection string"},
	{"mongo-db", "chat", "", "MongoDB database name"},
	{"redis-url", "", "empty: single instance, in-process adapter", "`redis://…` enables the Redis adapter"},
	{"jwt-secret", "", "empty: a random secret kept in `CHAT_DATA_DIR`", "HS256 key for built-in accounts"},
	{"data-dir", "./data", "", "where embedded state lives"},
	{"cors-origins", "", "empty: same origin only", "comma-separated allowed origins, `*` for any"},
	{"send-rate", "10", "", "messages per second per user (burst twice that); `0` turns the limit off"},
	{"event-rate", "20", "", "`typing`, `join_room` and history reads per second per user, together (burst twice that); `0` turns the limit off"},
	{"register-rate", "20", "", "accounts one client address may create per hour; `0` turns the limit off"},
	{"trusted-proxies", "", "empty: none", "comma-separated addresses or CIDR ranges of load balancers whose `X-Forwarded-For` names the client"},
	{"jwt-public-key-file", "", "empty", "PEM public key (RS256/ES256) of an identity provider whose tokens are accepted"},
	{"jwt-jwks-url", "", "empty", "JWKS URL of an identity provider whose tokens are accepted"},
	{"jwt-issuer", "", "empty", "required `iss` of every token, when set"},
	{"jwt-audience", "", "empty", "required `aud` of every token, when set"},
	{"token-ttl", "24h", "", "lifetime of tokens issued by `/register` and `/login`"},
	{"jwt-leeway", "30s", "", "clock skew allowed when checking a token's `exp` and `nbf`, from `0s` to `30s`"},
	{"session-ttl", "720h", "", "how long a browser stays signed in without opening the page (every visit starts it again)"},
	{"session-token-ttl", "10m", "", "lifetime of the access tokens of a browser session; the page renews them before they expire"},
	{"max-content", "4000", "", "longest message, in Unicode code points"},
	{"max-upload", "25MiB", "", "largest file upload, such as `10MiB`, `1GB` or a number of bytes"},
	{"edit-window", "0", "`0`: no limit", "how long after sending a message its sender may edit it, such as `15m`"},
	{"shutdown-timeout", "15s", "", "how long SIGTERM waits for in-flight work"},
	{"log-level", "info", "", "`debug`, `info`, `warn` or `error`"},
	{"pprof-addr", "", "empty: off", "address of a `net/http/pprof` listener, such as `127.0.0.1:6060`"},
	{"memory-limit", "", "empty: none, or `GOMEMLIMIT`", "soft limit on the memory the Go runtime uses, such as `512MiB` or `1GiB`: near it the garbage collector runs more often rather than letting the heap grow; `0`: none"},
	{"admin-user", "", "empty: the Admin UI is off", "username of the Socket.IO Admin UI (see below); with `CHAT_ADMIN_PASSWORD_HASH` it turns the UI on"},
	{"admin-password-hash", "", "empty", "bcrypt hash of the Admin UI's password, as `chatd hash-password` prints it"},
	{"admin-mode", "readonly", "", "`readonly`: the Admin UI watches; `development`: it may also emit, join, leave and disconnect sockets"},
}

// help is the flag's usage text: the meaning without Markdown, and the
// environment variable.
func (s setting) help() string {
	return strings.ReplaceAll(s.doc, "`", "") + " (" + envName(s.name) + ")"
}

// markdownRow is the setting's row of the README's table.
func (s setting) markdownRow() string {
	shown := s.shown
	if shown == "" {
		shown = "`" + s.def + "`"
	}
	return "| `" + envName(s.name) + "` | " + shown + " | " + s.doc + " |"
}

// markdownTable is the README's configuration table.
func markdownTable() string {
	rows := []string{"| variable | default | meaning |", "|---|---|---|"}
	for _, s := range settings {
		rows = append(rows, s.markdownRow())
	}
	return strings.Join(rows, "\n") + "\n"
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
		vals[s.name] = fs.String(s.name, def, s.help())
	}
	version := fs.Bool("version", false, "print the version and exit")
	setUsage(fs, usage)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if *version {
		return Config{}, errVersion
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
		AdminUser: get("admin-user"), AdminPasswordHash: get("admin-password-hash"), AdminMode: get("admin-mode"),
	}
	var errs []error
	cfg.SendRate, errs = parseRate(get("send-rate"), "send-rate", errs)
	cfg.EventRate, errs = parseRate(get("event-rate"), "event-rate", errs)
	cfg.RegisterRate, errs = parseRate(get("register-rate"), "register-rate", errs)
	cfg.TokenTTL, errs = parseDuration(get("token-ttl"), "token-ttl", errs)
	cfg.SessionTTL, errs = parseDuration(get("session-ttl"), "session-ttl", errs)
	cfg.SessionTokenTTL, errs = parseDuration(get("session-token-ttl"), "session-token-ttl", errs)
	cfg.JWTLeeway, errs = parseLeeway(get("jwt-leeway"), errs)
	var err error
	if cfg.TrustedProxies, err = wire.ParseProxies(splitList(get("trusted-proxies"))); err != nil {
		errs = append(errs, fmt.Errorf("trusted-proxies: %w", err))
	}
	cfg.ShutdownTimeout, errs = parseDuration(get("shutdown-timeout"), "shutdown-timeout", errs)
	if d, err := time.ParseDuration(get("edit-window")); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("edit-window: want 0 or a duration such as 15m, got %q", get("edit-window")))
	} else {
		cfg.EditWindow = d
	}
	n, err := strconv.Atoi(get("max-content"))
	if err != nil || n < 1 {
		errs = append(errs, fmt.Errorf("max-content: want a positive number, got %q", get("max-content")))
	}
	cfg.MaxContent = n
	if cfg.MaxUpload, err = parseSize(get("max-upload")); err != nil {
		errs = append(errs, fmt.Errorf("max-upload: %w", err))
	}
	if cfg.MemoryLimit, err = parseMemoryLimit(get("memory-limit")); err != nil {
		errs = append(errs, fmt.Errorf("memory-limit: %w", err))
	}
	errs = append(errs, checkAdmin(cfg))
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

// sizeUnits are the suffixes parseSize reads, longest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1},
}

// parseSize reads a positive size in bytes, with an optional unit.
func parseSize(v string) (int64, error) {
	num, unit := v, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(v, u.suffix) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 || n > (1<<62)/unit {
		return 0, fmt.Errorf("want a size such as 25MiB, got %q", v)
	}
	return n * unit, nil
}

// parseMemoryLimit reads the memory limit: a size, or empty or 0 for none.
func parseMemoryLimit(v string) (int64, error) {
	if v == "" || v == "0" {
		return 0, nil
	}
	return parseSize(v)
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
