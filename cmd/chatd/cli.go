package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// errVersion is what LoadConfig returns for --version: main prints the
// version instead of starting.
var errVersion = errors.New("version requested")

// usageHeader opens `chatd --help`: what the program is, and how to start it.
const usageHeader = `chatd is a room chat server for socket.io-client v4: Socket.IO and REST on one port, history in an embedded database or MongoDB, many instances through Redis.
Example: chatd --addr 127.0.0.1:3000 --data-dir ./data   (then open http://127.0.0.1:3000)

chatd hash-password reads a password on standard input and prints its bcrypt hash, for CHAT_ADMIN_PASSWORD_HASH.

Every flag is also an environment variable: --mongo-uri is CHAT_MONGO_URI; a flag wins over the variable.

Flags:
`

// setUsage makes fs print usageHeader and then its flags for -h and --help.
func setUsage(fs *flag.FlagSet, out io.Writer) {
	fs.Usage = func() {
		fmt.Fprint(out, usageHeader)
		fs.PrintDefaults()
	}
}

// hashPassword is `chatd hash-password`: the bcrypt hash of the first line
// of in, for CHAT_ADMIN_PASSWORD_HASH. It returns the exit status.
func hashPassword(in io.Reader, out, errOut io.Writer) int {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(errOut, "chatd hash-password:", err)
		return 1
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		fmt.Fprintln(errOut, "chatd hash-password: give the password on standard input, such as: echo \"$PASSWORD\" | chatd hash-password")
		return 2
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		fmt.Fprintln(errOut, "chatd hash-password:", err)
		return 1
	}
	fmt.Fprintln(out, string(hash))
	return 0
}

// versionLine is what `chatd --version` prints: the module version and, when
// the binary was built from a checkout, the commit, its time and whether
// the tree had changes, then the Go version and platform.
func versionLine(info *debug.BuildInfo, ok bool) string {
	version := "(unknown)"
	var vcs []string
	if ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			vcs = append(vcs, "revision "+rev)
		}
		if at := settings["vcs.time"]; at != "" {
			vcs = append(vcs, at)
		}
		if settings["vcs.modified"] == "true" {
			vcs = append(vcs, "with uncommitted changes")
		}
	}
	line := "chatd " + version
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	return line + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// listeningLine is the line chatd prints once it accepts connections: the
// address it listens on and a URL a browser can open. An address without a
// host (":3000") listens on every interface, which the line says, with the
// loopback URL to open on this machine.
func listeningLine(addr *net.TCPAddr) string {
	port := fmt.Sprint(addr.Port)
	if addr.IP.IsUnspecified() {
		return "chatd listening on every interface, port " + port + "; open http://127.0.0.1:" + port
	}
	return "chatd listening on http://" + net.JoinHostPort(addr.IP.String(), port)
}
