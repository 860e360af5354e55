package policy

// Action is one thing a principal may do, named once.
type Action string

// rule says who may do an action and how a refusal phrases it. scoped actions depend on the
// resource (its live chat, task, session, channel or user), so only the service that loads
// the resource can answer for them; the others are answered from the principal alone.
type rule struct {
	who    Role
	what   string
	scoped bool
}

// The actions, grouped by resource. Keep docs/security.md's table in step.
const (
	HealthRead  Action = "health.read"
	OpenAPIRead Action = "openapi.read"
	// MetricsRead is open to the policy: /metrics checks its own token (--metrics-token).
	MetricsRead Action = "metrics.read"
	AuthLogin   Action = "auth.login"
	AuthLogout  Action = "auth.logout"
	MeRead      Action = "me.read"
	MePresence  Action = "me.presence"

	UserDirectory Action = "user.directory"
	UserRead      Action = "user.read"
	UserManage    Action = "user.manage"
	GroupRead     Action = "group.read"
	GroupManage   Action = "group.manage"
	WorkerKeys    Action = "workerkey.manage"
	AuditRead     Action = "audit.read"

	LiveChatList      Action = "livechat.list"
	LiveChatRead      Action = "livechat.read"
	LiveChatConfigure Action = "livechat.configure"
	ChannelConfigure  Action = "channel.configure"
	ChannelInbound    Action = "channel.inbound"
	// ChannelTelegram is open to the policy: the route checks the channel's secret token.
	ChannelTelegram     Action = "channel.telegram"
	AutomationConfigure Action = "automation.configure"
	AutomationRead      Action = "automation.read"
	PropertiesRead      Action = "livechat.properties"
	CannedManage        Action = "canned.manage"
	ReportRead          Action = "report.read"

	SessionList    Action = "session.list"
	SessionRead    Action = "session.read"
	SessionUpdate  Action = "session.update"
	SessionReply   Action = "session.reply"
	SessionTake    Action = "session.take"
	SessionAssign  Action = "session.assign"
	SessionClose   Action = "session.close"
	SessionSpam    Action = "session.spam"
	SessionUnspam  Action = "session.unspam"
	SessionStart   Action = "session.start_process"
	SessionNote    Action = "session.note"
	SessionSearch  Action = "session.search"
	DeliveryRetry  Action = "delivery.retry"
	AttachmentRead Action = "attachment.read"
	StaffEvents    Action = "events.subscribe"
	WidgetStart    Action = "widget.start"
	WidgetWrite    Action = "widget.write"
	WidgetRead     Action = "widget.read"
	WidgetStatus   Action = "widget.status"
	WidgetRate     Action = "widget.rate"
	WorkspaceRead  Action = "workspace.read"
	WorkspaceAdmin Action = "workspace.configure"
	ItemRead       Action = "item.read"
	ItemWrite      Action = "item.write"

	// SessionTransfer hands a session to another operator or live chat, with a note.
	SessionTransfer Action = "session.transfer"

	ProcessRead    Action = "process.read"
	ProcessManage  Action = "process.manage"
	ProcessCheck   Action = "process.check"
	ProcessStart   Action = "process.start"
	InstanceRead   Action = "instance.read"
	InstanceCancel Action = "instance.cancel"
	IncidentRead   Action = "incident.read"
	IncidentRetry  Action = "incident.retry"
	TaskInbox      Action = "task.inbox"
	TaskRead       Action = "task.read"
	TaskComplete   Action = "task.complete"
	JobWork        Action = "job.work"
	MessagePublish Action = "message.publish"
)

// chatStaff are those who read a live chat's sessions: its operators of any presence, its
// supervisors and administrators.
const chatStaff = Admin | Supervisor | Operator

