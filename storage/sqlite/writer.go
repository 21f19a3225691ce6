package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"
	"time"
)

// maxBatch bounds how many jobs share one transaction.
const maxBatch = 256

// gatherShare is the share of a batch's commit time the writer may wait,
// after it, for the next batch to fill (see gather).
const gatherShare = 8

// ErrClosed answers the jobs given to a Writer after Close.
var ErrClosed = errors.New("database writer closed")

// Writer commits the writes of many callers in shared transactions (group
// commit): one goroutine takes every job waiting at that moment (up to
// maxBatch), runs them in order in one transaction on a connection of its
// own and commits once. A lone job is committed at once; under load the
// cost of a commit, the disk sync of its log frames, is shared by the whole
// batch. Each caller gets its answer only after the transaction holding its
// job has committed.
//
// The writer also keeps the write-ahead log short (see checkpointer). It is
// safe for concurrent use; Close stops it after the jobs already queued.
type Writer struct {
	db    *sql.DB
	queue chan *job
	quit  chan struct{} // closed by Close
	done  chan struct{} // closed when the writer goroutine has returned
	once  sync.Once
	conn  writerConn
	ckpt  *checkpointer
	wg    sync.WaitGroup
}

// job is one call of Do: its work and where its answer goes. res has room
// for the answer, so the writer never blocks on a caller that gave up.
type job struct {
	ctx context.Context
	fn  func(*Tx) error
	res chan error
}

// Tx is the transaction a job runs in. Its statements are prepared once on
// the writer's connection and kept. A job must not keep it.
type Tx struct {
	conn  *writerConn
	after []func()
}

// Exec runs a statement of the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	stmt, err := t.conn.stmt(query)
	if err != nil {
		return nil, err
	}
	return stmt.ExecContext(context.Background(), args...)
}

// QueryRow runs a query of the transaction that returns at most one row.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	stmt, err := t.conn.stmt(query)
	if err != nil {
		// A Row of a failed statement reports its error on Scan.
		return t.conn.conn.QueryRowContext(context.Background(), query, args...)
	}
	return stmt.QueryRowContext(context.Background(), args...)
}

// Query runs a query of the transaction.
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	stmt, err := t.conn.stmt(query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(context.Background(), args...)
}

// QueryContext runs a query of the transaction without keeping it
// prepared: for queries whose text varies (IN lists).
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.conn.QueryContext(ctx, query, args...)
}

// AfterCommit runs fn on the writer goroutine once the transaction has
// committed, before the job's caller hears of it; never if it does not
// commit. Jobs keep in-memory state in step with the database with it.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// NewWriter starts the writer of db (opened by Open).
func NewWriter(ctx context.Context, db *sql.DB) (*Writer, error) {
	w := &Writer{
		db:    db,
		queue: make(chan *job, 4*maxBatch),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		conn:  writerConn{db: db},
	}
	if err := w.conn.open(ctx); err != nil {
		return nil, err
	}
	w.ckpt = newCheckpointer(db, w.quit)
	w.wg.Go(w.run)
	w.wg.Go(w.ckpt.run)
	return w, nil
}

// Do runs fn in the next shared transaction and returns once that has
// committed (nil), fn failed (its error; the writes of the other jobs of
// the transaction are kept), or the transaction failed (its error). fn runs
// on the writer goroutine and must do nothing but database work through
// tx: it may be run a second time, in a new transaction, when another job
// of its batch failed. If ctx ends before the writer takes the job, Do
// returns ctx.Err() and the job never runs; once taken, it runs whatever
// ctx does, and Do waits for it unless ctx ends first.
func (w *Writer) Do(ctx context.Context, fn func(*Tx) error) error {
	j := &job{ctx: ctx, fn: fn, res: make(chan error, 1)}
	select {
	case w.queue <- j:
	case <-w.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-j.res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		// The writer answers before it stops: no answer now means it never
		// took this job.
		select {
		case err := <-j.res:
			return err
		default:
			return ErrClosed
		}
	}
}

