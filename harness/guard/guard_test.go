package guard

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/nhsnumber"
)

func TestScanText(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"spaced", "Patient: POND, Amy NHS No. 943 476 5919 DOB 15-Mar-1987", []string{"9434765919"}},
		{"hyphens", "NHS number 943-476-5919", []string{"9434765919"}},
		{"together", "nhs=9434765919;", []string{"9434765919"}},
		{"mixed separators", "943 476-5919", []string{"9434765919"}},
		{"no-break and thin spaces", "943\u00a0476\u00a05919 401\u2009023\u202f2137", []string{"9434765919", "4010232137"}},
		{"dashes", "943\u2013476\u20115919", []string{"9434765919"}},
		{"start and end of text", "9434765919", []string{"9434765919"}},
		{"wrong check digit", "NHS number 943 476 5918", nil},
		{"check digit would be 10", "NHS number 000 000 0060", nil}, // 000000006: check 10, never valid
		{"test range", "NHS number 999 000 0018 and 9990000026", nil},
		{"each once, in order", "401 023 2137, 943 476 5919, 4010232137", []string{"4010232137", "9434765919"}},
		{"longer digit runs", "order 19434765919 and 94347659190 and 12345943 476 5919", nil},
		{"after a group of digits", "555 9434765919", []string{"9434765919"}},
		{"other groupings", "call 0943 476 5919 or 94 3476 5919 or 943  476 5919", nil},
		{"no numbers", "Allergies and intolerances: none recorded", nil},
		{"newline is not a separator", "943\n476\n5919", nil},
		{"dates and times", "Tue 2 Jun 2026 09:00, 15/03/1987", nil},
	} {
		assert.Equal(t, tc.want, ScanText(tc.text), tc.name)
	}
}

func TestScanTextExtraRanges(t *testing.T) {
	text := "943 476 5919 and 401 023 2137"
	assert.Equal(t, []string{"4010232137"}, ScanText(text, nhsnumber.Range{First: "9430000000", Last: "9439999999"}))
	assert.Empty(t, ScanText(text,
		nhsnumber.Range{First: "9430000000", Last: "9439999999"},
		nhsnumber.Range{First: "4010000000", Last: "4019999999"}))
}

func TestCheckMasks(t *testing.T) {
	assert.NoError(t, Check("999 000 0018"))

	err := Check("NHS No. 943 476 5919")
	var rd *RealDataError
	require.True(t, errors.As(err, &rd), "%v", err)
	assert.Equal(t, "possible real patient data: the page shows NHS number 943 476 **** outside the test ranges", err.Error())
	assert.Equal(t, []string{"943 476 ****"}, rd.Masked)

	err = Check("9434765919 4010232137")
	assert.EqualError(t, err, "possible real patient data: the page shows NHS numbers 943 476 ****, 401 023 **** outside the test ranges")
	assert.NotContains(t, err.Error(), "5919")
	assert.NotContains(t, err.Error(), "2137")

	assert.Equal(t, "943 476 ****", Mask("943-476-5919"))
	assert.Equal(t, "****", Mask("1234"))
}
