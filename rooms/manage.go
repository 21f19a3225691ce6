package rooms

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/roomchat/chat/wire"
)

// manage returns the group room to callerID if they are its owner or an
// admin.
func (s *Service) manage(ctx context.Context, callerID, roomID string) (Room, error) {
	r, err := s.memberRoom(ctx, roomID, callerID)
	switch role := r.RoleOf(callerID); {
	case err != nil:
		return Room{}, err
	case r.Type == TypeDM:
		return Room{}, ErrDMFixed
	case role != RoleOwner && role != RoleAdmin:
		return Room{}, ErrNotAdmin
	}
	return r, nil
}

// UpdateRoom renames a group room or sets its topic (nil: unchanged); its
// owner and admins may. Every member hears room_updated.
func (s *Service) UpdateRoom(ctx context.Context, callerID, roomID string, name, topic *string) (Room, error) {
	if name != nil {
		trimmed := strings.TrimSpace(*name)
		if n := utf8.RuneCountInString(trimmed); n < 1 || n > 100 {
			return Room{}, ErrInvalidName
		}
		name = &trimmed
	}
	if topic != nil {
		trimmed := strings.TrimSpace(*topic)
		if utf8.RuneCountInString(trimmed) > 500 {
			return Room{}, ErrInvalidTopic
		}
		topic = &trimmed
	}
	if _, err := s.manage(ctx, callerID, roomID); err != nil {
		return Room{}, err
	}
	r, err := s.store.UpdateRoom(ctx, roomID, name, topic)
	if err != nil {
		return Room{}, err
	}
	return s.updated(ctx, r)
}

// SetRole makes userID an admin or a member of a group room, or its owner
// (then the caller becomes an admin); only the owner may.
func (s *Service) SetRole(ctx context.Context, callerID, roomID, userID, role string) (Room, error) {
	if role != RoleAdmin && role != RoleMember && role != RoleOwner {
		return Room{}, ErrInvalidRole
	}
	r, err := s.manage(ctx, callerID, roomID)
	switch {
	case err != nil:
		return Room{}, err
	case r.OwnerID != callerID:
		return Room{}, ErrNotOwner
	case !r.IsMember(userID):
		return Room{}, ErrNotInRoom
	case userID == callerID && role == RoleOwner:
		return s.withActivity(ctx, r)
	case userID == callerID:
		return Room{}, ErrOwnRole
	case role == RoleOwner:
		err = s.store.SetOwner(ctx, roomID, callerID, userID)
	default:
		err = s.store.SetRole(ctx, roomID, userID, role)
	}
	if err != nil {
		return Room{}, err
	}
	if r, err = s.ensureOwner(ctx, roomID); err != nil {
		return Room{}, err
	}
	return s.updated(ctx, r)
}

// updated tells every member of r that it changed and returns it with its
// activity.
func (s *Service) updated(ctx context.Context, r Room) (Room, error) {
	r, err := s.withActivity(ctx, r)
	if err != nil {
		return Room{}, err
	}
	s.tellUpdated(r)
	return r, nil
}

// tellUpdated sends room_updated with the room to every device of its
// members but those in except.
func (s *Service) tellUpdated(r Room, except ...string) {
	if targets := userRooms(r.Members, except...); len(targets) > 0 {
		s.out.Broadcast(targets, "room_updated", r)
	}
}

var errBanSelf = wire.NewError(wire.InvalidArgument, "you cannot ban yourself; leave the room instead")

// Ban removes userID from a group room, if a member, and keeps them out:
// no invite and no add lets them back in until Unban. The owner and the
// admins may, with the ranks of RemoveMember.
func (s *Service) Ban(ctx context.Context, callerID, roomID, userID string) error {
	r, err := s.manage(ctx, callerID, roomID)
	if err != nil {
		return err
	}
	if userID == callerID {
		return errBanSelf
	}
	if err := outranks(r, callerID, userID); err != nil {
		return err
	}
	if err := s.checkUsers(ctx, []string{userID}); err != nil {
		return err
	}
	if err := s.store.Ban(ctx, roomID, userID); err != nil {
		return err
	}
	// A join that checked before the ban is evicted like any removed
	// member's, whether or not the room listed them when it was read.
	s.removed(ctx, roomID, userID)
	return nil
}

