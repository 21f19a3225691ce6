package messages

import (
	"context"
)

// purgeBatch is how many messages (and how many change entries) one step
// of a room's deletion deletes; on the embedded store, one transaction.
const purgeBatch = 500

// DeleteRoom deletes every message of the room with everything stored with
// it (mentions, reactions, pins, changes, search entries), a batch at a
// time, and what the room log keeps of it. Sends and changes of the room
// that reach this instance's room log from now on fail with
// ErrRoomDeleted; those queued before are written first, then deleted with
// the rest. It is idempotent: a second call, or one for a room that never
// had a message, deletes nothing and succeeds. The room's attachments are
// deleted by the attachments service.
func (s *Service) DeleteRoom(ctx context.Context, roomID string) error {
	if err := s.log.CloseRoom(ctx, roomID); err != nil {
		return err
	}
	for {
		n, err := s.store.DeleteRoomBatch(ctx, roomID, purgeBatch)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	s.log.ForgetRoom(roomID)
	return nil
}
