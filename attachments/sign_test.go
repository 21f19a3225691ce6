package attachments

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSigner(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"), time.Hour)
	now := time.Now()
	a := s.Sign(Attachment{ID: "0123456789abcdef01234567", Name: "a b.png", Thumbnail: true}, now)
	if !strings.HasPrefix(a.URL, "/attachments/0123456789abcdef01234567/a%20b.png?") || !strings.Contains(a.ThumbnailURL, "/thumbnail?") {
		t.Fatalf("links = %q, %q", a.URL, a.ThumbnailURL)
	}
	q := func(link string) url.Values {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		return u.Query()
	}
	issued, err := s.Verify(a.ID, kindFile, q(a.URL), now)
	if err != nil || issued.UnixMilli() != now.UnixMilli() {
		t.Fatalf("Verify = %v, %v", issued, err)
	}
	if _, err := s.Verify(a.ID, kindThumb, q(a.URL), now); err == nil {
		t.Error("a file's link opened its thumbnail")
	}
	if _, err := s.Verify("ffffffffffffffffffffffff", kindFile, q(a.URL), now); err == nil {
		t.Error("a link opened another attachment")
	}
	if _, err := s.Verify(a.ID, kindFile, q(a.URL), now.Add(2*time.Hour)); err == nil {
		t.Error("an expired link works")
	}
	tampered := q(a.URL)
	tampered.Set("e", "99999999999")
	if _, err := s.Verify(a.ID, kindFile, tampered, now); err == nil {
		t.Error("a link with a later expiry works")
	}
	other := NewSigner([]byte("another key of the right length 0"), time.Hour)
	if _, err := other.Verify(a.ID, kindFile, q(a.URL), now); err == nil {
		t.Error("another server's key accepts the link")
	}
}