var rules = map[Action]rule{
	HealthRead:  {Anyone, "check health", false},
	OpenAPIRead: {Anyone, "read the API document", false},
	MetricsRead: {Anyone, "read the metrics", false},
	AuthLogin:   {Anyone, "log in", false},
	AuthLogout:  {Staff, "log out", false},
	MeRead:      {Staff, "read your own user", false},
	MePresence:  {Staff, "set your presence", false},

	UserDirectory: {Staff, "list colleagues", false},
	UserRead:      {Admin | Self, "read a user's login and email", true},
	UserManage:    {Admin, "manage users", false},
	GroupRead:     {Staff, "read groups", false},
	GroupManage:   {Admin, "manage groups", false},
	WorkerKeys:    {Admin, "manage worker keys", false},
	AuditRead:     {Admin, "read the audit trail", false},

	LiveChatList:        {Staff, "list live chats", false},
	LiveChatRead:        {chatStaff, "read the live chat", true},
	LiveChatConfigure:   {Admin, "configure live chats", false},
	ChannelConfigure:    {Admin, "configure channels", false},
	ChannelInbound:      {ChannelKey, "deliver messages to this channel", true},
	ChannelTelegram:     {Anyone, "deliver Telegram updates", false},
	AutomationConfigure: {Admin, "configure automatic process start", false},
	AutomationRead:      {Admin, "read the automation log", false},
	PropertiesRead:      {Staff, "read the Live Chats properties", false},
	CannedManage:        {Admin | Supervisor, "manage the live chat's canned responses", true},
	ReportRead:          {Admin | Supervisor, "read the live chat's reports", true},

	SessionList:   {Staff, "list sessions", false},
	SessionRead:   {chatStaff, "read the session", true},
	SessionUpdate: {Admin | Supervisor | OnlineOperator, "change the session", true},
	SessionReply:  {Admin | OnlineOperator, "reply in the session", true},
	SessionTake:   {OnlineOperator, "take a session", true},
	SessionAssign: {Admin | Supervisor, "assign operators", true},
	SessionClose:  {Admin | Supervisor | OnlineOperator, "close the session", true},
	SessionSpam:   {Admin | Supervisor | OnlineOperator, "mark the session as spam", true},
	SessionUnspam: {Admin | Supervisor | OnlineOperator, "remove a session from spam", true},
	SessionStart:  {Admin | Supervisor | OnlineOperator, "start a process in the session", true},
	SessionNote:   {chatStaff, "add a private note to the session", true},
	SessionSearch: {Staff, "search sessions", false},
	DeliveryRetry: {Admin | Supervisor | OnlineOperator, "retry a reply's failed delivery", true},
	// A session's files go to whoever reads the session: its staff, its visitor, and the
	// key of its http channel, whose webhook is handed their download paths.
	AttachmentRead: {chatStaff | Visitor | ChannelKey, "download the session's files", true},
	StaffEvents:    {Staff, "follow staff events", false},
	WidgetStart:    {Anyone, "start a widget session", false},
	WidgetWrite:    {Visitor, "write in the session", true},
	WidgetRead:     {Visitor, "read the session", true},
	WidgetStatus:   {Anyone, "see whether operators are online", false},
	WidgetRate:     {Visitor, "rate the session", true},

	WorkspaceRead:  {Staff, "read workspaces and apps", false},
	WorkspaceAdmin: {Admin, "configure workspaces and apps", false},
	ItemRead:       {Staff, "read items", false},
	ItemWrite:      {Staff, "write items", false},

	SessionTransfer: {Admin | Supervisor | SessionOperator, "transfer the session", true},

	ProcessRead:    {Staff, "read processes", false},
	ProcessManage:  {Admin, "manage processes", false},
	ProcessCheck:   {Admin, "check a process draft without saving it", false},
	ProcessStart:   {Admin | WorkerKey, "start a process outside a session", false},
	InstanceRead:   {chatStaff | Assignee, "read the instance", true},
	InstanceCancel: {Admin, "cancel instances", false},
	IncidentRead:   {Admin, "list incidents", false},
	IncidentRetry:  {Admin, "retry incidents", false},
	TaskInbox:      {Staff, "read your task inbox", false},
	TaskRead:       {chatStaff | Assignee, "read the task", true},
	TaskComplete:   {Admin | ActiveAssignee, "complete the task", true},
	JobWork:        {Admin | WorkerKey, "work on jobs", false},
	MessagePublish: {Admin | WorkerKey, "publish messages", false},
}

// Actions returns every action, for docs and tests.
func Actions() []Action {
	out := make([]Action, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	return out
}

// Scoped reports whether the answer depends on the resource, so that the service owning the
// resource must ask; the HTTP layer answers the others itself.
func Scoped(a Action) bool { return rules[a].scoped }
