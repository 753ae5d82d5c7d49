package main

import (
	"errors"
	"fmt"

	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
)

// openNodes opens the Redis directory that `lianxin sfu` nodes register in
// and the hub routes room joins through. Both sides must use the same
// heartbeat, since each judges staleness by it.
func openNodes(c *config.Config) (*cluster.Redis, error) {
	if c.RedisURL == "" {
		return nil, errors.New("SFU nodes share rooms through Redis: set LIANXIN_REDIS_URL")
	}
	d, err := cluster.OpenRedis(c.RedisURL, cluster.Options{Timing: cluster.Timing{Interval: c.SFUHeartbeat}})
	if err != nil {
		return nil, fmt.Errorf("sfu nodes: %w", err)
	}
	return d, nil
}

// externalSFU reports whether the hub routes video to `lianxin sfu` nodes.
// Errors: an unknown LIANXIN_SFU_MODE.
func externalSFU(c *config.Config) (bool, error) {
	switch c.SFUMode {
	case "", config.SFUEmbedded:
		return false, nil
	case config.SFUExternal:
		return true, nil
	}
	return false, fmt.Errorf("LIANXIN_SFU_MODE must be %q or %q, not %q", config.SFUEmbedded, config.SFUExternal, c.SFUMode)
}
