package messages

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// Index names of the change and reaction collections.
const (
	// IndexChangeRoomRev serves the change stream and LastRev.
	IndexChangeRoomRev = "roomId_rev"
	// IndexChangeUnfinished finds the changes left unfinished.
	IndexChangeUnfinished = "roomId_applied"
	// IndexReactionMessage serves the reactions of a page of messages.
	IndexReactionMessage = "messageId_rev"
	// IndexRoomPinned serves the pins of a room.
	IndexRoomPinned = "roomId_pinnedAt"
)

// mongoTakeover is how long an unfinished change of another instance is
// waited for before this one finishes it: its instance crashed or stalled
// between storing the change's entry and making the change.
const mongoTakeover = 2 * time.Second

// changeEntry is a document of the message_changes collection: the change
// of rev Rev in RoomID. Its _id is made of the room and the rev, so that
// the unique _id decides which instance has a rev; it is stored before the
// change is made, with what the change does (Effect), and marked Applied
// once it is made, when Effect is unset (an edit keeps no history). Any
// instance finishes an entry left unapplied, in rev order, so that no rev
// names a change that was not made.
type changeEntry struct {
	Key       string       `bson:"_id"`
	RoomID    string       `bson:"roomId"`
	Rev       int64        `bson:"rev"`
	MessageID string       `bson:"messageId"`
	Kind      string       `bson:"kind"`
	At        time.Time    `bson:"at"`
	Applied   bool         `bson:"applied"`
	Effect    *mongoEffect `bson:"effect,omitempty"`
}

// mongoEffect is what a change does, as stored until it is made.
type mongoEffect struct {
	Content   string     `bson:"content,omitempty"`
	Mentions  []string   `bson:"mentions,omitempty"`
	At        time.Time  `bson:"at"`
	By        string     `bson:"by,omitempty"`
	Emoji     string     `bson:"emoji,omitempty"`
	Add       bool       `bson:"add,omitempty"`
	PinnedAt  *time.Time `bson:"pinnedAt,omitempty"`
	RoomID    string     `bson:"roomId"`
	MessageID string     `bson:"messageId"`
	Seq       int64      `bson:"seq"`
}

// mongoReaction is a document of the message_reactions collection: one
// user's reaction with one emoji, with the rev of its last change so that
// an older change never overwrites a newer one. Active is false once taken
// back.
type mongoReaction struct {
	Key       string    `bson:"_id"`
	MessageID string    `bson:"messageId"`
	Emoji     string    `bson:"emoji"`
	UserID    string    `bson:"userId"`
	At        time.Time `bson:"at"`
	Rev       int64     `bson:"rev"`
	Active    bool      `bson:"active"`
}

func changeKey(roomID string, rev int64) string { return fmt.Sprintf("%s\x00%020d", roomID, rev) }

func reactionKey(messageID, emoji, userID string) string {
	return messageID + "\x00" + emoji + "\x00" + userID
}

func (s *MongoStore) ensureChangeIndexes(ctx context.Context) error {
	err := chatmongo.EnsureIndexes(ctx, s.changes,
		mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "rev", Value: 1}}, Options: options.Index().SetName(IndexChangeRoomRev)},
		mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "applied", Value: 1}}, Options: options.Index().SetName(IndexChangeUnfinished)})
	if err == nil {
		err = chatmongo.EnsureIndexes(ctx, s.reactions,
			mongo.IndexModel{Keys: bson.D{{Key: "messageId", Value: 1}, {Key: "rev", Value: 1}}, Options: options.Index().SetName(IndexReactionMessage)})
	}
	if err == nil {
		err = chatmongo.EnsureIndexes(ctx, s.messages,
			mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "pinnedAt", Value: -1}}, Options: options.Index().SetName(IndexRoomPinned)})
	}
	return err
}

// LastRev implements Store.
func (s *MongoStore) LastRev(ctx context.Context, roomID string) (int64, error) {
	var e changeEntry
	opts := options.FindOne().SetSort(bson.D{{Key: "rev", Value: -1}}).SetProjection(bson.D{{Key: "rev", Value: 1}})
	err := s.changes.FindOne(ctx, bson.D{{Key: "roomId", Value: roomID}}, opts).Decode(&e)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return 0, nil
	case err != nil:
		return 0, wire.Unavailablef("last rev", err)
	}
	return e.Rev, nil
}

// Apply implements Store. Each change is: the entry, under its rev (the
// arbiter between instances), then the change, then the entry marked made.
// The room's unfinished entries are finished first, so changes are made in
// rev order on every instance and each is decided on the message as the
// changes before it left it.
func (s *MongoStore) Apply(ctx context.Context, roomID string, nextRev int64, ops []Op) ([]Outcome, error) {
	if err := s.settle(ctx, roomID); err != nil {
		return nil, err
	}
	outs := make([]Outcome, 0, len(ops))
	rev := nextRev
	for _, op := range ops {
		o, err := s.applyOne(ctx, op, rev)
		if err != nil {
			return outs, err
		}
		if o.Rev > 0 {
			rev++
		}
		outs = append(outs, o)
	}
	return outs, nil
}

