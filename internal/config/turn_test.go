package config

import (
	"flag"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var turnVars = []string{"LIANXIN_TURN", "LIANXIN_TURN_ADDR", "LIANXIN_TURN_PUBLIC_IP", "LIANXIN_TURN_RELAY_PORTS",
	"LIANXIN_TURN_URLS", "LIANXIN_TURN_SECRET", "LIANXIN_TURN_TTL"}

// parse registers the flags with env as the environment (every TURN
// variable not in it is unset) and parses args.
func parse(t *testing.T, env map[string]string, args ...string) (TURN, error) {
	t.Helper()
	for _, v := range turnVars {
		val, ok := env[v]
		t.Setenv(v, val) // restored after the test
		if !ok {
			_ = os.Unsetenv(v)
		}
	}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c.TURN()
}

func TestTURNSettings(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		got, err := parse(t, nil)
		want := TURN{Embedded: true, Addr: ":3478", TTL: 12 * time.Hour}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("defaults = %+v, %v; want %+v", got, err, want)
		}
	})

	cases := []struct {
		name string
		env  map[string]string
		args []string
		want TURN
	}{
		{"everything from the environment", map[string]string{
			"LIANXIN_TURN": "on", "LIANXIN_TURN_ADDR": "0.0.0.0:3479", "LIANXIN_TURN_PUBLIC_IP": "203.0.113.7",
			"LIANXIN_TURN_RELAY_PORTS": "49160-49200", "LIANXIN_TURN_URLS": " turn:turn.example.cn:3478?transport=udp, turns:turn.example.cn:5349?transport=tcp ,",
			"LIANXIN_TURN_SECRET": "coturn-secret", "LIANXIN_TURN_TTL": "2h"}, nil,
			TURN{Embedded: true, Addr: "0.0.0.0:3479", PublicIP: net.ParseIP("203.0.113.7"), MinPort: 49160, MaxPort: 49200,
				URLs:   []string{"turn:turn.example.cn:3478?transport=udp", "turns:turn.example.cn:5349?transport=tcp"},
				Secret: "coturn-secret", TTL: 2 * time.Hour}},
		{"external URLs turn the embedded server off", map[string]string{
			"LIANXIN_TURN_URLS": "turn:coturn:3478", "LIANXIN_TURN_SECRET": "s"}, nil,
			TURN{Addr: ":3478", URLs: []string{"turn:coturn:3478"}, Secret: "s", TTL: 12 * time.Hour}},
		{"off", map[string]string{"LIANXIN_TURN": "off"}, nil, TURN{Addr: ":3478", TTL: 12 * time.Hour}},
		{"flags win", map[string]string{"LIANXIN_TURN": "off", "LIANXIN_TURN_ADDR": ":1"},
			[]string{"--turn", "on", "--turn-addr", "127.0.0.1:0", "--turn-public-ip", "127.0.0.1"},
			TURN{Embedded: true, Addr: "127.0.0.1:0", PublicIP: net.ParseIP("127.0.0.1"), TTL: 12 * time.Hour}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.env, tc.args...)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("TURN() = %+v, %v\nwant %+v", got, err, tc.want)
			}
		})
	}

	bad := []struct{ variable, value string }{
		{"LIANXIN_TURN", "yes"},
		{"LIANXIN_TURN_ADDR", "3478"},
		{"LIANXIN_TURN_PUBLIC_IP", "turn.example.cn"},
		{"LIANXIN_TURN_PUBLIC_IP", "0.0.0.0"},
		{"LIANXIN_TURN_RELAY_PORTS", "49200-49160"},
		{"LIANXIN_TURN_RELAY_PORTS", "49160"},
		{"LIANXIN_TURN_RELAY_PORTS", "0-10"},
		{"LIANXIN_TURN_RELAY_PORTS", "49160-70000"},
		{"LIANXIN_TURN_URLS", "http://turn.example.cn"},
		{"LIANXIN_TURN_URLS", "turn:"},
		{"LIANXIN_TURN_TTL", "30s"},
	}
	for _, b := range bad {
		t.Run(b.variable+"="+b.value, func(t *testing.T) {
			env := map[string]string{b.variable: b.value}
			if b.variable != "LIANXIN_TURN" {
				env["LIANXIN_TURN"] = "on" // so the embedded server's settings are checked
			}
			if _, err := parse(t, env); err == nil || !strings.Contains(err.Error(), b.variable) {
				t.Fatalf("error = %v, want one naming %s", err, b.variable)
			}
		})
	}
}
