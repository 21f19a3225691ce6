package messages

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Files is what messages needs of attachments: claiming them for a
// message, describing them with fresh links when a message is read, and
// deleting them with their message.
type Files interface {
	// Claim marks the attachments sent by uploaderID in roomID with
	// messageID: each uploaded by them to that room and not sent yet.
	Claim(ctx context.Context, ids []string, uploaderID, roomID, messageID string) error
	// Release undoes Claim for a message that was not stored.
	Release(ctx context.Context, ids []string, messageID string)
	// Describe returns the wire form of each attachment that exists, with
	// links made now, by id.
	Describe(ctx context.Context, ids []string) (map[string]json.RawMessage, error)
	// Delete deletes attachments and their files.
	Delete(ctx context.Context, ids []string) error
}

// UseFiles gives the service its attachments; without, messages carry
// none.
func (s *Service) UseFiles(f Files) { s.files = f }

// withFiles fills the attachments of ms, described at once for all of
// them with fresh links.
func (s *Service) withFiles(ctx context.Context, ms []Message) error {
	if s.files == nil {
		return nil
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.AttachmentIDs...)
	}
	if len(ids) == 0 {
		return nil
	}
	described, err := s.files.Describe(ctx, ids)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].Attachments = nil
		for _, id := range ms[i].AttachmentIDs {
			if d, ok := described[id]; ok {
				ms[i].Attachments = append(ms[i].Attachments, d)
			}
		}
	}
	return nil
}

// withFile is withFiles of one message.
func (s *Service) withFile(ctx context.Context, m Message) (Message, error) {
	ms := []Message{m}
	err := s.withFiles(ctx, ms)
	return ms[0], err
}

// filesTimeout bounds the deletion of a deleted message's files.
const filesTimeout = 30 * time.Second

// deleteFiles deletes the files of a deleted message, off the room log's
// goroutine; what fails is left to the sweep of attachments.
func (s *Service) deleteFiles(ids []string) {
	if s.files == nil || len(ids) == 0 {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), filesTimeout)
		defer cancel()
		if err := s.files.Delete(ctx, ids); err != nil {
			s.logger.Warn("files of a deleted message not deleted", slog.Any("err", err))
		}
	}()
}
