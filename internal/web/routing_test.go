package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestRoundRobinRoutesANewWidgetSessionLive has an administrator switch the demo site's live
// chat to round robin on its Distribution tab. With one operator online, the widget's new
// session goes to her; once a second operator comes online, the next session is his turn.
// Each appears in its operator's My sessions without a reload.
func TestRoundRobinRoutesANewWidgetSessionLive(t *testing.T) {
	env := demoEnv(t)
	env.User("oleg", groupID(t, env, "Support operators"))
	website := liveChatID(t, env, "Website")
	b := startBrowser(t, env.URL)

	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/livechats/" + website + "#routing")
	admin.Choose(`[data-routing-form] select[name="mode"]`, "Round robin")
	admin.Fill(`[data-routing-form] input[name="max_open"]`, "5")
	admin.Click(`[data-routing-form] [type=submit]`)
	admin.WaitText(".toast", "Distribution saved")
	admin.Shot("distribution")
	admin.Audit("distribution")

	olga := onlineOperator(b, "olga")
	olga.Click(`[data-tab="mine"]`)
	olga.WaitFor(`[data-tab="mine"][aria-selected="true"]`)
	cust := b.Tab("customer")
	customerWrites(cust, "Bea Customer", "Is the Lisbon shop open on Sunday?")
	olga.WaitText("[data-sessions] tbody", "Bea Customer")
	olga.Shot("routed-to-olga")

	oleg := onlineOperator(b, "oleg")
	oleg.Click(`[data-tab="mine"]`)
	oleg.WaitFor(`[data-tab="mine"][aria-selected="true"]`)
	env.MustDo("POST", "/api/v1/widget/"+website+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Cy Second"}, "text": "Hello, anyone?"}, 201, nil)
	oleg.WaitText("[data-sessions] tbody", "Cy Second")
	oleg.WaitText(`[data-count="mine"]`, "1")
	oleg.Shot("routed-to-oleg")
	if txt := olga.Text("[data-sessions] tbody"); strings.Contains(txt, "Cy Second") {
		t.Fatalf("olga's sessions show the session that was oleg's turn: %q", txt)
	}
}

// liveChatID finds a live chat by name.
func liveChatID(t *testing.T, env *servertest.Env, name string) string {
	var chats struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/livechats", env.Admin, nil, 200, &chats)
	for _, lc := range chats.Items {
		if lc.Name == name {
			return lc.ID
		}
	}
	t.Fatalf("no live chat %q", name)
	return ""
}

// TestOutOfHoursWidgetAndAutoReply sets working hours on the Working hours tab that do not
// include now (a schedule on one day in another time zone, and today a holiday there): the
// tab says the live chat is out of hours, the widget says when it will answer, and a
// customer who writes gets the out-of-hours reply in the widget.
func TestOutOfHoursWidgetAndAutoReply(t *testing.T) {
	env := demoEnv(t)
	website := liveChatID(t, env, "Website")
	b := startBrowser(t, env.URL)
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/livechats/" + website + "#hours")
	admin.WaitText("[data-hours-status]", "Working now")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	today := time.Now().In(tokyo)
	other := strings.ToLower(today.AddDate(0, 0, 3).Weekday().String())
	admin.Click(`[data-hours-form] input[name="enabled"]`)
	admin.Fill(`[data-hours-form] input[name="time_zone"]`, "Asia/Tokyo")
	admin.Fill(`[data-hours-form] textarea[name="schedule"]`, other+" 09:00-17:00")
	admin.Fill(`[data-hours-form] textarea[name="holidays"]`, today.Format(time.DateOnly))
	admin.Fill(`[data-hours-form] textarea[name="auto_reply"]`, "Thanks! We are closed now and will answer when we open.")
	admin.Click(`[data-hours-form] [type=submit]`)
	admin.WaitText("[data-hours-status]", "Out of hours now; opens")
	admin.Shot("working-hours")
	admin.Audit("working-hours")

	admin.Fill(`[data-hours-form] input[name="time_zone"]`, "Mars/Olympus")
	admin.Click(`[data-hours-form] [type=submit]`)
	admin.WaitText(`[data-hours-form] .field-error`, "not a known IANA time zone")

	cust := b.Tab("customer")
	customerWrites(cust, "Nia Night", "Are you there?")
	cust.WaitTrue(frame(`d.querySelector('[data-status]').textContent.startsWith("We're offline now; we'll answer from")`))
	cust.WaitTrue(frame(`[...d.querySelectorAll('[data-messages] [data-author="system"]')].some((m) => m.textContent.includes('We are closed now'))`))
	cust.Shot("widget-out-of-hours")
}
