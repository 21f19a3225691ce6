package auth

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/roomchat/chat/wire"
)

// ErrDisplayIsUsername refuses a display name that would pass for another
// user's username.
var ErrDisplayIsUsername = wire.NewError(wire.InvalidArgument, "displayName must not be another user's username")

// checkDisplayName tells whether display may be the display name of the
// user named username: at most 64 characters, and not another user's
// username (see readsAsUsername), so that nobody appears as someone else.
func (s *Service) checkDisplayName(ctx context.Context, display, username string) error {
	if utf8.RuneCountInString(display) > 64 {
		return ErrInvalidDisplay
	}
	as, ok := readsAsUsername(display)
	if !ok || as == username {
		return nil
	}
	_, _, err := s.store.AccountByUsername(ctx, as)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return nil
	case err != nil:
		return err
	}
	return ErrDisplayIsUsername
}

// readsAsUsername reports whether a display name reads as a username, and
// which: once case, character width (NFKC) and invisible characters are
// set aside, and a leading @, it is 3-32 characters of a-z, 0-9, _, . and -.
func readsAsUsername(display string) (string, bool) {
	s := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) && r != ' ' {
			return -1
		}
		return r
	}, norm.NFKC.String(display))
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
	return s, usernamePattern.MatchString(s)
}

// displayFor is the display name of a user created from a token: the
// token's name unless it is empty, too long or another user's username.
func (s *Service) displayFor(ctx context.Context, name, username string) string {
	if name == "" || s.checkDisplayName(ctx, name, username) != nil {
		return username
	}
	return name
}
