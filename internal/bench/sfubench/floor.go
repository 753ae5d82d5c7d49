package sfubench

// The floor: what forwarding the same stream to the same number of
// receivers costs with no SFU logic at all. A child process (`lianxin bench
// sfu-floor`, on the core the SFU had) generates the publisher's packets on
// the same schedule and, for every packet and every destination, rewrites
// the SSRC and payload type, marshals it, SRTP-encrypts it with that
// destination's context (AES-256-GCM, the profile Pion peers negotiate) and
// writes it to that destination's UDP socket. No DTLS, ICE, RTCP,
// interceptors, packet cache or locks: the floor is the cost any SFU has to
// pay per forwarded packet on this machine.

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// RunFloor is `lianxin bench sfu-floor`: it sends until ctx ends (the
// parent interrupts it). Not for people: the parent passes the flags.
func RunFloor(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench sfu-floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dests := fs.String("dests", "", "comma-separated UDP addresses to send to")
	layers := fs.Int("layers", 1, "video layers (1 or 3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dests == "" || (*layers != 1 && *layers != 3) {
		return errors.New("bench sfu-floor: --dests is required and --layers must be 1 or 3")
	}
	profile := srtp.ProtectionProfileAeadAes256Gcm
	keyLen, err := profile.KeyLen()
	if err != nil {
		return err
	}
	saltLen, err := profile.SaltLen()
	if err != nil {
		return err
	}
	type dest struct {
		conn *net.UDPConn
		ctx  *srtp.Context
	}
	var ds []dest
	for _, a := range strings.Split(*dests, ",") {
		addr, err := net.ResolveUDPAddr("udp4", a)
		if err != nil {
			return err
		}
		conn, err := net.DialUDP("udp4", nil, addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		key := make([]byte, keyLen+saltLen)
		_, _ = rand.Read(key)
		sc, err := srtp.CreateContext(key[:keyLen], key[keyLen:], profile)
		if err != nil {
			return err
		}
		ds = append(ds, dest{conn, sc})
	}
	plain := make([]byte, 1500)
	out := make([]byte, 1600)
	NewStream(Layers(*layers)).Run(ctx, func(kind int, p *rtp.Packet) {
		pkt := rtp.Packet{Header: p.Header, Payload: p.Payload}
		pkt.PayloadType = 96
		if kind == KindAudio {
			pkt.PayloadType = 111
		}
		for i, d := range ds {
			pkt.SSRC = uint32(i)<<8 | uint32(kind) + 1
			n, err := pkt.MarshalTo(plain)
			if err != nil {
				continue
			}
			enc, err := d.ctx.EncryptRTP(out[:0], plain[:n], nil)
			if err != nil {
				continue
			}
			_, _ = d.conn.Write(enc) // a full buffer drops, as for the SFU
		}
	})
	return nil
}

// floorReceivers are the parent's ends of the floor's destinations: one
// UDP socket each, counting datagrams.
type floorReceivers struct {
	conns  []*net.UDPConn
	counts []atomic.Uint64
	wg     sync.WaitGroup
}

func listenFloor(n int) (*floorReceivers, error) {
	r := &floorReceivers{counts: make([]atomic.Uint64, n)}
	for i := range n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			r.close()
			return nil, err
		}
		_ = c.SetReadBuffer(1 << 20)
		r.conns = append(r.conns, c)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			buf := make([]byte, 2048)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
				r.counts[i].Add(1)
			}
		}()
	}
	return r, nil
}

func (r *floorReceivers) addrs() string {
	var a []string
	for _, c := range r.conns {
		a = append(a, c.LocalAddr().String())
	}
	return strings.Join(a, ",")
}

// total returns the packets received so far and how many sockets got any.
func (r *floorReceivers) total() (packets uint64, reached int) {
	for i := range r.counts {
		n := r.counts[i].Load()
		packets += n
		if n > 0 {
			reached++
		}
	}
	return packets, reached
}

func (r *floorReceivers) close() {
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.wg.Wait()
}
