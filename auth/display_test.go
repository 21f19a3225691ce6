package auth

import (
	"context"
	"testing"
)

// TestProviderNameThatIsAnotherUsername: a token whose name reads as
// another username does not make it the new user's display name.
func TestProviderNameThatIsAnotherUsername(t *testing.T) {
	f := newAuthFixture(t)
	f.register(t, "alice")
	for _, c := range []struct{ sub, preferred, name, want string }{
		{"idp-1", "mallory", "alice", "mallory"},
		{"idp-2", "trent", "Trent T.", "Trent T."},
		{"idp-3", "victor", "Victor", "Victor"},
	} {
		u, err := f.svc.Authenticate(context.Background(), f.providerToken(t, c.sub, c.preferred, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != c.want {
			t.Errorf("token named %q for %s: display name %q, want %q", c.name, c.preferred, u.DisplayName, c.want)
		}
	}
}
