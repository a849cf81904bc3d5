// Package config holds the one Config struct that users set, and loads it
// from its four sources in order of precedence:
//
//	defaults < eprharness.yaml < EPRHARNESS_* environment < command-line flags
//
// Every setting is described once, in the settings table, which drives the
// file keys, the environment variable names, the flags and the configuration
// reference in the README (a test keeps them in step). Load validates the
// result once; after that a Config is a plain value, safe to copy and to read
// from many goroutines.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/nhsnumber"
)

// Backend names.
const (
	BackendEmbedded = "embedded"
	BackendDocker   = "docker"
)

// Trace settings.
const (
	TraceOnFailure = "on-failure"
	TraceAlways    = "always"
)

// StoreOff is the Store value that records nothing.
const StoreOff = "off"

// DefaultFile is the configuration file read from the working directory when
// no --config or EPRHARNESS_CONFIG names another.
const DefaultFile = "eprharness.yaml"

// Config is every setting of a harness run.
type Config struct {
	// Paths are feature files or folders; a file may carry a ":LINE" suffix
	// to run the one scenario (or example row) at that line.
	Paths []string
	// Backend is "embedded" (in-process reference EPR, the default) or
	// "docker" (PostgreSQL and the EPR image in containers).
	Backend string
	// Tags is a Cucumber tag expression, e.g. "@smoke and not @slow".
	Tags string
	// Out is the folder for reports and failure artifacts.
	Out string
	// Headed shows the browser window instead of running headless.
	Headed bool
	// BrowserPath is an explicit Chromium executable. When empty the harness
	// uses Playwright's own installed Chromium, then a system Chromium.
	BrowserPath string
	// Timeout bounds each browser action and each expectation.
	Timeout time.Duration
	// Workers is how many scenarios run at once. Each worker has its own
	// backend (its own EPR and database) and its own browser contexts in
	// one shared browser, so workers never see each other's data.
	Workers int
	// EPRImage is the reference EPR's container image (docker backend).
	EPRImage string
	// PostgresImage is the PostgreSQL image (docker backend).
	PostgresImage string
	// StartupTimeout bounds how long the docker backend waits for each
	// container to become healthy.
	StartupTimeout time.Duration
	// Fixtures is the folder of fixture patients and users.
	Fixtures string
	// NHSTestRanges are NHS number ranges allowed in fixtures and feature
	// files besides the reserved 999 test range, which is always allowed
	// (for example an integration environment's own test range).
	NHSTestRanges []nhsnumber.Range
	// Clock fixes the EPR's clock ("2026-06-01" or RFC 3339) so ages and
	// dates in scenarios are stable. Empty means real time.
	Clock string
	// EPRDefects are the reference EPR's release-candidate defects to turn
	// on, comma-separated ("slow-search,double-booking"); empty means none.
	// The names are checked where the EPR is started (cmd/eprharness).
	EPRDefects string
	// CorrelationHeader, when set, is a request header sent with every
	// request a scenario makes to the EPR (browser and API) carrying the
	// scenario's id ("features/x.feature:12"), so EPR logs and traces can
	// be matched to scenarios. Empty sends none.
	CorrelationHeader string
	// NoColor turns off colour in the terminal progress output.
	NoColor bool
	// Store is where every run is recorded: a SQLite file path (the
	// default, .eprharness/results.db), a postgres:// URL for a team's
	// shared store, or "off" to record nothing.
	Store string
	// Artifacts is the folder where the store keeps attachments
	// (screenshots, traces, page HTML), named by content hash. Empty means
	// "artifacts" beside a SQLite store file, or .eprharness/artifacts
	// for a PostgreSQL store.
	Artifacts string
	// Retries is how many times a failing scenario is rerun, each time in
	// a fresh browser context on a reset backend. A scenario that fails
	// and then passes is reported as flaky, never as passed.
	Retries int
	// FailOnFlaky makes a run with flaky scenarios exit 1.
	FailOnFlaky bool
	// Trace is when Playwright traces are kept: "on-failure" (the default)
	// or "always".
	Trace string
	// KeepBackends leaves the backends (containers) running after the run
	// and prints how to reach and remove them.
	KeepBackends bool
	// RequiredTags are the tags of which `eprharness check` wants every
	// scenario to carry at least one (its own or inherited from its rule,
	// feature or examples), such as the clinical-area tags. Empty: no rule.
	RequiredTags []string
	// File is the configuration file that was read, if any (informational).
	File string
	// Warnings are problems that do not stop a run, such as an
	// EPRHARNESS_* variable that names no setting (likely a typo).
	Warnings []string
}

