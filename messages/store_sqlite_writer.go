package messages

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"maps"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/roomchat/chat/wire"
)

// sqliteMaxBatch bounds how many appends share one transaction.
const sqliteMaxBatch = 256

// sqliteLogRestart is the size of the write-ahead log, in pages (64 MB of
// 4 KB pages), at which the checkpointer makes it start over. The writer
// waits for each restart, which syncs the log and the database to disk: a
// larger log restarts less often.
const sqliteLogRestart = 16384

// sqliteCheckpointEvery is the shortest time between two checkpoints.
const sqliteCheckpointEvery = 200 * time.Millisecond

// sqliteGatherShare is the share of a batch's commit time the writer may
// wait, after it, for the next batch to fill (see gather).
const sqliteGatherShare = 8

// errSQLiteClosed answers appends made after Close.
var errSQLiteClosed = errors.New("messages store closed")

// sqliteAppend is one queued Append: its message and where its answer goes.
// res has room for the answer, so the writer never blocks on a caller that
// gave up.
type sqliteAppend struct {
	ctx context.Context
	msg Message
	res chan sqliteAppendResult
}

type sqliteAppendResult struct {
	msg     Message
	created bool
	err     error
}

// Append implements Store. The message joins the writer's queue; the call
// returns once the transaction holding it has committed or failed. If ctx
// ends first the call returns an unavailable error wrapping ctx.Err(), and
// the append is still committed if the writer had already taken it (a retry
// with the same TempID then returns it).
func (s *SQLiteStore) Append(ctx context.Context, m Message) (Message, bool, error) {
	return s.QueueAppend(ctx, m)()
}

// QueueAppend implements QueuedAppender: it returns once the message is in
// the writer's queue, which the writer takes in order.
func (s *SQLiteStore) QueueAppend(ctx context.Context, m Message) func() (Message, bool, error) {
	if m.ID == "" {
		m.ID = wire.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = wire.Now()
	}
	m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Millisecond)
	req := &sqliteAppend{ctx: ctx, msg: m, res: make(chan sqliteAppendResult, 1)}
	select {
	case s.queue <- req:
	case <-s.quit:
		return failedAppend(wire.Unavailablef("append message", errSQLiteClosed))
	case <-ctx.Done():
		return failedAppend(wire.Unavailablef("append message", ctx.Err()))
	}
	return func() (Message, bool, error) {
		select {
		case r := <-req.res:
			return r.msg, r.created, r.err
		case <-ctx.Done():
			return Message{}, false, wire.Unavailablef("append message", ctx.Err())
		case <-s.stopped:
			// The writer answers before it stops: no answer now means it
			// never took this request.
			select {
			case r := <-req.res:
				return r.msg, r.created, r.err
			default:
				return Message{}, false, wire.Unavailablef("append message", errSQLiteClosed)
			}
		}
	}
}

func failedAppend(err error) func() (Message, bool, error) {
	return func() (Message, bool, error) { return Message{}, false, err }
}

// run is the writer goroutine: it takes every append waiting in the queue
// (up to sqliteMaxBatch) and commits them together. After Close it commits
// what is still queued, then returns.
func (s *SQLiteStore) run() {
	defer close(s.stopped)
	batch := make([]*sqliteAppend, 0, sqliteMaxBatch)
	for {
		select {
		case req := <-s.queue:
			batch = s.collect(append(batch[:0], req))
			began := time.Now()
			s.writer.commit(batch)
			select {
			case s.kick <- struct{}{}:
			default:
			}
			if len(batch) > 1 {
				s.gather(len(batch), time.Since(began)/sqliteGatherShare)
			}
		case <-s.quit:
			for batch = s.collect(batch[:0]); len(batch) > 0; batch = s.collect(batch[:0]) {
				s.writer.commit(batch)
			}
			return
		}
	}
}

