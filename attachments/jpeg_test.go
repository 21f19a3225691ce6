package attachments

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// jpegWithEXIF returns a small JPEG with an APP1 EXIF segment holding
// marker, and an APP13 holding it too, right after SOI.
func jpegWithEXIF(t testing.TB, marker string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	segment := func(marker byte, body []byte) []byte {
		n := len(body) + 2
		return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, body...)
	}
	b := plain.Bytes()
	out := append([]byte{}, b[:2]...)
	out = append(out, segment(0xE1, []byte("Exif\x00\x00GPS "+marker))...)
	out = append(out, segment(0xED, []byte("Photoshop 3.0\x00"+marker))...)
	return append(out, b[2:]...)
}

func TestEXIFStripper(t *testing.T) {
	in := jpegWithEXIF(t, "52.5200N13.4050E")
	for _, chunk := range []int{1, 3, 7, 64, 1 << 20} {
		var out bytes.Buffer
		x := newEXIFStripper(&out)
		for i := 0; i < len(in); i += chunk {
			if _, err := x.Write(in[i:min(i+chunk, len(in))]); err != nil {
				t.Fatalf("chunk %d: %v", chunk, err)
			}
		}
		got := out.Bytes()
		if bytes.Contains(got, []byte("52.5200N")) || bytes.Contains(got, []byte("Exif")) {
			t.Fatalf("chunk %d: the EXIF segment is still there", chunk)
		}
		if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
			t.Fatalf("chunk %d: the stripped JPEG does not decode: %v", chunk, err)
		}
		if len(got) >= len(in) {
			t.Fatalf("chunk %d: nothing was removed", chunk)
		}
	}
	if _, err := newEXIFStripper(&bytes.Buffer{}).Write([]byte("not a jpeg at all")); err == nil {
		t.Error("a stream that is not a JPEG was accepted")
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.jpg": "photo.jpg", "../../etc/passwd": "passwd", `C:\Users\me\cv.pdf`: "cv.pdf", "": "file",
		"a\x00b\nc.txt": "abc.txt", "bad\xffname": "badname", "报告.pdf": "报告.pdf",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := fileName(string(bytes.Repeat([]byte("é"), 200)))
	if len(long) > maxName {
		t.Errorf("a long name kept %d bytes", len(long))
	}
}

func TestFit(t *testing.T) {
	for _, c := range [][4]int{{4000, 3000, 320, 240}, {3000, 4000, 240, 320}, {100, 50, 100, 50}, {10000, 10, 320, 1}} {
		if w, h := fit(c[0], c[1], 320); w != c[2] || h != c[3] {
			t.Errorf("fit(%d, %d) = %d×%d, want %d×%d", c[0], c[1], w, h, c[2], c[3])
		}
	}
}
