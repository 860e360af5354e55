package web_test

// The browser test harness: a real Parley server (servertest) driven by Debian's chromium
// through chromedp. A Browser is one headless chromium per test; each Tab lives in its own
// browser context, with its own cookies, so one test can be an administrator, an operator
// and a customer at once. Every step that fails leaves a screenshot, and every JavaScript
// error, console error or alert() in a page fails the test: an escaping mistake that lets
// "<script>alert(1)</script>" run cannot pass unnoticed.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step; a page that needs longer is broken.
const stepTimeout = 20 * time.Second

// Browser is one headless chromium for one test, against one server.
type Browser struct {
	t *testing.T
	// URL is the server's address; Tab.Open takes paths on it.
	URL string
	ctx context.Context
	// shots numbers the screenshots of the test, in the order taken across tabs.
	shots int
	mu    sync.Mutex
	// problems are the page errors seen so far; the test fails with them at its end.
	problems []string
}

// Tab is a page in its own browser context: it shares no cookies with other tabs.
type Tab struct {
	b    *Browser
	t    *testing.T
	name string
	ctx  context.Context
}

// chromiumPath finds Debian's chromium. Without it the browser tests cannot run: CI (CI=true)
// must fail then, a developer's machine skips with how to install it.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI must run the browser tests; .ci/run installs it with apt-get install chromium")
	}
	t.Skip("the browser tests need chromium: install it with `apt-get install chromium` (Debian) and run the tests again")
	return ""
}

// startBrowser starts a headless chromium for the test, for pages of the server at baseURL
// (servertest.Env.URL); it stops when the test ends.
func startBrowser(t *testing.T, baseURL string) *Browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	b := &Browser{t: t, URL: baseURL, ctx: ctx}
	b.clearShots()
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		for _, p := range b.problems {
			t.Errorf("page problem: %s", p)
		}
	})
	return b
}

// Tab opens a new tab, in a fresh browser context, named for its screenshots ("admin").
func (b *Browser) Tab(name string) *Tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open tab %s: %v", name, err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		b.t.Fatalf("enable the log of tab %s: %v", name, err)
	}
	// Reduced motion turns the stylesheet's transitions off, so screenshots never catch a
	// toast or dialog half faded in.
	reduce := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, reduce); err != nil {
		b.t.Fatalf("emulate reduced motion in tab %s: %v", name, err)
	}
	p := &Tab{b: b, t: b.t, name: name, ctx: ctx}
	p.watch()
	return p
}

// watch records what a correct page never does: throw, log an error, or open a JavaScript
// dialog (which it also dismisses, so the page does not hang). Failed loads of resources are
// left out, because tests visit forbidden pages on purpose.
func (p *Tab) watch() {
	go func() {
		for ev, err := range chromedp.Events(p.ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			p.b.problem("%s: uncaught exception: %s", p.name, exceptionText(ev.ExceptionDetails))
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(p.ctx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
				p.b.problem("%s: console error (%s): %s", p.name, ev.Entry.Source, ev.Entry.Text)
			}
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(p.ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			p.b.problem("%s: the page opened a JavaScript %s dialog: %q", p.name, ev.Type, ev.Message)
			_, _ = chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return fmt.Sprintf("%s at %s:%d", d.Text, d.URL, d.LineNumber)
}

func (b *Browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// clearShots removes the screenshots an earlier run of this test left, so that the
// directory shows only this run (an old "failure" shot would mislead).
func (b *Browser) clearShots() {
	old, _ := filepath.Glob(filepath.Join(screenshotDir(b.t), shotName(b.t.Name(), "*")))
	for _, f := range old {
		_ = os.Remove(f)
	}
}

// Problems returns the page errors seen so far (the test also fails with them at its end).
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// do runs the steps with a time limit; on failure it saves a screenshot and fails the test.
func (p *Tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	run(p, what, chromedp.Steps(steps...))
}

// run runs one step with a time limit and returns its value. A step that meets a page being
// replaced (a click that navigated, a redirect) is tried again on the new page until the
// limit; any other error saves a screenshot and fails the test.
func run[T any](p *Tab, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	for {
		v, err := chromedp.Run(ctx, a)
		if err == nil {
			return v
		}
		if !navigating(err) || ctx.Err() != nil {
			p.fail(what, err)
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// navigating reports whether err only says that the page went away under the step.
func navigating(err error) bool {
	msg := err.Error()
	for _, s := range []string{"Cannot find context with specified id", "Inspected target navigated or closed",
		"Execution context was destroyed", "Cannot find default execution context", "No node with given id found",
		"Could not find node with given id"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// screenshotDir returns artifacts/screenshots at the repository root, creating it. CI keeps
// the directory as the test run's artifacts; git ignores it.
func screenshotDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "artifacts", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func (p *Tab) fail(what string, err error) {
	p.t.Helper()
	file := p.save("failure")
	p.t.Fatalf("%s: %s: %v (page %s; screenshot %s)", p.name, what, err, p.Path(), file)
}
