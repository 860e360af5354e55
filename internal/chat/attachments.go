package chat

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// addAttachments stores a message's checked files in the message's transaction: the bytes in
// the file store, the metadata in message_attachments, and the result on m.
func (s *Service) addAttachments(ctx context.Context, tx *store.Tx, m *Message, files []preparedFile) error {
	for i, f := range files {
		a := Attachment{ID: store.NewID("att"), Name: f.name, ContentType: f.contentType, Size: int64(len(f.data)), Image: IsImage(f.contentType)}
		if err := s.files.Put(ctx, tx, a.ID, f.data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO message_attachments (id, message_id, session_id, position, name, content_type, size, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, m.ID, m.SessionID, i, a.Name, a.ContentType, a.Size, store.TS(tx.Now()))
		if err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return nil
}

const attachmentColumns = "id, name, content_type, size"

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	err := row.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size)
	a.Image = IsImage(a.ContentType)
	return a, err
}

// loadAttachments fills in the attachments of messages with one query.
func loadAttachments(ctx context.Context, tx *store.Tx, msgs ...*Message) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := make(map[string]*Message, len(msgs))
	args := make([]any, 0, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
		args = append(args, m.ID)
	}
	rows, err := tx.Query(ctx, "SELECT message_id, "+attachmentColumns+" FROM message_attachments WHERE message_id "+
		store.In(len(args))+" ORDER BY message_id, position", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var messageID string
		var a Attachment
		if err := rows.Scan(&messageID, &a.ID, &a.Name, &a.ContentType, &a.Size); err != nil {
			return err
		}
		a.Image = IsImage(a.ContentType)
		byID[messageID].Attachments = append(byID[messageID].Attachments, a)
	}
	return rows.Err()
}

// OpenAttachment returns an attachment and its bytes. It checks no rights: it is for channel
// adapters sending a reply and for routes that have checked the reader already.
func (s *Service) OpenAttachment(ctx context.Context, id string) (a *Attachment, data []byte, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		a, data, err = s.OpenAttachmentTx(ctx, tx, id)
		return err
	})
	return a, data, err
}

// OpenAttachmentTx is OpenAttachment inside the caller's transaction.
func (s *Service) OpenAttachmentTx(ctx context.Context, tx *store.Tx, id string) (*Attachment, []byte, error) {
	a, err := scanAttachment(tx.QueryRow(ctx, "SELECT "+attachmentColumns+" FROM message_attachments WHERE id = ?", id))
	if err != nil {
		return nil, nil, store.NotFound(err, "attachment %q not found", id)
	}
	data, err := s.files.Get(ctx, tx, id)
	return &a, data, err
}

// ReadAttachment returns an attachment and its bytes to a principal who may read its session
// (policy.AttachmentRead): the live chat's staff, the session's visitor, the key of the
// session's channel. Anyone else is told it does not exist.
func (s *Service) ReadAttachment(ctx context.Context, p *auth.Principal, id string) (a *Attachment, data []byte, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		var sessionID string
		err := tx.QueryRow(ctx, "SELECT session_id FROM message_attachments WHERE id = ?", id).Scan(&sessionID)
		if err != nil {
			return store.NotFound(err, "attachment %q not found", id)
		}
		var u *auth.User
		if p != nil {
			u = p.User
		}
		r, err := SessionResource(ctx, tx, u, sessionID)
		if err != nil {
			return err
		}
		r.Conceal = fmt.Sprintf("attachment %q", id)
		if err := policy.Can(p, policy.AttachmentRead, r); err != nil {
			return err
		}
		a, data, err = s.OpenAttachmentTx(ctx, tx, id)
		return err
	})
	return a, data, err
}

// forwardedFiles reads stored attachments back as new files, for a reply that sends them again.
func (s *Service) forwardedFiles(ctx context.Context, tx *store.Tx, ids []string) ([]NewFile, error) {
	files := make([]NewFile, 0, len(ids))
	for i, id := range ids {
		a, data, err := s.OpenAttachmentTx(ctx, tx, id)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field(fmt.Sprintf("files[%d]", i), "attachment %q does not exist", id)
		}
		if err != nil {
			return nil, err
		}
		files = append(files, NewFile{Name: a.Name, ContentType: a.ContentType, Data: data})
	}
	return files, nil
}
