package attachments

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ThumbnailSize bounds a thumbnail's width and height; the aspect is kept.
const ThumbnailSize = 320

// maxThumbnailPixels bounds the images a thumbnail is made of: decoding
// one holds all its pixels at once, and a small file can claim a huge
// picture.
const maxThumbnailPixels = 40_000_000

// imageTypes are the types served as images, and how to decode each.
var imageTypes = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/gif":  {gif.DecodeConfig, gif.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// imageSize reads an image's width and height from its header; ok is false
// when it is not an image of a known type or does not decode.
func imageSize(contentType string, r io.Reader) (w, h int, ok bool) {
	t, known := imageTypes[contentType]
	if !known {
		return 0, 0, false
	}
	c, err := t.config(r)
	if err != nil || c.Width <= 0 || c.Height <= 0 {
		return 0, 0, false
	}
	return c.Width, c.Height, true
}

// thumbnail scales the image read from r to fit ThumbnailSize and encodes
// it: JPEG for photos, PNG otherwise (it may have transparency).
func thumbnail(contentType string, r io.Reader) ([]byte, error) {
	src, err := imageTypes[contentType].decode(r)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := fit(b.Dx(), b.Dy(), ThumbnailSize)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var out bytes.Buffer
	if contentType == "image/jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&out, dst)
	}
	return out.Bytes(), err
}

// fit scales w×h down to fit a box of side, keeping the aspect; an image
// that fits already keeps its size.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}
