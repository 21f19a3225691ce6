package messages

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// MongoStore is the MongoDB Store: the messages collection and the
// message_dedupe collection of (sender, tempId) claims.
//
// Seqs are arbitrated by the unique {roomId, seq} index, never taken from
// a counter updated with $inc: the room log numbers a batch after the last
// seq it knows and inserts it; a duplicate key means another instance took
// that seq first (see Append). It is safe for concurrent use.
type MongoStore struct {
	messages  *mongo.Collection
	dedupe    *mongo.Collection
	changes   *mongo.Collection
	reactions *mongo.Collection

	stop       context.CancelFunc // ends the search backfill
	background sync.WaitGroup
}

var _ Store = (*MongoStore)(nil)

// Index names of the messages collection.
const (
	// IndexRoomCreatedAt is the {roomId: 1, createdAt: -1} index.
	IndexRoomCreatedAt = "roomId_createdAt"
	// IndexRoomSeq is the unique {roomId: 1, seq: 1} index that assigns seqs.
	IndexRoomSeq = "roomId_seq_unique"
	// IndexRoomMentions serves the mention counts of Activity.
	IndexRoomMentions = "roomId_mentions_seq"
	// IndexClaimCreatedAt serves SweepClaims.
	IndexClaimCreatedAt = "createdAt"
)

// mongoMessage is a document of the messages collection. A deleted
// message's content, mentions, quote, edit and pin are unset.
type mongoMessage struct {
	ID         string     `bson:"_id"`
	RoomID     string     `bson:"roomId"`
	Seq        int64      `bson:"seq"`
	SenderID   string     `bson:"senderId"`
	SenderName string     `bson:"senderName"`
	Content    string     `bson:"content,omitempty"`
	Mentions   []string   `bson:"mentions,omitempty"`
	TempID     string     `bson:"tempId,omitempty"`
	CreatedAt  time.Time  `bson:"createdAt"`
	ReplyTo    string     `bson:"replyTo,omitempty"`
	EditedAt   *time.Time `bson:"editedAt,omitempty"`
	DeletedAt  *time.Time `bson:"deletedAt,omitempty"`
	DeletedBy  string     `bson:"deletedBy,omitempty"`
	PinnedAt   *time.Time `bson:"pinnedAt,omitempty"`
	Rev        int64      `bson:"rev"`
	// Terms are the search tokens of Content (unset once deleted).
	Terms       []string `bson:"terms,omitempty"`
	Attachments []string `bson:"attachments,omitempty"`
}

func newMongoMessage(m Message) mongoMessage {
	return mongoMessage{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, SenderID: m.SenderID,
		SenderName: m.SenderName, Content: m.Content, Mentions: m.Mentions, TempID: m.TempID,
		CreatedAt: m.CreatedAt, ReplyTo: m.ReplyToID, EditedAt: mongoTime(m.EditedAt),
		DeletedAt: mongoTime(m.DeletedAt), DeletedBy: m.DeletedBy, PinnedAt: mongoTime(m.PinnedAt), Rev: m.Rev,
		Terms: mongoTerms(m.Content), Attachments: m.AttachmentIDs}
}

// mongoTerms are the search terms of content; never empty, so that a
// message without any is not taken for one stored before search existed.
func mongoTerms(content string) []string {
	if t := searchTokens(content); len(t) > 0 {
		return t
	}
	return []string{""}
}

func (d mongoMessage) message() Message {
	return Message{ID: d.ID, RoomID: d.RoomID, Seq: d.Seq, SenderID: d.SenderID,
		SenderName: d.SenderName, Content: d.Content, Mentions: d.Mentions, TempID: d.TempID,
		CreatedAt: d.CreatedAt.UTC(), ReplyToID: d.ReplyTo, EditedAt: goTime(d.EditedAt),
		DeletedAt: goTime(d.DeletedAt), DeletedBy: d.DeletedBy, PinnedAt: goTime(d.PinnedAt), Rev: d.Rev,
		AttachmentIDs: d.Attachments}
}

