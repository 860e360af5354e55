package automation

import (
	"github.com/parleychat/parley/internal/value"
)

// Property is one of the Live Chats properties an administrator maps to a process variable.
type Property struct {
	Path  string     `json:"path"`
	Type  value.Type `json:"type"`
	Title string     `json:"title"`
}

func mustType(s string) value.Type {
	t, err := value.ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

// properties are the Live Chats properties of DOMAIN.md, in the order the UI offers them.
// Their types never change: a mapping saved against one must keep meaning the same.
var properties = []Property{
	{"liveChat.id", mustType("string"), "Live chat ID"},
	{"liveChat.name", mustType("string"), "Live chat name"},
	{"liveChat.workingNow", mustType("boolean"), "Within the live chat's working hours"},
	{"session", mustType("session"), "Session"},
	{"session.id", mustType("string"), "Session ID"},
	{"session.name", mustType("string"), "Session name"},
	{"session.subject", mustType("string"), "Session subject (email subject)"},
	{"session.channel", mustType("string"), "Channel type"},
	{"session.priority", mustType("string"), "Session priority"},
	{"session.createdAt", mustType("datetime"), "Session created at"},
	{"session.closedAt", mustType("datetime"), "Session closed at"},
	{"session.operator", mustType("user"), "Session operator"},
	{"channel.type", mustType("string"), "Channel type (widget, email, http or telegram)"},
	{"session.messageCount", mustType("integer"), "Number of messages"},
	{"session.rating", mustType("integer"), "Customer's rating of the closed session (1 to 5)"},
	{"session.ratingComment", mustType("string"), "Customer's rating comment"},
	{"customer.name", mustType("string"), "Customer name"},
	{"customer.phone", mustType("phone"), "Customer phone"},
	{"customer.email", mustType("email"), "Customer email"},
	{"lastMessage.text", mustType("string"), "Last message text"},
	{"lastMessage.sentAt", mustType("datetime"), "Last message sent at"},
	{"lastMessage.attachments", mustType("files"), "Last message files"},
	{"lastMessage.attachment", mustType("file"), "Last message first file"},
}

var propertyByPath = func() map[string]Property {
	m := make(map[string]Property, len(properties))
	for _, p := range properties {
		m[p.Path] = p
	}
	return m
}()

// Properties returns the Live Chats properties with their types.
func Properties() []Property { return append([]Property(nil), properties...) }