// checkpoint copies committed pages from the write-ahead log into the
// database after the writer's commits, from its own goroutine and
// connection, so that the writer seldom does it itself. Copying alongside
// the writer never lets the log start over, so once the log holds
// sqliteLogRestart pages the checkpointer stands aside and asks the writer
// to checkpoint between two transactions, which restarts the log. A failed
// checkpoint is left to the next one.
func (s *SQLiteStore) checkpoint() {
	for {
		select {
		case <-s.quit:
			return
		case <-s.kick:
			if s.writer.restartLog.Load() {
				continue
			}
			var busy, logged, copied int
			err := s.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).
				Scan(&busy, &logged, &copied)
			if err == nil && busy == 0 && logged >= sqliteLogRestart {
				s.writer.restartLog.Store(true)
			}
			// A checkpoint syncs the log and the database to disk: one per
			// commit would cost every send a disk flush. Commits made
			// meanwhile are copied by the next one.
			select {
			case <-s.quit:
				return
			case <-time.After(sqliteCheckpointEvery):
			}
		}
	}
}

// gather waits, up to d, until n appends are queued. Under load the callers
// just answered append again at once; taking the next batch before they
// have would split them into small batches, and each transaction writes
// the last pages of every room and index it touches however few messages
// it stores in them. A lone append never waits, and waiting costs a batch
// at most a small share of its commit time.
func (s *SQLiteStore) gather(n int, d time.Duration) {
	deadline := time.Now().Add(d)
	for len(s.queue) < n && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}

