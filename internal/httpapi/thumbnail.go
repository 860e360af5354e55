package httpapi

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/parleychat/parley/internal/errs"
)

// thumbSide is the longest side of a preview, in pixels.
const thumbSide = 320

// maxThumbPixels bounds the pictures decoded for a preview: a small file can declare a huge
// canvas, and decoding it would take the memory of the whole server.
const maxThumbPixels = 50_000_000

// thumbnail returns a preview of a PNG, JPEG or GIF picture, at most thumbSide a side, as a
// JPEG for photos and a PNG otherwise. A picture already that small is returned as it is.
func thumbnail(data []byte) ([]byte, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", errs.Field("thumb", "the picture cannot be read: %v", err)
	}
	if cfg.Width*cfg.Height > maxThumbPixels {
		return nil, "", errs.Field("thumb", "the picture is %d×%d pixels, too large for a preview", cfg.Width, cfg.Height)
	}
	if cfg.Width <= thumbSide && cfg.Height <= thumbSide {
		return data, "image/" + format, nil
	}
	var src image.Image
	if format == "gif" {
		src, err = gif.Decode(bytes.NewReader(data)) // the first frame
	} else {
		src, _, err = image.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, "", errs.Field("thumb", "the picture cannot be read: %v", err)
	}
	dst := scaleDown(src, cfg.Width, cfg.Height)
	var out bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80})
		return out.Bytes(), "image/jpeg", err
	}
	err = png.Encode(&out, dst)
	return out.Bytes(), "image/png", err
}

// scaleDown shrinks a picture to fit thumbSide by averaging the source pixels under each
// target pixel (a box filter), which keeps a photo's detail better than picking one.
func scaleDown(src image.Image, w, h int) *image.RGBA {
	tw, th := thumbSide, h*thumbSide/w
	if h > w {
		tw, th = w*thumbSide/h, thumbSide
	}
	tw, th = max(tw, 1), max(th, 1)
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	b := src.Bounds()
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			dst.Set(x, y, average(src, x0, x1, y0, y1))
		}
	}
	return dst
}

func average(src image.Image, x0, x1, y0, y1 int) color.RGBA {
	var r, g, b, a, n uint64
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			cr, cg, cb, ca := src.At(x, y).RGBA()
			r, g, b, a, n = r+uint64(cr), g+uint64(cg), b+uint64(cb), a+uint64(ca), n+1
		}
	}
	return color.RGBA{R: uint8(r / n >> 8), G: uint8(g / n >> 8), B: uint8(b / n >> 8), A: uint8(a / n >> 8)}
}
