// Package config holds the one Config struct that users set, and loads it
// from its four sources in order of precedence:
//
//	defaults < eprharness.yaml < EPRHARNESS_* environment < command-line flags
//
// Every setting is described once, in the settings table, which drives the
// file keys, the environment variable names, the flags and the configuration
// reference in the README (a test keeps them in step). The file is one YAML
// mapping of setting: value; an unknown key, a key given twice or a second
// document is an *Error naming the file and line. Flags may come before,
// between or after the paths (ParseFlags, which the other subcommands use
// too). Load validates the result once; after that a Config is a plain
// value, safe to copy and to read from many goroutines.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eprharness/eprharness/harness/a11y"
	"github.com/eprharness/eprharness/harness/egress"
	"github.com/eprharness/eprharness/harness/tagexpr"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Backend names.
const (
	BackendEmbedded = "embedded"
	BackendDocker   = "docker"
	BackendURL      = "url"
	BackendCompose  = "compose"
	// backendExternal is accepted as another name for BackendURL.
	backendExternal = "external"
)

// Reset methods: how the EPR's data is put back between scenarios.
const (
	ResetAuto     = ""         // builtin on embedded and docker, none on url and compose
	ResetBuiltin  = "builtin"  // the backend's own (the reference EPR's test API)
	ResetNone     = "none"     // nothing: scenarios must not depend on a clean EPR
	ResetHTTP     = "http"     // one request to a reset endpoint
	ResetSQL      = "sql"      // a SQL script against the EPR's database
	ResetSnapshot = "snapshot" // a PostgreSQL template database restored each time
	ResetUnique   = "unique"   // no reset; fixture patients get unique identities
)

// Fixture loaders: how fixture patients reach the EPR.
const (
	LoaderFHIR    = "fhir"
	LoaderDICOM   = "dicom"
	LoaderCommand = "command"
	LoaderNone    = "none"
)

// Adapter names built in (others register with target.Register).
const (
	AdapterRefEPR      = "refepr"
	AdapterDeclarative = "declarative"
)

// Trace settings.
const (
	TraceOnFailure = "on-failure"
	TraceAlways    = "always"
)