// collect adds the appends already queued to batch, without waiting.
func (s *SQLiteStore) collect(batch []*sqliteAppend) []*sqliteAppend {
	for len(batch) < sqliteMaxBatch {
		select {
		case req := <-s.queue:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// sqliteWriter is the state of the writer goroutine; only that goroutine
// uses it, but for restartLog, which the checkpointer sets. It keeps one
// connection of its own, so that its page cache stays warm, with its
// statements prepared on it, and drives the transactions on it itself
// (BEGIN IMMEDIATE … COMMIT). seqs caches the last committed seq of each
// room it has written, so that assigning a seq needs no read; unmerged
// holds the claims of the messages after merged, the last n whose claims
// are in message_dedupe; stored is the n of the last message committed.
// They change only after a commit.
type sqliteWriter struct {
	db       *sql.DB
	conn     *sql.Conn   // nil after a failure that may have spoiled it
	stmts    []*sql.Stmt // prepared on conn, by the sqliteWrite* indexes
	seqs     map[string]int64
	unmerged map[sqliteClaimKey]sqliteClaim
	merged   int64
	stored   int64
	mergeAt  int // sqliteMergeAt, but in tests

	// The buffers of a batch, reused by the next one.
	live     []*sqliteAppend
	results  []sqliteAppendResult
	assigned map[string]int64
	claimed  map[sqliteClaimKey]sqliteClaim

	restartLog atomic.Bool // checkpoint and restart the log before the next batch
}

func newSQLiteWriter(ctx context.Context, db *sql.DB) (*sqliteWriter, error) {
	w := &sqliteWriter{db: db, seqs: map[string]int64{}, unmerged: map[sqliteClaimKey]sqliteClaim{},
		mergeAt: sqliteMergeAt, assigned: map[string]int64{}, claimed: map[sqliteClaimKey]sqliteClaim{}}
	if err := w.readClaims(ctx); err != nil {
		return nil, err
	}
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// readClaims reads the mark and the claims of the messages after it; of
// two claims of a pair, the later one stays.
func (w *sqliteWriter) readClaims(ctx context.Context) error {
	if err := w.db.QueryRowContext(ctx, sqliteMarks).Scan(&w.merged, &w.stored); err != nil {
		return err
	}
	rows, err := w.db.QueryContext(ctx, sqliteUnmerged, w.merged)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var key sqliteClaimKey
		var c sqliteClaim
		if err := rows.Scan(&key.senderID, &key.tempID, &c.messageID, &c.createdAt); err != nil {
			return err
		}
		w.unmerged[key] = c
	}
	return rows.Err()
}

// connect takes a connection from the pool and prepares the statements.
func (w *sqliteWriter) connect(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	w.conn = conn
	// The checkpointer copies the log, not the commits of this connection;
	// and the log file keeps the size it once grew to: this connection,
	// which restarts it, cuts it back to a limit, twice the size at which
	// it restarts so that it is not cut and grown again every time.
	_, err = conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 134217728`)
	if err != nil {
		w.disconnect(false)
		return err
	}
	for _, q := range sqliteWriteQueries() {
		stmt, err := conn.PrepareContext(ctx, q)
		if err != nil {
			w.disconnect(false)
			return err
		}
		w.stmts = append(w.stmts, stmt)
	}
	return nil
}

// disconnect closes the statements and gives the connection back to the
// pool, or has the pool drop it when it may still be inside a transaction.
func (w *sqliteWriter) disconnect(spoiled bool) {
	if w.conn == nil {
		return
	}
	for _, stmt := range w.stmts {
		_ = stmt.Close()
	}
	w.stmts = nil
	if spoiled {
		_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
	} else {
		_ = w.conn.Close()
	}
	w.conn = nil
}

func (w *sqliteWriter) close() { w.disconnect(false) }

// restart checkpoints the log with no write under way: it copies the pages
// the checkpointer has not, waits for readers of older pages, and has the
// next commit write the log from its start. While the checkpointer is still
// busy it fails and is tried again before the next batch.
func (w *sqliteWriter) restart(ctx context.Context) {
	var busy, logged, copied int
	err := w.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logged, &copied)
	if err != nil || busy == 0 {
		w.restartLog.Store(false)
	}
}

// commit stores the batch in one transaction and answers every caller.
// Appends whose caller has gone are dropped first. If the transaction
// fails, every caller gets the error and the rooms of the batch are
// forgotten by the seq cache, to be read again from the database.
func (w *sqliteWriter) commit(batch []*sqliteAppend) {
	live := w.live[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.res <- sqliteAppendResult{err: wire.Unavailablef("append message", err)}
			continue
		}
		live = append(live, req)
	}
	w.live = live
	defer clear(live) // the buffer should not keep the requests alive
	if len(live) == 0 {
		return
	}
	results, assigned, err := w.store(live)
	if err != nil {
		err = wire.Unavailablef("append message", err)
		for _, req := range live {
			delete(w.seqs, req.msg.RoomID)
			req.res <- sqliteAppendResult{err: err}
		}
		return
	}
	for room, seq := range assigned {
		w.seqs[room] = seq
	}
	for i, req := range live {
		req.res <- results[i]
	}
	clear(results)
	if len(w.unmerged) >= w.mergeAt {
		w.merge()
	}
}

// merge copies the claims of the messages stored since the last merge into
// message_dedupe, then moves the mark past them. Each statement is a
// transaction of its own: SQLite then keeps no statement journal to undo
// the copy of thousands of rows, and a crash between the two only has the
// next merge copy the same claims again. A failed merge is tried again
// after the next batch.
func (w *sqliteWriter) merge() {
	ctx := context.Background()
	if _, err := w.stmts[sqliteWriteMerge].ExecContext(ctx, w.merged, w.stored); err != nil {
		return
	}
	if _, err := w.stmts[sqliteWriteMark].ExecContext(ctx, w.stored); err != nil {
		return
	}
	w.merged = w.stored
	clear(w.unmerged)
}

// store runs the transaction of a batch. It returns the answers and the
// last seq it assigned in each room.
func (w *sqliteWriter) store(batch []*sqliteAppend) ([]sqliteAppendResult, map[string]int64, error) {
	// No deadline: the statements of a batch cannot hang (waits for the
	// database lock end with the busy timeout of sqlite.Open), and a context
	// that can end costs a goroutine per statement in the driver.
	ctx := context.Background()
	if w.conn == nil {
		if err := w.connect(ctx); err != nil {
			return nil, nil, err
		}
	}
	if w.restartLog.Load() {
		w.restart(ctx)
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		w.disconnect(true)
		return nil, nil, err
	}
	clear(w.assigned)
	clear(w.claimed)
	b := sqliteBatch{ctx: ctx, w: w, assigned: w.assigned, claimed: w.claimed}
	if cap(w.results) < len(batch) {
		w.results = make([]sqliteAppendResult, len(batch))
	}
	results := w.results[:len(batch)]
	var err error
	for i, req := range batch {
		if results[i], err = b.append(req.msg); err != nil {
			break
		}
	}
	if err == nil {
		_, err = w.conn.ExecContext(ctx, "COMMIT")
	}
	if err != nil {
		// After a failed COMMIT the transaction may be over or still open;
		// if ROLLBACK fails too, the state of the connection is unknown and
		// the pool drops it.
		if _, rbErr := w.conn.ExecContext(ctx, "ROLLBACK"); rbErr != nil {
			w.disconnect(true)
		}
		return nil, nil, err
	}
	maps.Copy(w.unmerged, b.claimed)
	if b.last > 0 {
		w.stored = b.last
	}
	return results, b.assigned, nil
}