// otherEnv are EPRHARNESS_* variables that are not settings but are read by
// the project's tests and tools.
var otherEnv = map[string]bool{
	"EPRHARNESS_CONFIG":          true,
	"EPRHARNESS_REQUIRE_DOCKER":  true,
	"EPRHARNESS_REQUIRE_BROWSER": true,
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Paths:          []string{"features"},
		Backend:        BackendEmbedded,
		Out:            "out",
		Timeout:        10 * time.Second,
		Workers:        1,
		EPRImage:       "eprharness/refepr:dev",
		PostgresImage:  "postgres:15",
		StartupTimeout: 90 * time.Second,
		Fixtures:       "fixtures",
		Store:          ".eprharness/results.db",
		Trace:          TraceOnFailure,
		RequiredTags:   append([]string(nil), DefaultRequiredTags...),
	}
}

// DefaultRequiredTags are the clinical-area tags of the example suite:
// every scenario belongs to one area.
var DefaultRequiredTags = []string{
	"@access", "@admissions", "@allergies", "@appointments", "@audit", "@banner", "@medications",
	"@notes", "@observations", "@operations", "@registration", "@search", "@session",
}

// Error is a configuration error. It names where the bad value came from
// (a file and line, an environment variable or a flag) and the setting.
type Error struct {
	Source string // "eprharness.yaml:4", "EPRHARNESS_TIMEOUT", "--timeout"
	Field  string // the setting's file key, e.g. "timeout"
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Source != "" && e.Field != "":
		return fmt.Sprintf("%s: %s: %s", e.Source, e.Field, e.Msg)
	case e.Source != "":
		return fmt.Sprintf("%s: %s", e.Source, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Field, e.Msg)
	}
}

// setting describes one field of Config in every source.
type setting struct {
	key   string // file key and the basis of env and flag names
	usage string
	kind  string // "string", "bool", "duration", "list"
	get   func(*Config) string
	set   func(*Config, string) error
}

func (s setting) env() string {
	return "EPRHARNESS_" + strings.ToUpper(strings.ReplaceAll(s.key, "-", "_"))
}

func (s setting) flag() string { return s.key }

func stringSetting(key, usage string, field func(*Config) *string, check func(string) error) setting {
	return setting{key: key, usage: usage, kind: "string",
		get: func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error {
			if check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*field(c) = v
			return nil
		}}
}

func boolSetting(key, usage string, field func(*Config) *bool) setting {
	return setting{key: key, usage: usage, kind: "bool",
		get: func(c *Config) string { return strconv.FormatBool(*field(c)) },
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false, got %q", v)
			}
			*field(c) = b
			return nil
		}}
}

func durationSetting(key, usage string, field func(*Config) *time.Duration) setting {
	return setting{key: key, usage: usage, kind: "duration",
		get: func(c *Config) string { return field(c).String() },
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("want a duration such as 10s or 2m, got %q", v)
			}
			if d <= 0 {
				return fmt.Errorf("must be positive, got %s", v)
			}
			*field(c) = d
			return nil
		}}
}

