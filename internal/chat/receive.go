package chat

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Inbound is a customer's message arriving through a channel.
type Inbound struct {
	ChannelID string
	// Identity is what the channel knows the customer by: a visitor id, an email address, an
	// outside messenger's chat id. One identity has one session per channel.
	Identity string
	Customer CustomerInfo
	// Subject is an email's subject or what the customer typed as one; it names a new session.
	Subject string
	Text    string
	// Files are the message's files; the text may be empty when there are some.
	Files []NewFile
	// DedupKey, when set, makes a repeated delivery of the same message store once per
	// channel, such as "ext:" + an outside messenger's message id.
	DedupKey string
}

// Receipt says what a customer message did.
type Receipt struct {
	Session *Session
	Message *Message
	// Created is true when the message created the session, Reopened when it reopened a
	// closed one, Duplicate when its dedup key had been stored before and nothing was written.
	Created, Reopened, Duplicate bool
}

// The bounds of inbound fields.
const (
	maxIdentity = 255
	maxSubject  = 500
	maxDedupKey = 512
)

func (in *Inbound) check() error {
	if err := checkContent(in.Text, in.Files); err != nil {
		return err
	}
	var list errs.List
	switch {
	case in.ChannelID == "":
		list.Add("channel", "is required")
	case in.Identity == "":
		list.Add("identity", "is required: who the customer is to the channel")
	case len(in.Identity) > maxIdentity:
		list.Add("identity", "must be at most %d bytes", maxIdentity)
	}
	in.Subject = strings.TrimSpace(in.Subject)
	if utf8.RuneCountInString(in.Subject) > maxSubject {
		list.Add("subject", "must be at most %d characters", maxSubject)
	}
	if len(in.DedupKey) > maxDedupKey {
		list.Add("external_message_id", "must be at most %d bytes", maxDedupKey-16)
	}
	if err := in.Customer.normalize(); err != nil {
		return err
	}
	return list.Err()
}

// Receive stores a customer's message, creating, reopening or continuing the customer's
// session on that channel, with its events, in one transaction.
func (s *Service) Receive(ctx context.Context, in Inbound) (r *Receipt, err error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	files, err := checkFiles(s.limits, in.Files)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		r, err = s.receiveTx(ctx, tx, in, files)
		return err
	})
	if store.IsUnique(err) && in.DedupKey != "" {
		// A repeat that raced the first delivery lost on the dedup key: nothing of it was
		// stored, and it answers with what the first stored.
		err = s.db.Read(ctx, func(tx *store.Tx) error {
			r, err = duplicateReceipt(ctx, tx, in.ChannelID, in.DedupKey)
			return err
		})
	}
	return r, err
}

// ReceiveTx is Receive inside the caller's transaction.
func (s *Service) ReceiveTx(ctx context.Context, tx *store.Tx, in Inbound) (*Receipt, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	files, err := checkFiles(s.limits, in.Files)
	if err != nil {
		return nil, err
	}
	return s.receiveTx(ctx, tx, in, files)
}

func (s *Service) receiveTx(ctx context.Context, tx *store.Tx, in Inbound, files []preparedFile) (*Receipt, error) {
	if in.DedupKey != "" {
		if r, err := duplicateReceipt(ctx, tx, in.ChannelID, in.DedupKey); !errs.Is(err, errs.NotFound) {
			return r, err
		}
	}
	sess, err := lockCustomerSession(ctx, tx, in.ChannelID, in.Identity)
	created := false
	switch {
	case errs.Is(err, errs.NotFound):
		sess, created, err = openSession(ctx, tx, in)
	case err == nil:
		err = updateCustomer(ctx, tx, sess, in.Customer)
	}
	if err != nil {
		return nil, err
	}
	return s.receiveIn(ctx, tx, sess, customerMessage{text: in.Text, dedupKey: in.DedupKey, files: files}, created)
}

// ReceiveInSession stores a customer's text message in their known session, as the widget
// does for a visitor whose token names the session. dedupKey may be empty.
func (s *Service) ReceiveInSession(ctx context.Context, sessionID, text, dedupKey string) (r *Receipt, err error) {
	return s.ReceiveInSessionWith(ctx, SessionInbound{SessionID: sessionID, Text: text, DedupKey: dedupKey})
}

// SessionInbound is a customer's message to their known session.
type SessionInbound struct {
	SessionID, Text, DedupKey string
	Files                     []NewFile
}

// ReceiveInSessionWith stores a customer's message, text and files, in their known session.
func (s *Service) ReceiveInSessionWith(ctx context.Context, in SessionInbound) (r *Receipt, err error) {
	sessionID, text, dedupKey := in.SessionID, in.Text, in.DedupKey
	if err := checkContent(text, in.Files); err != nil {
		return nil, err
	}
	files, err := checkFiles(s.limits, in.Files)
	if err != nil {
		return nil, err
	}
	// Customers' messages come many at once: on PostgreSQL those of this node share commits.
	err = s.db.GroupTx(ctx, sessionID, func(tx *store.Tx) error {
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if sess.channelRetired {
			return errs.New(errs.NotFound, "channel %q of session %q was deleted and takes no messages", sess.ChannelID, sessionID)
		}
		if dedupKey != "" {
			if r, err = duplicateReceipt(ctx, tx, sess.ChannelID, dedupKey); !errs.Is(err, errs.NotFound) {
				if err == nil && (r.Session.ID != sessionID || r.Message.Text != text) {
					// The same key with another text, or for another session, is another
					// request: answering with the first message would hide the mistake.
					return store.ErrKeyReused()
				}
				return err
			}
		}
		r, err = s.receiveIn(ctx, tx, sess, customerMessage{text: text, dedupKey: dedupKey, files: files}, false)
		return err
	})
	return r, err
}

