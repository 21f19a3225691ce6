package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"time"
)

// logRestart is the size of the write-ahead log, in pages (64 MB of 4 KB
// pages), at which the checkpointer has the writer make it start over. The
// writer waits for each restart, which syncs the log and the database to
// disk: a larger log restarts less often.
const logRestart = 16384

// checkpointEvery is the shortest time between two checkpoints.
const checkpointEvery = 200 * time.Millisecond

// writerConn is the writer's own connection, kept so that its page cache
// stays warm, with the statements prepared on it by query text. Only the
// writer goroutine uses it. conn is nil after a failure that may have
// spoiled it; open takes a new one.
type writerConn struct {
	db    *sql.DB
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// open takes a connection from the pool unless it has one.
func (c *writerConn) open(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return err
	}
	// The checkpointer copies the log, not the commits of this connection;
	// and the log file keeps the size it once grew to: this connection,
	// which restarts it, cuts it back to a limit, twice the size at which
	// it restarts so that it is not cut and grown again every time.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 134217728`); err != nil {
		_ = conn.Close()
		return err
	}
	c.conn, c.stmts = conn, map[string]*sql.Stmt{}
	return nil
}

// stmt returns the statement of query, prepared on the connection.
func (c *writerConn) stmt(query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// close closes the statements and gives the connection back to the pool,
// or has the pool drop it when it may still be inside a transaction.
func (c *writerConn) close(spoiled bool) {
	if c.conn == nil {
		return
	}
	for _, s := range c.stmts {
		_ = s.Close()
	}
	c.stmts = nil
	if spoiled {
		_ = c.conn.Raw(func(any) error { return driver.ErrBadConn })
	} else {
		_ = c.conn.Close()
	}
	c.conn = nil
}

// checkpointer copies committed pages from the write-ahead log into the
// database after the writer's commits, from its own goroutine and
// connection, so that the writer seldom does it itself. Copying alongside
// the writer never lets the log start over, so once the log holds
// logRestart pages the checkpointer stands aside and asks the writer to
// checkpoint between two transactions, which restarts the log. A failed
// checkpoint is left to the next one.
type checkpointer struct {
	db      *sql.DB
	quit    <-chan struct{}
	kicks   chan struct{}
	restart atomic.Bool // checkpoint and restart the log before the next batch
	scrub   atomic.Bool // checkpoint and truncate the log as soon as possible
}

func newCheckpointer(db *sql.DB, quit <-chan struct{}) *checkpointer {
	return &checkpointer{db: db, quit: quit, kicks: make(chan struct{}, 1)}
}

// kick tells the checkpointer a transaction has committed.
func (c *checkpointer) kick() {
	select {
	case c.kicks <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	for {
		select {
		case <-c.quit:
			return
		case <-c.kicks:
			if c.scrub.Load() {
				c.truncate()
				continue
			}
			if c.restart.Load() {
				continue
			}
			var busy, logged, copied int
			err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).
				Scan(&busy, &logged, &copied)
			if err == nil && busy == 0 && logged >= logRestart {
				c.restart.Store(true)
			}
			// A checkpoint syncs the log and the database to disk: one per
			// commit would cost every write a disk flush. Commits made
			// meanwhile are copied by the next one.
			select {
			case <-c.quit:
				return
			case <-time.After(checkpointEvery):
			}
		}
	}
}

// truncate copies the whole log into the database and truncates the log
// file to nothing, so that what a write overwrote (erased content) is
// left in no file; while readers still use older pages it fails, and is
// tried again a moment later.
func (c *checkpointer) truncate() {
	var busy, logged, copied int
	err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &copied)
	if err == nil && busy == 0 {
		c.scrub.Store(false)
		return
	}
	go func() {
		select {
		case <-c.quit:
		case <-time.After(checkpointEvery):
			c.kick()
		}
	}()
}

// restartIfAsked checkpoints the log with no write under way, on the
// writer's connection: it copies the pages the checkpointer has not, waits
// for readers of older pages, and has the next commit write the log from
// its start. While the checkpointer is still busy it fails and is tried
// again before the next batch.
func (c *checkpointer) restartIfAsked(conn *sql.Conn) {
	if !c.restart.Load() {
		return
	}
	var busy, logged, copied int
	err := conn.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logged, &copied)
	if err != nil || busy == 0 {
		c.restart.Store(false)
	}
}
