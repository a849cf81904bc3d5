package resultstest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/nhsnumber"
)

func TestSampleIsDeterministicAndFresh(t *testing.T) {
	a, b := Sample(), Sample()
	require.Equal(t, a, b)
	a.Features[0].Scenarios[0].Name = "changed"
	assert.NotEqual(t, a.Features[0].Scenarios[0].Name, b.Features[0].Scenarios[0].Name,
		"Sample must return a new run each call")
}

func TestSampleCoverage(t *testing.T) {
	run := Sample()
	assert.Equal(t, Start, run.StartedAt)
	assert.True(t, run.FinishedAt.After(run.StartedAt))
	assert.Equal(t, results.Counts{Scenarios: 10, Passed: 3, Failed: 4, Skipped: 1, Flaky: 1, Other: 1}, run.Counts())

	// Non-quarantined failures, by kind; the quarantined one apart.
	kinds := map[results.FailureKind]*results.Scenario{}
	var quarantined []*results.Scenario
	for _, s := range run.Failures() {
		if s.Quarantined {
			quarantined = append(quarantined, s)
			continue
		}
		require.NotContains(t, kinds, s.FailureKind, "one gating failure per kind")
		kinds[s.FailureKind] = s
	}
	require.Contains(t, kinds, results.KindAssertion)
	require.Contains(t, kinds, results.KindBackend)
	require.Contains(t, kinds, results.KindTimeout)
	require.Contains(t, kinds, results.KindHarness)

	as := kinds[results.KindAssertion]
	fs := as.FailedStep()
	require.NotNil(t, fs)
	assert.Equal(t, 15, fs.Line)
	for _, c := range []string{"<", "&", `"`, "\n"} {
		assert.Contains(t, fs.Error, c)
	}
	assert.Equal(t, results.Skipped, as.Steps[len(as.Steps)-1].Status)
	for _, name := range []string{"screenshot", "page", "trace"} {
		_, ok := as.Attachment(name)
		assert.True(t, ok, name)
	}
	assert.Equal(t, results.Undefined, kinds[results.KindHarness].Status)

	require.Len(t, quarantined, 1)
	q := quarantined[0]
	assert.False(t, q.Gates())
	assert.Contains(t, q.Tags, results.QuarantineTag)
	assert.Equal(t, results.Failed, q.Status)
	assert.Equal(t, results.KindAssertion, q.FailureKind)
	assert.Equal(t, []string{"H-002"}, q.Hazards())

	flaky := run.Flaky()
	require.Len(t, flaky, 1)
	fl := flaky[0]
	assert.True(t, fl.Gates())
	assert.Empty(t, fl.Error)
	assert.Nil(t, fl.FailedStep(), "the last attempt passed")
	require.Len(t, fl.Attempts, 1)
	at := fl.Attempts[0]
	assert.Equal(t, results.Failed, at.Status)
	assert.Equal(t, results.KindTimeout, at.FailureKind)
	assert.NotEmpty(t, at.Error)
	require.Len(t, at.Steps, len(fl.Steps))
	assert.Equal(t, results.Failed, at.Steps[len(at.Steps)-1].Status)
	assert.Equal(t, at.Error, at.Steps[len(at.Steps)-1].Error)
	assert.Equal(t, results.Passed, fl.Steps[len(fl.Steps)-1].Status, "the attempt's steps are copies")
	assert.True(t, fl.StartedAt.After(at.StartedAt.Add(at.Duration)), "the retry starts after the attempt ended")
	assert.Len(t, at.Attachments, 2)
	for _, a := range at.Attachments {
		assert.Contains(t, a.Path, "/attempt-1/")
	}

	// Repro lines on every scenario that did not pass, and only there.
	hazards := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if s.Status == results.Passed || s.Status == results.Skipped {
				assert.Empty(t, s.Repro, s.ID)
			} else {
				assert.True(t, strings.HasPrefix(s.Repro, "eprharness run "+s.ID+" "), s.ID)
			}
			hazards += len(s.Hazards())
		}
	}
	assert.Equal(t, 4, hazards)

	assert.NotEmpty(t, run.Commit)
	assert.NotEmpty(t, run.Machine.Hostname)
	assert.Equal(t, 1, run.Retries)
	assert.NotEmpty(t, run.Target.Defects)
	assert.Equal(t, "compose", run.Target.Backend)
	assert.Equal(t, "declarative", run.Target.Adapter)
	assert.NotEmpty(t, run.Target.ScreenMap)
	assert.NotEmpty(t, run.Target.Compose)
	require.NotEmpty(t, run.Target.Services)
	for service := range run.Target.Services {
		assert.Contains(t, run.Target.Digests, service)
	}

	// Blocked hosts and unique identities: on a failed scenario (with
	// evidence on its failing step) and identities on a passed one.
	var blocked, identities []*results.Scenario
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			if len(s.Blocked) > 0 {
				blocked = append(blocked, s)
			}
			if len(s.Identities) > 0 {
				identities = append(identities, s)
				for _, id := range s.Identities {
					assert.NotEmpty(t, id.Fixture)
					assert.NotEqual(t, id.Fixture, id.Name, "a unique name")
					n, err := nhsnumber.Parse(id.NHSNumber)
					if assert.NoError(t, err, id.NHSNumber) {
						assert.True(t, nhsnumber.IsTest(n), "a synthetic NHS number: %s", id.NHSNumber)
					}
				}
			}
		}
	}
	require.Len(t, blocked, 1)
	assert.Equal(t, results.Failed, blocked[0].Status)
	assert.NotNil(t, blocked[0].FailedStep())
	assert.NotEmpty(t, blocked[0].Identities)
	require.Len(t, identities, 2)
	assert.Equal(t, results.Passed, identities[0].Status)

	var prev = run.StartedAt
	for _, f := range run.Features {
		assert.NotEmpty(t, f.Tags)
		for _, s := range f.Scenarios {
			first := s.StartedAt
			if len(s.Attempts) > 0 {
				first = s.Attempts[0].StartedAt
			}
			assert.True(t, first.After(prev), "%s starts after the previous scenario", s.Name)
			prev = s.StartedAt
		}
	}
}