func duplicateReceipt(ctx context.Context, tx *store.Tx, channelID, key string) (*Receipt, error) {
	m, err := messageByKey(ctx, tx, channelID, key)
	if err != nil {
		return nil, err
	}
	sess, err := getSession(ctx, tx, m.SessionID)
	return &Receipt{Session: sess, Message: m, Duplicate: true}, err
}

// lockCustomerSession finds and locks the session of the customer with that identity on a
// channel that still takes messages. The customer is looked up first, so that the session is
// found by its unique key even where the planner has no statistics yet, instead of a scan of
// the channel's sessions.
func lockCustomerSession(ctx context.Context, tx *store.Tx, channelID, identity string) (*Session, error) {
	sess, err := scanSession(tx.QueryRow(ctx, sessionSelect+`WHERE s.channel_id = ? AND ch.deleted_at IS NULL
		AND s.customer_id = (SELECT id FROM customers WHERE channel_id = ? AND identity = ?)`+lockSuffix(tx),
		channelID, channelID, identity))
	sessionCacheOf(tx).stamp(tx, sess)
	return sess, err
}

// openSession creates the customer's session on the channel: waiting, medium priority, named
// after the subject or after the customer and the live chat. created is false when a
// concurrent first message made it already.
func openSession(ctx context.Context, tx *store.Tx, in Inbound) (sess *Session, created bool, err error) {
	ch, err := ChannelTx(ctx, tx, in.ChannelID)
	if err != nil {
		return nil, false, err
	}
	var liveChatName string
	if err := tx.QueryRow(ctx, "SELECT name FROM live_chats WHERE id = ?", ch.LiveChatID).Scan(&liveChatName); err != nil {
		return nil, false, err
	}
	customerID, err := findOrCreateCustomer(ctx, tx, ch.ID, in.Identity, in.Customer)
	if err != nil {
		return nil, false, err
	}
	name := in.Subject
	if name == "" {
		c := Customer{ID: customerID, Name: in.Customer.Name, Phone: in.Customer.Phone, Email: in.Customer.Email}
		name = c.label() + " — " + liveChatName
	}
	now := store.TS(tx.Now())
	res, err := tx.Exec(ctx, `INSERT INTO sessions (id, live_chat_id, channel_id, customer_id, name, subject, state, priority,
		created_at, updated_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, customer_id) DO NOTHING`,
		store.NewID("ses"), ch.LiveChatID, ch.ID, customerID, name, in.Subject, string(Waiting), string(Medium), now, now, now)
	if err != nil {
		return nil, false, err
	}
	n, _ := res.RowsAffected()
	sess, err = lockCustomerSession(ctx, tx, in.ChannelID, in.Identity)
	return sess, n == 1, err
}

// receiveIn adds a customer message to the session: a closed session reopens (waiting, no
// operator, history kept); a spam session stays spam but keeps the message, and its events
// are written all the same so that the automation log can say why nothing started.
// customerMessage is what receiveIn stores.
type customerMessage struct {
	text, dedupKey string
	files          []preparedFile
}

func (s *Service) receiveIn(ctx context.Context, tx *store.Tx, sess *Session, in customerMessage, created bool) (*Receipt, error) {
	r := &Receipt{Session: sess, Created: created}
	types := []string{EventMessageReceived}
	switch {
	case created:
		types = []string{EventSessionCreated, EventMessageReceived}
	case sess.State == Closed:
		sess.State, sess.OperatorID, sess.ClosedAt = Waiting, "", nil
		types, r.Reopened = []string{EventSessionReopened, EventMessageReceived}, true
	}
	r.Message = &Message{Author: AuthorCustomer, AuthorID: sess.Customer.ID, AuthorName: sess.Customer.Name, Text: in.text}
	if err := addMessage(ctx, tx, sess, r.Message, in.dedupKey); err != nil {
		return nil, err
	}
	if err := s.addAttachments(ctx, tx, r.Message, in.files); err != nil {
		return nil, err
	}
	if err := commitChange(ctx, tx, sess, r.Message, Actor{Kind: ActorCustomer, ID: sess.Customer.ID}, types...); err != nil {
		return nil, err
	}
	if sess.State == Waiting && sess.routing != RoutingManual {
		if _, err := routeTx(ctx, tx, sess, r.Message, ""); err != nil {
			return nil, err
		}
	}
	return r, autoReply(ctx, tx, sess)
}

// autoReply sends the live chat's out-of-hours reply to a customer who writes out of its
// working hours, as a system message, once per session per out-of-hours period: the session
// remembers the period it answered in. Spam gets none.
func autoReply(ctx context.Context, tx *store.Tx, sess *Session) error {
	h, now := parseHours(sess.hours), tx.Now()
	if h == nil || h.reply == "" || sess.State == Spam || h.workingAt(now) {
		return nil
	}
	key := h.periodKey(now)
	if sess.offHoursKey == key {
		return nil
	}
	sess.offHoursKey = key
	m := &Message{Author: AuthorSystem, Text: h.reply}
	if err := addMessage(ctx, tx, sess, m, ""); err != nil {
		return err
	}
	return commitChange(ctx, tx, sess, m, SystemActor(), EventMessageSent)
}