// Run-wide accessibility check settings (A11yScan).
const (
	A11yScanOff   = "off"
	A11yScanPages = "pages"
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
	// Adapter names the target adapter that drives the EPR's screens:
	// "refepr" (the reference EPR, the default), "declarative" (a YAML
	// screen map, see ScreenMap) or a Go adapter registered with
	// target.Register.
	Adapter string
	// ScreenMap is the declarative adapter's screen map file.
	ScreenMap string
	// Phrasebook are YAML files mapping a team's own step wording to
	// catalogue steps (harness/phrasebook); empty: none.
	Phrasebook []string
	// Backend is where the EPR runs: "embedded" (the reference EPR
	// in-process, the default), "docker" (the reference EPR and
	// PostgreSQL in containers), "url" (a running EPR at BaseURL: the
	// harness starts nothing) or "compose" (a Docker Compose file).
	Backend string
	// BaseURL is the running EPR's URL (backend url).
	BaseURL string
	// AllowedHosts are the hosts a url target may be on and that the
	// browser may reach besides the target: host names, IP addresses or
	// "*.domain" wildcards. The production guard: anything else is refused.
	AllowedHosts []string
	// ComposeFiles are the Docker Compose files of the EPR and its
	// dependencies (backend compose), started once per worker.
	ComposeFiles []string
	// ComposeService and ComposePort name the service and container port
	// the browser reaches.
	ComposeService string
	ComposePort    int
	// ComposeWait says when each service is ready: "SERVICE=http:/PATH",
	// "SERVICE=log:TEXT" or "SERVICE=healthy" (its Compose healthcheck).
	ComposeWait []string
	// Reset is how the EPR's data is put back between scenarios: builtin,
	// none, http, sql, snapshot or unique; empty means builtin on the
	// reference EPR's backends and none on url and compose.
	Reset string
	// ResetURL, ResetMethod and ResetBody are the http reset's request; the
	// URL may be a path on the EPR, the body "@FILE" reads a file.
	ResetURL    string
	ResetMethod string
	ResetBody   string
	// ResetSQL is the sql reset's script file.
	ResetSQL string
	// DatabaseURL is the EPR's PostgreSQL database (sql and snapshot
	// resets). With compose, {host} and {port} are replaced by the mapped
	// address of DatabaseService's port 5432.
	DatabaseURL     string
	DatabaseService string
	// FixtureLoader is how fixture patients reach the EPR: fhir (a FHIR R4
	// transaction, the default), dicom (synthetic DICOM instances
	// uploaded to FixtureURL), command (FixtureCommand) or none.
	FixtureLoader string
	// FixtureURL is the FHIR base or DICOM upload URL; a path is taken on
	// the EPR. Empty means {base}/fhir for fhir.
	FixtureURL string
	// FixtureAuth is none, bearer (EPRHARNESS_FIXTURE_TOKEN) or basic
	// (EPRHARNESS_FIXTURE_USERNAME, EPRHARNESS_FIXTURE_PASSWORD).
	FixtureAuth string
	// FixtureCommand is run per patient by the command loader, through
	// sh -c, with the patient's FHIR bundle on standard input.
	FixtureCommand string
	// FirstLoadTimeout bounds each scenario's first page load, which on a
	// cold EPR may be much slower than later actions.
	FirstLoadTimeout time.Duration
	// BlockServiceWorkers stops pages registering service workers, whose
	// caches and requests would escape the harness's control.
	BlockServiceWorkers bool
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
	// Shard runs one share of the selected scenarios, "I/N" (1 ≤ I ≤ N):
	// each of N machines runs a stable, disjoint share, balanced by the
	// scenarios' durations in the results store when it has any and by
	// count otherwise. Empty runs them all. See `eprharness merge`.
	Shard string
	// Profile prints where the run's time went (slowest phases and steps)
	// after the summary.
	Profile bool
	// BrowserWS connects to a Playwright browser server
	// (`playwright run-server`, or a grid built on it) at this ws:// URL
	// instead of launching Chromium; each scenario still gets a fresh
	// browser context. Empty launches a local browser.
	BrowserWS string
	// BrowserExposeNetwork, with BrowserWS, names the hosts the remote
	// browser reaches through this machine (Playwright's exposeNetwork:
	// "<loopback>", "localhost,*.test.internal", "*"), so that a browser
	// on a grid can load an EPR on this machine's loopback. Empty: the
	// remote browser reaches every host itself.
	BrowserExposeNetwork string
	// A11yScan is the run-wide accessibility check: "off" (the default:
	// only the accessibility steps check pages) or "pages" (every
	// distinct page the scenarios visit is checked once per run, after
	// the step that reached it; ids in addresses count as one page).
	A11yScan string
	// A11yStandard is what the run-wide check and the steps that name no
	// standard check against: a standard ("WCAG 2.2 AA", the default;
	// "WCAG 2.1 A") or axe-core rule tags ("wcag2a,best-practice").
	A11yStandard string
	// A11yBaseline is the file of known accessibility violations the
	// organisation has accepted, each with a reason, an owner and an
	// expiry date (harness/a11y); empty: none.
	A11yBaseline string
	// AxeScript is a copy of axe-core's axe.min.js to use instead of the
	// pinned version `eprharness install` fetches (a site's own mirror).
	AxeScript string
	// HazardLog is the clinical-safety hazard log (YAML or CSV, see
	// harness/safety) the run is recorded against; empty: the
	// hazards.yaml, hazards.yml or hazards.csv nearest the feature files.
	HazardLog string
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
	// TraceScreenshots adds a screenshot per action to every trace (the
	// trace viewer's film strip); traces always keep DOM snapshots.
	TraceScreenshots bool
	// KeepBackends leaves the backends (containers) running after the run
	// and prints how to reach and remove them.
	KeepBackends bool
	// MLLPAddress is the EPR's inbound HL7 v2 interface (MLLP), host:port,
	// that the messaging steps send to as the PAS; empty: the reference
	// EPR backends' own, or MLLPService's.
	MLLPAddress string
	// MLLPService is, with backend compose, the Compose service and
	// container port of the EPR's inbound HL7 v2 interface, "SERVICE:PORT"
	// (epr:2575): each worker's project publishes that port, the messaging
	// steps send to it, and the harness listens for each project's
	// outbound feed on a port of its own (unless MLLPListen is set). Not
	// with MLLPAddress. See MLLPServicePort.
	MLLPService string
	// FHIRURL is the EPR's FHIR base URL for the messaging steps (FHIR
	// messages, transactions, subscriptions), or a path on the EPR;
	// empty: the EPR's base URL + /fhir.
	FHIRURL string
	// MLLPListen is where the harness listens for the EPR's outbound HL7
	// v2 feed, host:port (0.0.0.0:2576); empty: with backends embedded
	// and docker (and compose with MLLPService) an ephemeral port per
	// backend handed to the EPR, with others no listener (receive steps
	// then fail saying so).
	MLLPListen string
	// NotifyListen is where the harness listens for FHIR Subscription
	// notifications, host:port; empty: 127.0.0.1:0, or 0.0.0.0:0 with
	// backends docker and compose.
	NotifyListen string
	// CallbackHost is the host name the EPR reaches the harness's
	// listeners by, in Subscription endpoint URLs; empty: the backend's
	// (host.docker.internal on docker and compose), else 127.0.0.1.
	CallbackHost string
	// MessageTimeout is how long a step waits for a message from the EPR
	// (and for the EPR's answer to one sent).
	MessageTimeout time.Duration
	// RequiredTags are the tags of which `eprharness check` wants every
	// scenario to carry at least one (its own or inherited from its rule,
	// feature or examples), such as the clinical-area tags. Empty: no rule.
	RequiredTags []string
	// File is the configuration file that was read, if any (informational).
	File string
	// Warnings are problems that do not stop a run, such as an
	// EPRHARNESS_* variable that names no setting (likely a typo).
	Warnings []string
	// origin says where each setting that was not a default came from
	// ("eprharness.yaml:4", "EPRHARNESS_BASE_URL", "--base-url"), for
	// errors found when settings are checked together.
	origin map[string]string
}

