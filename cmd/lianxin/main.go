// Command lianxin is the Lianxin hub: one binary that serves the alliance's
// referral and telepsychiatry hub and carries its tools.
//
//	lianxin serve [--demo]       run the hub (migrates first)
//	lianxin migrate              apply pending database migrations
//	lianxin seed --admin USER    create the first administrator
//	lianxin audit verify         check the audit log's hash chain
//	lianxin sfu                  run the video SFU on its own
//	lianxin bench referrals      measure the referral closed loop against pgbench
//	lianxin bench sfu            measure the video SFU's forwarding cost, join time and fan-out
//	lianxin version              print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `lianxin — the referral and telepsychiatry hub of a mental-health alliance

Usage:
  lianxin serve [flags]          run the hub (add --demo for the demo alliance)
  lianxin migrate [flags]        apply pending database migrations and exit
  lianxin seed --admin USER      create the first administrator (password from stdin, or generated)
  lianxin audit verify [flags]   verify the audit log's tamper-evident hash chain
  lianxin seed --scale national  generate a national-scale data set on PostgreSQL (analytics benchmark)
  lianxin analytics rebuild      recompute the analytics rollups from the raw tables
  lianxin sfu [flags]            run the video signaling server and SFU on its own
  lianxin bench referrals        measure the referral closed loop on PostgreSQL against pgbench
  lianxin bench analytics        time the dashboard's queries against the same figures from raw tables
  lianxin bench sfu              measure the video SFU: CPU per forwarded packet against an SRTP floor,
                                 join to first frame, viewers per presenter
  lianxin version                print the version

Run 'lianxin COMMAND --help' for a command's flags. Every flag can also be set
through the environment variable named in its help.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lianxin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "seed":
		if seedWantsScale(rest) {
			return runSeedScale(ctx, rest, stdout, stderr)
		}
		return runSeed(ctx, rest, stdin, stdout, stderr)
	case "analytics":
		return runAnalytics(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "sfu":
		return runSFU(ctx, rest, stderr)
	case "bench":
		if len(rest) > 0 && rest[0] == "analytics" {
			return runBenchAnalytics(ctx, rest[1:], stdout, stderr)
		}
		return runBench(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		if len(rest) > 0 {
			fmt.Fprintln(stdout, "usage: lianxin version\n\nprints the version of this binary; it takes no flags.")
			if rest[0] == "--help" || rest[0] == "-help" || rest[0] == "-h" {
				return flag.ErrHelp
			}
			return fmt.Errorf("version takes no arguments")
		}
		fmt.Fprintln(stdout, "lianxin", version)
		return nil
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
