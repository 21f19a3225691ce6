package main

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHelpStartsWithWhatItIsAndAnExample(t *testing.T) {
	var out bytes.Buffer
	_, err := LoadConfig([]string{"--help"}, envOf(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("LoadConfig(--help) = %v, want flag.ErrHelp", err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[0], "chatd is a ") {
		t.Errorf("first line %q does not say what chatd is", lines[0])
	}
	if !strings.HasPrefix(lines[1], "Example: chatd --addr ") {
		t.Errorf("second line %q is not an example", lines[1])
	}
	// Then every flag: the settings and --version.
	for _, s := range settings {
		if !strings.Contains(out.String(), "\n  -"+s.name+" ") {
			t.Errorf("help lists no -%s", s.name)
		}
	}
	if !strings.Contains(out.String(), "\n  -version\n") {
		t.Error("help lists no -version")
	}
}

func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version"} {
		if _, err := LoadConfig([]string{arg}, envOf(nil), &bytes.Buffer{}); !errors.Is(err, errVersion) {
			t.Errorf("LoadConfig(%s) = %v, want errVersion", arg, err)
		}
	}
}

func TestVersionLine(t *testing.T) {
	platform := ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	setting := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"go install of a release", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "chatd v1.4.0"},
		{"built from a checkout", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202070410-2f57ba572a01"},
			Settings: setting("vcs", "git", "vcs.revision", "2f57ba572a014834adba7e9791e3cc7d4a6375ee",
				"vcs.time", "2026-12-02T07:04:10Z", "vcs.modified", "false")}, true,
			"chatd v0.0.0-20261202070410-2f57ba572a01 (revision 2f57ba572a014834adba7e9791e3cc7d4a6375ee, 2026-12-02T07:04:10Z)"},
		{"built from a changed checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: setting("vcs.revision", "abc", "vcs.modified", "true")}, true,
			"chatd (devel) (revision abc, with uncommitted changes)"},
		{"no build information", nil, false, "chatd (unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.info, tt.ok); got != tt.want+platform {
				t.Errorf("versionLine = %q\nwant          %q", got, tt.want+platform)
			}
		})
	}
}

// TestVersionOfABuiltBinary builds chatd as `make build` does and checks
// that --version names the commit it was built from.
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Skipf("git %v: %v (not a git checkout)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	rev := git("rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "chatd")
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("chatd --version: %v", err)
	}
	got := strings.TrimSpace(string(out))
	if !strings.Contains(got, "(revision ") && git("rev-parse", "--git-dir") != git("rev-parse", "--git-common-dir") {
		// The go command stamps no commit into what it builds in a linked
		// worktree; a clone is stamped.
		t.Skipf("built in a git worktree, which the go command does not stamp: %q", got)
	}
	if !strings.HasPrefix(got, "chatd v") || !strings.Contains(got, "(revision "+rev+", ") {
		t.Errorf("chatd --version = %q, want a version and revision %s", got, rev)
	}
}

func TestListeningLine(t *testing.T) {
	tests := []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 3000}, "chatd listening on every interface, port 3000; open http://127.0.0.1:3000"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 3000}, "chatd listening on every interface, port 3000; open http://127.0.0.1:3000"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, "chatd listening on http://127.0.0.1:4000"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 4000}, "chatd listening on http://[::1]:4000"},
	}
	for _, tt := range tests {
		if got := listeningLine(tt.addr); got != tt.want {
			t.Errorf("listeningLine(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestHashPassword(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := hashPassword(strings.NewReader("correct horse\n"), &out, &errOut); code != 0 {
		t.Fatalf("hash-password exited %d: %s", code, errOut.String())
	}
	hash := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse")); err != nil {
		t.Errorf("the printed hash %q is not the password's: %v", hash, err)
	}
	out.Reset()
	if code := hashPassword(strings.NewReader("\n"), &out, &errOut); code != 2 || out.Len() != 0 {
		t.Errorf("an empty password: exit %d, output %q; want 2 and nothing", code, out.String())
	}
}

func TestAdminSettings(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, nil, map[string]string{"CHAT_ADMIN_USER": "operator", "CHAT_ADMIN_PASSWORD_HASH": string(hash),
		"CHAT_ADMIN_MODE": "development"})
	if cfg.AdminUser != "operator" || cfg.AdminPasswordHash != string(hash) || cfg.AdminMode != "development" || !adminEnabled(cfg) {
		t.Errorf("admin settings = %q %q %q", cfg.AdminUser, cfg.AdminPasswordHash, cfg.AdminMode)
	}
	if off := mustLoad(t, nil, nil); adminEnabled(off) || off.AdminMode != "readonly" {
		t.Errorf("by default the Admin UI is on (%v) or not read-only (%q)", adminEnabled(off), off.AdminMode)
	}
	for name, env := range map[string]map[string]string{
		"user without hash": {"CHAT_ADMIN_USER": "operator"},
		"hash without user": {"CHAT_ADMIN_PASSWORD_HASH": string(hash)},
		"not a bcrypt hash": {"CHAT_ADMIN_USER": "operator", "CHAT_ADMIN_PASSWORD_HASH": "pw"},
		"unknown mode":      {"CHAT_ADMIN_USER": "operator", "CHAT_ADMIN_PASSWORD_HASH": string(hash), "CHAT_ADMIN_MODE": "root"},
		"unknown mode, off": {"CHAT_ADMIN_MODE": "root"},
	} {
		if _, err := LoadConfig(nil, envOf(env), &bytes.Buffer{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// testAdminHash is a bcrypt hash for tests that turn the Admin UI on.
func testAdminHash(t *testing.T) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(hash)
}
