package nhsnumber

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in      string
		want    Number
		wantErr error
	}{
		{"9990000018", "9990000018", nil},
		{"999 000 0018", "9990000018", nil},
		{"999-000-0018", "9990000018", nil},
		{"9434765919", "9434765919", nil}, // NHS Digital's published example
		{"9990000019", "", ErrCheckDigit},
		{"999000001", "", ErrFormat},
		{"99900000181", "", ErrFormat},
		{"999000001X", "", ErrFormat},
		{"", "", ErrFormat},
		{"9990000050", "9990000050", nil}, // check digit 11 -> 0
		{"9990000051", "", ErrCheckDigit},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if c.wantErr != nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, c.wantErr), "error %v is not %v", err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestCheckDigitTen(t *testing.T) {
	// 999000005: 9*10+9*9+9*8+5*2 = 253 = 11*23 -> check 11 -> 0, so valid.
	d, ok := CheckDigit("999000005")
	assert.True(t, ok)
	assert.Equal(t, byte(0), d)
	// 999000004: 243+8 = 251, 251 mod 11 = 9, 11-9 = 2.
	d, ok = CheckDigit("999000004")
	assert.True(t, ok)
	assert.Equal(t, byte(2), d)
	// Find a serial whose check digit is 10 and make sure it is refused.
	found := false
	for s := 0; s < 100; s++ {
		nine := "9990000" + string('0'+byte(s/10)) + string('0'+byte(s%10))
		if _, ok := CheckDigit(nine); !ok {
			found = true
			for last := byte('0'); last <= '9'; last++ {
				assert.False(t, Valid(nine+string(last)), "%s%c must be invalid", nine, last)
			}
		}
	}
	assert.True(t, found, "expected at least one serial with check digit 10 in the first hundred")
	_, ok = CheckDigit("12345678")
	assert.False(t, ok)
}

func TestFormatted(t *testing.T) {
	assert.Equal(t, "999 000 0018", Number("9990000018").Formatted())
}

func TestTestNumbersAreValidAndInRange(t *testing.T) {
	seen := map[Number]bool{}
	for i := 0; i < 2000; i++ {
		n := TestNumber(i)
		_, err := Parse(string(n))
		require.NoError(t, err, "TestNumber(%d) = %s", i, n)
		require.True(t, IsTest(n))
		seen[n] = true
	}
	assert.Greater(t, len(seen), 1500, "TestNumber must spread over distinct numbers")
}

func TestIsTest(t *testing.T) {
	live, err := Parse("9434765919")
	require.NoError(t, err)
	assert.False(t, IsTest(live))
	assert.True(t, IsTest(live, Range{First: "9434000000", Last: "9434999999"}))
}