// Unban lets userID be added or invited again.
func (s *Service) Unban(ctx context.Context, callerID, roomID, userID string) error {
	if _, err := s.manage(ctx, callerID, roomID); err != nil {
		return err
	}
	return s.store.Unban(ctx, roomID, userID)
}

// Bans lists the users banned from a group room, to its owner and admins.
func (s *Service) Bans(ctx context.Context, callerID, roomID string) ([]string, error) {
	if _, err := s.manage(ctx, callerID, roomID); err != nil {
		return nil, err
	}
	return s.store.Bans(ctx, roomID)
}

// Purger deletes what other parts of the service keep of a deleted room
// (its messages, files and invites). It must be idempotent: the purge of a
// room runs again after a restart until it completes.
type Purger interface {
	PurgeRoom(ctx context.Context, roomID string) error
}

// UsePurger sets what deletes a deleted room's messages, files and
// invites, and starts purging the rooms deleted and not purged yet.
func (s *Service) UsePurger(p Purger) { s.purge.start(p) }

// DeleteRoom deletes a group room; only its owner may. Its members are
// told at once (room_removed) and leave its Socket.IO room on every
// instance; what it holds is purged in the background, in batches.
func (s *Service) DeleteRoom(ctx context.Context, callerID, roomID string) error {
	r, err := s.manage(ctx, callerID, roomID)
	if err != nil {
		return err
	}
	if r.OwnerID != callerID {
		return ErrNotOwner
	}
	return s.deleteRoom(ctx, r)
}

func (s *Service) deleteRoom(ctx context.Context, r Room) error {
	if err := s.store.DeleteRoom(ctx, r.ID); err != nil {
		return err
	}
	for _, m := range r.Members {
		s.out.ChangeMembership(r.ID, m, false)
	}
	s.out.Broadcast(userRooms(r.Members), "room_removed", RoomRemovedEvent{RoomID: r.ID})
	s.purge.kick()
	return nil
}

// purgeBatch is how many rows or documents one step of a purge deletes.
const purgeBatch = 500

// purgeEvery is how often the purge looks for deleted rooms left unpurged
// (by a restart, or a failure of the database).
const purgeEvery = time.Minute

// purger purges deleted rooms in the background, one at a time.
type purger struct {
	s    *Service
	wake chan struct{}
	stop chan struct{}
	once sync.Once
	done chan struct{}
}

func newPurger(s *Service) *purger {
	return &purger{s: s, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *purger) start(other Purger) {
	p.once.Do(func() { go p.run(other) })
}

// kick asks for a purge soon.
func (p *purger) kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// close stops the purge and waits for it (a purge never started has
// nothing to wait for).
func (p *purger) close() {
	p.once.Do(func() { close(p.done) })
	close(p.stop)
	<-p.done
}

func (p *purger) run(other Purger) {
	defer close(p.done)
	tick := time.NewTicker(purgeEvery)
	defer tick.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.stop
		cancel()
	}()
	for {
		p.sweep(ctx, other)
		select {
		case <-p.stop:
			return
		case <-tick.C:
		case <-p.wake:
		}
	}
}

// sweep purges every room marked deleted, until none is left or a step
// fails (the next sweep tries again).
func (p *purger) sweep(ctx context.Context, other Purger) {
	for ctx.Err() == nil {
		ids, err := p.s.store.DeletedRooms(ctx, 10)
		if err != nil || len(ids) == 0 {
			if err != nil && ctx.Err() == nil {
				p.s.log.Warn("deleted rooms", "err", err)
			}
			return
		}
		for _, id := range ids {
			if err := p.purgeRoom(ctx, other, id); err != nil {
				if ctx.Err() == nil {
					p.s.log.Warn("purge room", "room", id, "err", err)
				}
				return
			}
		}
	}
}

// purgeRoom deletes what the rest of the service keeps of the room, then
// the room's memberships, markers and bans, then the room: the room goes
// last, so a purge cut short is found and resumed.
func (p *purger) purgeRoom(ctx context.Context, other Purger, roomID string) error {
	if err := other.PurgeRoom(ctx, roomID); err != nil {
		return err
	}
	for {
		n, err := p.s.store.PurgeRoom(ctx, roomID, purgeBatch)
		if err != nil || n == 0 {
			return err
		}
	}
}
