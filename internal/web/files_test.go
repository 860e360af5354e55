package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sendWidgetPhoto has Fay start a chat in the widget with a message, attach a PNG photo with
// the file input and send it, then waits until the widget shows her photo.
func sendWidgetPhoto(t *testing.T, cust *Tab, liveChat, message string) {
	t.Helper()
	cust.Open("/widget/" + liveChat)
	cust.WaitFor("[data-start]:not([hidden])")
	cust.Fill("#wg-name", "Fay Photo")
	cust.Fill("#wg-message", message)
	cust.Click("[data-start] [type=submit]")
	cust.WaitFor("[data-chat]:not([hidden])")
	cust.Upload("#wg-file", writeFile(t, "broken-lamp.png", photoPNG(t)))
	cust.WaitText("[data-files]", "broken-lamp.png")
	cust.Click("[data-send] [type=submit]")
	cust.WaitTrue(`(() => { const i = document.querySelector('[data-messages] .wg-mine img.attachment-thumb'); return !!i && i.complete && i.naturalWidth > 0; })()`)
}

func photoPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for x := range 640 {
		for y := 0; y < 480; y += 7 {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 120, B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// evilSVG leaves marks on Parley's origin if it ever runs as a page of it: an alert (which the
// harness counts as a failure), a localStorage entry and a cookie.
const evilSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>
localStorage.setItem('pwned', '1'); document.cookie = 'pwned=1; path=/'; alert('pwned');
</script><rect width="10" height="10"/></svg>`

// TestPhotoFromWidgetToConsoleAndBack: a customer sends a photo from the widget (the file
// input set as a person choosing a file would), the operator sees it as a thumbnail in the
// console and replies with a PDF, which the customer sees as a download. Then an SVG with a
// script is uploaded and opened by its URL in Chromium: it runs nothing in Parley's origin.
func TestPhotoFromWidgetToConsoleAndBack(t *testing.T) {
	env := demoEnv(t)
	liveChat := demoLiveChatID(t, env)
	b := startBrowser(t, env.URL)

	cust := b.Tab("customer")
	sendWidgetPhoto(t, cust, liveChat, "The lamp arrived broken, see the photo")
	cust.WaitTrue(`document.querySelector('[data-files]').hidden`)
	cust.Shot("photo-sent")

	op := onlineOperator(b, "olga")
	op.Open(sessionPathOf(t, env, "Fay Photo"))
	op.WaitTrue(`(() => { const i = document.querySelector('[data-messages] .msg-customer img.attachment-thumb[alt="broken-lamp.png"]'); return !!i && i.complete && i.naturalWidth > 0 && i.naturalWidth <= 320; })()`)
	op.Shot("photo-in-console")
	op.Upload("#reply-file", writeFile(t, "return-label.pdf", []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")))
	op.WaitText("[data-files]", "return-label.pdf")
	op.Fill("#reply-text", "Sorry! Here is a return label.")
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator .attachment-link", "return-label.pdf")
	op.Shot("replied-with-file")

	cust.WaitText("[data-messages] .wg-theirs .attachment-link", "return-label.pdf")
	cust.Shot("reply-with-file")

	// The SVG goes up through the widget like any file; its address is opened in the
	// operator's browser, where the staff session lives.
	cust.Upload("#wg-file", writeFile(t, "logo.svg", []byte(evilSVG)))
	cust.WaitText("[data-files]", "logo.svg")
	cust.Click("[data-send] [type=submit]")
	cust.WaitText("[data-messages] .wg-mine .attachment-link", "logo.svg")
	link := op.WaitText("[data-messages] .msg-customer .attachment-link", "logo.svg")
	if link == "" {
		t.Fatal("the SVG is not listed")
	}
	var href string
	op.Eval(`[...document.querySelectorAll('[data-messages] .attachment-link')].find((a) => a.textContent.includes('logo.svg')).getAttribute('href')`, &href)
	if op.Has(`[data-messages] img[alt="logo.svg"]`) {
		t.Fatal("the SVG is shown as a picture")
	}
	// Opening the address itself: the answer is a sandboxed download, so the navigation
	// ends without a document of Parley's origin running the script.
	ctx, cancel := context.WithTimeout(op.ctx, 10*time.Second)
	_, _ = chromedp.Run(ctx, chromedp.Navigate(env.URL+href))
	cancel()
	// And inside a page of Parley, as a frame would show it.
	op.Open("/console")
	op.WaitTrue(`(() => { const f = document.createElement('iframe'); f.src = ` + jsString(href) + `; f.dataset.svg = ''; document.body.append(f); return true; })()`)
	op.Idle()
	var marks struct {
		Storage *string `json:"storage"`
		Cookie  bool    `json:"cookie"`
	}
	op.Eval(`({ storage: localStorage.getItem('pwned'), cookie: document.cookie.includes('pwned') })`, &marks)
	if marks.Storage != nil || marks.Cookie {
		t.Fatalf("the uploaded SVG ran in Parley's origin: %+v", marks)
	}
}
