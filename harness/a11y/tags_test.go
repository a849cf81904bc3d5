package a11y

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStandard(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"WCAG 2.2 AA", []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}},
		{"wcag 2.2 aa", []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}},
		{"  WCAG   2.1  AA ", []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}},
		{"WCAG 2.1 A", []string{"wcag2a", "wcag21a"}},
		{"WCAG 2.2 A", []string{"wcag2a", "wcag21a"}}, // axe-core has no wcag22a
		{"WCAG 2.0 AA", []string{"wcag2a", "wcag2aa"}},
		{"WCAG 2 A", []string{"wcag2a"}},
		{"WCAG 2.0 AAA", []string{"wcag2a", "wcag2aa", "wcag2aaa"}},
		{"best-practice", []string{"best-practice"}},
		{"wcag2a, best-practice", []string{"wcag2a", "best-practice"}},
		{"wcag2a,wcag2a", []string{"wcag2a"}},
		{"CAT.FORMS, wcag143", []string{"cat.forms", "wcag143"}},
		{"en-301-549, act, section508, Experimental", []string{"EN-301-549", "ACT", "section508", "experimental"}},
		{"wcag1412, TT2.a, RGAA-1.1.1, EN-9.1.1.1", []string{"wcag1412", "TT2.a", "RGAA-1.1.1", "EN-9.1.1.1"}},
	}
	for _, tt := range tests {
		got, err := Standard(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	got, err := Standard("WCAG 2.2 AA")
	require.NoError(t, err)
	assert.Equal(t, DefaultTags, got, "the default is WCAG 2.2 AA")
}

func TestStandardRefuses(t *testing.T) {
	_, err := Standard("wcag2a, wcag22a, bestpractice")
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `unknown axe-core tag "wcag22a", "bestpractice"`)
	for _, known := range []string{"wcag2a", "wcag22aa", "best-practice", "section508", "EN-301-549", "ACT", "experimental", "cat.forms", "wcag143", "wcag1412"} {
		assert.Contains(t, msg, known, "the error lists the known tags")
	}

	for _, in := range []string{"", "  ", ",", "WCAG 3.0 AA", "wcag245"} {
		_, err := Standard(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestCriteria(t *testing.T) {
	assert.Equal(t, []string{"1.1.1"}, Criteria([]string{"cat.text-alternatives", "wcag2a", "wcag111", "section508"}))
	assert.Equal(t, []string{"1.4.3"}, Criteria([]string{"wcag2aa", "wcag143", "TTv5", "EN-9.1.4.3"}))
	assert.Equal(t, []string{"1.4.10"}, Criteria([]string{"wcag1410"}))
	assert.Equal(t, []string{"2.4.11"}, Criteria([]string{"wcag22aa", "wcag2411"}))
	assert.Equal(t, []string{"4.1.2", "1.3.1"}, Criteria([]string{"wcag412", "wcag131", "wcag412"}))
	assert.Empty(t, Criteria([]string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "wcag2aaa", "best-practice", "wcag2a-obsolete"}))
	assert.Empty(t, Criteria(nil))
}

func TestPageKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://epr.example/patients/9990000018/record?tab=2", "/patients/{id}/record"},
		{"http://localhost:8080/", "/"},
		{"http://localhost:8080", "/"},
		{"http://localhost:8080/patients/", "/patients"},
		{"/patients/42", "/patients/{id}"},
		{"https://epr.example/patients/999%20000%200018", "/patients/{id}"},
		{"https://epr.example/patients/999-000-0018/allergies", "/patients/{id}/allergies"},
		{"https://epr.example/encounters/3fa85f64-5717-4562-b3fc-2c963f66afa6/notes", "/encounters/{id}/notes"},
		{"https://epr.example/Patient/3FA85F64-5717-4562-B3FC-2C963F66AFA6", "/Patient/{id}"},
		{"https://epr.example/docs/507f1f77bcf86cd799439011", "/docs/{id}"},
		{"http://orthanc:8042/patients/d0e0a5a3-3d8d2b4d-a6e0a5c1-0f0d5c43-3e7a4b11", "/patients/{id}"},
		{"http://orthanc:8042/app/explorer.html#patient?uuid=d0e0a5a3-3d8d2b4d-a6e0a5c1-0f0d5c43-3e7a4b11", "/app/explorer.html#patient"},
		{"https://epr.example/#/encounters/3fa85f64-5717-4562-b3fc-2c963f66afa6?x=1", "/#/encounters/{id}"},
		{"https://epr.example/app#/patients/9990000018/", "/app#/patients/{id}"},
		// Words are not ids, even hex-looking short ones.
		{"https://epr.example/clinics/cafe/beds", "/clinics/cafe/beds"},
		{"https://epr.example/patients/search", "/patients/search"},
		{"https://epr.example/v2/patients", "/v2/patients"},
		{"about:blank", "about:blank"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, PageKey(tt.in), tt.in)
	}
}
