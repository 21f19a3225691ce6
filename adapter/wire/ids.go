package wire

import "go.mongodb.org/mongo-driver/v2/bson"

// NewID returns a fresh 24-hex-character ObjectId string, the form of every
// room, message and built-in user id.
func NewID() string { return bson.NewObjectID().Hex() }

// ValidID reports whether s is a 24-hex-character ObjectId string.
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

// UserRoom is the Socket.IO room that every socket of a user joins, so that
// what is addressed to the user reaches all their devices on every instance.
func UserRoom(userID string) string { return "user:" + userID }
