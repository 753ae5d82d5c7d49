// Package config reads the hub's settings from flags and the environment
// (flags win). Every setting is listed in the README's configuration table.
// It imports nothing of the hub.
package config

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is every setting of `lianxin serve` and the tools that share it.
type Config struct {
	Addr           string        // LIANXIN_ADDR
	DataDir        string        // LIANXIN_DATA_DIR
	DatabaseURL    string        // LIANXIN_DATABASE_URL; "" = SQLite in DataDir
	RedisURL       string        // LIANXIN_REDIS_URL; "" = in-process presence
	SecretKey      string        // LIANXIN_SECRET_KEY (hex, ≥ 32 bytes); "" = kept in DataDir
	Demo           bool          // LIANXIN_DEMO
	LogLevel       string        // LIANXIN_LOG_LEVEL
	TrustProxy     bool          // LIANXIN_TRUST_PROXY
	SealInterval   time.Duration // LIANXIN_AUDIT_SEAL_INTERVAL
	SLAInterval    time.Duration // LIANXIN_SLA_CHECK_INTERVAL
	NodeID         string        // LIANXIN_NODE_ID
	PresenceTTL    time.Duration // LIANXIN_PRESENCE_TTL
	ShutdownPeriod time.Duration // LIANXIN_SHUTDOWN_TIMEOUT
	SFUMode        string        // LIANXIN_SFU_MODE: SFUEmbedded or SFUExternal (serve)
	SFUPublicURL   string        // LIANXIN_SFU_PUBLIC_URL (lianxin sfu)
	SFUHeartbeat   time.Duration // LIANXIN_SFU_HEARTBEAT; a node is dead after 3 missed
	// RecordingRetentionYears: SFU recordings older than this are deleted
	// (audio/video process records are kept at least 3 years).
	RecordingRetentionYears int // LIANXIN_RECORDING_RETENTION_YEARS

	// TURN relay: read them through TURN(), which checks them.
	TURNMode       string        // LIANXIN_TURN: auto, on or off
	TURNAddr       string        // LIANXIN_TURN_ADDR
	TURNPublicIP   string        // LIANXIN_TURN_PUBLIC_IP; "" = detected
	TURNRelayPorts string        // LIANXIN_TURN_RELAY_PORTS, "min-max"; "" = any free port
	TURNURLs       string        // LIANXIN_TURN_URLS, comma-separated
	TURNSecret     string        // LIANXIN_TURN_SECRET; "" = derived from the master key
	TURNTTL        time.Duration // LIANXIN_TURN_TTL
}

// The values of LIANXIN_SFU_MODE.
const (
	SFUEmbedded = "embedded" // the hub runs the SFU in its own process (default)
	SFUExternal = "external" // `lianxin sfu` nodes register in Redis; the hub routes joins to them
)

// Register defines the flags on fs, with defaults from the environment.
func (c *Config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", env("LIANXIN_ADDR", ":8080"), "listen address (LIANXIN_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("LIANXIN_DATA_DIR", "./data"), "data directory: SQLite file, uploads, key (LIANXIN_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("LIANXIN_DATABASE_URL", ""), "postgres:// URL; empty = embedded SQLite (LIANXIN_DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", env("LIANXIN_REDIS_URL", ""), "redis:// URL for presence; empty = in-process (LIANXIN_REDIS_URL)")
	fs.StringVar(&c.SecretKey, "secret-key", env("LIANXIN_SECRET_KEY", ""), "hex master key, ≥ 32 bytes; empty = generated once into the data dir (LIANXIN_SECRET_KEY)")
	fs.StringVar(&c.LogLevel, "log-level", env("LIANXIN_LOG_LEVEL", "info"), "debug, info, warn or error (LIANXIN_LOG_LEVEL)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool("LIANXIN_TRUST_PROXY"), "take client addresses from X-Forwarded-For (LIANXIN_TRUST_PROXY)")
	fs.DurationVar(&c.SealInterval, "audit-seal-interval", envDuration("LIANXIN_AUDIT_SEAL_INTERVAL", time.Second), "how often the audit chain is sealed (LIANXIN_AUDIT_SEAL_INTERVAL)")
	host, _ := os.Hostname()
	fs.StringVar(&c.NodeID, "node-id", env("LIANXIN_NODE_ID", host), "this node's name in presence (LIANXIN_NODE_ID)")
	fs.DurationVar(&c.PresenceTTL, "presence-ttl", envDuration("LIANXIN_PRESENCE_TTL", 45*time.Second), "how long a heartbeat keeps a user online (LIANXIN_PRESENCE_TTL)")
	fs.DurationVar(&c.SLAInterval, "sla-check-interval", envDuration("LIANXIN_SLA_CHECK_INTERVAL", time.Minute), "how often referral SLA clocks are checked for breaches (LIANXIN_SLA_CHECK_INTERVAL)")
	fs.DurationVar(&c.SFUHeartbeat, "sfu-heartbeat", envDuration("LIANXIN_SFU_HEARTBEAT", 2*time.Second), "how often SFU nodes report their load to Redis; a node silent for 3 beats is dead (LIANXIN_SFU_HEARTBEAT)")
	c.registerTURN(fs)
	fs.DurationVar(&c.ShutdownPeriod, "shutdown-timeout", envDuration("LIANXIN_SHUTDOWN_TIMEOUT", 10*time.Second), "grace period for open requests at shutdown (LIANXIN_SHUTDOWN_TIMEOUT)")
	years, err := strconv.Atoi(env("LIANXIN_RECORDING_RETENTION_YEARS", "3"))
	if err != nil {
		years = 3
	}
	fs.IntVar(&c.RecordingRetentionYears, "recording-retention-years", years, "years video room recordings are kept before deletion; at least 3 by the retention rules (LIANXIN_RECORDING_RETENTION_YEARS)")
}

// RegisterDemo adds the --demo flag (serve only).
func (c *Config) RegisterDemo(fs *flag.FlagSet) {
	fs.BoolVar(&c.Demo, "demo", envBool("LIANXIN_DEMO"), "seed the demo alliance once, with known passwords (LIANXIN_DEMO=1)")
}

// RegisterServeSFU adds --sfu-mode (serve only).
func (c *Config) RegisterServeSFU(fs *flag.FlagSet) {
	fs.StringVar(&c.SFUMode, "sfu-mode", env("LIANXIN_SFU_MODE", SFUEmbedded), "embedded: video runs in this process; external: joins go to `lianxin sfu` nodes registered in Redis (LIANXIN_SFU_MODE)")
}

// RegisterSFU adds --public-url (lianxin sfu only).
func (c *Config) RegisterSFU(fs *flag.FlagSet) {
	fs.StringVar(&c.SFUPublicURL, "public-url", env("LIANXIN_SFU_PUBLIC_URL", ""), "this node's signaling URL as browsers reach it, e.g. wss://sfu-1.example.cn/rtc/ws; with --redis-url it registers the node for the hub to route rooms to (LIANXIN_SFU_PUBLIC_URL)")
}

// MasterKey decodes SecretKey; ok is false when it is unset.
func (c *Config) MasterKey() (key []byte, ok bool, err error) {
	if c.SecretKey == "" {
		return nil, false, nil
	}
	k, err := hex.DecodeString(c.SecretKey)
	if err != nil || len(k) < 32 {
		return nil, true, fmt.Errorf("LIANXIN_SECRET_KEY must be hex of at least 32 bytes (64 hex digits)")
	}
	return k, true, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