func (s *MongoStore) applyOne(ctx context.Context, op Op, rev int64) (Outcome, error) {
	m, st, err := s.stateOf(ctx, op)
	if err != nil {
		return Outcome{}, err
	}
	e, derr := Decide(op, m, st)
	if derr != nil {
		return Outcome{Message: m, Kind: op.Kind, Err: derr}, nil
	}
	if !e.Changed {
		return Outcome{Message: e.Message, Kind: op.Kind}, nil
	}
	e.Message.Rev = rev
	entry := changeEntry{Key: changeKey(op.RoomID, rev), RoomID: op.RoomID, Rev: rev, MessageID: m.ID,
		Kind: e.Kind, At: op.At, Effect: storedEffect(e)}
	if _, err := s.changes.InsertOne(ctx, entry); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return Outcome{}, ErrRevTaken
		}
		return Outcome{}, wire.Unavailablef("store change", err)
	}
	if err := s.finish(ctx, entry); err != nil {
		return Outcome{}, err
	}
	out := []Message{e.Message}
	if err := s.complete(ctx, out); err != nil {
		return Outcome{}, err
	}
	return Outcome{Message: out[0], Rev: rev, Kind: e.Kind, NewMentions: e.NewMentions, Erased: e.Erased}, nil
}

// stateOf reads the message op changes, with its reactions, and what
// Decide needs of its room.
func (s *MongoStore) stateOf(ctx context.Context, op Op) (Message, State, error) {
	var st State
	m, err := s.byID(ctx, op.MessageID)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Message{}, st, nil
	case err != nil:
		return Message{}, st, storeError("read message", err)
	}
	ms := []Message{m}
	if err := s.complete(ctx, ms); err != nil {
		return Message{}, st, err
	}
	switch op.Kind {
	case KindPinned:
		n, err := s.messages.CountDocuments(ctx, bson.D{{Key: "roomId", Value: op.RoomID}, {Key: "pinnedAt", Value: bson.D{{Key: "$exists", Value: true}}}})
		if err != nil {
			return Message{}, st, wire.Unavailablef("count pins", err)
		}
		st.Pins = int(n)
	case KindReactions:
		n, err := s.reactions.CountDocuments(ctx, bson.D{{Key: "_id", Value: reactionKey(op.MessageID, op.Emoji, op.By)}, {Key: "active", Value: true}})
		if err != nil {
			return Message{}, st, wire.Unavailablef("read reaction", err)
		}
		st.Reacted = n > 0
	}
	return ms[0], st, nil
}

func storedEffect(e Effect) *mongoEffect {
	m := e.Message
	out := &mongoEffect{RoomID: m.RoomID, MessageID: m.ID, Seq: m.Seq}
	switch e.Kind {
	case KindEdited:
		out.Content, out.Mentions, out.At = m.Content, m.Mentions, m.EditedAt
	case KindDeleted:
		out.At, out.By = m.DeletedAt, m.DeletedBy
	case KindReactions:
		out.At, out.By, out.Emoji, out.Add = e.Reaction.At, e.Reaction.UserID, e.Reaction.Emoji, e.Add
	case KindPinned, KindUnpinned:
		out.PinnedAt = mongoTime(m.PinnedAt)
	}
	return out
}

// finish makes the change of an entry and marks it made. Making it twice
// changes nothing: every write is conditional on the message (or
// reaction) not having a later rev already.
func (s *MongoStore) finish(ctx context.Context, entry changeEntry) error {
	if entry.Effect != nil {
		if err := s.effect(ctx, entry.Kind, entry.Rev, *entry.Effect); err != nil {
			return err
		}
	}
	_, err := s.changes.UpdateOne(ctx, bson.D{{Key: "_id", Value: entry.Key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "applied", Value: true}}}, {Key: "$unset", Value: bson.D{{Key: "effect", Value: ""}}}})
	if err != nil {
		return wire.Unavailablef("finish change", err)
	}
	return nil
}

