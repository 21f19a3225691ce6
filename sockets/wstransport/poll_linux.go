//go:build linux

package wstransport

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// poller watches the connections of pollReaders with an epoll instance of
// its own and starts a reader's drain when its connection has bytes to
// read. One goroutine waits for the whole process: an idle connection
// costs an entry in the kernel's interest list and in conns, no goroutine.
//
// Each connection is registered one-shot: after an event the kernel
// reports nothing more for it until its reader re-arms it, so at most one
// drain runs per connection and messages reach the engine in order.
type poller struct {
	epfd int
	// wait is epfd as the Go runtime's network poller sees it: the
	// goroutine waits for events parked there, as any network read does,
	// never in a blocking epoll_wait. A goroutine in a system call keeps
	// its P until the runtime's monitor takes it back (up to 10 ms later
	// when the monitor is idle), so a blocking wait would stall every other
	// goroutine of a process with one P after each wake-up. nil when the
	// runtime cannot poll it: the wait blocks then.
	wait syscall.RawConn
	file *os.File // keeps epfd open; never closed

	mu    sync.Mutex // guards conns and next
	conns map[uint64]*pollReader
	next  uint64
}

// The process's poller, started with the first connection. It is
// process-wide for the reason the runtime's network poller is: one epoll
// instance and one waiting goroutine serve any number of connections, and
// it holds nothing of a connection once the connection is gone.
var (
	pollerOnce sync.Once
	thePoller  *poller
	pollerErr  error
)

func sharedPoller() (*poller, error) {
	pollerOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			pollerErr = fmt.Errorf("wstransport: epoll_create1: %w", err)
			return
		}
		thePoller = &poller{epfd: fd, conns: make(map[uint64]*pollReader)}
		if syscall.SetNonblock(fd, true) == nil {
			thePoller.file = os.NewFile(uintptr(fd), "epoll")
			if rc, err := thePoller.file.SyscallConn(); err == nil {
				thePoller.wait = rc
			}
		}
		go thePoller.run()
	})
	return thePoller, pollerErr
}

// pollEvents are the events a connection is watched for: bytes to read,
// or the peer's end of the connection (read then returns 0 or an error).
const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

func (p *poller) run() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n := p.waitEvents(events)
		for _, ev := range events[:n] {
			if r := p.lookup(eventID(ev)); r != nil {
				r.ready()
			}
		}
	}
}

// waitEvents waits for events and returns how many it put in events.
func (p *poller) waitEvents(events []syscall.EpollEvent) int {
	if p.wait != nil {
		var n int
		err := p.wait.Read(func(fd uintptr) bool {
			var err error
			n, err = syscall.EpollWait(int(fd), events, 0)
			// Nothing ready: park until epfd is readable, then look again.
			return n > 0 || err != nil
		})
		if err == nil {
			return max(n, 0)
		}
		p.wait = nil // not pollable after all: block from now on
	}
	n, err := syscall.EpollWait(p.epfd, events, -1)
	if err != nil {
		// EINTR only: epfd stays open for the life of the process.
		return 0
	}
	return n
}

// add registers r under a new id; its connection's events then start r.
func (p *poller) add(r *pollReader, fd int) error {
	p.mu.Lock()
	p.next++
	r.id = p.next
	p.conns[r.id] = r
	p.mu.Unlock()
	ev := event(r.id)
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.forget(r.id)
		return fmt.Errorf("wstransport: epoll_ctl add: %w", err)
	}
	return nil
}

// rearm watches fd again for r after a drain.
func (p *poller) rearm(id uint64, fd int) error {
	ev := event(id)
	return syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
}

// remove stops watching fd; it must still be open.
func (p *poller) remove(fd int) {
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
}

// forget drops the reader of id: events still queued for it are ignored.
func (p *poller) forget(id uint64) {
	p.mu.Lock()
	delete(p.conns, id)
	p.mu.Unlock()
}

func (p *poller) lookup(id uint64) *pollReader {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[id]
}

// watching is how many connections are registered, for tests.
func (p *poller) watching() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// event carries a reader's id, never a descriptor: a descriptor number is
// reused as soon as its connection is closed, an id never.
func event(id uint64) syscall.EpollEvent {
	return syscall.EpollEvent{Events: pollEvents, Fd: int32(uint32(id)), Pad: int32(uint32(id >> 32))}
}

func eventID(ev syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
