package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's configuration table from the settings")

const (
	tableStart = "<!-- configuration table: made from cmd/chatd/config.go by `go test ./cmd/chatd -run README -update` -->\n"
	tableEnd   = "<!-- end of configuration table -->\n"
)

// TestREADMEConfigurationTable checks that the README's one configuration
// table is the settings table of the code, row for row.
func TestREADMEConfigurationTable(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, tableStart)
	end := strings.Index(readme, tableEnd)
	if start < 0 || end < start || strings.Count(readme, tableStart) != 1 {
		t.Fatalf("README.md has no single configuration table between %q and %q", tableStart, tableEnd)
	}
	have := readme[start+len(tableStart) : end]
	want := markdownTable()
	if have == want {
		return
	}
	if !*update {
		t.Fatalf("README.md's configuration table is not the settings of cmd/chatd/config.go; run `go test ./cmd/chatd -run README -update`.\nhave:\n%s\nwant:\n%s", have, want)
	}
	if err := os.WriteFile(path, []byte(readme[:start+len(tableStart)]+want+readme[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNoOtherConfigurationTable: the README has one table of settings.
func TestNoOtherConfigurationTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "| `CHAT_ADDR` |"); n != 1 {
		t.Errorf("README.md lists CHAT_ADDR in %d tables, want one", n)
	}
}
