package failure

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cucumber/godog"
	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"

	"github.com/eprharness/eprharness/harness/results"
)

func TestClassify(t *testing.T) {
	assert.Equal(t, results.KindNone, Classify(nil))
	assert.Equal(t, results.KindAssertion, Classify(errors.New("expected POND, Amy")))
	assert.Equal(t, results.KindTimeout, Classify(fmt.Errorf("click: %w", playwright.ErrTimeout)))
	assert.Equal(t, results.KindHarness, Classify(fmt.Errorf("page: %w", playwright.ErrTargetClosed)))
	assert.Equal(t, results.KindHarness, Classify(fmt.Errorf("%w: step", godog.ErrUndefined)))
	assert.Equal(t, results.KindBackend, Classify(fmt.Errorf("step: %w", Backend(errors.New("connection refused")))))
	// An explicit mark wins over what the wrapped error looks like.
	assert.Equal(t, results.KindBackend, Classify(Backend(fmt.Errorf("load: %w", playwright.ErrTimeout))))
	assert.Equal(t, results.KindHarness, Classify(Harness(errors.New("no fixture"))))
	assert.Nil(t, Backend(nil))
	assert.Nil(t, Harness(nil))
}
