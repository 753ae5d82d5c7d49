package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// openTool parses a tool's flags and opens the migrated store.
func openTool(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*store.Store, *config.Config, error) {
	var c config.Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.Register(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, &c, log)
	if err != nil {
		return nil, nil, err
	}
	return st, &c, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	st, _, err := openTool(ctx, "migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	for _, a := range applied {
		fmt.Fprintln(stdout, "applied", a)
	}
	if err == nil && len(applied) == 0 {
		fmt.Fprintln(stdout, "the database is up to date")
	}
	return err
}

// runSeed creates the first administrator of an installation (roles sysadmin
// and alliance_admin) at the named institution, creating that institution when
// the directory has none of that name. When the installation has no alliance
// yet, it founds one with that institution as initiator, so the new
// administrator has an alliance to manage.
func runSeed(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var admin, instName, regionCode, displayName, allianceName, model string
	st, _, err := openTool(ctx, "seed", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&admin, "admin", "", "username of the administrator to create (required)")
		fs.StringVar(&displayName, "name", "系统管理员", "the administrator's display name")
		fs.StringVar(&instName, "institution", "", "the administrator's institution: an existing name, or a new tertiary psychiatric hospital (required)")
		fs.StringVar(&regionCode, "region", "", "GB/T 2260 region code for a new institution, e.g. 340104")
		fs.StringVar(&allianceName, "alliance", "", "name of the alliance to found when none exists (default: the institution's name + 精神专科医联体)")
		fs.StringVar(&model, "model", "vertical", "model of a founded alliance: vertical, horizontal, remote or chain")
	})
	if err != nil {
		return err
	}
	defer st.Close()
	if admin == "" || instName == "" {
		return errors.New("seed: --admin and --institution are required")
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	var generated string
	err = st.WithTx(ctx, func(ctx context.Context) error {
		ins, err := st.ListInstitutions(ctx, store.InstitutionFilter{Query: instName})
		if err != nil {
			return err
		}
		var in alliance.Institution
		for _, x := range ins {
			if x.Name == instName {
				in = x
			}
		}
		if in.ID == "" {
			in, err = st.CreateInstitution(ctx, alliance.Institution{Name: instName, Level: alliance.LevelTertiary,
				Kind: "psychiatric_hospital", RegionCode: regionCode})
			if err != nil {
				return err
			}
		}
		existing, err := st.ListAlliances(ctx)
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			if allianceName == "" {
				allianceName = in.Name + "精神专科医联体"
			}
			a, err := st.CreateAlliance(ctx, alliance.Alliance{Name: allianceName, Model: alliance.Model(model),
				InitiatorID: in.ID, RegionCode: in.RegionCode, EstablishedOn: st.Now().Format(time.DateOnly)})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "founded alliance %q with %s as initiator\n", a.Name, in.Name)
		}
		_, generated, err = st.CreateUser(ctx, auth.User{Username: admin, DisplayName: displayName,
			Roles: []auth.Role{auth.RoleSysadmin, auth.RoleAllianceAdmin}, Title: "other", InstitutionID: in.ID}, password)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created administrator %q\n", admin)
	if generated != "" {
		fmt.Fprintf(stdout, "initial password (shown once): %s\n", generated)
	}
	return nil
}

// readPassword reads one line from stdin when it is piped; from a terminal
// or an empty pipe it returns "" so a password is generated.
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		st, err := f.Stat()
		if err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-help" || args[0] == "-h") {
		fmt.Fprintln(stdout, "usage: lianxin audit verify [flags]\n\nverify checks the audit log's hash chain (sealing pending entries first);\nrun 'lianxin audit verify --help' for its flags.")
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: lianxin audit verify [flags]")
	}
	st, _, err := openTool(ctx, "audit verify", args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	for {
		n, err := st.SealAudit(ctx, 1000)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	res, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checked %d sealed entries; %d not yet sealed\n", res.Checked, res.Unsealed)
	for _, p := range res.Problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	if len(res.Problems) > 0 {
		return fmt.Errorf("audit chain is broken: %d problems", len(res.Problems))
	}
	fmt.Fprintln(stdout, "audit chain intact")
	return nil
}
