package load

import (
	"fmt"
	"io"
)

// Result is the report of one fan-out run. Server fields are zero unless
// PIDs were given; with several, they are the sums over those processes.
type Result struct {
	Label   string  `json:"label,omitempty"`
	Clients int     `json:"clients"`
	Rooms   int     `json:"rooms"`
	Senders int     `json:"senders"`
	Rate    float64 `json:"rate"`
	Window  int     `json:"window"`
	// Instances is the number of server instances the clients were dealt
	// over.
	Instances int `json:"instances"`
	Size      int `json:"size"`

	ConnectSeconds float64 `json:"connectSeconds"`
	RSSIdleBytes   int64   `json:"rssIdleBytes,omitempty"`
	RSSConnected   int64   `json:"rssConnectedBytes,omitempty"`
	RSSPerConn     float64 `json:"rssPerConnBytes,omitempty"`

	WindowSeconds     float64 `json:"windowSeconds"`
	Deliveries        int64   `json:"deliveries"`
	DeliveriesPerSec  float64 `json:"deliveriesPerSec"`
	MessagesPerSec    float64 `json:"messagesPerSec"`
	ServerCPUSeconds  float64 `json:"serverCpuSeconds,omitempty"`
	ServerCPUPercent  float64 `json:"serverCpuPercent,omitempty"`
	DeliveriesPerCPUS float64 `json:"deliveriesPerCpuSecond,omitempty"`
	RSSLoaded         int64   `json:"rssLoadedBytes,omitempty"`

	Sent       int64   `json:"sent"`
	Acked      int64   `json:"acked"`
	Failed     int64   `json:"failed"`
	Unacked    int64   `json:"unacked"`
	FirstError string  `json:"firstError,omitempty"`
	Expected   int64   `json:"expected"`
	Received   int64   `json:"received"`
	Lost       int64   `json:"lost"`
	Gaps       int64   `json:"seqGaps"`
	Disorder   int64   `json:"seqDisorder"`
	Closed     int64   `json:"closedByServer"`
	E2E        Summary `json:"e2e"`
	Ack        Summary `json:"ack"`
}

// memory records the server's RSS before the clients connected and once
// they had joined.
func (r *Result) memory(idle, joined point, clients int) {
	if !idle.hasProc || !joined.hasProc {
		return
	}
	r.RSSIdleBytes, r.RSSConnected = idle.proc.RSS, joined.proc.RSS
	r.RSSPerConn = float64(joined.proc.RSS-idle.proc.RSS) / float64(clients)
}

// window records the rates of the measured window.
func (r *Result) window(before, after point) {
	secs := after.at.Sub(before.at).Seconds()
	r.WindowSeconds = secs
	r.Deliveries = after.received - before.received
	r.DeliveriesPerSec = float64(r.Deliveries) / secs
	r.MessagesPerSec = float64(after.acked-before.acked) / secs
	if !before.hasProc || !after.hasProc {
		return
	}
	cpu := (after.proc.CPU - before.proc.CPU).Seconds()
	r.ServerCPUSeconds = cpu
	r.ServerCPUPercent = 100 * cpu / secs
	r.RSSLoaded = after.proc.RSS
	if cpu > 0 {
		r.DeliveriesPerCPUS = float64(r.Deliveries) / cpu
	}
}

// Print writes the report as text.
func (r *Result) Print(w io.Writer) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format+"\n", args...) }
	p("clients %d in %d rooms over %d instance(s), %d senders, rate %s, window %d, content %d B; connected in %.1f s",
		r.Clients, r.Rooms, r.Instances, r.Senders, rateText(r.Rate), r.Window, r.Size, r.ConnectSeconds)
	if r.RSSConnected > 0 {
		p("server RSS: %.1f MB idle, %.1f MB connected: %.1f KB per connection",
			mb(r.RSSIdleBytes), mb(r.RSSConnected), r.RSSPerConn/1024)
	}
	if r.Senders == 0 {
		return
	}
	p("window %.1f s: %d deliveries, %.0f deliveries/s, %.0f messages/s", r.WindowSeconds, r.Deliveries, r.DeliveriesPerSec, r.MessagesPerSec)
	if r.ServerCPUSeconds > 0 {
		p("server CPU %.2f s (%.0f%%): %.0f deliveries per CPU-second; RSS %.1f MB",
			r.ServerCPUSeconds, r.ServerCPUPercent, r.DeliveriesPerCPUS, mb(r.RSSLoaded))
	}
	p("messages: %d sent, %d acked, %d failed, %d unacked", r.Sent, r.Acked, r.Failed, r.Unacked)
	if r.FirstError != "" {
		p("first failure: %s", r.FirstError)
	}
	p("deliveries: %d expected, %d received, %d lost; seq gaps %d, out of order %d; %d connections closed by the server",
		r.Expected, r.Received, r.Lost, r.Gaps, r.Disorder, r.Closed)
	p("e2e ms: %s", r.E2E)
	p("ack ms: %s", r.Ack)
}

func (s Summary) String() string {
	return fmt.Sprintf("p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)", s.P50, s.P90, s.P99, s.P999, s.Max, s.Count)
}

func rateText(r float64) string {
	if r == 0 {
		return "flat out"
	}
	return fmt.Sprintf("%.0f msg/s", r)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
