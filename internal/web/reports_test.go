package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestCustomerRatesAndSupervisorSeesIt walks the end of a conversation: an operator finds the
// session from the console's search box by a word of the customer's message, it is closed,
// the customer is asked to rate it (again after a reload) and rates it in the widget, and the supervisor sees the rating on the session page
// and in the Reports page's figures.
func TestCustomerRatesAndSupervisorSeesIt(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	cust := b.Tab("customer")
	customerWrites(cust, "Rita Rater", "Мой заказ 8812 не пришёл")

	op := onlineOperator(b, "olga")
	op.Open("/console")
	op.Fill("#session-search-q", "заказ")
	op.Press(kb.Enter)
	row := op.WaitText("[data-results] tbody tr", "Rita Rater")
	if !strings.Contains(row, "Мой заказ 8812") || !strings.Contains(row, "Message") {
		t.Fatalf("the result reads %q, want the matching message", row)
	}
	op.Shot("search-results")
	op.ClickText("[data-results] a", "Rita Rater")
	op.WaitText("[data-messages]", "8812")
	op.Click(`[data-action="take"]`)
	op.WaitText(sessionState, "Assigned")
	id := strings.TrimPrefix(op.Path(), "/console/sessions/")
	env.MustDo("POST", "/api/v1/sessions/"+id+"/close", env.Admin, nil, 200, nil)

	cust.WaitTrue(frame(`!!d.querySelector('[data-rate]:not([hidden])')`))
	cust.Shot("rating-asked")
	// A reload asks again until the customer answers.
	cust.Open("/demo/site")
	cust.Click("[data-parley-button]")
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes('8812') && !d.querySelector('[data-rate]').hidden`))
	cust.WaitTrue(frame(`(() => { const f = d.querySelector('[data-rate]'); f.requestSubmit(); return true; })()`))
	cust.WaitTrue(frame(`d.querySelector('[data-rate-error]').textContent.includes('choose a rating')`))
	cust.WaitTrue(frame(`(() => { const f = d.querySelector('[data-rate]');
		f.querySelector('input[value="4"]').click(); f.comment.value = 'Quick and kind'; f.requestSubmit(); return true; })()`))
	cust.WaitTrue(frame(`!!d.querySelector('[data-rate-thanks]') && d.querySelector('[data-rate]').hidden`))
	cust.Shot("rated")

	sup := b.Tab("supervisor")
	sup.Login("sam", "sam-password")
	sup.Open("/console/sessions/" + id)
	sup.WaitText("[data-rating]", "4 of 5")
	sup.WaitText("[data-rating]", "Quick and kind")
	sup.Open("/reports")
	sup.WaitFor(`[data-average="4"]`)
	ratings := sup.WaitText(`[data-report="ratings"] table`, "4 of 5")
	if !strings.Contains(ratings, "4 of 51") {
		t.Fatalf("the ratings table reads %q, want one rating of 4", ratings)
	}
	sup.WaitFor(`[data-report="sessions"] svg[role="img"]`)
	if href := sup.attr(`[data-report="ratings"] [data-csv]`, "href"); !strings.Contains(href, "format=csv") || !strings.Contains(href, "section=ratings") {
		t.Fatalf("the ratings CSV link is %q", href)
	}
	sup.Shot("reports")
}

// TestReportsRefuseOperators shows an operator who supervises nothing why the page is empty.
func TestReportsRefuseOperators(t *testing.T) {
	env := demoEnv(t)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.Open("/reports")
	op.WaitFor("[data-denied]:not([hidden])")
}

// TestReportsOnAPhone opens Reports and the console's search on a 375 px phone: nothing is
// wider than the screen, and the charts are drawn at the width they have.
func TestReportsOnAPhone(t *testing.T) {
	env := demoEnv(t)
	sup := startBrowser(t, env.URL).Tab("phone")
	sup.do("take a phone's screen", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	sup.Login("sam", "sam-password")
	sup.Open("/reports")
	sup.WaitFor(`[data-report="automation"] table`)
	var width, chart int
	sup.Eval(`document.documentElement.scrollWidth`, &width)
	sup.Eval(`Math.ceil(document.querySelector('[data-report="sessions"] svg').getBoundingClientRect().right)`, &chart)
	if width > 375 || chart > 375 {
		t.Errorf("Reports is %d px wide with a chart reaching %d px on a 375 px phone", width, chart)
	}
	sup.Shot("reports")
	sup.Open("/console/search?q=lamp")
	sup.WaitText("[data-results] tbody", "Ann Example")
	sup.Eval(`document.documentElement.scrollWidth`, &width)
	if width > 375 {
		t.Errorf("the search results are %d px wide on a 375 px phone", width)
	}
	sup.Shot("search")
}