// Scrub has the write-ahead log checkpointed and truncated soon after the
// last commit, so that content a job overwrote or deleted is in no file
// any more (with secure_delete on, which Open sets, the database's own
// pages are overwritten in place).
func (w *Writer) Scrub() {
	w.ckpt.scrub.Store(true)
	w.ckpt.kick()
}

// Close commits the jobs already queued and stops the writer; later jobs
// fail with ErrClosed. It does not close the database. It may be called
// more than once.
func (w *Writer) Close() error {
	w.once.Do(func() {
		close(w.quit)
		w.wg.Wait()
		w.conn.close(false)
	})
	return nil
}

// run is the writer goroutine.
func (w *Writer) run() {
	defer close(w.done)
	batch := make([]*job, 0, maxBatch)
	for {
		select {
		case j := <-w.queue:
			batch = w.collect(append(batch[:0], j))
			began := time.Now()
			w.commit(batch)
			w.ckpt.kick()
			if len(batch) > 1 {
				w.gather(len(batch), time.Since(began)/gatherShare)
			}
			clear(batch)
		case <-w.quit:
			for batch = w.collect(batch[:0]); len(batch) > 0; batch = w.collect(batch[:0]) {
				w.commit(batch)
			}
			return
		}
	}
}

// collect adds the jobs already queued to batch, without waiting.
func (w *Writer) collect(batch []*job) []*job {
	for len(batch) < maxBatch {
		select {
		case j := <-w.queue:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// gather waits, up to d, until n jobs are queued. Under load the callers
// just answered give more work at once; taking the next batch before they
// have would split it into small ones, and each transaction writes the
// last pages of every table and index it touches however little it stores
// in them. A lone job never waits, and waiting costs a batch at most a
// small share of its commit time.
func (w *Writer) gather(n int, d time.Duration) {
	deadline := time.Now().Add(d)
	for len(w.queue) < n && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}

// commit runs the batch's jobs in one transaction and answers each. When a
// job fails, the transaction is rolled back, that job gets its error and
// the others run again in a new transaction; when that fails too, every
// one gets the error.
func (w *Writer) commit(batch []*job) {
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.res <- err
			continue
		}
		live = append(live, j)
	}
	for attempt := 0; len(live) > 0; attempt++ {
		failed, err := w.transact(live)
		switch {
		case err == nil:
			return
		case failed < 0 || attempt > 0:
			for _, j := range live {
				j.res <- err
			}
			return
		}
		live[failed].res <- err
		live = append(live[:failed:failed], live[failed+1:]...)
	}
}

// transact runs jobs in one transaction. On success it runs their
// AfterCommit functions and answers them. It returns the index of the job
// that failed, or -1 when the transaction itself did, with the error.
func (w *Writer) transact(jobs []*job) (int, error) {
	ctx := context.Background()
	if err := w.conn.open(ctx); err != nil {
		return -1, err
	}
	w.ckpt.restartIfAsked(w.conn.conn)
	if _, err := w.conn.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		w.conn.close(true)
		return -1, err
	}
	txs := make([]Tx, len(jobs))
	for i, j := range jobs {
		txs[i].conn = &w.conn
		if err := j.fn(&txs[i]); err != nil {
			w.rollback()
			return i, err
		}
	}
	if _, err := w.conn.conn.ExecContext(ctx, "COMMIT"); err != nil {
		w.rollback()
		return -1, err
	}
	for i, j := range jobs {
		for _, fn := range txs[i].after {
			fn()
		}
		j.res <- nil
	}
	return -1, nil
}

// rollback ends a failed transaction. After a failed COMMIT the transaction
// may be over or still open; if ROLLBACK fails too, the state of the
// connection is unknown and the pool drops it.
func (w *Writer) rollback() {
	if _, err := w.conn.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		w.conn.close(true)
	}
}
