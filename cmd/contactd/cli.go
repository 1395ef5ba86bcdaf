package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// envName is the environment variable of a flag: --rate-burst is
// CONTACTD_RATE_BURST.
func envName(flagName string) string {
	return "CONTACTD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// envFlags gives every flag of fs its environment variable (envName): a
// variable that is set becomes the flag's value unless the command line
// sets the flag too. Each flag's help names its variable.
func envFlags(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := envName(f.Name)
		if !strings.Contains(f.Usage, "("+env+")") {
			f.Usage += " (" + env + ")"
		}
		if v := getenv(env); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a valid --%s: %v", env, v, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// parseFlags parses a command's flags. A mistake gets one short error and
// the hint to ask for help, rather than the flag package's error followed
// by the whole usage; --help prints the usage and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	if err != nil {
		return fmt.Errorf("%w\nRun 'contactd %s --help' for its flags.", err, fs.Name())
	}
	return nil
}

// Set at build time with -ldflags "-X main.version=v0.2.0 -X main.commit=...":
// a release's build names itself.
var (
	version = ""
	commit  = ""
)

// sourceVersion is the release this source is, the newest in CHANGELOG.md:
// the version of a build from a checkout, whose module info carries none.
const sourceVersion = "v0.1.0"

// buildVersion is contactd's version and commit, from -ldflags, else the
// build's module info (`go install ...@v0.1.0` records the version, a
// build in a git checkout the commit), else sourceVersion and "unknown".
func buildVersion() (ver, rev string) {
	info, _ := debug.ReadBuildInfo()
	return versionOf(info, version, commit)
}

func versionOf(info *debug.BuildInfo, ldVersion, ldCommit string) (ver, rev string) {
	ver, rev = ldVersion, ldCommit
	modified := false
	if info != nil {
		// A checkout's build records (devel), or since Go 1.24 a pseudo-version
		// v0.0.0-... when no release tag is reachable: neither is a release.
		if v := info.Main.Version; ver == "" && v != "" && v != "(devel)" && !strings.HasPrefix(v, "v0.0.0-") {
			ver = v
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = true
			}
		}
	}
	if ver == "" {
		ver = sourceVersion
	}
	if rev == "" {
		rev = "unknown"
	} else if modified {
		rev += "+modified"
	}
	return ver, rev
}

// versionString is the version as logs and `contactd version` show it.
func versionString() string {
	ver, _ := buildVersion()
	return ver
}

// printVersion writes the `contactd version` line.
func printVersion(w io.Writer) {
	ver, rev := buildVersion()
	fmt.Fprintf(w, "contactd %s (commit %s, %s %s/%s)\n", ver, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
