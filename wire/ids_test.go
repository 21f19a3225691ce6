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

// TestNewIDTellsNothingOfItsNeighbours checks that ids are not ObjectIds:
// those made one after another share their time and process parts (the
// first 18 hex characters) and differ in a counter, so one id lets a
// client name the ones made around it.
func TestNewIDTellsNothingOfItsNeighbours(t *testing.T) {
	prev := NewID()
	shared := 0
	for range 200 {
		id := NewID()
		if id[:8] == prev[:8] || id[8:18] == prev[8:18] {
			shared++
		}
		prev = id
	}
	if shared > 0 {
		t.Fatalf("%d of 200 consecutive ids share a time or process part with the one before", shared)
	}
}
