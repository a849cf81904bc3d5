package main

import (
	"flag"

	"github.com/eprharness/eprharness/harness/config"
)

// parseFlags parses a subcommand's arguments as users type them: flags
// before, between or after the positional arguments ("report latest --out
// DIR", "diff A B --format markdown"), "--" ending the flags, boolean flags
// without a value, and "--flag=value" or "--flag value". After it returns
// nil, fs.Args() holds the positional arguments. run and check get the same
// rules from config.Load, which parses their flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	return config.ParseFlags(fs, args)
}