func intSetting(key, usage string, lo, hi int, field func(*Config) *int) setting {
	return setting{key: key, usage: usage, kind: "int",
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("want a whole number, got %q", v)
			}
			if n < lo || n > hi {
				return fmt.Errorf("must be from %d to %d, got %d", lo, hi, n)
			}
			*field(c) = n
			return nil
		}}
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func oneOf(allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

// settings is the single description of every setting, in README order.
var settings = []setting{
	{key: "paths", kind: "list", usage: "feature files or folders, comma-separated; FILE:LINE runs one scenario",
		get: func(c *Config) string { return strings.Join(c.Paths, ",") },
		set: func(c *Config, v string) error {
			var ps []string
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					ps = append(ps, p)
				}
			}
			if len(ps) == 0 {
				return errors.New("must name at least one feature file or folder")
			}
			c.Paths = ps
			return nil
		}},
	stringSetting("backend", "where the EPR runs: embedded (in-process) or docker (containers)",
		func(c *Config) *string { return &c.Backend }, oneOf(BackendEmbedded, BackendDocker)),
	stringSetting("tags", "Cucumber tag expression, e.g. \"@smoke and not @slow\"",
		func(c *Config) *string { return &c.Tags }, nil),
	stringSetting("out", "folder for reports and failure artifacts",
		func(c *Config) *string { return &c.Out }, nonEmpty),
	boolSetting("headed", "show the browser window", func(c *Config) *bool { return &c.Headed }),
	stringSetting("browser-path", "Chromium executable; empty = Playwright's Chromium, then system Chromium",
		func(c *Config) *string { return &c.BrowserPath }, nil),
	durationSetting("timeout", "time allowed for each browser action and expectation",
		func(c *Config) *time.Duration { return &c.Timeout }),
	intSetting("workers", "scenarios run at once, each worker with its own backend (1-16)", 1, 16,
		func(c *Config) *int { return &c.Workers }),
	stringSetting("epr-image", "reference EPR container image (docker backend)",
		func(c *Config) *string { return &c.EPRImage }, nonEmpty),
	stringSetting("postgres-image", "PostgreSQL container image (docker backend)",
		func(c *Config) *string { return &c.PostgresImage }, nonEmpty),
	durationSetting("startup-timeout", "time allowed for each container to become healthy",
		func(c *Config) *time.Duration { return &c.StartupTimeout }),
	stringSetting("fixtures", "folder of fixture patients and users",
		func(c *Config) *string { return &c.Fixtures }, nonEmpty),
	{key: "nhs-test-ranges", kind: "list", usage: "NHS number ranges allowed in fixtures and feature files besides 999…, comma-separated FIRST-LAST (e.g. 9434000000-9434999999)",
		get: func(c *Config) string { return FormatNHSRanges(c.NHSTestRanges) },
		set: func(c *Config, v string) (err error) { c.NHSTestRanges, err = ParseNHSRanges(v); return err }},
	stringSetting("clock", "fix the EPR's clock: 2026-06-01 or RFC 3339; empty = real time",
		func(c *Config) *string { return &c.Clock }, checkClock),
	stringSetting("epr-defects", "reference EPR release-candidate defects to turn on, comma-separated (e.g. slow-search); empty = none",
		func(c *Config) *string { return &c.EPRDefects }, nil),
	stringSetting("correlation-header", "request header carrying the scenario id on every request to the EPR, e.g. X-Test-Scenario; empty = none",
		func(c *Config) *string { return &c.CorrelationHeader }, checkHeaderName),
	boolSetting("no-color", "plain terminal output", func(c *Config) *bool { return &c.NoColor }),
	stringSetting("store", "results store: a SQLite file, a postgres:// URL (shared team store) or off",
		func(c *Config) *string { return &c.Store }, nonEmpty),
	stringSetting("artifacts", "folder for stored attachments; empty = artifacts/ beside a SQLite store, .eprharness/artifacts for PostgreSQL",
		func(c *Config) *string { return &c.Artifacts }, nil),
	intSetting("retries", "reruns of a failing scenario in a fresh browser context; fail-then-pass is reported flaky (0-10)", 0, 10,
		func(c *Config) *int { return &c.Retries }),
	boolSetting("fail-on-flaky", "exit 1 when any scenario is flaky", func(c *Config) *bool { return &c.FailOnFlaky }),
	stringSetting("trace", "when to keep Playwright traces: on-failure or always",
		func(c *Config) *string { return &c.Trace }, oneOf(TraceOnFailure, TraceAlways)),
	boolSetting("keep-backends", "leave the backends (containers) running after the run and print how to reach and remove them",
		func(c *Config) *bool { return &c.KeepBackends }),
	{key: "required-tags", kind: "list", usage: "eprharness check: every scenario must carry one of these tags, comma-separated; empty = no rule",
		get: func(c *Config) string { return strings.Join(c.RequiredTags, ",") },
		set: func(c *Config, v string) error {
			var tags []string
			for _, t := range strings.Split(v, ",") {
				t = strings.TrimSpace(t)
				if t == "" {
					continue
				}
				if !strings.HasPrefix(t, "@") || strings.ContainsAny(t, " \t") || len(t) == 1 {
					return fmt.Errorf("want tags such as @search, got %q", t)
				}
				tags = append(tags, t)
			}
			c.RequiredTags = tags
			return nil
		}},
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

func checkHeaderName(v string) error {
	if v != "" && !headerName.MatchString(v) {
		return fmt.Errorf("want a header name such as X-Test-Scenario, got %q", v)
	}
	return nil
}

// ParseNHSRanges reads comma-separated NHS number ranges written
// FIRST-LAST, each bound ten digits ("9434000000-9434999999"). Spaces in a
// bound are ignored; an empty text is no ranges.
func ParseNHSRanges(v string) ([]nhsnumber.Range, error) {
	var out []nhsnumber.Range
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		first, last, ok := strings.Cut(part, "-")
		first, last = nhsnumber.Normalise(first), nhsnumber.Normalise(last)
		if !ok || !tenDigits(first) || !tenDigits(last) {
			return nil, fmt.Errorf("want FIRST-LAST with ten-digit bounds, e.g. 9434000000-9434999999, got %q", part)
		}
		if first > last {
			return nil, fmt.Errorf("range %q: the first number is after the last", part)
		}
		out = append(out, nhsnumber.Range{First: first, Last: last})
	}
	return out, nil
}

