package emulator

import (
	"log"
	"time"
)

// Config says how an emulator behaves. The zero value is usable: every
// field has a default, applied by New.
type Config struct {
	// Addr is where Start listens when it is given an empty address
	// (default 127.0.0.1:4599).
	Addr string
	// DataDir keeps history, trails, signing keys and S3 objects across
	// restarts; empty means everything lives in memory.
	DataDir string
	// Seed makes the seeded history deterministic.
	Seed int64
	// HistoryDays is how many days of background activity to seed; 0 seeds
	// none. A DataDir that already holds history is never reseeded.
	HistoryDays int
	// SeedProfile is a seed profile file (JSON, see seed.go); empty uses the
	// built-in one.
	SeedProfile string
	// HistoryCap is the most events kept; the oldest are dropped and
	// counted (default 200000).
	HistoryCap int
	// Rate is how many LookupEvents calls per second each account and region
	// may make before ThrottlingException (default 2, as AWS); negative
	// disables throttling. Burst is the bucket size (default max(1, Rate)).
	Rate  float64
	Burst int
	// DeliveryInterval is how often logging trails deliver log files
	// (default 5 minutes); DigestInterval how often validating trails write
	// digest files (default 1 hour).
	DeliveryInterval time.Duration
	DigestInterval   time.Duration
	// KeyTable maps access keys to identities; nil uses DefaultKeyTable.
	// Unknown keys become IAM users named after the key.
	KeyTable []Identity
	// AccountID is the account of callers whose identity names none
	// (default 123456789012); OrganizationID the organization that
	// organization trails log for (default o-a1b2c3d4e5).
	AccountID      string
	OrganizationID string
	// MaxBodyBytes caps request bodies (default 32 MiB).
	MaxBodyBytes int64
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
	// Logf reports background problems such as failed deliveries (default
	// log.Printf).
	Logf func(format string, args ...any)
}

// The defaults New applies.
const (
	DefaultAddr             = "127.0.0.1:4599"
	DefaultAccountID        = "123456789012"
	DefaultOrganizationID   = "o-a1b2c3d4e5"
	DefaultHistoryCap       = 200000
	DefaultRate             = 2
	DefaultDeliveryInterval = 5 * time.Minute
	DefaultDigestInterval   = time.Hour
	DefaultMaxBodyBytes     = 32 << 20
)

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.HistoryCap <= 0 {
		c.HistoryCap = DefaultHistoryCap
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = max(1, int(c.Rate))
	}
	if c.DeliveryInterval <= 0 {
		c.DeliveryInterval = DefaultDeliveryInterval
	}
	if c.DigestInterval <= 0 {
		c.DigestInterval = DefaultDigestInterval
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.OrganizationID == "" {
		c.OrganizationID = DefaultOrganizationID
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	if c.KeyTable == nil {
		c.KeyTable = DefaultKeyTable()
	}
	return c
}