func (s *MongoStore) effect(ctx context.Context, kind string, rev int64, e mongoEffect) error {
	older := bson.D{{Key: "_id", Value: e.MessageID}, {Key: "rev", Value: bson.D{{Key: "$lt", Value: rev}}}}
	var update bson.D
	switch kind {
	case KindEdited:
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "content", Value: e.Content}, {Key: "mentions", Value: e.Mentions},
			{Key: "terms", Value: mongoTerms(e.Content)}, {Key: "editedAt", Value: e.At}, {Key: "rev", Value: rev}}}}
	case KindDeleted:
		if _, err := s.reactions.DeleteMany(ctx, bson.D{{Key: "messageId", Value: e.MessageID}}); err != nil {
			return wire.Unavailablef("erase reactions", err)
		}
		update = bson.D{
			{Key: "$set", Value: bson.D{{Key: "deletedAt", Value: e.At}, {Key: "deletedBy", Value: e.By}, {Key: "rev", Value: rev}}},
			{Key: "$unset", Value: bson.D{{Key: "content", Value: ""}, {Key: "mentions", Value: ""}, {Key: "replyTo", Value: ""},
				{Key: "editedAt", Value: ""}, {Key: "pinnedAt", Value: ""}, {Key: "terms", Value: ""}, {Key: "attachments", Value: ""}}}}
	case KindReactions:
		if err := s.react(ctx, rev, e); err != nil {
			return err
		}
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: rev}}}}
	case KindPinned:
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "pinnedAt", Value: e.PinnedAt}, {Key: "rev", Value: rev}}}}
	case KindUnpinned:
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: rev}}}, {Key: "$unset", Value: bson.D{{Key: "pinnedAt", Value: ""}}}}
	default:
		return errUnknownChange
	}
	if _, err := s.messages.UpdateOne(ctx, older, update); err != nil {
		return wire.Unavailablef("change message", err)
	}
	return nil
}

// react writes one reaction row, unless a later change wrote it already:
// the filter then matches nothing and the upsert meets the row's _id.
func (s *MongoStore) react(ctx context.Context, rev int64, e mongoEffect) error {
	key := reactionKey(e.MessageID, e.Emoji, e.By)
	filter := bson.D{{Key: "_id", Value: key}, {Key: "rev", Value: bson.D{{Key: "$lt", Value: rev}}}}
	set := bson.D{{Key: "messageId", Value: e.MessageID}, {Key: "emoji", Value: e.Emoji}, {Key: "userId", Value: e.By},
		{Key: "rev", Value: rev}, {Key: "active", Value: e.Add}}
	if e.Add {
		set = append(set, bson.E{Key: "at", Value: e.At})
	}
	_, err := s.reactions.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return wire.Unavailablef("store reaction", err)
	}
	return nil
}

// settle finishes the room's changes that were stored but not made: it
// waits for their instance a moment, then makes them itself, in rev order.
func (s *MongoStore) settle(ctx context.Context, roomID string) error {
	deadline := time.Now().Add(mongoTakeover)
	for {
		pending, err := s.unfinished(ctx, roomID)
		if err != nil || len(pending) == 0 {
			return err
		}
		if time.Since(pending[0].At) < mongoTakeover && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return wire.Unavailablef("wait for a change", ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		for _, entry := range pending {
			if err := s.finish(ctx, entry); err != nil {
				return err
			}
		}
	}
}

func (s *MongoStore) unfinished(ctx context.Context, roomID string) ([]changeEntry, error) {
	cur, err := s.changes.Find(ctx, bson.D{{Key: "roomId", Value: roomID}, {Key: "applied", Value: false}},
		options.Find().SetSort(bson.D{{Key: "rev", Value: 1}}))
	if err != nil {
		return nil, wire.Unavailablef("read unfinished changes", err)
	}
	var out []changeEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, wire.Unavailablef("read unfinished changes", err)
	}
	return out, nil
}

// Changes implements Store, once the room's unfinished changes are made.
func (s *MongoStore) Changes(ctx context.Context, roomID string, afterRev int64, limit int) ([]Change, bool, error) {
	if err := s.settle(ctx, roomID); err != nil {
		return nil, false, err
	}
	opts := options.Find().SetSort(bson.D{{Key: "rev", Value: 1}}).SetLimit(int64(limit) + 1).
		SetProjection(bson.D{{Key: "effect", Value: 0}})
	cur, err := s.changes.Find(ctx, bson.D{{Key: "roomId", Value: roomID}, {Key: "rev", Value: bson.D{{Key: "$gt", Value: afterRev}}}}, opts)
	if err != nil {
		return nil, false, wire.Unavailablef("changes", err)
	}
	var entries []changeEntry
	if err := cur.All(ctx, &entries); err != nil {
		return nil, false, wire.Unavailablef("changes", err)
	}
	more := len(entries) > limit
	entries = entries[:min(len(entries), limit)]
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.MessageID
	}
	byID, err := s.messagesByID(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	changes := make([]Change, 0, len(entries))
	for _, e := range entries {
		changes = append(changes, Change{Rev: e.Rev, Kind: e.Kind, Message: byID[e.MessageID]})
	}
	return latestOnly(changes), more, nil
}

// Pins implements Store.
func (s *MongoStore) Pins(ctx context.Context, roomID string) ([]Message, error) {
	pins, err := s.find(ctx, bson.D{{Key: "roomId", Value: roomID}, {Key: "pinnedAt", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetSort(bson.D{{Key: "pinnedAt", Value: -1}}))
	if err != nil {
		return nil, storeError("pins", err)
	}
	if err := s.complete(ctx, pins); err != nil {
		return nil, err
	}
	return pins, nil
}