// FormatNHSRanges writes ranges as ParseNHSRanges reads them.
func FormatNHSRanges(rs []nhsnumber.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.First + "-" + r.Last
	}
	return strings.Join(parts, ",")
}

func tenDigits(s string) bool {
	if len(s) != 10 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func checkClock(v string) error {
	_, err := ParseClock(v)
	return err
}

// ParseClock reads a Clock setting: "" gives the zero time (the clock is
// not fixed), a date ("2026-06-01") its midnight UTC, and an RFC 3339 time
// ("2026-06-01T09:30:00Z") that instant, as the reference EPR reads them.
func ParseClock(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a date (2026-06-01) or an RFC 3339 time, got %q", v)
}

func lookup(key string) (setting, bool) {
	for _, s := range settings {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// Source is what Load reads besides the defaults.
type Source struct {
	// Args are the command's arguments after the subcommand name.
	Args []string
	// Env is the environment as KEY=VALUE pairs (os.Environ()).
	Env []string
	// Dir is the working directory the default file is looked for in.
	Dir string
	// Usage receives the flag usage on -h; nil discards it.
	Usage io.Writer
	// NoPaths is set by commands that run no scenarios (report, diff,
	// serve): the feature paths are then not required to exist.
	NoPaths bool
}

// ErrHelp is returned when the user asked for help (-h or --help).
var ErrHelp = flag.ErrHelp

// Load builds a Config from the defaults, the configuration file, the
// environment and the flags in src, then validates it. Positional arguments
// are feature paths and replace any paths from the file or environment.
func Load(src Source) (Config, error) {
	cfg := Default()
	env := envMap(src.Env)

	fs, flagVals, configFlag := newFlagSet(src.Usage)
	// Flags may come before, between or after the paths, as users write
	// them ("run features/x.feature --headed"); "--" ends the flags.
	var positional []string
	for rest := src.Args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, ErrHelp
			}
			return cfg, &Error{Source: "command line", Msg: err.Error()}
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(rest) < len(src.Args) && rest[0] != "" && wasDoubleDash(src.Args, rest) {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
	}

	// Which file: --config > EPRHARNESS_CONFIG > ./eprharness.yaml (if present).
	file, explicit := *configFlag, true
	if file == "" {
		file = env["EPRHARNESS_CONFIG"]
	}
	if file == "" {
		file, explicit = filepath.Join(src.Dir, DefaultFile), false
	}
	data, err := os.ReadFile(file)
	switch {
	case err == nil:
		if err := applyFile(&cfg, file, data); err != nil {
			return cfg, err
		}
		cfg.File = file
	case explicit || !errors.Is(err, os.ErrNotExist):
		return cfg, &Error{Source: file, Msg: "cannot read configuration file: " + errText(err)}
	}

	known := map[string]bool{}
	for _, s := range settings {
		known[s.env()] = true
		if v, ok := env[s.env()]; ok {
			if err := s.set(&cfg, v); err != nil {
				return cfg, &Error{Source: s.env(), Msg: err.Error()}
			}
		}
	}
	for _, k := range sortedKeys(env) {
		if !known[k] && !otherEnv[k] {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s is not an eprharness setting and is ignored (settings: `eprharness config`)", k))
		}
	}

	// Flags the user actually set, in command-line order.
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		if ferr != nil || f.Name == "config" {
			return
		}
		s, _ := lookup(f.Name)
		if err := s.set(&cfg, *flagVals[f.Name]); err != nil {
			ferr = &Error{Source: "--" + f.Name, Msg: err.Error()}
		}
	})
	if ferr != nil {
		return cfg, ferr
	}
	if len(positional) > 0 {
		cfg.Paths = positional
	}
	if src.NoPaths {
		return cfg, cfg.validate(false)
	}
	return cfg, cfg.Validate()
}

// Validate checks settings that depend on each other or on the file system.
func (c Config) Validate() error { return c.validate(true) }

