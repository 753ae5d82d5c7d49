package forward

// VP8 keyframe detection (RFC 7741). A subscriber can only start decoding a
// layer, or change to another one, at a keyframe, so the SFU must recognise
// the first packet of one without decoding anything.

// IsVP8Keyframe reports whether payload, the payload of one RTP packet, is
// the first packet of a VP8 keyframe: the payload descriptor marks the start
// of partition 0 (S=1, PID=0) and the P bit of the VP8 payload header that
// follows is 0. Truncated or malformed payloads report false.
func IsVP8Keyframe(payload []byte) bool {
	i := vp8FrameStart(payload)
	return i >= 0 && payload[i]&0x01 == 0
}

// VP8KeyframeSize returns the picture size a keyframe's first packet
// declares (RFC 6386 section 9.1: after the 3-byte frame tag, the start code
// 9d 01 2a and two little-endian 14-bit sizes). ok is false for anything
// else, and for a keyframe whose header is cut short.
func VP8KeyframeSize(payload []byte) (width, height int, ok bool) {
	i := vp8FrameStart(payload)
	if i < 0 || payload[i]&0x01 != 0 || len(payload) < i+10 {
		return 0, 0, false
	}
	f := payload[i:]
	if f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, false
	}
	width = int(f[6]) | int(f[7]&0x3f)<<8
	height = int(f[8]) | int(f[9]&0x3f)<<8
	return width, height, width > 0 && height > 0
}

// vp8FrameStart returns the offset of the VP8 payload header in a packet
// that starts partition 0, or -1.
func vp8FrameStart(payload []byte) int {
	if len(payload) < 1 {
		return -1
	}
	d := payload[0]
	const (
		bitX = 0x80 // extended control bits present
		bitS = 0x10 // start of a VP8 partition
		pid  = 0x07 // partition index
	)
	if d&bitS == 0 || d&pid != 0 {
		return -1
	}
	i := 1
	if d&bitX != 0 {
		if len(payload) <= i {
			return -1
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
				return -1
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
		return -1
	}
	// The VP8 payload header starts here.
	return i
}
