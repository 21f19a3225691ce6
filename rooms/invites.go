package rooms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/roomchat/chat/wire"
)

// Invite codes.
//
// A code is 128 random bits (crypto/rand), base64url without padding: 22
// characters nobody can guess. The stores never see a code: an invite is
// stored and looked up by the SHA-256 of its code (Hash), so a copy of the
// database lets nobody join. So that the owner and the admins can still list
// their room's invites with their codes, the code is also stored sealed with
// AES-256-GCM (Sealed: nonce followed by ciphertext, the hash as additional
// data, so a sealed code cannot be moved to another invite) under a key
// derived from the server's JWT secret by HMAC-SHA256 with a fixed label:
// every instance shares the secret, so every instance can open it, and
// nothing else needs to be configured.
const (
	inviteCodeBytes = 16
	inviteKeyLabel  = "roomchat invite codes v1"
)

// Limits of an invite.
const (
	// MaxInviteUses is the largest maxUses an invite may have.
	MaxInviteUses = 1000
	// DefaultInviteTTL is how long an invite lasts when its creator does
	// not say.
	DefaultInviteTTL = 7 * 24 * time.Hour
	// MaxInviteTTL is the longest expiresInSeconds an invite may have
	// (0 means never).
	MaxInviteTTL = 365 * 24 * time.Hour
)

// Invite is a link that lets any signed-in user join a group room. Code is
// known only to the service (it is never stored in the clear).
type Invite struct {
	Hash      string // hex SHA-256 of the code
	RoomID    string
	Sealed    []byte // the code, sealed (see the comment on invite codes)
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	MaxUses   int       // 0: unlimited
	Uses      int       // users who joined through it, filled by the store's reads

	Code string
}

// expired reports whether the invite no longer works at now.
func (inv Invite) expired(now time.Time) bool {
	return !inv.ExpiresAt.IsZero() && !now.Before(inv.ExpiresAt)
}

// inviteJSON is the wire shape of an invite.
type inviteJSON struct {
	Code      string  `json:"code"`
	URL       string  `json:"url"`
	ExpiresAt *string `json:"expiresAt"`
	MaxUses   *int    `json:"maxUses"`
	Uses      int     `json:"uses"`
}

// MarshalJSON writes the wire shape of an invite.
func (inv Invite) MarshalJSON() ([]byte, error) {
	out := inviteJSON{Code: inv.Code, URL: "/invite/" + inv.Code, Uses: inv.Uses}
	if !inv.ExpiresAt.IsZero() {
		at := wire.FormatTime(inv.ExpiresAt)
		out.ExpiresAt = &at
	}
	if inv.MaxUses > 0 {
		n := inv.MaxUses
		out.MaxUses = &n
	}
	return json.Marshal(out)
}

// InviteStore keeps the invites of rooms and who used them.
// Implementations: SQLiteInviteStore and MongoInviteStore; both pass the
// contract tests of this package.
type InviteStore interface {
	// CreateInvite stores a new invite.
	CreateInvite(ctx context.Context, inv Invite) error
	// Invite returns the invite with that hash, with its uses, or
	// ErrInviteNotFound.
	Invite(ctx context.Context, hash string) (Invite, error)
	// Invites returns the room's invites with their uses, oldest first.
	Invites(ctx context.Context, roomID string) ([]Invite, error)
	// UseInvite records that userID joins through the invite and reports
	// whether that took a use: a user who used it before takes none. It is
	// ErrInviteNotFound if the invite is gone or all its uses are taken;
	// racing calls on any number of instances never take more than
	// MaxUses.
	UseInvite(ctx context.Context, inv Invite, userID string) (took bool, err error)
	// DeleteInvite deletes the room's invite with that hash and its uses;
	// ErrInviteNotFound if there is none.
	DeleteInvite(ctx context.Context, roomID, hash string) error
	// DeleteRoomInvites deletes every invite of the room and their uses, in
	// bounded batches.
	DeleteRoomInvites(ctx context.Context, roomID string) error
}

// Errors of invites.
var (
	ErrInviteNotFound   = wire.NewError(wire.NotFound, "invite not found, expired or used up")
	ErrInvalidMaxUses   = wire.NewError(wire.InvalidArgument, fmt.Sprintf("maxUses must be 0 (unlimited) to %d", MaxInviteUses))
	ErrInvalidExpiresIn = wire.NewError(wire.InvalidArgument,
		fmt.Sprintf("expiresInSeconds must be 0 (never) to %d", int64(MaxInviteTTL/time.Second)))
)

// Invites runs the invites of group rooms: their owner and admins create,
// list and revoke them; any signed-in user joins through one.
type Invites struct {
	rooms *Service
	store InviteStore
	aead  cipher.AEAD
	log   *slog.Logger
}

// NewInvites returns the invites of the rooms of s, their codes sealed
// under a key derived from secret (the server's JWT secret).
func NewInvites(s *Service, store InviteStore, secret []byte, log *slog.Logger) (*Invites, error) {
	if len(secret) == 0 {
		return nil, errors.New("invites need the server's secret")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(inviteKeyLabel))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Invites{rooms: s, store: store, aead: aead, log: log}, nil
}