// FixturesDir is the fixtures folder to open: Fixtures, or "" (no fixture
// patients or users) when Fixtures is the default and there is no such
// folder, as for an EPR tested without fixtures. A folder named in the
// file, the environment or a flag must exist: a misspelt one is an error
// (fixtures.Open says so), never silently empty.
func (c Config) FixturesDir() string {
	if c.Origin("fixtures") == "" && c.Fixtures == Default().Fixtures {
		if _, err := os.Stat(c.Fixtures); errors.Is(err, fs.ErrNotExist) {
			return ""
		}
	}
	return c.Fixtures
}

// Origin says where a setting's value came from: "file:line", the
// environment variable or the flag; "" for a default.
func (c Config) Origin(key string) string { return c.origin[key] }

func (c *Config) setOrigin(key, src string) {
	if c.origin == nil {
		c.origin = map[string]string{}
	}
	c.origin[key] = src
}

// errAt is an error about the setting key, naming where it was set.
func (c Config) errAt(key, format string, args ...any) error {
	return &Error{Source: c.origin[key], Field: key, Msg: fmt.Sprintf(format, args...)}
}

// otherEnv are EPRHARNESS_* variables that are not settings but are read by
// the project's tests and tools.
var otherEnv = map[string]bool{
	"EPRHARNESS_CONFIG":          true,
	"EPRHARNESS_REQUIRE_DOCKER":  true,
	"EPRHARNESS_REQUIRE_BROWSER": true,
	// The fixture loader's secrets: read from the environment only, never
	// from a file or a flag, and never printed.
	"EPRHARNESS_FIXTURE_TOKEN":    true,
	"EPRHARNESS_FIXTURE_USERNAME": true,
	"EPRHARNESS_FIXTURE_PASSWORD": true,
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Paths:               []string{"features"},
		Adapter:             AdapterRefEPR,
		Backend:             BackendEmbedded,
		AllowedHosts:        []string{"localhost", "127.0.0.1", "::1"},
		ResetMethod:         "POST",
		FixtureLoader:       LoaderFHIR,
		FixtureAuth:         "none",
		FirstLoadTimeout:    30 * time.Second,
		BlockServiceWorkers: true,
		Out:                 "out",
		Timeout:             10 * time.Second,
		Workers:             1,
		EPRImage:            "eprharness/refepr:dev",
		PostgresImage:       "postgres:15",
		StartupTimeout:      90 * time.Second,
		Fixtures:            "fixtures",
		Store:               ".eprharness/results.db",
		Trace:               TraceOnFailure,
		A11yScan:            A11yScanOff,
		A11yStandard:        "WCAG 2.2 AA",
		RequiredTags:        append([]string(nil), DefaultRequiredTags...),
		MessageTimeout:      10 * time.Second,
	}
}