func TestWriteAttachments(t *testing.T) {
	dir := t.TempDir()
	run := Sample()
	WriteAttachments(t, dir, run)

	n := 0
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			atts := slices.Clone(s.Attachments)
			for _, at := range s.Attempts {
				atts = append(atts, at.Attachments...)
			}
			for _, a := range atts {
				n++
				assert.False(t, strings.Contains(a.Path, `\`), "paths use forward slashes")
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
				require.NoError(t, err)
				sum := sha256.Sum256(data)
				assert.Equal(t, a.SHA256, hex.EncodeToString(sum[:]), a.Path)
				assert.Equal(t, a.Size, int64(len(data)), a.Path)

				switch a.MediaType {
				case "image/png":
					img, err := png.Decode(bytes.NewReader(data))
					require.NoError(t, err)
					assert.Equal(t, 2, img.Bounds().Dx())
				case "application/zip":
					zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
					require.NoError(t, err)
					require.Len(t, zr.File, 1)
					rc, err := zr.File[0].Open()
					require.NoError(t, err)
					body, err := io.ReadAll(rc)
					require.NoError(t, err)
					assert.Contains(t, string(body), a.Path)
				case "text/html":
					assert.Contains(t, string(data), "<html>")
				}
			}
		}
	}
	assert.Equal(t, 9, n, "7 of scenarios, 2 of the flaky scenario's failed attempt")
	assert.Len(t, Attachments(run), n)
}

func TestContentIsStable(t *testing.T) {
	a := results.Attachment{MediaType: "application/zip", Path: "x/trace.zip"}
	assert.Equal(t, Content(a), Content(a))
	p := PNG()
	p[0] = 0
	assert.Equal(t, byte(0x89), PNG()[0], "PNG returns a copy")
}

func TestKilledAndStopped(t *testing.T) {
	k := Killed()
	assert.True(t, k.Unfinished())
	assert.Len(t, k.Planned, 4)
	assert.Equal(t, []string{"features/medications.feature:5", "features/medications.feature:11"}, plannedIDs(k.NotRun()))
	assert.Equal(t, results.Counts{Scenarios: 2, Passed: 2, NotRun: 2}, k.Counts())
	assert.Equal(t, "run run-20260601T100000Z is unfinished: it never recorded its end; 2 of 4 planned scenarios never ran", k.IncompleteReason())

	s := Stopped()
	assert.False(t, s.Unfinished())
	assert.True(t, s.Interrupted)
	assert.Equal(t, results.Counts{Scenarios: 3, Passed: 1, Failed: 1, Interrupted: 1, NotRun: 2}, s.Counts())
	assert.Len(t, s.Failures(), 1, "the interrupted scenario is no failure")
	assert.Equal(t, "run run-20260601T110000Z was interrupted; 2 of 5 planned scenarios never ran, 1 scenario was interrupted", s.IncompleteReason())

	assert.Empty(t, Sample().IncompleteReason(), "the sample run is complete")
}

func plannedIDs(ps []results.PlannedScenario) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}