// inviteHash is the hex SHA-256 of a code, the key invites are stored by.
func inviteHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// validCode reports whether code has the shape of a code.
func validCode(code string) bool {
	b, err := base64.RawURLEncoding.DecodeString(code)
	return err == nil && len(b) == inviteCodeBytes
}

func (iv *Invites) seal(code, hash string) ([]byte, error) {
	nonce := make([]byte, iv.aead.NonceSize(), iv.aead.NonceSize()+len(code)+iv.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return iv.aead.Seal(nonce, nonce, []byte(code), []byte(hash)), nil
}

func (iv *Invites) open(inv Invite) (string, error) {
	n := iv.aead.NonceSize()
	if len(inv.Sealed) < n {
		return "", errors.New("sealed code too short")
	}
	code, err := iv.aead.Open(nil, inv.Sealed[:n], inv.Sealed[n:], []byte(inv.Hash))
	return string(code), err
}

// Create makes a new invite to a group room; its owner and admins may.
// maxUses nil or 0 is unlimited; expiresIn nil is DefaultInviteTTL, 0 never.
func (iv *Invites) Create(ctx context.Context, callerID, roomID string, maxUses *int, expiresIn *int64) (Invite, error) {
	inv := Invite{RoomID: roomID, CreatedBy: callerID, CreatedAt: wire.Now()}
	if maxUses != nil {
		if *maxUses < 0 || *maxUses > MaxInviteUses {
			return Invite{}, ErrInvalidMaxUses
		}
		inv.MaxUses = *maxUses
	}
	ttl := DefaultInviteTTL
	if expiresIn != nil {
		if *expiresIn < 0 || *expiresIn > int64(MaxInviteTTL/time.Second) {
			return Invite{}, ErrInvalidExpiresIn
		}
		ttl = time.Duration(*expiresIn) * time.Second
	}
	if ttl > 0 {
		inv.ExpiresAt = inv.CreatedAt.Add(ttl)
	}
	if _, err := iv.rooms.manage(ctx, callerID, roomID); err != nil {
		return Invite{}, err
	}
	raw := make([]byte, inviteCodeBytes)
	if _, err := rand.Read(raw); err != nil {
		return Invite{}, err
	}
	inv.Code = base64.RawURLEncoding.EncodeToString(raw)
	inv.Hash = inviteHash(inv.Code)
	sealed, err := iv.seal(inv.Code, inv.Hash)
	if err != nil {
		return Invite{}, err
	}
	inv.Sealed = sealed
	if err := iv.store.CreateInvite(ctx, inv); err != nil {
		return Invite{}, err
	}
	return inv, nil
}

// List returns a group room's invites that have not expired, with their
// codes, to its owner and admins (used-up ones too, so they can be seen and
// revoked).
func (iv *Invites) List(ctx context.Context, callerID, roomID string) ([]Invite, error) {
	if _, err := iv.rooms.manage(ctx, callerID, roomID); err != nil {
		return nil, err
	}
	all, err := iv.store.Invites(ctx, roomID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]Invite, 0, len(all))
	for _, inv := range all {
		if inv.expired(now) {
			continue
		}
		if inv.Code, err = iv.open(inv); err != nil {
			iv.log.Warn("invite code does not open (was the JWT secret changed?)", "room", roomID, "err", err)
			continue
		}
		out = append(out, inv)
	}
	return out, nil
}

// Revoke deletes an invite of a group room with its uses; its owner and
// admins may.
func (iv *Invites) Revoke(ctx context.Context, callerID, roomID, code string) error {
	if _, err := iv.rooms.manage(ctx, callerID, roomID); err != nil {
		return err
	}
	if !validCode(code) {
		return ErrInviteNotFound
	}
	return iv.store.DeleteInvite(ctx, roomID, inviteHash(code))
}

// Accept makes userID a member of the invite's room and returns the room.
// A member gets the room and takes no use; an expired, used-up or revoked
// invite is ErrInviteNotFound; a banned user ErrBanned.
func (iv *Invites) Accept(ctx context.Context, userID, code string) (Room, error) {
	if !validCode(code) {
		return Room{}, ErrInviteNotFound
	}
	hash := inviteHash(code)
	inv, err := iv.store.Invite(ctx, hash)
	switch {
	case err != nil:
		return Room{}, err
	case subtle.ConstantTimeCompare([]byte(inv.Hash), []byte(hash)) != 1, inv.expired(time.Now()):
		return Room{}, ErrInviteNotFound
	}
	r, err := iv.rooms.readRoom(ctx, inv.RoomID)
	switch {
	case errors.Is(err, ErrRoomNotFound):
		return Room{}, ErrInviteNotFound
	case err != nil:
		return Room{}, err
	case r.IsMember(userID):
		return iv.rooms.withActivity(ctx, r)
	}
	if banned, err := iv.rooms.store.Banned(ctx, r.ID, userID); err != nil || banned {
		if err == nil {
			err = ErrBanned
		}
		return Room{}, err
	}
	if _, err := iv.store.UseInvite(ctx, inv, userID); err != nil {
		return Room{}, err
	}
	return iv.rooms.admit(ctx, r, userID)
}

// PurgeRoom deletes the invites of a deleted room (see Purger).
func (iv *Invites) PurgeRoom(ctx context.Context, roomID string) error {
	return iv.store.DeleteRoomInvites(ctx, roomID)
}
