package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envOf is a getenv reading a map.
func envOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func mustLoad(t *testing.T, args []string, env map[string]string) Config {
	t.Helper()
	cfg, err := LoadConfig(args, envOf(env), io.Discard)
	if err != nil {
		t.Fatalf("LoadConfig(%q, %v): %v", args, env, err)
	}
	return cfg
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg := mustLoad(t, nil, nil)
	got := []any{cfg.Addr, cfg.MongoURI, cfg.MongoDB, cfg.RedisURL, cfg.JWTSecret, cfg.DataDir, cfg.CORSOrigins,
		cfg.SendRate, cfg.EventRate, cfg.RegisterRate, len(cfg.TrustedProxies), cfg.TokenTTL, cfg.JWTLeeway, cfg.MaxContent, cfg.ShutdownTimeout}
	want := []any{":3000", "", "chat", "", "", "./data", []string(nil),
		10.0, 20.0, 20.0, 0, 24 * time.Hour, 30 * time.Second, 4000, 15 * time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %v\nwant       %v", got, want)
	}
}

// TestLoadConfigEnvironment checks every variable of the wire contract's
// configuration table, and that its flag beats it.
func TestLoadConfigEnvironment(t *testing.T) {
	tests := []struct {
		env, flag, envValue, flagValue string
		field                          func(Config) any
		fromEnv, fromFlag              any
	}{
		{"CHAT_ADDR", "--addr", "127.0.0.1:4000", "127.0.0.1:5000", func(c Config) any { return c.Addr }, "127.0.0.1:4000", "127.0.0.1:5000"},
		{"CHAT_MONGO_URI", "--mongo-uri", "mongodb://a", "mongodb://b", func(c Config) any { return c.MongoURI }, "mongodb://a", "mongodb://b"},
		{"CHAT_MONGO_DB", "--mongo-db", "envdb", "flagdb", func(c Config) any { return c.MongoDB }, "envdb", "flagdb"},
		{"CHAT_REDIS_URL", "--redis-url", "redis://a:6379", "redis://b:6379", func(c Config) any { return c.RedisURL }, "redis://a:6379", "redis://b:6379"},
		{"CHAT_JWT_SECRET", "--jwt-secret", "env-secret", "flag-secret", func(c Config) any { return c.JWTSecret }, "env-secret", "flag-secret"},
		{"CHAT_DATA_DIR", "--data-dir", "/tmp/env", "/tmp/flag", func(c Config) any { return c.DataDir }, "/tmp/env", "/tmp/flag"},
		{"CHAT_CORS_ORIGINS", "--cors-origins", "http://a, http://b", "*", func(c Config) any { return c.CORSOrigins },
			[]string{"http://a", "http://b"}, []string{"*"}},
		{"CHAT_SEND_RATE", "--send-rate", "2.5", "0", func(c Config) any { return c.SendRate }, 2.5, 0.0},
		{"CHAT_EVENT_RATE", "--event-rate", "5", "0", func(c Config) any { return c.EventRate }, 5.0, 0.0},
		{"CHAT_REGISTER_RATE", "--register-rate", "3", "0", func(c Config) any { return c.RegisterRate }, 3.0, 0.0},
		{"CHAT_TRUSTED_PROXIES", "--trusted-proxies", "10.0.0.0/8, 127.0.0.1", "::1", func(c Config) any { return fmt.Sprint(c.TrustedProxies) },
			"[10.0.0.0/8 127.0.0.1/32]", "[::1/128]"},
		{"CHAT_TOKEN_TTL", "--token-ttl", "1h", "90m", func(c Config) any { return c.TokenTTL }, time.Hour, 90 * time.Minute},
		{"CHAT_SESSION_TTL", "--session-ttl", "48h", "1h", func(c Config) any { return c.SessionTTL }, 48 * time.Hour, time.Hour},
		{"CHAT_SESSION_TOKEN_TTL", "--session-token-ttl", "5m", "90s", func(c Config) any { return c.SessionTokenTTL }, 5 * time.Minute, 90 * time.Second},
		{"CHAT_JWT_LEEWAY", "--jwt-leeway", "5s", "0s", func(c Config) any { return c.JWTLeeway }, 5 * time.Second, time.Duration(0)},
		{"CHAT_MAX_CONTENT", "--max-content", "100", "200", func(c Config) any { return c.MaxContent }, 100, 200},
		{"CHAT_MAX_UPLOAD", "--max-upload", "10MiB", "1000", func(c Config) any { return c.MaxUpload }, int64(10 << 20), int64(1000)},
		{"CHAT_SHUTDOWN_TIMEOUT", "--shutdown-timeout", "3s", "4s", func(c Config) any { return c.ShutdownTimeout }, 3 * time.Second, 4 * time.Second},
		{"CHAT_MEMORY_LIMIT", "--memory-limit", "512MiB", "1GiB", func(c Config) any { return c.MemoryLimit }, int64(512 << 20), int64(1 << 30)},
		{"CHAT_PPROF_ADDR", "--pprof-addr", "127.0.0.1:6060", "127.0.0.1:6061", func(c Config) any { return c.PprofAddr }, "127.0.0.1:6060", "127.0.0.1:6061"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			env := map[string]string{tt.env: tt.envValue}
			if got := tt.field(mustLoad(t, nil, env)); !reflect.DeepEqual(got, tt.fromEnv) {
				t.Errorf("from %s = %#v, want %#v", tt.env, got, tt.fromEnv)
			}
			if got := tt.field(mustLoad(t, []string{tt.flag, tt.flagValue}, env)); !reflect.DeepEqual(got, tt.fromFlag) {
				t.Errorf("with %s too = %#v, want the flag's %#v", tt.flag, got, tt.fromFlag)
			}
			if got := tt.field(mustLoad(t, []string{tt.flag + "=" + tt.flagValue}, nil)); !reflect.DeepEqual(got, tt.fromFlag) {
				t.Errorf("%s=… = %#v, want %#v", tt.flag, got, tt.fromFlag)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for flagName, env := range map[string]string{"addr": "CHAT_ADDR", "mongo-uri": "CHAT_MONGO_URI", "cors-origins": "CHAT_CORS_ORIGINS"} {
		if got := envName(flagName); got != env {
			t.Errorf("envName(%q) = %q, want %q", flagName, got, env)
		}
	}
	for _, s := range settings {
		if s.name != strings.ToLower(s.name) || strings.Contains(s.name, "_") {
			t.Errorf("flag %q is not lower-kebab case", s.name)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // parts of the error
	}{
		{"send rate not a number", []string{"--send-rate", "fast"}, nil, []string{"send-rate", "fast"}},
		{"negative send rate", []string{"--send-rate", "-1"}, nil, []string{"send-rate"}},
		{"bad send rate from the environment", nil, map[string]string{"CHAT_SEND_RATE": "lots"}, []string{"send-rate", "lots"}},
		{"token TTL without unit", []string{"--token-ttl", "24"}, nil, []string{"token-ttl"}},
		{"zero token TTL", []string{"--token-ttl", "0s"}, nil, []string{"token-ttl"}},
		{"negative shutdown timeout", []string{"--shutdown-timeout", "-5s"}, nil, []string{"shutdown-timeout"}},
		{"zero max content", []string{"--max-content", "0"}, nil, []string{"max-content"}},
		{"negative event rate", []string{"--event-rate", "-2"}, nil, []string{"event-rate"}},
		{"register rate not a number", []string{"--register-rate", "many"}, nil, []string{"register-rate", "many"}},
		{"a proxy that is not an address", []string{"--trusted-proxies", "lb.local"}, nil, []string{"trusted-proxies", "lb.local"}},
		{"leeway over 30s", []string{"--jwt-leeway", "1m"}, nil, []string{"jwt-leeway"}},
		{"negative leeway", []string{"--jwt-leeway", "-1s"}, nil, []string{"jwt-leeway"}},
		{"max content not a number", []string{"--max-content", "many"}, nil, []string{"max-content", "many"}},
		{"max upload with an unknown unit", []string{"--max-upload", "5TB"}, nil, []string{"max-upload", "5TB"}},
		{"memory limit with an unknown unit", []string{"--memory-limit", "1TiB"}, nil, []string{"memory-limit", "1TiB"}},
		{"negative memory limit", []string{"--memory-limit", "-1MiB"}, nil, []string{"memory-limit"}},
		{"zero max upload", []string{"--max-upload", "0"}, nil, []string{"max-upload"}},
		{"two bad values", []string{"--send-rate", "x", "--max-content", "y"}, nil, []string{"send-rate", "max-content"}},
		{"unknown flag", []string{"--colour", "blue"}, nil, []string{"colour"}},
		{"stray argument", []string{"serve"}, nil, []string{"serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(tt.args, envOf(tt.env), io.Discard)
			if err == nil {
				t.Fatal("LoadConfig accepted it")
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
		})
	}
}

func TestLoadConfigHelp(t *testing.T) {
	var usage strings.Builder
	_, err := LoadConfig([]string{"--help"}, envOf(nil), &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help = %v, want flag.ErrHelp", err)
	}
	for _, part := range []string{"-addr", "CHAT_ADDR", "-send-rate", "CHAT_SEND_RATE"} {
		if !strings.Contains(usage.String(), part) {
			t.Errorf("usage lacks %q", part)
		}
	}
}

func TestSplitList(t *testing.T) {
	tests := map[string][]string{
		"":                       nil,
		" , ,":                   nil,
		"*":                      {"*"},
		" http://a ,http://b, ,": {"http://a", "http://b"},
	}
	for in, want := range tests {
		if got := splitList(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{"1": 1, "25MiB": 25 << 20, "2 GiB": 2 << 30, "512KiB": 512 << 10, "1GB": 1e9, "3MB": 3e6, "7kB": 7000, "9B": 9}
	for in, want := range good {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "1.5MiB", "10 bytes", "99999999999GiB"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want int64
	}{
		{nil, nil, 0},
		{[]string{"--memory-limit", "0"}, nil, 0},
		{[]string{"--memory-limit", ""}, map[string]string{"CHAT_MEMORY_LIMIT": "1GiB"}, 0},
		{nil, map[string]string{"CHAT_MEMORY_LIMIT": "1GiB"}, 1 << 30},
		{[]string{"--memory-limit", "768 MiB"}, nil, 768 << 20},
		{[]string{"--memory-limit=2GB"}, nil, 2e9},
		{[]string{"--memory-limit", "123456789"}, nil, 123456789},
	}
	for _, tt := range tests {
		if got := mustLoad(t, tt.args, tt.env).MemoryLimit; got != tt.want {
			t.Errorf("LoadConfig(%q, %v).MemoryLimit = %d, want %d", tt.args, tt.env, got, tt.want)
		}
	}
}
