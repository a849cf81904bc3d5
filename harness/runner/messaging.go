package runner

import (
	"context"
	"fmt"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/config"
	"github.com/eprharness/eprharness/harness/failure"
	"github.com/eprharness/eprharness/harness/messaging"
	"github.com/eprharness/eprharness/harness/scenario"
)

// messagingConfig is the run's messaging hub configuration: with the
// reference EPR's backends, and compose with mllp-service, each backend
// gets its own listener for its outbound HL7 v2 feed (bound on every
// interface on docker and compose, so that its containers reach it
// through host.docker.internal), with other EPRs the one listener at
// mllp-listen, if set (which wins over per-backend listeners).
func (r *Runner) messagingConfig() messaging.Config {
	c := messaging.Config{
		PerBackend: r.cfg.Backend == config.BackendEmbedded || r.cfg.Backend == config.BackendDocker ||
			(r.cfg.Backend == config.BackendCompose && r.cfg.MLLPService != ""),
		ListenHost:   "127.0.0.1",
		MLLPListen:   r.cfg.MLLPListen,
		NotifyListen: r.cfg.NotifyListen,
		CallbackHost: r.cfg.CallbackHost,
		MLLPAddress:  r.cfg.MLLPAddress,
		FHIRURL:      r.cfg.FHIRURL,
		Timeout:      r.cfg.MessageTimeout,
		TestRanges:   r.cfg.NHSTestRanges,
		Now:          r.opts.now,
	}
	if r.cfg.Backend == config.BackendDocker || r.cfg.Backend == config.BackendCompose {
		c.ListenHost = "0.0.0.0"
	}
	return c
}

// startMessaging starts the run's messaging hub, before the backends.
func (r *Runner) startMessaging(ctx context.Context) error {
	hub, err := messaging.Start(ctx, r.messagingConfig())
	if err != nil {
		return failure.Harness(err)
	}
	r.hub = hub
	if a := hub.SharedMLLP(); a != "" {
		fmt.Fprintf(r.opts.stderr, "eprharness: listening for the EPR's HL7 v2 feed at %s\n", a)
	}
	return nil
}

// newBackend starts one worker's backend, with the callbacks that tell
// it where the harness listens for its outbound feed.
func (r *Runner) newBackend(ctx context.Context, runID string) (backend.Backend, error) {
	if r.hub == nil {
		return r.opts.backend(ctx, runID)
	}
	bctx, bind, err := r.hub.ForBackend(ctx)
	if err != nil {
		return nil, failure.Harness(err)
	}
	be, err := r.opts.backend(bctx, runID)
	if be != nil && !isNil(be) {
		bind(be)
	}
	return be, err
}

// openMessages gives the scenario its view of the message interfaces.
func (r *Runner) openMessages(rec *record, s *scenario.State, be backend.Backend) {
	if r.hub == nil {
		return
	}
	opts := messaging.ScenarioOptions{
		Backend:  be,
		BaseURL:  be.BaseURL(),
		HTTP:     s.HTTP,
		Step:     rec.stepIndex,
		Patients: s.NHSNumbers,
	}
	if r.cfg.CorrelationHeader != "" {
		opts.Correlation = rec.sc.ID
	}
	s.Messages = r.hub.NewScenario(opts)
}

// closeMessages records the scenario's messages (those no step asked for
// too) in its results, redacted like the rest of the evidence.
func (r *Runner) closeMessages(ctx context.Context, rec *record) {
	s, err := scenario.From(ctx)
	if err != nil || s.Messages == nil {
		return
	}
	// Finish's own redaction is left out: redact.Message does it all, secrets
	// and NHS numbers outside the test ranges (a nil Redactor still masks
	// those, and caps the texts).
	rec.sc.Messages = r.redactor.Messages(s.Messages.Finish(nil), r.cfg.NHSTestRanges...)
}

// stepIndex is the index in the scenario's Steps of the step running now,
// -1 outside any step.
func (rec *record) stepIndex() int {
	if rec.currentStep == nil {
		return -1
	}
	for i, st := range rec.sc.Steps {
		if st == rec.currentStep {
			return i
		}
	}
	return -1
}

// closeMessaging stops the hub's listeners, after the backends.
func (r *Runner) closeMessaging() {
	if r.hub == nil {
		return
	}
	if err := r.hub.Close(); err != nil {
		fmt.Fprintf(r.opts.stderr, "eprharness: %v\n", err)
	}
}
