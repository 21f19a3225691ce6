package attachments

import (
	"errors"
	"io"
)

// exifStripper is a writer that passes a JPEG stream on without its APP1
// (EXIF, XMP) and APP13 (IPTC) segments, where cameras and phones keep the
// place and time a photo was taken, the device and its owner. It parses
// the segment headers as the bytes go through, so memory stays small
// whatever the file's size; everything from the start of the scan (SOS)
// on is passed as it is, since no such segment may follow it.
type exifStripper struct {
	w     io.Writer
	state int
	hdr   [4]byte // a segment header being read: 0xFF, marker, length
	have  int
	skip  int // bytes of a dropped segment still to skip
	pass  int // bytes of a kept segment still to pass
}

const (
	jpegStart  = iota // expecting FF D8
	jpegHeader        // reading a segment header
	jpegBody          // inside a segment (pass or skip)
	jpegScan          // the scan and what follows: passed as it is
)

var errNotJPEG = errors.New("not a JPEG stream")

func newEXIFStripper(w io.Writer) *exifStripper { return &exifStripper{w: w} }

// Write implements io.Writer.
func (x *exifStripper) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		var err error
		switch x.state {
		case jpegScan:
			_, err = x.w.Write(p)
			p = nil
		case jpegBody:
			p, err = x.body(p)
		default:
			p, err = x.header(p)
		}
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

// body passes or skips the rest of the current segment.
func (x *exifStripper) body(p []byte) ([]byte, error) {
	if x.skip > 0 {
		n := min(x.skip, len(p))
		x.skip -= n
		if x.skip == 0 {
			x.state = jpegHeader
		}
		return p[n:], nil
	}
	n := min(x.pass, len(p))
	if _, err := x.w.Write(p[:n]); err != nil {
		return nil, err
	}
	x.pass -= n
	if x.pass == 0 {
		x.state = jpegHeader
	}
	return p[n:], nil
}

// header reads SOI, then each segment's marker and length, and decides.
func (x *exifStripper) header(p []byte) ([]byte, error) {
	need := 4
	if x.state == jpegStart {
		need = 2
	}
	for x.have < need && len(p) > 0 {
		x.hdr[x.have] = p[0]
		x.have++
		p = p[1:]
		// Fill bytes (FF FF ...) before a marker are dropped.
		if x.state == jpegHeader && x.have == 2 && x.hdr[0] == 0xFF && x.hdr[1] == 0xFF {
			x.have = 1
		}
		if x.state == jpegHeader && x.have == 2 && standalone(x.hdr[1]) {
			if _, err := x.w.Write(x.hdr[:2]); err != nil {
				return nil, err
			}
			x.have = 0
			return p, nil
		}
	}
	if x.have < need {
		return p, nil
	}
	x.have = 0
	if x.hdr[0] != 0xFF {
		return nil, errNotJPEG
	}
	if x.state == jpegStart {
		if x.hdr[1] != 0xD8 {
			return nil, errNotJPEG
		}
		x.state = jpegHeader
		_, err := x.w.Write(x.hdr[:2])
		return p, err
	}
	marker, length := x.hdr[1], int(x.hdr[2])<<8|int(x.hdr[3])
	if length < 2 {
		return nil, errNotJPEG
	}
	switch {
	case marker == 0xDA: // SOS: the scan and everything after it pass as they are
		x.state = jpegScan
		_, err := x.w.Write(x.hdr[:4])
		return p, err
	case marker == 0xE1 || marker == 0xED: // APP1, APP13
		x.skip = length - 2
	default:
		if _, err := x.w.Write(x.hdr[:4]); err != nil {
			return nil, err
		}
		x.pass = length - 2
	}
	x.state = jpegBody
	if length == 2 {
		x.state = jpegHeader
	}
	return p, nil
}

// standalone reports whether a marker has no length: SOI, EOI, RSTn, TEM.
func standalone(m byte) bool {
	return m == 0xD8 || m == 0xD9 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)
}
