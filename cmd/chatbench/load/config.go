package load

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is one fan-out run: who connects where, which rooms they join and
// how the senders send.
type Config struct {
	// URL is the base URL of the service; several, separated by commas, are
	// instances of one cluster: the clients of each room are dealt over
	// them in turn, so every room has members on each instance.
	URL       string
	Bases     []*url.URL // parsed from URL by Validate
	JWTSecret string
	Register  bool
	Password  string
	Prefix    string
	Label     string

	Clients int
	Rooms   int
	Senders int
	Rate    float64
	Window  int
	Size    int
	TempIDs bool

	Warmup   time.Duration
	Duration time.Duration
	Drain    time.Duration
	Settle   time.Duration
	Dials    int
	// PIDs are the server processes on this machine (instances, Redis, the
	// database) whose CPU time and RSS are summed in the report.
	PIDs []int
}

// Validate checks the configuration and fills Bases and an empty Prefix.
func (c *Config) Validate() error {
	var errs []error
	c.Bases = nil
	for _, raw := range strings.Split(c.URL, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("url: want http(s)://host:port, got %q", raw))
			continue
		}
		c.Bases = append(c.Bases, u)
	}
	if !c.Register && len(c.JWTSecret) < 16 {
		errs = append(errs, errors.New("jwt-secret: the deployment's secret (16 bytes or more) is needed, or use --register"))
	}
	if c.Clients < 1 || c.Rooms < 1 || c.Rooms > c.Clients {
		errs = append(errs, errors.New("want 1 <= rooms <= clients"))
	}
	if c.Senders < 0 || c.Senders > c.Clients || c.Window < 1 || c.Dials < 1 || c.Rate < 0 {
		errs = append(errs, errors.New("want 0 <= senders <= clients, window >= 1, dials >= 1, rate >= 0"))
	}
	if c.Prefix == "" {
		c.Prefix = NewPrefix()
	}
	return errors.Join(errs...)
}

// NewPrefix is a user name prefix unique to this run.
func NewPrefix() string {
	return "cb" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
}
