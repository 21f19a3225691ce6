package wire

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a fresh id of 24 hex characters (the shape of a MongoDB
// ObjectId) made of 96 random bits, the form of every room, message and
// built-in user id. Unlike an ObjectId, whose counter and time make ids
// follow one another, it tells nothing about the ids made before or after
// it, so a client cannot guess a room or message it was not given.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// ValidID reports whether s is an id of 24 lower-case hex characters.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
