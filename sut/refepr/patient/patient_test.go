package patient

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func d(s string) Date {
	date, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return date
}

func TestAge(t *testing.T) {
	cases := []struct{ birth, today, want string }{
		{"1987-03-15", "2026-06-01", "39y"},
		{"1987-06-01", "2026-06-01", "39y"}, // birthday today
		{"1987-06-02", "2026-06-01", "38y"}, // birthday tomorrow
		{"2024-06-01", "2026-06-01", "2y"},
		{"2024-06-02", "2026-06-01", "23m"},
		{"2025-04-01", "2026-06-01", "14m"},
		{"2026-05-01", "2026-06-01", "1m"},
		{"2026-05-02", "2026-06-01", "30d"},
		{"2026-05-20", "2026-06-01", "12d"},
		{"2026-06-01", "2026-06-01", "0d"},
		{"2026-06-02", "2026-06-01", "0d"}, // not born yet
		{"2026-01-31", "2026-02-28", "28d"},
		{"2024-02-29", "2026-02-28", "23m"},
		{"2024-02-29", "2026-03-01", "2y"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Age(d(c.birth), d(c.today)), "%s on %s", c.birth, c.today)
	}
}

func TestParseDate(t *testing.T) {
	got, err := ParseDate("1987-03-15")
	require.NoError(t, err)
	assert.Equal(t, Date{1987, time.March, 15}, got)
	assert.Equal(t, "1987-03-15", got.String())
	assert.Equal(t, "15-Mar-1987", got.Display())
	assert.Equal(t, "01-Dec-2000", d("2000-12-01").Display())
	for _, bad := range []string{"", "1987", "1987-03", "1987-3-15", "1987-02-29", "15/03/1987", "1987-03-15T00:00:00Z"} {
		_, err := ParseDate(bad)
		assert.Error(t, err, bad)
	}
}

func TestDisplayName(t *testing.T) {
	assert.Equal(t, "POND, Amy", Patient{Family: "Pond", Given: []string{"Amy"}}.DisplayName())
	assert.Equal(t, "O'BRIEN, Mary Ann Jo", Patient{Family: "O'Brien", Given: []string{"Mary Ann", "Jo"}}.DisplayName())
	assert.Equal(t, "SMITH", Patient{Family: "Smith"}.DisplayName())
}

func TestGender(t *testing.T) {
	for code, label := range map[string]string{"male": "Male", "female": "Female", "other": "Other", "unknown": "Unknown", "": "Unknown"} {
		g, err := ParseGender(code)
		require.NoError(t, err)
		assert.Equal(t, label, g.Label())
	}
	_, err := ParseGender("F")
	assert.Error(t, err)
}

func TestAddress(t *testing.T) {
	assert.True(t, Address{Lines: []string{" "}}.Empty())
	a := Address{Lines: []string{"1 Leadworth Lane", ""}, City: "Gloucester", PostalCode: "GL1 1AA"}
	assert.False(t, a.Empty())
	assert.Equal(t, []string{"1 Leadworth Lane", "Gloucester", "GL1 1AA"}, a.Parts())
}