// mongoTime is t for an optional field: nil when zero.
func mongoTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func goTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// NewMongoStore returns the store on db, creating its indexes if they do not
// exist.
func NewMongoStore(ctx context.Context, db *mongo.Database) (*MongoStore, error) {
	s := &MongoStore{
		messages:  db.Collection("messages"),
		dedupe:    db.Collection("message_dedupe"),
		changes:   db.Collection("message_changes"),
		reactions: db.Collection("message_reactions"),
	}
	err := chatmongo.EnsureIndexes(ctx, s.messages,
		mongo.IndexModel{
			Keys:    bson.D{{Key: "roomId", Value: 1}, {Key: "createdAt", Value: -1}},
			Options: options.Index().SetName(IndexRoomCreatedAt),
		},
		mongo.IndexModel{
			Keys:    bson.D{{Key: "roomId", Value: 1}, {Key: "seq", Value: 1}},
			Options: options.Index().SetName(IndexRoomSeq).SetUnique(true),
		},
		mongo.IndexModel{
			Keys:    bson.D{{Key: "roomId", Value: 1}, {Key: "mentions", Value: 1}, {Key: "seq", Value: 1}},
			Options: options.Index().SetName(IndexRoomMentions),
		})
	if err == nil {
		err = chatmongo.EnsureIndexes(ctx, s.dedupe, mongo.IndexModel{
			Keys:    bson.D{{Key: "createdAt", Value: 1}},
			Options: options.Index().SetName(IndexClaimCreatedAt),
		})
	}
	if err == nil {
		err = s.ensureChangeIndexes(ctx)
	}
	if err == nil {
		err = s.ensureSearchIndex(ctx)
	}
	if err != nil {
		return nil, wire.Unavailablef("create messages indexes", err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.background.Go(func() { s.backfillSearch(bg) })
	return s, nil
}

// Close stops the store's background work (the search backfill). The
// client belongs to the caller.
func (s *MongoStore) Close() error {
	s.stop()
	s.background.Wait()
	return nil
}

// storeError wraps a failure of a read: a document that does not decode
// is internal, anything else an outage.
func storeError(op string, err error) error {
	var de *bson.DecodeError
	var ve bson.ValueDecoderError
	if errors.As(err, &de) || errors.As(err, &ve) {
		return fmt.Errorf("%s: %w: %w", op, ErrCorrupt, err)
	}
	return wire.Unavailablef(op, err)
}

// Before implements Store.
func (s *MongoStore) Before(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]Message, bool, error) {
	if limit <= 0 {
		return []Message{}, false, nil
	}
	filter := bson.D{{Key: "roomId", Value: roomID}}
	if beforeSeq > 0 {
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$lt", Value: beforeSeq}}})
	}
	page, hasMore, err := s.page(ctx, filter, -1, limit)
	if err != nil {
		return nil, false, storeError("messages before", err)
	}
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i]
	}
	if err := s.complete(ctx, page); err != nil {
		return nil, false, err
	}
	return page, hasMore, nil
}

// After implements Store.
func (s *MongoStore) After(ctx context.Context, roomID string, afterSeq int64, limit int) ([]Message, bool, error) {
	if limit <= 0 {
		return []Message{}, false, nil
	}
	filter := bson.D{{Key: "roomId", Value: roomID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: afterSeq}}}}
	page, hasMore, err := s.page(ctx, filter, 1, limit)
	if err != nil {
		return nil, false, storeError("messages after", err)
	}
	if err := s.complete(ctx, page); err != nil {
		return nil, false, err
	}
	return page, hasMore, nil
}

// page reads up to limit messages matching filter in seq order dir (1 or
// -1), asking for one more to learn whether more exist.
func (s *MongoStore) page(ctx context.Context, filter bson.D, dir, limit int) ([]Message, bool, error) {
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: dir}}).SetLimit(int64(limit) + 1)
	found, err := s.find(ctx, filter, opts)
	if err != nil {
		return nil, false, err
	}
	if len(found) > limit {
		return found[:limit], true, nil
	}
	return found, false, nil
}

func (s *MongoStore) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]Message, error) {
	cur, err := s.messages.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var docs []mongoMessage
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]Message, len(docs))
	for i, d := range docs {
		out[i] = d.message()
	}
	return out, nil
}

// ByID implements Store.
func (s *MongoStore) ByID(ctx context.Context, id string) (Message, error) {
	m, err := s.byID(ctx, id)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Message{}, ErrMessageNotFound
	case err != nil:
		return Message{}, storeError("message by id", err)
	}
	ms := []Message{m}
	if err := s.complete(ctx, ms); err != nil {
		return Message{}, err
	}
	return ms[0], nil
}

// byID returns the message or mongo.ErrNoDocuments, unwrapped.
func (s *MongoStore) byID(ctx context.Context, id string) (Message, error) {
	var d mongoMessage
	if err := s.messages.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return Message{}, err
	}
	return d.message(), nil
}
