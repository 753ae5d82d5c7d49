package forward

// VP8 keyframe detection (RFC 7741). A subscriber can only start decoding a
// layer, or change to another one, at a keyframe, so the SFU must recognise
// the first packet of one without decoding anything.

// IsVP8Keyframe reports whether payload, the payload of one RTP packet, is
// the first packet of a VP8 keyframe: the payload descriptor marks the start
// of partition 0 (S=1, PID=0) and the P bit of the VP8 payload header that
// follows is 0. Truncated or malformed payloads report false.
func IsVP8Keyframe(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	d := payload[0]
	const (
		bitX = 0x80 // extended control bits present
		bitS = 0x10 // start of a VP8 partition
		pid  = 0x07 // partition index
	)
	if d&bitS == 0 || d&pid != 0 {
		return false
	}
	i := 1
	if d&bitX != 0 {
		if len(payload) <= i {
			return false
		}
		x := payload[i]
		i++
		const (
			bitI = 0x80 // picture id present
			bitL = 0x40 // TL0PICIDX present
			bitT = 0x20 // TID present
			bitK = 0x10 // KEYIDX present
		)
		if x&bitI != 0 {
			if len(payload) <= i {
				return false
			}
			if payload[i]&0x80 != 0 { // M: 15-bit picture id
				i++
			}
			i++
		}
		if x&bitL != 0 {
			i++
		}
		if x&(bitT|bitK) != 0 {
			i++
		}
	}
	if len(payload) <= i {
		return false
	}
	// The VP8 payload header's lowest bit is the inverse keyframe flag.
	return payload[i]&0x01 == 0
}
