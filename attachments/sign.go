package attachments

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"
)

// Signer makes and checks the signed URLs of attachments: the path names
// the attachment and what of it (the file, or its thumbnail), the query
// when the link was made (t) and until when it works (e), and an HMAC of
// all of it with the server's key (s). A link made before the last time a
// member was removed from the attachment's room no longer works, so a
// removed member cannot use a link they were given.
type Signer struct {
	key []byte
	ttl time.Duration
}

// DefaultLinkTTL is how long a signed link works.
const DefaultLinkTTL = 24 * time.Hour

// NewSigner returns a signer with a key derived from secret (the server's
// JWT secret, so every instance signs alike).
func NewSigner(secret []byte, ttl time.Duration) Signer {
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("attachment links"))
	return Signer{key: m.Sum(nil), ttl: ttl}
}

const (
	kindFile  = "file"
	kindThumb = "thumbnail"
)

func (s Signer) mac(id, kind string, issued, expires int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id + "\x00" + kind + "\x00" + strconv.FormatInt(issued, 10) + "\x00" + strconv.FormatInt(expires, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign fills a's URL (and ThumbnailURL when it has one), made at now.
func (s Signer) Sign(a Attachment, now time.Time) Attachment {
	issued, expires := now.UnixMilli(), now.Add(s.ttl).Unix()
	q := func(kind string) string {
		return "?t=" + strconv.FormatInt(issued, 10) + "&e=" + strconv.FormatInt(expires, 10) + "&s=" + s.mac(a.ID, kind, issued, expires)
	}
	a.URL = "/attachments/" + a.ID + "/" + url.PathEscape(a.Name) + q(kindFile)
	if a.Thumbnail {
		a.ThumbnailURL = "/attachments/" + a.ID + "/thumbnail" + q(kindThumb)
	}
	return a
}

// Verify checks a link's query for the attachment and kind at now, and
// returns when it was made.
func (s Signer) Verify(id, kind string, q url.Values, now time.Time) (time.Time, error) {
	issued, err1 := strconv.ParseInt(q.Get("t"), 10, 64)
	expires, err2 := strconv.ParseInt(q.Get("e"), 10, 64)
	if err1 != nil || err2 != nil || now.Unix() > expires {
		return time.Time{}, ErrBadSignature
	}
	if !hmac.Equal([]byte(q.Get("s")), []byte(s.mac(id, kind, issued, expires))) {
		return time.Time{}, ErrBadSignature
	}
	return time.UnixMilli(issued), nil
}
