package config

import (
	"flag"
	"strings"
)

// ParseFlags parses args with fs as users type them: flags may come
// before, between or after the positional arguments ("report latest --out
// DIR"), "--" ends the flags (everything after it is positional, even
// "-x"), a boolean flag takes no value ("--headed", or "--headed=false"),
// and any other flag takes "--flag=value" or "--flag value" (the next
// argument, whatever it looks like). A lone "-" is positional. After it
// returns nil, fs.Args() holds the positional arguments in order.
//
// Errors are fs.Parse's: flag.ErrHelp for -h and --help, or an unknown or
// malformed flag (already reported on fs's output, with its usage).
func ParseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			args = args[1:]
			continue
		}
		n := 1 // arguments this flag takes: itself, and its value if separate
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if !strings.Contains(name, "=") {
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && len(args) > 1 {
				n = 2
			}
		}
		if err := fs.Parse(args[:n]); err != nil {
			return err
		}
		args = args[n:]
	}
	// Leave the positional arguments as fs.Args(); "--" keeps any that
	// look like flags from being parsed again.
	return fs.Parse(append([]string{"--"}, positional...))
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
