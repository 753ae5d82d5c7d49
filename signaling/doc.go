// Package signaling is the home of Lianxin's real-time video plane: the
// WebSocket signaling server and the Pion SFU that relays consult media.
//
// It is deliberately isolated from the clinical side of the system. Nothing
// here reads the clinical database, and the only credential it accepts is a
// signed room token minted elsewhere; identity and authorisation therefore
// arrive already decided. To keep that boundary honest, signaling and its
// sub-packages must never import anything under internal/ (see
// imports_test.go, which enforces it).
//
// Where things are: token.go (room tokens), protocol.go (the wire protocol;
// PROTOCOL.md explains it), server.go and session.go (the WebSocket endpoint
// and one connection), room.go (rooms and their events), participant.go (a
// participant's publisher and subscriber PeerConnections), layers.go (each
// subscriber's bandwidth estimate and simulcast layer choice), media.go
// (codecs and interceptors), busy.go (presence marks), nodes.go (one node of
// several: joins routed through the cluster directory, heartbeats),
// resume.go (keeping a dropped session for a reconnect), speaker.go (active
// speaker from audio levels), whip.go (WHIP and WHEP), recording.go. The
// forwarding hot path lives in the forward and packetcache sub-packages.
package signaling
