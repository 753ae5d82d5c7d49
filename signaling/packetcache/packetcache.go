// Package packetcache keeps the most recent RTP packets of one stream, indexed
// by sequence number, so an SFU can answer a subscriber's NACK without asking
// the publisher again.
//
// One cache serves every subscriber of a track: a retransmission is a copy out
// of the cache, never a per-subscriber buffer of every packet. That is why the
// SFU does not register Pion's NACK responder interceptor on its downlinks.
//
// It is on the forwarding hot path and imports only the standard library; it
// must never import Pion, signaling or anything under internal/.
package packetcache

import "sync"

// MaxPacket is the largest packet a Cache stores, in bytes. It matches the
// largest UDP payload on an Ethernet path; WebRTC stacks stay below it.
const MaxPacket = 1500

type entry struct {
	seq uint16
	n   uint16 // length of buf in use; 0 means the slot is empty
	buf [MaxPacket]byte
}

// Cache is a fixed ring of packets. Slot i holds the latest packet whose
// sequence number is i modulo the capacity, so a lookup is one index and one
// comparison. It is safe for concurrent use: the track's reader stores while
// subscribers' RTCP readers look up.
type Cache struct {
	mu      sync.Mutex
	mask    uint16
	entries []entry
	// newest is the sequence number of the most recent Store in stream
	// order; lookups further back than the capacity are misses even if a slot
	// happens to hold a packet with the same number 65536 packets ago.
	newest uint16
	any    bool
}

// New returns a cache holding about capacity packets: capacity is rounded up
// to a power of two between 16 and 32768. Memory is capacity*MaxPacket bytes,
// allocated up front so Store never allocates.
func New(capacity int) *Cache {
	size := 16
	for size < capacity && size < 1<<15 {
		size <<= 1
	}
	return &Cache{mask: uint16(size - 1), entries: make([]entry, size)}
}

// Capacity is the number of packets the cache holds.
func (c *Cache) Capacity() int { return len(c.entries) }

// Store copies pkt, the whole marshalled RTP packet, under sequence number
// seq. It reports false, storing nothing, when pkt is empty or longer than
// MaxPacket.
func (c *Cache) Store(seq uint16, pkt []byte) bool {
	if len(pkt) == 0 || len(pkt) > MaxPacket {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &c.entries[seq&c.mask]
	e.seq = seq
	e.n = uint16(len(pkt))
	copy(e.buf[:], pkt)
	// int16 arithmetic orders sequence numbers across the 16-bit wrap.
	if !c.any || int16(seq-c.newest) > 0 {
		c.newest = seq
		c.any = true
	}
	return true
}

// Get copies the packet stored under seq into dst and returns its length; it
// returns 0 when the packet is absent, has been overwritten, is older than
// the capacity, or does not fit in dst.
func (c *Cache) Get(seq uint16, dst []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.any {
		return 0
	}
	if age := c.newest - seq; int16(age) < 0 || int(age) >= len(c.entries) {
		return 0
	}
	e := &c.entries[seq&c.mask]
	if e.n == 0 || e.seq != seq || int(e.n) > len(dst) {
		return 0
	}
	return copy(dst, e.buf[:e.n])
}
