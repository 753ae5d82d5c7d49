package forward

import "testing"

func TestIsVP8Keyframe(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"minimal descriptor, keyframe", []byte{0x10, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a}, true},
		{"minimal descriptor, interframe", []byte{0x10, 0x51, 0x2a}, false},
		{"not the start of a partition", []byte{0x00, 0x50}, false},
		{"start of partition 1", []byte{0x11, 0x50}, false},
		{"7-bit picture id, keyframe", []byte{0x90, 0x80, 0x05, 0x50}, true},
		{"15-bit picture id, keyframe", []byte{0x90, 0x80, 0x81, 0x05, 0x50}, true},
		{"15-bit picture id, interframe", []byte{0x90, 0x80, 0x81, 0x05, 0x51}, false},
		{"picture id, TL0PICIDX, TID and KEYIDX", []byte{0x90, 0xf0, 0x81, 0x05, 0x07, 0x20, 0x50}, true},
		{"TID only, interframe", []byte{0x90, 0x20, 0x40, 0x01}, false},
		{"empty", nil, false},
		{"descriptor only", []byte{0x10}, false},
		{"truncated extension", []byte{0x90}, false},
		{"truncated picture id", []byte{0x90, 0x80}, false},
		{"truncated before the payload header", []byte{0x90, 0x80, 0x81, 0x05}, false},
	}
	for _, c := range cases {
		if got := IsVP8Keyframe(c.payload); got != c.want {
			t.Errorf("%s: IsVP8Keyframe(% x) = %v, want %v", c.name, c.payload, got, c.want)
		}
	}
}

func TestVP8KeyframeSize(t *testing.T) {
	// 640x360 with a 7-bit picture id; the top two bits of each size are
	// scaling and must be ignored.
	key := []byte{0x90, 0x80, 0x05, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x42, 0x68, 0x81}
	if w, h, ok := VP8KeyframeSize(key); !ok || w != 640 || h != 360 {
		t.Fatalf("VP8KeyframeSize = %d x %d, %v; want 640 x 360", w, h, ok)
	}
	inter := append([]byte(nil), key...)
	inter[3] = 0x51
	bad := append([]byte(nil), key...)
	bad[6] = 0x9c
	for name, p := range map[string][]byte{"interframe": inter, "bad start code": bad, "cut short": key[:12], "empty": nil} {
		if _, _, ok := VP8KeyframeSize(p); ok {
			t.Errorf("%s: VP8KeyframeSize reported a size", name)
		}
	}
}