func (c Config) validate(paths bool) error {
	for _, s := range settings {
		if s.kind == "string" {
			if err := s.set(&c, s.get(&c)); err != nil {
				return &Error{Field: s.key, Msg: err.Error()}
			}
		}
	}
	if !paths {
		return nil
	}
	if len(c.Paths) == 0 {
		return &Error{Field: "paths", Msg: "must name at least one feature file or folder"}
	}
	for _, p := range c.Paths {
		file, _, err := SplitPathLine(p)
		if err != nil {
			return &Error{Field: "paths", Msg: err.Error()}
		}
		if _, err := os.Stat(file); err != nil {
			return &Error{Field: "paths", Msg: fmt.Sprintf("no feature file or folder at %s", file)}
		}
	}
	return nil
}

// SplitPathLine splits "features/x.feature:12" into the file and the line
// (0 when absent).
func SplitPathLine(p string) (string, int, error) {
	i := strings.LastIndex(p, ":")
	if i < 0 || !strings.HasSuffix(p[:i], ".feature") {
		return p, 0, nil
	}
	line, err := strconv.Atoi(p[i+1:])
	if err != nil || line < 1 {
		return p, 0, fmt.Errorf("%s: the part after the colon must be a line number", p)
	}
	return p[:i], line, nil
}

// wasDoubleDash reports whether the parser stopped at rest because of a
// "--" argument just before it.
func wasDoubleDash(all, rest []string) bool {
	i := len(all) - len(rest) - 1
	return i >= 0 && all[i] == "--"
}

func newFlagSet(usage io.Writer) (*flag.FlagSet, map[string]*string, *string) {
	fs := flag.NewFlagSet("eprharness run", flag.ContinueOnError)
	if usage == nil {
		usage = io.Discard
	}
	fs.SetOutput(usage)
	vals := map[string]*string{}
	for _, s := range settings {
		if s.key == "paths" {
			continue
		}
		if s.kind == "bool" {
			b := new(boolString)
			vals[s.key] = &b.v
			fs.Var(b, s.flag(), s.usage)
			continue
		}
		vals[s.key] = fs.String(s.flag(), "", s.usage)
	}
	configFlag := fs.String("config", "", "configuration file (default ./"+DefaultFile+" if present)")
	fs.Usage = func() {
		fmt.Fprintf(usage, "usage: eprharness run [PATH[:LINE]...] [flags]\n\nflags:\n")
		fs.PrintDefaults()
	}
	return fs, vals, configFlag
}

// boolString is a boolean flag that records its text for the shared setter.
type boolString struct{ v string }

func (b *boolString) String() string   { return b.v }
func (b *boolString) IsBoolFlag() bool { return true }
func (b *boolString) Set(v string) error {
	b.v = v
	return nil
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "EPRHARNESS_") {
			m[k] = v
		}
	}
	return m
}

func applyFile(cfg *Config, file string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{Source: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{Source: fmt.Sprintf("%s:%d", file, root.Line), Msg: "want a mapping of setting: value"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d", file, k.Line)
		s, ok := lookup(k.Value)
		if !ok {
			return &Error{Source: at, Field: k.Value, Msg: "unknown setting; known settings are " + strings.Join(Keys(), ", ")}
		}
		var text string
		switch {
		case s.kind == "list" && v.Kind == yaml.SequenceNode:
			var items []string
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return &Error{Source: fmt.Sprintf("%s:%d", file, it.Line), Field: s.key, Msg: "want a list of values"}
				}
				items = append(items, it.Value)
			}
			text = strings.Join(items, ",")
		case v.Kind == yaml.ScalarNode:
			text = v.Value
		default:
			return &Error{Source: at, Field: s.key, Msg: "want a single value"}
		}
		if err := s.set(cfg, text); err != nil {
			return &Error{Source: at, Field: s.key, Msg: err.Error()}
		}
	}
	return nil
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Keys returns every setting's file key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(settings))
	for _, s := range settings {
		keys = append(keys, s.key)
	}
	sort.Strings(keys)
	return keys
}

// Reference writes the configuration reference as a Markdown table: file
// key, environment variable, flag, default and meaning.
func Reference(w io.Writer) {
	def := Default()
	fmt.Fprintln(w, "| file key | environment | flag | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, s := range settings {
		fl := "`--" + s.flag() + "`"
		if s.key == "paths" {
			fl = "arguments"
		}
		d := s.get(&def)
		if d == "" || (s.kind == "bool" && d == "false") {
			d = "—"
		} else {
			d = "`" + d + "`"
		}
		fmt.Fprintf(w, "| `%s` | `%s` | %s | %s | %s |\n", s.key, s.env(), fl, d, s.usage)
	}
	fmt.Fprintf(w, "| — | `EPRHARNESS_CONFIG` | `--config` | `./%s` if present | configuration file |\n", DefaultFile)
}
