package signaling

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// The codecs the SFU accepts and forwards. Opus and VP8 are the pair every
// browser we support (Chrome, Edge, Firefox, Safari >= 12.1 and the WeChat
// webview) can both send and decode, so forwarding never needs transcoding.
// No RTX: retransmissions go out on the media SSRC (see forward.Down).
var (
	codecOpus = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
	codecVP8 = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}},
		},
		PayloadType: 96,
	}
)

// audioLevelURI is RFC 6464's client-to-mixer audio level header extension
// (pion/sdp's AudioLevelURI; spelled out so go.mod needs no new direct
// dependency).
const audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// apis are the two Pion APIs of one Server: every publisher PC uses pub,
// every subscriber PC sub. They differ in how the downlink's bandwidth is
// estimated (see newAPI).
type apis struct{ pub, sub *webrtc.API }

// newAPI builds the Pion APIs.
//
// The interceptors are webrtc.RegisterDefaultInterceptors minus one: the NACK
// responder. Registered: the NACK generator (asks publishers to repair
// uplink loss), RTCP sender and receiver reports, the stats interceptor and
// the simulcast header extensions (mid, rid, repaired rid), so Pion's
// OnTrack fires once per simulcast layer. The responder is left out on
// purpose: it would keep a private copy of every packet for every
// subscriber and answer NACKs itself, so NACKs would be answered twice. One
// packet cache per published layer (forward.Up) answers them instead.
//
// Bandwidth estimation differs by direction. Publisher PCs negotiate TWCC
// (feedback and header extension), so a browser's own send-side estimator
// adapts its uplink and its simulcast layers. Subscriber PCs negotiate
// goog-remb instead: the browser then estimates its downlink itself and
// reports it in REMB packets, which forward.Down hands to the layer choice.
// With TWCC on the downlink the SFU would have to estimate (GCC) and,
// because GCC never estimates far above what is being sent, probe with
// padding to climb back after a collapse; REMB needs neither.
func newAPI(log *slog.Logger, configure func(*webrtc.SettingEngine)) (apis, error) {
	pub, err := buildAPI(log, configure, false)
	if err != nil {
		return apis{}, err
	}
	sub, err := buildAPI(log, configure, true)
	return apis{pub: pub, sub: sub}, err
}

func buildAPI(log *slog.Logger, configure func(*webrtc.SettingEngine), subscriber bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(codecOpus, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	vp8 := codecVP8
	if subscriber {
		vp8.RTCPFeedback = append(slices.Clone(vp8.RTCPFeedback), webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBGoogREMB})
	}
	if err := m.RegisterCodec(vp8, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	// Publishers' audio levels feed the active speaker (speaker.go); the
	// extension is read by forward.Up and stripped like every other.
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: audioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}

	ir := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(gen)
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureStatsInterceptor(ir); err != nil {
		return nil, err
	}
	if !subscriber {
		if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
			return nil, err
		}
	}

	se := webrtc.SettingEngine{LoggerFactory: pionLogs{log}}
	// A server has a routable address; mDNS host candidates are a browser
	// privacy feature and would only add a multicast socket per PC.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if configure != nil {
		configure(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// kindOf maps Pion's codec type to the protocol's track kind.
func kindOf(t webrtc.RTPCodecType) TrackKind {
	if t == webrtc.RTPCodecTypeVideo {
		return KindVideo
	}
	return KindAudio
}

// pionLogs sends Pion's logs to slog, so the SFU logs in one place and one
// format (Pion otherwise prints to stderr itself). Levels are shifted down
// one step: Pion reports routine teardown ("read/write on closed pipe") as
// errors, which would drown real ones. Trace is dropped.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.emit(level, fmt.Sprintf(format, args...))
	}
}

func (pionLogger) Trace(string)                        {}
func (pionLogger) Tracef(string, ...any)               {}
func (l pionLogger) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args...) }
func (l pionLogger) Info(msg string)                   { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.emitf(slog.LevelDebug, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.emit(slog.LevelInfo, msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.emitf(slog.LevelInfo, format, args...) }
func (l pionLogger) Error(msg string)                  { l.emit(slog.LevelWarn, msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.emitf(slog.LevelWarn, format, args...) }