// DefaultRequiredTags are the clinical-area tags of the example suite:
// every scenario belongs to one area.
var DefaultRequiredTags = []string{
	"@access", "@admissions", "@allergies", "@appointments", "@audit", "@banner", "@medications",
	"@messaging", "@notes", "@observations", "@operations", "@referrals", "@registration", "@search", "@session",
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

func listSetting(key, usage string, field func(*Config) *[]string, check func(string) error) setting {
	return setting{key: key, usage: usage, kind: "list",
		get: func(c *Config) string { return strings.Join(*field(c), ",") },
		set: func(c *Config, v string) error {
			var items []string
			for _, it := range strings.Split(v, ",") {
				if it = strings.TrimSpace(it); it == "" {
					continue
				}
				if check != nil {
					if err := check(it); err != nil {
						return err
					}
				}
				items = append(items, it)
			}
			*field(c) = items
			return nil
		}}
}

// checkWait checks one compose-wait entry: SERVICE=http:/PATH,
// SERVICE=log:TEXT or SERVICE=healthy.
func checkWait(v string) error {
	svc, spec, ok := strings.Cut(v, "=")
	kind, arg, _ := strings.Cut(spec, ":")
	switch {
	case !ok || strings.TrimSpace(svc) == "":
		return fmt.Errorf("want SERVICE=http:/PATH, SERVICE=log:TEXT or SERVICE=healthy, got %q", v)
	case kind == "http" && strings.HasPrefix(arg, "/"):
	case kind == "log" && arg != "":
	case kind == "healthy" && arg == "":
	default:
		return fmt.Errorf("%s: want http:/PATH, log:TEXT or healthy, got %q", svc, spec)
	}
	return nil
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
	stringSetting("adapter", "target adapter: refepr, declarative (a screen map) or a registered Go adapter",
		func(c *Config) *string { return &c.Adapter }, nonEmpty),
	stringSetting("screen-map", "the declarative adapter's screen map (YAML)",
		func(c *Config) *string { return &c.ScreenMap }, nil),
	listSetting("phrasebook", "YAML files mapping your own step wording to catalogue steps, comma-separated (see README, the phrasebook)",
		func(c *Config) *[]string { return &c.Phrasebook }, nil),
	{key: "backend", kind: "string", usage: "where the EPR runs: embedded (reference EPR in-process), docker (reference EPR in containers), url (a running EPR at base-url), compose (a Compose file)",
		get: func(c *Config) string { return c.Backend },
		set: func(c *Config, v string) error {
			if v == backendExternal {
				v = BackendURL
			}
			if err := oneOf(BackendEmbedded, BackendDocker, BackendURL, BackendCompose)(v); err != nil {
				return err
			}
			c.Backend = v
			return nil
		}},
	stringSetting("base-url", "the running EPR's URL (backend url), e.g. https://epr.test.example.nhs.uk",
		func(c *Config) *string { return &c.BaseURL }, nil),
	listSetting("allowed-hosts", "hosts a url target may be on and the browser may reach besides the target; *.domain wildcards",
		func(c *Config) *[]string { return &c.AllowedHosts }, egress.CheckPattern),
	listSetting("compose-file", "Docker Compose files of the EPR and its dependencies (backend compose)",
		func(c *Config) *[]string { return &c.ComposeFiles }, nil),
	stringSetting("compose-service", "the Compose service the browser reaches",
		func(c *Config) *string { return &c.ComposeService }, nil),
	intSetting("compose-port", "that service's container port, e.g. 8080", 0, 65535,
		func(c *Config) *int { return &c.ComposePort }),
	listSetting("compose-wait", "when each service is ready: SERVICE=http:/PATH, SERVICE=log:TEXT or SERVICE=healthy",
		func(c *Config) *[]string { return &c.ComposeWait }, checkWait),
	stringSetting("reset", "data between scenarios: builtin, none, http, sql, snapshot or unique; empty = builtin on embedded and docker, none otherwise",
		func(c *Config) *string { return &c.Reset }, oneOf(ResetAuto, ResetBuiltin, ResetNone, ResetHTTP, ResetSQL, ResetSnapshot, ResetUnique)),
	stringSetting("reset-url", "http reset: the reset endpoint, a URL or a path on the EPR",
		func(c *Config) *string { return &c.ResetURL }, nil),
	stringSetting("reset-method", "http reset: the request method",
		func(c *Config) *string { return &c.ResetMethod }, oneOf("GET", "POST", "PUT", "DELETE", "PATCH")),
	stringSetting("reset-body", "http reset: the request body; @FILE reads a file",
		func(c *Config) *string { return &c.ResetBody }, nil),
	stringSetting("reset-sql", "sql reset: the SQL script file run before each scenario",
		func(c *Config) *string { return &c.ResetSQL }, nil),
	stringSetting("database-url", "sql and snapshot resets: the EPR's PostgreSQL URL; with compose {host} and {port} are the database service's",
		func(c *Config) *string { return &c.DatabaseURL }, nil),
	stringSetting("database-service", "compose: the service running the EPR's PostgreSQL (port 5432)",
		func(c *Config) *string { return &c.DatabaseService }, nil),
	stringSetting("fixture-loader", "how fixture patients reach the EPR: fhir, dicom, command or none",
		func(c *Config) *string { return &c.FixtureLoader }, oneOf(LoaderFHIR, LoaderDICOM, LoaderCommand, LoaderNone)),
	stringSetting("fixture-url", "FHIR base or DICOM upload URL, or a path on the EPR; empty = the EPR's /fhir",
		func(c *Config) *string { return &c.FixtureURL }, nil),
	stringSetting("fixture-auth", "fixture loader credentials: none, bearer (EPRHARNESS_FIXTURE_TOKEN) or basic (EPRHARNESS_FIXTURE_USERNAME, _PASSWORD)",
		func(c *Config) *string { return &c.FixtureAuth }, oneOf("none", "bearer", "basic")),
	stringSetting("fixture-command", "command loader: run per patient with sh -c, the patient's FHIR bundle on stdin",
		func(c *Config) *string { return &c.FixtureCommand }, nil),
	stringSetting("tags", "Cucumber tag expression, e.g. \"@smoke and not @slow\"",
		func(c *Config) *string { return &c.Tags }, checkTags),
	stringSetting("out", "folder for reports and failure artifacts",
		func(c *Config) *string { return &c.Out }, nonEmpty),
	boolSetting("headed", "show the browser window", func(c *Config) *bool { return &c.Headed }),
	stringSetting("browser-path", "Chromium executable; empty = Playwright's Chromium, then system Chromium",
		func(c *Config) *string { return &c.BrowserPath }, nil),
	durationSetting("timeout", "time allowed for each browser action and expectation",
		func(c *Config) *time.Duration { return &c.Timeout }),
	durationSetting("first-load-timeout", "time allowed for each scenario's first page load",
		func(c *Config) *time.Duration { return &c.FirstLoadTimeout }),
	boolSetting("block-service-workers", "stop pages registering service workers", func(c *Config) *bool { return &c.BlockServiceWorkers }),
	intSetting("workers", "scenarios run at once, each worker with its own backend (1-16)", 1, 16,
		func(c *Config) *int { return &c.Workers }),
	stringSetting("shard", "run one share of the scenarios, I/N, e.g. 2/4 (balanced by stored durations); empty = all",
		func(c *Config) *string { return &c.Shard }, checkShard),
	boolSetting("profile", "after the summary, print where the time went: the slowest phases and steps", func(c *Config) *bool { return &c.Profile }),
	stringSetting("browser-ws", "connect to a Playwright browser server at this ws:// URL instead of launching Chromium",
		func(c *Config) *string { return &c.BrowserWS }, checkWS),
	stringSetting("browser-expose-network", "with browser-ws: hosts the remote browser reaches through this machine, e.g. <loopback> (an EPR on this machine's loopback) or localhost,*.test.internal",
		func(c *Config) *string { return &c.BrowserExposeNetwork }, checkExposeNetwork),
	stringSetting("a11y", "run-wide accessibility check: off, or pages (each distinct page the scenarios visit, once per run)",
		func(c *Config) *string { return &c.A11yScan }, oneOf(A11yScanOff, A11yScanPages)),
	stringSetting("a11y-standard", "what accessibility checks test: a standard (WCAG 2.2 AA, WCAG 2.1 A) or axe-core tags (wcag2a,best-practice)",
		func(c *Config) *string { return &c.A11yStandard }, checkStandard),
	stringSetting("a11y-baseline", "YAML file of accepted accessibility violations, each with reason, owner and expiry; empty = none",
		func(c *Config) *string { return &c.A11yBaseline }, nil),
	stringSetting("axe-script", "use this axe-core axe.min.js instead of the pinned one eprharness install fetches; empty = pinned",
		func(c *Config) *string { return &c.AxeScript }, nil),
	stringSetting("hazard-log", "clinical-safety hazard log (YAML or CSV) the run is recorded against; empty = hazards.yaml or hazards.csv nearest the features",
		func(c *Config) *string { return &c.HazardLog }, nil),
	stringSetting("epr-image", "refepr target: the reference EPR's container image (docker backend)",
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
	stringSetting("epr-defects", "refepr target: release-candidate defects to turn on, comma-separated (e.g. slow-search); empty = none",
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
	boolSetting("trace-screenshots", "add a screenshot per action to traces (DOM snapshots are always kept; costs about a fifth of the run time)",
		func(c *Config) *bool { return &c.TraceScreenshots }),
	boolSetting("keep-backends", "leave the backends (containers) running after the run and print how to reach and remove them",
		func(c *Config) *bool { return &c.KeepBackends }),
	stringSetting("mllp-address", "the EPR's inbound HL7 v2 MLLP interface, host:port, that messaging steps send to; empty = the reference EPR backends' own, or mllp-service's",
		func(c *Config) *string { return &c.MLLPAddress }, checkHostPort),
	stringSetting("mllp-service", "compose: the service and container port of the EPR's inbound HL7 v2 MLLP interface, SERVICE:PORT (e.g. epr:2575); each project's feed gets a listener of its own",
		func(c *Config) *string { return &c.MLLPService }, checkServicePort),
	stringSetting("fhir-url", "the EPR's FHIR base URL (or a path on the EPR) for messaging steps; empty = base-url + /fhir",
		func(c *Config) *string { return &c.FHIRURL }, checkFHIRURL),
	stringSetting("mllp-listen", "where the harness listens for the EPR's outbound HL7 v2 feed, host:port (e.g. 0.0.0.0:2576); empty = a port per backend for embedded, docker and compose with mllp-service, else none",
		func(c *Config) *string { return &c.MLLPListen }, checkHostPort),
	stringSetting("notify-listen", "where the harness listens for FHIR notifications, host:port; empty = 127.0.0.1:0 (0.0.0.0:0 with backends docker and compose)",
		func(c *Config) *string { return &c.NotifyListen }, checkHostPort),
	stringSetting("callback-host", "host name the EPR reaches the harness's listeners by (Subscription endpoints); empty = the backend's, else 127.0.0.1",
		func(c *Config) *string { return &c.CallbackHost }, checkHost),
	durationSetting("message-timeout", "time a messaging step waits for a message from the EPR or its answer",
		func(c *Config) *time.Duration { return &c.MessageTimeout }),
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

// ParseShard reads a shard setting "I/N" (1 ≤ I ≤ N ≤ 1000). An empty
// text is no sharding: 0, 0.
func ParseShard(v string) (index, total int, err error) {
	if v == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 1000 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want I/N with 1 ≤ I ≤ N ≤ 1000, such as 2/4, got %q", v)
	}
	return i, n, nil
}

func checkShard(v string) error {
	_, _, err := ParseShard(v)
	return err
}

// checkStandard checks an accessibility standard or axe-core tag list
// (harness/a11y knows the standards and the tags).
func checkStandard(v string) error {
	_, err := a11y.Standard(v)
	return err
}

func checkWS(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return fmt.Errorf("want a ws:// or wss:// URL such as ws://127.0.0.1:3000/, got %q", v)
	}
	return nil
}

// exposeRule is one rule of Playwright's exposeNetwork: <loopback>, *, or
// a host name or address that may start with a *. wildcard and end with
// a port.
var exposeRule = regexp.MustCompile(`^(<loopback>|\*|(\*\.)?[A-Za-z0-9.\-]+(:[0-9]+)?|\[[0-9A-Fa-f:.]+\](:[0-9]+)?)$`)

func checkExposeNetwork(v string) error {
	if v == "" {
		return nil
	}
	for _, rule := range strings.Split(v, ",") {
		if !exposeRule.MatchString(strings.TrimSpace(rule)) {
			return fmt.Errorf("want comma-separated hosts such as <loopback>, localhost or *.test.internal, got %q", rule)
		}
	}
	return nil
}

// checkHostPort checks a host:port setting ("" is allowed: not set).
func checkHostPort(v string) error {
	if v == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("want host:port such as 127.0.0.1:2575, got %q", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("want a port from 0 to 65535 in host:port, got %q", v)
	}
	return nil
}

// SplitServicePort reads a SERVICE:PORT setting such as mllp-service
// ("epr:2575"): a Compose service name and a container port from 1 to
// 65535.
func SplitServicePort(v string) (service string, port int, err error) {
	svc, p, ok := strings.Cut(v, ":")
	svc = strings.TrimSpace(svc)
	n, perr := strconv.Atoi(strings.TrimSpace(p))
	switch {
	case !ok || svc == "" || perr != nil:
		return "", 0, fmt.Errorf("want SERVICE:PORT, a Compose service and its container port such as epr:2575, got %q", v)
	case strings.ContainsAny(svc, "/ \t="):
		return "", 0, fmt.Errorf("want SERVICE:PORT with a Compose service name before the colon, got %q", v)
	case n < 1 || n > 65535:
		return "", 0, fmt.Errorf("want a container port from 1 to 65535 in SERVICE:PORT, got %q", v)
	}
	return svc, n, nil
}

// checkServicePort checks a SERVICE:PORT setting ("" is allowed: not set).
func checkServicePort(v string) error {
	if v == "" {
		return nil
	}
	_, _, err := SplitServicePort(v)
	return err
}

// MLLPServicePort is mllp-service read: the Compose service and
// container port of the EPR's inbound MLLP interface; "" and 0 when not
// set (the value was checked when it was loaded).
func (c Config) MLLPServicePort() (service string, port int) {
	svc, p, err := SplitServicePort(c.MLLPService)
	if err != nil {
		return "", 0
	}
	return svc, p
}

// checkFHIRURL checks fhir-url: an http(s) URL or a path on the EPR.
func checkFHIRURL(v string) error {
	if v == "" || strings.HasPrefix(v, "/") {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http(s) URL such as https://epr.test.example/fhir, or a path on the EPR such as /fhir, got %q", v)
	}
	return nil
}

var hostName = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

// checkHost checks callback-host: a host name or an IP address, no port.
func checkHost(v string) error {
	if v == "" || net.ParseIP(strings.Trim(v, "[]")) != nil || hostName.MatchString(v) {
		return nil
	}
	return fmt.Errorf("want a host name or IP address without a port, such as host.docker.internal, got %q", v)
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

func checkHeaderName(v string) error {
	if v != "" && !headerName.MatchString(v) {
		return fmt.Errorf("want a header name such as X-Test-Scenario, got %q", v)
	}
	return nil
}

// ParseNHSRanges reads comma-separated NHS number ranges written
// FIRST-LAST, each bound ten digits ("9434000000-9434999999"); see
// nhsnumber.ParseRanges. An empty text is no ranges.
func ParseNHSRanges(v string) ([]nhsnumber.Range, error) { return nhsnumber.ParseRanges(v) }

// FormatNHSRanges writes ranges as ParseNHSRanges reads them.
func FormatNHSRanges(rs []nhsnumber.Range) string { return nhsnumber.FormatRanges(rs) }

// checkTags parses a tag expression so that a bad one is refused naming
// where it was set (eprharness.yaml:3, EPRHARNESS_TAGS, --tags).
func checkTags(v string) error {
	_, err := tagexpr.Parse(v)
	return err
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
	if err := ParseFlags(fs, src.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, ErrHelp
		}
		return cfg, &Error{Source: "command line", Msg: err.Error()}
	}
	positional := fs.Args()

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
			cfg.setOrigin(s.key, s.env())
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
		cfg.setOrigin(f.Name, "--"+f.Name)
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
	if c.BrowserExposeNetwork != "" && c.BrowserWS == "" {
		return c.errAt("browser-expose-network", "exposes this machine's network to a remote browser, but browser-ws names none: set browser-ws or leave out browser-expose-network")
	}
	if c.BrowserWS != "" && c.Headed {
		return c.errAt("headed", "cannot show the window of a remote browser (browser-ws is set): leave out headed or browser-ws")
	}
	if err := c.validateTarget(); err != nil {
		return err
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

// EffectiveReset is the reset method in force: Reset, or for ResetAuto
// builtin on the reference EPR's backends and none elsewhere.
func (c Config) EffectiveReset() string {
	if c.Reset != ResetAuto {
		return c.Reset
	}
	if c.Backend == BackendEmbedded || c.Backend == BackendDocker {
		return ResetBuiltin
	}
	return ResetNone
}

// validateTarget checks the target settings together: each backend,
// adapter, reset and loader has what it needs, the files named exist and
// a url target is on the allowed hosts. It runs before any browser or
// container starts.
func (c Config) validateTarget() error {
	fileExists := func(key, path string) error {
		if _, err := os.Stat(path); err != nil {
			return c.errAt(key, "no file at %s", path)
		}
		return nil
	}
	switch c.Backend {
	case BackendURL:
		if c.BaseURL == "" {
			return c.errAt("backend", "the url backend needs base-url: the running EPR's URL (flag --base-url, variable EPRHARNESS_BASE_URL)")
		}
		if err := egress.CheckURL(c.BaseURL, c.AllowedHosts); err != nil {
			return c.errAt("base-url", "%v", err)
		}
	case BackendCompose:
		if len(c.ComposeFiles) == 0 {
			return c.errAt("backend", "the compose backend needs compose-file")
		}
		for _, f := range c.ComposeFiles {
			if err := fileExists("compose-file", f); err != nil {
				return err
			}
		}
		if c.ComposeService == "" || c.ComposePort == 0 {
			return c.errAt("backend", "the compose backend needs compose-service and compose-port: the service and container port the browser reaches")
		}
	default:
		if c.BaseURL != "" {
			return c.errAt("base-url", "is only for backend url (the %s backend starts its own EPR); add backend: url", c.Backend)
		}
	}
	if err := c.validateMessaging(); err != nil {
		return err
	}
	for _, f := range c.Phrasebook {
		if err := fileExists("phrasebook", f); err != nil {
			return err
		}
	}
	for _, f := range []struct{ key, path string }{{"a11y-baseline", c.A11yBaseline}, {"axe-script", c.AxeScript}, {"hazard-log", c.HazardLog}} {
		if f.path == "" {
			continue
		}
		if err := fileExists(f.key, f.path); err != nil {
			return err
		}
	}
	if c.Adapter == AdapterDeclarative {
		if c.ScreenMap == "" {
			return c.errAt("adapter", "the declarative adapter needs screen-map: the YAML file that maps actions to screens")
		}
		if err := fileExists("screen-map", c.ScreenMap); err != nil {
			return err
		}
	}
	switch c.EffectiveReset() {
	case ResetBuiltin:
		if c.Backend != BackendEmbedded && c.Backend != BackendDocker {
			return c.errAt("reset", "builtin is the reference EPR's own reset, for backends embedded and docker; choose http, sql, snapshot, unique or none")
		}
	case ResetHTTP:
		if c.ResetURL == "" {
			return c.errAt("reset", "the http reset needs reset-url")
		}
		if strings.HasPrefix(c.ResetBody, "@") {
			if err := fileExists("reset-body", c.ResetBody[1:]); err != nil {
				return err
			}
		}
	case ResetSQL:
		if c.ResetSQL == "" {
			return c.errAt("reset", "the sql reset needs reset-sql, a SQL script file")
		}
		if err := fileExists("reset-sql", c.ResetSQL); err != nil {
			return err
		}
		fallthrough
	case ResetSnapshot:
		if c.DatabaseURL == "" {
			return c.errAt("reset", "the %s reset needs database-url", c.EffectiveReset())
		}
		if c.Backend == BackendCompose && c.DatabaseService == "" && strings.Contains(c.DatabaseURL, "{host}") {
			return c.errAt("database-url", "names {host} but database-service is not set")
		}
	}
	if c.Backend == BackendURL && c.Workers > 1 {
		switch c.EffectiveReset() {
		case ResetHTTP, ResetSQL, ResetSnapshot:
			return c.errAt("workers", "%d workers share the one EPR at base-url, so a %s reset before one worker's scenario would wipe another's data: use reset: unique, or workers: 1", c.Workers, c.EffectiveReset())
		}
	}
	switch c.FixtureLoader {
	case LoaderDICOM:
		if c.FixtureURL == "" {
			return c.errAt("fixture-loader", "the dicom loader needs fixture-url, where DICOM instances are uploaded (e.g. /instances)")
		}
	case LoaderCommand:
		if c.FixtureCommand == "" {
			return c.errAt("fixture-loader", "the command loader needs fixture-command")
		}
	}
	return nil
}

// validateMessaging checks that mllp-service is used with backend
// compose only and not with mllp-address (both name the EPR's inbound
// interface), and that, with an EPR the harness did not start (url,
// compose), the messaging settings name only allowed hosts: the messages
// the harness sends carry (synthetic) patient data.
func (c Config) validateMessaging() error {
	if c.MLLPService != "" {
		if c.Backend != BackendCompose {
			return c.errAt("mllp-service", "is only for backend compose (a service of the Compose project); with backend %s set mllp-address (host:port) instead", c.Backend)
		}
		if c.MLLPAddress != "" {
			return c.errAt("mllp-service", "cannot be set with mllp-address (set at %s): both name the EPR's inbound HL7 v2 interface; keep mllp-service for a port of the Compose project, or mllp-address for an interface outside it (a flag clears a setting: --mllp-service=)", c.origin["mllp-address"])
		}
	}
	if c.Backend != BackendURL && c.Backend != BackendCompose {
		return nil
	}
	if c.FHIRURL != "" && !strings.HasPrefix(c.FHIRURL, "/") {
		if err := egress.CheckURL(c.FHIRURL, c.AllowedHosts); err != nil {
			return c.errAt("fhir-url", "%v", err)
		}
	}
	if c.MLLPAddress != "" {
		host, _, _ := net.SplitHostPort(c.MLLPAddress)
		if !egress.Allowed(host, c.AllowedHosts) {
			return c.errAt("mllp-address", "host %s is not in allowed-hosts (%s): add it there if it is a test system", host, strings.Join(c.AllowedHosts, ", "))
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
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return &Error{Source: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if emptyDoc(&doc) {
		return nil // empty file, only comments, or a lone "---"
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != nil && !errors.Is(err, io.EOF) {
		return &Error{Source: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	} else if err == nil && !emptyDoc(&next) {
		return &Error{Source: fmt.Sprintf("%s:%d", file, next.Content[0].Line), Msg: "a second YAML document: want one document of setting: value (remove the ---)"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{Source: fmt.Sprintf("%s:%d", file, root.Line), Msg: "want a mapping of setting: value"}
	}
	seen := map[string]int{} // key -> line it was first set on
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d", file, k.Line)
		s, ok := lookup(k.Value)
		if !ok {
			return &Error{Source: at, Field: k.Value, Msg: "unknown setting; known settings are " + strings.Join(Keys(), ", ")}
		}
		// yaml.v3 keeps both of a repeated key in a Node; the file would
		// silently mean its last one, so say which lines disagree.
		if first, dup := seen[s.key]; dup {
			return &Error{Source: at, Field: s.key, Msg: fmt.Sprintf("duplicate key: already set at line %d; keep one", first)}
		}
		seen[s.key] = k.Line
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
		if pathKeys[s.key] {
			text = relativeTo(filepath.Dir(file), text)
		}
		if err := s.set(cfg, text); err != nil {
			return &Error{Source: at, Field: s.key, Msg: err.Error()}
		}
		cfg.setOrigin(s.key, at)
	}
	return nil
}

// emptyDoc reports whether a decoded YAML document holds nothing: no
// node, or a null scalar ("---" alone).
func emptyDoc(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == ""
}

// pathKeys are the settings whose relative paths, written in a
// configuration file, are relative to that file's folder, so that
// `--config examples/orthanc/eprharness.yaml` works from anywhere.
var pathKeys = map[string]bool{
	"paths": true, "fixtures": true, "screen-map": true, "phrasebook": true, "compose-file": true,
	"reset-sql": true, "reset-body": true, "a11y-baseline": true, "axe-script": true, "hazard-log": true,
}

// relativeTo rewrites each comma-separated relative path in v (a
// reset-body "@FILE" too; URLs and absolute paths are left) as seen from
// the working directory, given that it was written relative to dir.
func relativeTo(dir, v string) string {
	if dir == "." || dir == "" {
		return v
	}
	wd, _ := os.Getwd()
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		at := strings.HasPrefix(p, "@")
		p = strings.TrimPrefix(p, "@")
		if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
			continue
		}
		j := filepath.Join(dir, p)
		if abs, err := filepath.Abs(j); err == nil && wd != "" {
			if rel, err := filepath.Rel(wd, abs); err == nil {
				j = rel
			}
		}
		if at {
			j = "@" + j
		}
		parts[i] = j
	}
	return strings.Join(parts, ",")
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

// Flags renders the named settings whose values differ from the defaults
// as command-line flags ("--backend", "url", ...), in the order given: how
// a repro line names the same target. A list is written comma-separated.
func (c Config) Flags(keys ...string) []string {
	def := Default()
	var out []string
	for _, k := range keys {
		s, ok := lookup(k)
		if !ok {
			continue
		}
		v := s.get(&c)
		if v == s.get(&def) {
			continue
		}
		if s.kind == "bool" {
			if v == "true" {
				out = append(out, "--"+s.flag())
			} else {
				out = append(out, "--"+s.flag()+"=false")
			}
			continue
		}
		out = append(out, "--"+s.flag(), v)
	}
	return out
}
