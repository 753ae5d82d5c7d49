package packetcache

import (
	"bytes"
	"testing"
)

func pkt(seq uint16, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(int(seq) + i)
	}
	return b
}

func TestStoreGet(t *testing.T) {
	c := New(20) // rounds up to 32
	if c.Capacity() != 32 {
		t.Fatalf("Capacity = %d, want 32", c.Capacity())
	}
	dst := make([]byte, MaxPacket)
	if n := c.Get(7, dst); n != 0 {
		t.Fatalf("Get on empty cache = %d, want 0", n)
	}
	for seq := uint16(100); seq < 140; seq++ {
		if !c.Store(seq, pkt(seq, 200)) {
			t.Fatalf("Store(%d) = false", seq)
		}
	}
	// The last 32 are present and intact; older ones were overwritten.
	for seq := uint16(108); seq < 140; seq++ {
		n := c.Get(seq, dst)
		if !bytes.Equal(dst[:n], pkt(seq, 200)) {
			t.Fatalf("Get(%d) returned %d bytes, not the stored packet", seq, n)
		}
	}
	for _, seq := range []uint16{100, 107, 140, 5000} {
		if n := c.Get(seq, dst); n != 0 {
			t.Errorf("Get(%d) = %d bytes, want a miss", seq, n)
		}
	}
	if n := c.Get(139, make([]byte, 10)); n != 0 {
		t.Errorf("Get into a too-small buffer = %d, want 0", n)
	}
}

func TestWrapAndReorder(t *testing.T) {
	c := New(16)
	dst := make([]byte, MaxPacket)
	// Sequence numbers wrap from 65535 to 0; a late packet (65534 after 1)
	// is still stored and found.
	for _, seq := range []uint16{65530, 65531, 65532, 65533, 65535, 0, 1, 65534} {
		c.Store(seq, pkt(seq, 50))
	}
	for _, seq := range []uint16{65530, 65534, 65535, 0, 1} {
		if n := c.Get(seq, dst); !bytes.Equal(dst[:n], pkt(seq, 50)) {
			t.Errorf("Get(%d) missed across the wrap", seq)
		}
	}
	if n := c.Get(2, dst); n != 0 {
		t.Errorf("Get(2), not yet received, = %d", n)
	}
}

func TestRejectsOversizeAndEmpty(t *testing.T) {
	c := New(16)
	if c.Store(1, nil) || c.Store(2, make([]byte, MaxPacket+1)) {
		t.Fatal("Store accepted an empty or oversize packet")
	}
	if n := c.Get(1, make([]byte, MaxPacket)); n != 0 {
		t.Fatalf("Get after rejected Store = %d", n)
	}
}

func BenchmarkStore(b *testing.B) {
	c := New(512)
	p := pkt(0, 1200)
	b.SetBytes(int64(len(p)))
	for i := 0; b.Loop(); i++ {
		c.Store(uint16(i), p)
	}
}

func BenchmarkGet(b *testing.B) {
	c := New(512)
	for i := range 512 {
		c.Store(uint16(i), pkt(uint16(i), 1200))
	}
	dst := make([]byte, MaxPacket)
	b.SetBytes(1200)
	for i := 0; b.Loop(); i++ {
		if c.Get(uint16(i%512), dst) == 0 {
			b.Fatal("miss")
		}
	}
}
