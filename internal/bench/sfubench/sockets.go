package sfubench

import (
	"os"
	"strconv"
	"strings"
)

// socketDrops sums the kernel's drop counters of this process's UDP/IPv4
// sockets (the last column of /proc/net/udp, matched to our file
// descriptors by inode): datagrams that reached a client's socket but found
// its receive buffer full because the client did not read fast enough.
// Added to what the clients read, they give what the SFU (or the floor)
// actually sent, so a client core that cannot keep up does not inflate the
// SFU's cost per packet. 0 when /proc is unreadable.
func socketDrops() uint64 {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink("/proc/self/fd/" + fd.Name())
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return 0
	}
	var drops uint64
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
		if len(f) < 13 || !inodes[f[9]] {
			continue
		}
		n, _ := strconv.ParseUint(f[len(f)-1], 10, 64)
		drops += n
	}
	return drops
}
