package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/safety"
)

// commitEnv are the CI variables that name the commit under test, checked
// before asking git.
var commitEnv = []string{"EPRHARNESS_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION", "GIT_COMMIT"}

// commitOf returns the git commit of the checkout holding the feature
// files: from a CI variable, else from git in the first path's folder; ""
// when neither knows.
func commitOf(ctx context.Context, paths []string) string {
	for _, v := range commitEnv {
		if c := strings.TrimSpace(os.Getenv(v)); c != "" {
			return c
		}
	}
	dir := "."
	if len(paths) > 0 {
		p, _, _ := strings.Cut(paths[0], ":")
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			p = filepath.Dir(p)
		}
		dir = p
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// machine describes this machine and harness build.
func machine(version string) results.Machine {
	host, _ := os.Hostname()
	return results.Machine{
		Hostname: host,
		OS:       runtime.GOOS,
		Arch:     runtime.GOARCH,
		CPUs:     runtime.NumCPU(),
		Harness:  version,
		Go:       runtime.Version(),
	}
}

// about asks the EPR what it says about itself at GET /version (the
// reference EPR answers {"name", "version", "defects"}) and fills what the
// backend did not know. An EPR without the endpoint is left as described.
func about(ctx context.Context, client *http.Client, t *results.Target) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.BaseURL+"/version", nil)
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	var v struct {
		Version string   `json:"version"`
		Defects []string `json:"defects"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return
	}
	if t.Version == "" {
		t.Version = v.Version
	}
	if len(v.Defects) > 0 {
		t.Defects = v.Defects
	}
}

// ranByEnv are the variables that name who started a run, most specific
// first: the harness's own, then CI systems' (GitHub Actions, GitLab,
// Azure DevOps, Jenkins), then the login name.
var ranByEnv = []string{"EPRHARNESS_RUN_BY", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "BUILD_USER_ID", "USER", "USERNAME", "LOGNAME"}

// ranBy says who started the run, from the environment; "" when nothing
// says.
func ranBy() string {
	for _, v := range ranByEnv {
		if who := strings.TrimSpace(os.Getenv(v)); who != "" {
			return who
		}
	}
	return ""
}

// hazardLog reads the run's clinical-safety hazard log: the configured
// one, else the one nearest the first feature path; nil when there is
// none. A log that does not read is bad input.
func hazardLog(configured string, paths []string) (*results.HazardLog, error) {
	file := configured
	if file == "" && len(paths) > 0 {
		p, _, _ := strings.Cut(paths[0], ":")
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			p = filepath.Join(p, "x.feature") // Find looks in the file's folder, then above
		}
		file = safety.Find(p)
	}
	if file == "" {
		return nil, nil
	}
	return safety.Read(file)
}

// printSafety puts the run's verification of its hazard log in a line of
// the summary, with the controls it left unverified (which `eprharness
// diff` refuses in a release candidate).
func printSafety(w io.Writer, run *results.Run) {
	if run.HazardLog == nil {
		return
	}
	v := safety.Evaluate(run, run.HazardLog)
	fmt.Fprintf(w, "\neprharness: clinical safety: %d of %d control(s) to be verified by test verified (%s)\n",
		v.Verified, v.MustVerify, run.HazardLog.File)
	const most = 10
	for i, c := range v.Unverified {
		if i == most {
			fmt.Fprintf(w, "  … and %d more: eprharness evidence %s lists them all\n", len(v.Unverified)-most, run.ID)
			break
		}
		fmt.Fprintf(w, "  UNVERIFIED %s (hazard %s): %s\n", c.Control.ID, c.HazardID, c.Reason)
	}
}
