package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lianxin-hub/lianxin/internal/config"
)

// TestComposeTURN reads docker-compose.yml (there is no Docker engine in
// CI): coturn checks the hub's credentials with the shared secret, listens
// on 3478 over UDP and TCP, publishes its whole relay range, and the hub's
// settings, with the variables filled in, are valid and hand out coturn's
// UDP and TCP URLs instead of running the embedded server.
func TestComposeTURN(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	coturn, ok := compose.Services["coturn"]
	if !ok || !strings.HasPrefix(coturn.Image, "coturn/coturn") {
		t.Fatalf("no coturn service from the coturn/coturn image: %+v", coturn)
	}
	flags := map[string]string{}
	for _, c := range coturn.Command {
		name, value, _ := strings.Cut(c, "=")
		flags[name] = value
	}
	for name, want := range map[string]string{"--use-auth-secret": "", "--realm": "lianxin", "--listening-port": "3478",
		"--static-auth-secret": "${LIANXIN_TURN_SECRET:?"} {
		if got, ok := flags[name]; !ok || !strings.HasPrefix(got, want) {
			t.Errorf("coturn %s = %q (set: %v), want %q…", name, got, ok, want)
		}
	}
	relayPorts := flags["--min-port"] + "-" + flags["--max-port"]
	for _, p := range []string{"3478:3478/udp", "3478:3478/tcp", relayPorts + ":" + relayPorts + "/udp"} {
		if !slices.Contains(coturn.Ports, p) {
			t.Errorf("coturn ports %v lack %s", coturn.Ports, p)
		}
	}

	// The hub's environment as compose would fill it in.
	vars := map[string]string{"LIANXIN_TURN_SECRET": "shared", "LIANXIN_TURN_PUBLIC_IP": "203.0.113.7",
		"LIANXIN_SECRET_KEY": strings.Repeat("ab", 32), "POSTGRES_PASSWORD": "pw"}
	ref := regexp.MustCompile(`\$\{(\w+)(?::[-?]([^}]*))?\}`)
	hub := compose.Services["lianxin"].Environment
	for name, value := range hub {
		t.Setenv(name, ref.ReplaceAllStringFunc(value, func(m string) string {
			sub := ref.FindStringSubmatch(m)
			if v, ok := vars[sub[1]]; ok {
				return v
			}
			return sub[2] // the :- default
		}))
	}
	var c config.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs)
	tc, err := c.TURN()
	if err != nil {
		t.Fatalf("the hub's TURN settings in docker-compose.yml: %v", err)
	}
	want := []string{"turn:203.0.113.7:3478?transport=udp", "turn:203.0.113.7:3478?transport=tcp"}
	if tc.Embedded || !slices.Equal(tc.URLs, want) || tc.Secret != "shared" {
		t.Fatalf("hub TURN = %+v, want coturn's URLs %v with the shared secret and no embedded server", tc, want)
	}
}
