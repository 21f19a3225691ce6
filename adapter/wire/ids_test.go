package wire

import (
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"0123456789abcdef01234567", true},
		{"ffffffffffffffffffffffff", true},
		{"0123456789ABCDEF01234567", false},
		{"0123456789abcdef0123456", false},
		{"0123456789abcdef012345678", false},
		{"0123456789abcdef0123456g", false},
		{"", false},
		{strings.Repeat("é", 12), false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q is not a valid id", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
