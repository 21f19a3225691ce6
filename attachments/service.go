package attachments

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/roomchat/chat/wire"
)

// Rooms is what attachments needs to know of rooms.
type Rooms interface {
	// Members returns the room's member ids if userID is one of them; else
	// the rooms package's forbidden or not-found error.
	Members(ctx context.Context, roomID, userID string) ([]string, error)
	// RemovedAt returns the last time a member left or was removed from the
	// room (zero if never): links made before it no longer work.
	RemovedAt(ctx context.Context, roomID string) (time.Time, error)
}

// Limiter is the per-user rate limit uploads spend from.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Config tunes the service.
type Config struct {
	// MaxUpload bounds a file's size; 25 MiB when 0.
	MaxUpload int64
	// LinkTTL is how long a signed link works; 24 h when 0.
	LinkTTL time.Duration
	// SweepEvery is how often unsent uploads past a day are deleted; a
	// minute when 0.
	SweepEvery time.Duration
}

// DefaultMaxUpload is the largest upload unless configured.
const DefaultMaxUpload = 25 << 20

// UnsentFor is how long an upload that was never sent is kept.
const UnsentFor = 24 * time.Hour

// Service uploads, describes, serves and deletes attachments.
type Service struct {
	cfg     Config
	store   Store
	blobs   Blobs
	signer  Signer
	rooms   Rooms
	limiter Limiter
	log     *slog.Logger

	stop    chan struct{}
	stopped sync.WaitGroup
}

// NewService returns the service and starts its sweep of unsent uploads;
// Close stops it.
func NewService(cfg Config, store Store, blobs Blobs, secret []byte, rooms Rooms, limiter Limiter, log *slog.Logger) *Service {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	s := &Service{cfg: cfg, store: store, blobs: blobs, signer: NewSigner(secret, cfg.LinkTTL), rooms: rooms,
		limiter: limiter, log: log, stop: make(chan struct{})}
	s.stopped.Go(s.sweep)
	return s
}

// Close stops the sweep.
func (s *Service) Close() {
	close(s.stop)
	s.stopped.Wait()
}

func thumbKey(id string) string { return id + "-thumbnail" }

// checkIDs checks the ids a message is sent with.
func checkIDs(ids []string) error {
	if len(ids) > MaxPerMessage {
		return ErrTooMany
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !wire.ValidID(id) || seen[id] {
			return ErrInvalidID
		}
		seen[id] = true
	}
	return nil
}

// Claim marks the attachments sent by uploaderID in roomID with messageID.
func (s *Service) Claim(ctx context.Context, ids []string, uploaderID, roomID, messageID string) error {
	if err := checkIDs(ids); err != nil || len(ids) == 0 {
		return err
	}
	return s.store.Claim(ctx, ids, uploaderID, roomID, messageID)
}

// Release undoes a Claim whose message was not stored.
func (s *Service) Release(ctx context.Context, ids []string, messageID string) {
	if err := s.store.Release(ctx, ids, messageID); err != nil {
		s.log.Warn("attachments not released", slog.String("message", messageID), slog.Any("err", err))
	}
}

// Describe returns the wire form of the attachments, with links signed
// now, by id; attachments that are gone are absent.
func (s *Service) Describe(ctx context.Context, ids []string) (map[string]json.RawMessage, error) {
	found, err := s.store.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := wire.Now()
	out := make(map[string]json.RawMessage, len(found))
	for id, a := range found {
		b, err := json.Marshal(s.signer.Sign(a, now))
		if err != nil {
			return nil, err
		}
		out[id] = b
	}
	return out, nil
}

// Delete deletes attachments and their bytes: the metadata first, so that
// nothing serves a file being deleted, then the blobs.
func (s *Service) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.store.Delete(ctx, ids); err != nil {
		return err
	}
	return s.deleteBlobs(ctx, ids)
}

// deleteBlobs deletes the bytes and thumbnails of the attachments.
func (s *Service) deleteBlobs(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := s.blobs.Delete(ctx, id); err != nil {
			return err
		}
		if err := s.blobs.Delete(ctx, thumbKey(id)); err != nil {
			return err
		}
	}
	return nil
}

// deleteRoomBatch bounds the attachments one step of DeleteRoom deletes.
const deleteRoomBatch = 200

// DeleteRoom deletes every attachment of a room with its bytes, a batch at
// a time: the blobs of a batch first, then its metadata, so that a
// deletion cut short (a failure, a restart) leaves metadata that the next
// call finds, never bytes that nothing names. Deleting the attachments of a
// room that has none succeeds.
func (s *Service) DeleteRoom(ctx context.Context, roomID string) error {
	for {
		batch, err := s.store.OfRoom(ctx, roomID, deleteRoomBatch)
		if err != nil || len(batch) == 0 {
			return err
		}
		ids := make([]string, len(batch))
		for i, a := range batch {
			ids[i] = a.ID
		}
		if err := s.deleteBlobs(ctx, ids); err != nil {
			return err
		}
		if err := s.store.Delete(ctx, ids); err != nil {
			return err
		}
	}
}

// sweepBatch bounds the uploads one sweep deletes.
const sweepBatch = 100

func (s *Service) sweep() {
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.SweepUnsent(context.Background())
		}
	}
}

// SweepUnsent deletes up to sweepBatch uploads never sent within
// UnsentFor, and returns how many it deleted.
func (s *Service) SweepUnsent(ctx context.Context) int {
	old, err := s.store.Unsent(ctx, wire.Now().Add(-UnsentFor), sweepBatch)
	if err == nil && len(old) > 0 {
		ids := make([]string, len(old))
		for i, a := range old {
			ids[i] = a.ID
		}
		err = s.Delete(ctx, ids)
	}
	if err != nil {
		s.log.Warn("unsent uploads not deleted", slog.Any("err", err))
		return 0
	}
	return len(old)
}
